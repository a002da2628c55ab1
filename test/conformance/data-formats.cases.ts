// Data in as users have it (issue 16; data-file items of issue 22): each observed reader bug as a case, a corpus of
// real-format fixtures (MovieLens, Last.fm, Amazon, Goodreads/Yelp, generic CSV) in UTF-8/latin-1 and LF/CRLF/CR
// with expected rows, ids and weights, every input kind, and a fuzz run that may only end in a correct result or a
// typed error naming source, line and field. Identical on every runtime.
import {
  readInteractions,
  readRecords,
  readAttributes,
  buildFeatures,
  Vocabulary,
  describeDecisions,
  DataFormatError,
  InvalidArgumentError,
  UnknownOptionError,
  RecwiseError,
  type Id,
  type ReadRecordsResult,
} from 'recwise';
import { test } from './harness.ts';
import { chunked } from './fixtures.ts';
import { deepEqual, equal, ok, rejects, rng } from './assert.ts';

const enc = new TextEncoder();

/** windows-1252 bytes of a string made of code points < 256 (what a latin-1 export writes). */
function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c > 255) throw new Error('not latin-1');
    out[k] = c;
  }
  return out;
}


async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const out = new Response(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>));
  return new Uint8Array(await out.arrayBuffer());
}

const UDATA = '196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n244\t51\t2\t880606923\n';

// ---- the observed bugs ------------------------------------------------------------------------------------------

test('data/formats: a header-less u.data under any name loses no row (sniffed, or with columns by index)', async () => {
  for (const opts of [{}, { columns: { user: 0, item: 1, weight: 2, timestamp: 3 } }, { format: 'tsv' as const }]) {
    const r = await readRecords({ text: UDATA, name: 'ratings.txt' }, opts);
    equal(r.rows, 4, JSON.stringify(opts));
    deepEqual(Array.from(r.users), [196, 186, 22, 244]);
    deepEqual(r.weights, [3, 3, 1, 2]);
    equal(r.decisions.header, false);
    equal(r.decisions.delimiter, '\t');
  }
  // header: false forces data even where line 1 looks like names
  const r = await readRecords({ text: 'user\titem\nann\tdune\n' }, { header: false });
  deepEqual(r.users, ['user', 'ann']);
});

test('data/formats: a line 1 that could be a header or data is an error showing both readings', async () => {
  const text = 'ann,dune\nbob,emma\n';
  await rejects(() => readRecords({ text, name: 'pairs.csv' }), DataFormatError, { line: 1, field: 'header' });
  await rejects(() => readRecords({ text, name: 'pairs.csv' }), DataFormatError, /could be a header .*or the first record .*user "ann".*--no-header/);
  equal((await readRecords({ text }, { header: false })).rows, 2);
  equal((await readRecords({ text }, { header: true, columns: { user: 0, item: 1 } })).rows, 1);
  // string ids with a header using known names: a header
  const h = await readRecords({ text: 'customer_id,product_id\nann,dune\n' });
  deepEqual(h.decisions.header, ['customer_id', 'product_id']);
  deepEqual(h.users, ['ann']);
});

test('data/formats: latin-1 text is decoded when named, for MovieLens presets, and when UTF-8 does not fit', async () => {
  const bytes = latin1('user\titem\nzoé\tLes Misérables (1995)\nrené\tCafé\n');
  for (const opts of [{ encoding: 'latin1' }, { encoding: 'windows-1252' }, {}]) {
    const r = await readRecords(bytes, opts);
    deepEqual(r.users, ['zoé', 'rené'], JSON.stringify(opts));
    deepEqual(r.items, ['Les Misérables (1995)', 'Café']);
    equal(r.decisions.encoding, 'windows-1252');
  }
  ok((await readRecords(bytes)).decisions.sniffed.includes('encoding'));
  // windows-1252's 0x80–0x9F: € and curly quotes
  const cp = await readRecords(new Uint8Array([...enc.encode('user,item\n1,'), 0x80, 0x93, 0x78, 0x94, 10]), { encoding: 'cp1252' });
  deepEqual(cp.items, ['€“x”']);
  // UTF-8 with a BOM
  const bom = await readRecords(new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode('user,item\nzoë,日本\n')]));
  deepEqual(bom.decisions.header, ['user', 'item']);
  deepEqual(bom.users, ['zoë']);
  // a latin-1 file whose first accent is far past the sniffed prefix (MovieLens u.item): decided at that byte
  const late = new Uint8Array([...enc.encode('user\titem\n' + 'a\tb\n'.repeat(20000) + 'x\t'), 0xe9, 10]);
  for (const src of [late, chunked(late, 4096)]) {
    const r = await readRecords(src, { name: 'late.tsv' });
    equal(r.items[20000], 'é');
    equal(r.decisions.encoding, 'windows-1252');
  }
  // UTF-8 accents first, then a latin-1 byte: a bad line naming the encoding, never mangled text
  const mixed = new Uint8Array([...enc.encode('user\titem\nzoë\tb\n' + 'a\tb\n'.repeat(20000) + 'x\t'), 0xe9, 10]);
  await rejects(() => readRecords(chunked(mixed, 4096), { name: 'mixed.tsv' }), DataFormatError, { line: 20003, field: 'item' });
  await rejects(() => readRecords(mixed, { name: 'mixed.tsv' }), DataFormatError, /not valid UTF-8.*latin1/);
  // records may carry Date timestamps
  deepEqual((await readRecords([{ user: 'a', item: 'b', time: new Date(Date.UTC(2020, 0, 1)) }])).timestamps, [1577836800]);
});

test('data/formats: LF, CRLF and CR-only line ends give the same rows, in any chunking', async () => {
  for (const eol of ['\n', '\r\n', '\r']) {
    const text = ['user,item,rating', '1,10,4', '2,20,5', '3,30,1'].join(eol) + eol;
    for (const size of [1, 3, 1000]) {
      const r = await readRecords(chunked(enc.encode(text), size));
      equal(r.rows, 3, `eol ${JSON.stringify(eol)} chunk ${size}`);
      deepEqual(r.weights, [4, 5, 1]);
    }
    equal((await readRecords({ text })).decisions.lineEnding, eol === '\n' ? 'LF' : eol === '\r\n' ? 'CRLF' : 'CR');
  }
});

test('data/formats: the delimiter is sniffed (tab, comma, semicolon, pipe, ::) and a wrong one is named with the fix', async () => {
  for (const d of ['\t', ',', ';', '|', '::']) {
    const text = ['user', 'item', 'rating'].join(d) + '\n' + ['1', 'x, y', '4'].join(d === ',' ? ';' : d).replace(/;/g, d) + '\n' + ['2', 'z', '5'].join(d) + '\n';
    const r = await readRecords({ text: d === ',' ? 'user,item,rating\n1,x y,4\n2,z,5\n' : text, name: 'ratings.csv' });
    equal(r.decisions.delimiter, d);
    deepEqual(Array.from(r.users), [1, 2]);
    deepEqual(r.weights, [4, 5]);
  }
  // an explicit delimiter that does not split the lines: the error names the one that does
  await rejects(() => readRecords({ text: 'user;item\n1;2\n', name: 'eu.csv' }, { delimiter: ',' }), InvalidArgumentError, /delimiter: ';'/);
  // columns not found: the fix names header: false and the columns option
  await rejects(() => readRecords({ text: 'a\tb\n1\t2\n' }), InvalidArgumentError, /columns: \{ user: 'a', item: 'b' \}.*header: false/);
});

test('data/formats: minRating keeps ratings at or above it and counts the rest; duplicates policy and merges are counted', async () => {
  const text = 'user,item,rating,timestamp\n1,10,5,1\n1,20,3,2\n2,10,4,3\n2,10,4.5,4\n2,30,2,5\n';
  const r = await readInteractions({ text }, { minRating: 4 });
  equal(r.rows, 3);
  equal(r.belowMinRating, 2);
  equal(r.mergedRows, 1);
  equal(r.interactions.nnz, 2);
  for (const [duplicates, want] of [['sum', 8.5], ['max', 4.5], ['last', 4.5]] as const) {
    const d = await readInteractions({ text }, { minRating: 4, duplicates });
    const u = d.interactions.users.indexOf(2)!;
    const i = d.interactions.items.indexOf(10)!;
    const { indptr, indices, data } = d.interactions.byUser;
    let w = NaN;
    for (let p = indptr[u]; p < indptr[u + 1]; p++) if (indices[p] === i) w = data[p];
    equal(w, want, duplicates);
  }
  await rejects(() => readInteractions({ text: 'user,item\n1,2\n' }, { minRating: 4 }), InvalidArgumentError, { field: 'minRating' });
  await rejects(() => readInteractions({ text: 'user,item,rating\n1,2,1\n', name: 'low.csv' }, { minRating: 4 }), DataFormatError, /low\.csv.*below minRating/);
});

test('data/formats: unknown option keys are refused with the closest valid key', async () => {
  await rejects(() => readRecords({ text: UDATA }, { seperator: ';' } as never), UnknownOptionError, /seperator.*did you mean `delimiter`/);
  await rejects(() => readInteractions({ text: UDATA }, { minrating: 4 } as never), UnknownOptionError, /did you mean `minRating`/);
  await rejects(() => readInteractions({ text: UDATA }, { duplicate: 'max' } as never), UnknownOptionError, /did you mean `duplicates`/);
  await rejects(() => readRecords({ text: UDATA }, { columns: { users: 0, item: 1 } } as never), UnknownOptionError, /did you mean `user`/);
  await rejects(() => readRecords({ text: UDATA }, { encoding: 'utf-16' }), InvalidArgumentError, { field: 'encoding' });
});

test('data/formats: zero usable rows (empty, header only, all skipped, one long line) is an error naming the source', async () => {
  for (const text of ['', '\n\n', 'user\titem\tweight\n']) await rejects(() => readRecords({ text, name: 'train.tsv' }), DataFormatError, { source: 'train.tsv', field: 'rows' });
  await rejects(() => readRecords({ text: 'user\titem\tweight\n1\t2\tx\n', name: 't.tsv' }, { onBadLine: 'skip' }), DataFormatError, /t\.tsv.*no usable rows: all 1 data lines were skipped/);
  const long = 'user,item,' + 'x'.repeat(1 << 20);
  await rejects(() => readRecords({ text: long, name: 'long.csv' }), DataFormatError, { source: 'long.csv', field: 'rows' });
});

test('data/formats: a weight beyond float32 (1e308) is a bad line naming source, line and field', async () => {
  for (const text of ['user\titem\tweight\n1\t2\t3\n1\t3\t1e308\n', 'user\titem\tweight\n1\t2\t3\n1\t3\t"1e308"\n']) {
    await rejects(() => readInteractions({ text, name: 'big.tsv' }), DataFormatError, { source: 'big.tsv', line: 3, field: 'weight' });
  }
  await rejects(() => readInteractions([{ user: 1, item: 2, rating: -1e39 }], { name: 'recs' }), DataFormatError, { line: 1, field: 'weight' });
  // each weight fits float32 but their sum does not: a typed error, never an Infinity in the dataset
  await rejects(() => readInteractions({ text: 'user\titem\tweight\n1\t2\t3e38\n1\t2\t3e38\n' }), InvalidArgumentError, { field: 'weights' });
  equal((await readInteractions({ text: 'user\titem\tweight\n1\t2\t3e38\n1\t2\t3e38\n' }, { duplicates: 'max' })).interactions.nnz, 1);
});

test('data/formats: gzip is read by magic bytes (any name), and UTF-16 or binary input is refused by name', async () => {
  const gz = await gzip(enc.encode(UDATA));
  for (const src of [gz, { name: 'u.data.gz' }]) {
    const r = await readRecords(src instanceof Uint8Array ? chunked(src, 7) : gz, { name: (src as { name?: string }).name });
    equal(r.rows, 4);
    equal(r.decisions.compression, 'gzip');
    deepEqual(r.weights, [3, 3, 1, 2]);
  }
  // a truncated gzip file: a typed error, not a shortened result
  await rejects(() => readRecords(gz.subarray(0, gz.length - 12), { name: 'cut.tsv.gz' }), DataFormatError, { source: 'cut.tsv.gz' });
  const utf16 = new Uint8Array([0xff, 0xfe, ...Array.from(enc.encode('u,i\n1,2\n')).flatMap((b) => [b, 0])]);
  await rejects(() => readRecords(utf16, { name: 'w.csv' }), DataFormatError, /w\.csv:1: encoding: encoding not supported: UTF-16LE/);
  await rejects(() => readRecords(new Uint8Array([1, 0, 2, 0, 3, 0, 10]), { name: 'b.bin' }), DataFormatError, { field: 'encoding' });
});

test('data/formats: every input kind: Blob/File, Response, async iterables of bytes, lines and records, arrays of records', async () => {
  const expectU = (r: { users: ArrayLike<Id> }, what: string) => deepEqual(Array.from(r.users), [196, 186, 22, 244], what);
  expectU(await readRecords(new Blob([UDATA])), 'blob');
  if (typeof File !== 'undefined') {
    const f = await readRecords(new File([UDATA], 'u.data'));
    equal(f.source, 'u.data');
    equal(f.decisions.format, 'ml-100k');
  }
  expectU(await readRecords(new Response(UDATA)), 'response');
  async function* bytes() {
    const b = enc.encode(UDATA);
    for (let k = 0; k < b.length; k += 5) yield b.subarray(k, k + 5);
  }
  expectU(await readRecords(bytes()), 'async bytes (a Node stream)');
  async function* lines() {
    yield* UDATA.trimEnd().split('\n');
  }
  expectU(await readRecords(lines()), 'async lines');
  const records = [{ userId: 196, movieId: 242, rating: 3 }, { userId: 186, movieId: 302, rating: 3 }, { userId: 22, movieId: 377, rating: 1 }, { userId: 244, movieId: 51, rating: 2 }];
  const a = await readRecords(records);
  expectU(a, 'array of records');
  deepEqual(a.weights, [3, 3, 1, 2]);
  equal(a.decisions.format, 'records');
  async function* recs() {
    yield* records;
  }
  expectU(await readRecords(recs()), 'async records');
  await rejects(() => readRecords([{ userId: 1, movieId: 2 }, { userId: 1 }], { name: 'recs' }), DataFormatError, { source: 'recs', line: 2, field: 'item' });
  const progress: Array<[number, number]> = [];
  await readRecords(new Blob([UDATA]), { onProgress: (p) => progress.push([p.done, p.total]) });
  deepEqual(progress[progress.length - 1], [UDATA.length, UDATA.length], 'a Blob reports its size as the total');
});

// ---- the fixture corpus -------------------------------------------------------------------------------------------

interface Fixture {
  name: string;
  text: string;
  rows: number;
  users: Id[];
  items: Id[];
  weights?: number[];
  timestamps?: number[];
  decided?: RegExp;
}

const FIXTURES: Fixture[] = [
  { name: 'ml-100k/u.data', text: UDATA, rows: 4, users: [196, 186], items: [242, 302], weights: [3, 3], timestamps: [881250949, 891717742] },
  { name: 'ml-1m/ratings.dat', text: '1::1193::5::978300760\n1::661::3::978302109\n', rows: 2, users: [1, 1], items: [1193, 661], weights: [5, 3], timestamps: [978300760, 978302109] },
  { name: 'ml-10m-ratings.txt', text: '1::122::5::838985046\n1::185::4.5::838983525\n', rows: 2, users: [1, 1], items: [122, 185], weights: [5, 4.5], decided: /'::'-separated, no header/ },
  {
    name: 'ml-25m/ratings.csv', text: 'userId,movieId,rating,timestamp\n1,296,5.0,1147880044\n1,306,3.5,1147868817\n', rows: 2, users: [1, 1], items: [296, 306], weights: [5, 3.5],
    decided: /header \(userId, movieId, rating, timestamp\), columns user=userId item=movieId weight=rating timestamp=timestamp/,
  },
  {
    name: 'userid-timestamp-artid-artname-traid-traname.tsv',
    text: 'user_000001\t2009-05-04T23:08:57Z\tf1b1cf71-bd35-4e99-8624-24a6e15f133a\tDeep Dish\t\tFuck Me Im Famous (Pacha Ibiza)-09-28-2007\nuser_000001\t2009-05-04T13:54:10Z\ta7f7df4a-77d8-4f12-8acd-5c60c93f4de8\t坂本龍一\t\tComposition 0919 (Live_2009_4_15)\nuser_000002\t2009-05-04T13:52:04Z\t\tRyuichi Sakamoto\t\tMc2 (Live_2009_4_15)\n',
    rows: 3, users: ['user_000001', 'user_000001', 'user_000002'], items: ['Deep Dish', '坂本龍一', 'Ryuichi Sakamoto'], timestamps: [1241478537, 1241445250, 1241445124],
    decided: /lastfm-1k layout/,
  },
  {
    name: 'usersha1-artmbid-artname-plays.tsv',
    text: '00000c289a1829a808ac09c00daf10bc3c4e223b\t3bd73256-3905-4f3a-97e2-8b341527f805\tbetty blowtorch\t2137\n00000c289a1829a808ac09c00daf10bc3c4e223b\t\tdie Ärzte\t1099\n',
    rows: 2, users: ['00000c289a1829a808ac09c00daf10bc3c4e223b', '00000c289a1829a808ac09c00daf10bc3c4e223b'], items: ['betty blowtorch', 'die Ärzte'], weights: [2137, 1099], decided: /lastfm-360k layout/,
  },
  { name: 'ratings_Beauty.csv', text: 'A39HTATAQ9V7YF,0205616461,5.0,1369699200\nA3JM6GV9MNOF9X,0558925278,3.0,1355443200\n', rows: 2, users: ['A39HTATAQ9V7YF', 'A3JM6GV9MNOF9X'], items: ['0205616461', '0558925278'], weights: [5, 3], timestamps: [1369699200, 1355443200] },
  {
    name: 'amazon-reviews.csv', text: 'rating,title,text,asin,parent_asin,user_id,timestamp\n5.0,"Great, really","He said ""wow""",B00YQ6X8EO,B00YQ6X8EO,AGKHLEW2SOWHNMFQIJGBECAF7INQ,1588687728923\n', rows: 1,
    users: ['AGKHLEW2SOWHNMFQIJGBECAF7INQ'], items: ['B00YQ6X8EO'], weights: [5], timestamps: [1588687728923],
  },
  {
    name: 'Beauty_5.json', text: '{"overall": 5.0, "verified": true, "reviewTime": "09 13, 2009", "reviewerID": "A3HU0B9XUEVHIM", "asin": "0977169403", "unixReviewTime": 1252800000}\n{"overall": 1.0, "reviewerID": "A1", "asin": "B2", "unixReviewTime": 1252800001}\n',
    rows: 2, users: ['A3HU0B9XUEVHIM', 'A1'], items: ['0977169403', 'B2'], weights: [5, 1], timestamps: [1252800000, 1252800001], decided: /jsonl.*user=reviewerID item=asin weight=overall timestamp=unixReviewTime/,
  },
  {
    name: 'goodreads_interactions.json', text: '{"user_id": "8842281e1d1347389f2ab93d60773d4d", "book_id": "24375664", "review_id": "5cd416f3efc3f944fce4ce2db2290d5e", "is_read": true, "rating": 5, "date_added": "Mon Aug 01 13:41:57 -0700 2016"}\n',
    rows: 1, users: ['8842281e1d1347389f2ab93d60773d4d'], items: ['24375664'], weights: [5],
  },
  {
    name: 'yelp_academic_dataset_review.json', text: '{"review_id":"KU_O5udG6zpxOg-VcAEodg","user_id":"mh_-eMZ6K5RLWhZyISBhwA","business_id":"XQfwVwDr-v0ZS3_CbbE5Xw","stars":3.0,"date":"2018-07-07 22:09:11"}\n',
    rows: 1, users: ['mh_-eMZ6K5RLWhZyISBhwA'], items: ['XQfwVwDr-v0ZS3_CbbE5Xw'], weights: [3], timestamps: [1531001351],
  },
  { name: 'goodreads_interactions.csv', text: 'user_id,book_id,is_read,rating,is_reviewed\n0,948,1,5,0\n0,947,1,0,0\n', rows: 2, users: [0, 0], items: [948, 947], weights: [5, 0] },
  { name: 'BX-Book-Ratings.csv', text: '"User-ID";"ISBN";"Book-Rating"\n"276725";"034545104X";"0"\n"276726";"0155061224";"5"\n', rows: 2, users: [276725, 276726], items: ['034545104X', '0155061224'], weights: [0, 5] },
  { name: 'export.csv', text: 'customer,sku,qty,when\nann,A-1,2,2024-01-31\nbob,B-2,1,2024-02-01T10:00:00+01:00\n', rows: 2, users: ['ann', 'bob'], items: ['A-1', 'B-2'], weights: [2, 1], timestamps: [1706659200, 1706778000] },
];

test('data/formats: fixture corpus in every encoding and line ending: rows, ids, weights and timestamps', async () => {
  for (const fx of FIXTURES) {
    const jsonl = /\.json$/.test(fx.name);
    const encodings = /[^\x00-\xff]/.test(fx.text) ? ['utf-8'] : ['utf-8', 'latin-1'];
    for (const encoding of encodings) {
      for (const eol of jsonl ? ['\n', '\r\n'] : ['\n', '\r\n', '\r']) {
        const text = fx.text.replace(/\n/g, eol);
        const bytes = encoding === 'utf-8' ? enc.encode(text) : latin1(text);
        const what = `${fx.name} ${encoding} ${JSON.stringify(eol)}`;
        // the export.csv columns are not standard names; map them as a user would
        const opts = fx.name === 'export.csv' ? { columns: { user: 'customer', item: 'sku', weight: 'qty', timestamp: 'when' } } : {};
        let r: ReadRecordsResult;
        try {
          r = await readRecords(chunked(bytes, 13), { ...opts, name: fx.name });
        } catch (e) {
          throw new Error(`${what}: ${(e as Error).message}`);
        }
        equal(r.rows, fx.rows, what);
        deepEqual(Array.from(r.users).slice(0, fx.users.length), fx.users, what);
        deepEqual(Array.from(r.items).slice(0, fx.items.length), fx.items, what);
        if (fx.weights) deepEqual(Array.from(r.weights!).slice(0, fx.weights.length), fx.weights, what);
        if (fx.timestamps) deepEqual(Array.from(r.timestamps!).slice(0, fx.timestamps.length), fx.timestamps, what);
        if (fx.decided) ok(fx.decided.test(describeDecisions(r.decisions)), `${what}: ${describeDecisions(r.decisions)}`);
      }
    }
  }
});

// ---- fuzz -------------------------------------------------------------------------------------------------------

/** A read may end in a result or a typed error that names the source (and, for a bad line, a line ≥ 1). */
async function outcome(bytes: Uint8Array, name: string, opts: Record<string, unknown> = {}): Promise<ReadRecordsResult | RecwiseError> {
  try {
    return await readRecords(chunked(bytes, 1 + (bytes.length % 97)), { name, ...opts });
  } catch (e) {
    ok(e instanceof RecwiseError, `${name}: untyped ${(e as Error)?.name}: ${(e as Error)?.message}`);
    if (e instanceof DataFormatError) {
      equal(e.source, name);
      ok(e.line >= 1 && e.field !== undefined, `${name}: ${e.message}`);
    }
    return e;
  }
}

test('data/formats: fuzz: random bytes, truncations, huge lines and mixed delimiters give a typed error or a correct result', async () => {
  const r11 = rng(16);
  const rand = () => (r11() + 1) / 2; // [0, 1)
  // random bytes (text-like and binary)
  for (let c = 0; c < 60; c++) {
    const n = 1 + Math.floor(rand() * 3000);
    const b = new Uint8Array(n);
    const alphabet = c % 2 ? null : enc.encode('0123456789,;\t|:\n\r"ab é');
    for (let k = 0; k < n; k++) b[k] = alphabet ? alphabet[Math.floor(rand() * alphabet.length)] : Math.floor(rand() * 256);
    await outcome(b, `random-${c}`);
  }
  // truncations of a valid file: never a silently shortened result
  const lines = ['user,item,rating,timestamp'];
  for (let k = 0; k < 300; k++) lines.push(`${1 + (k % 17)},${100 + ((k * 7) % 53)},${1 + (k % 5)},${1000 + k}`);
  const full = enc.encode(lines.join('\n') + '\n');
  for (let c = 0; c < 40; c++) {
    const cut = Math.floor(rand() * full.length);
    const r = await outcome(full.subarray(0, cut), `cut-${cut}`);
    if (r instanceof RecwiseError) continue;
    const text = new TextDecoder().decode(full.subarray(0, cut));
    const complete = text.split('\n').length - 2; // data lines ending in a line break
    ok(r.rows === complete || r.rows === complete + 1, `cut ${cut}: ${r.rows} rows from ${complete} complete lines`);
    for (let k = 0; k < r.rows; k++) {
      const [u, i] = lines[k + 1].split(',');
      equal(r.users[k], Number(u), `cut ${cut} row ${k}`);
      if (k < complete) equal(r.items[k], Number(i), `cut ${cut} row ${k}`);
    }
  }
  // a huge line (2 MiB) in the middle: read whole or refused, never split
  const huge = enc.encode(`user,item\n1,${'x'.repeat(2 << 20)}\n2,y\n`);
  const h = await outcome(huge, 'huge.csv');
  ok(!(h instanceof RecwiseError), 'a 2 MiB field is data');
  if (!(h instanceof RecwiseError)) equal((h.items[0] as string).length, 2 << 20);
  // mixed delimiters: the line that does not fit is named
  const mixed = enc.encode('user,item,rating\n1,2,3\n4;5;6\n7,8,9\n');
  const m = await outcome(mixed, 'mixed.csv');
  ok(m instanceof DataFormatError && m.line === 3, `mixed: ${m instanceof Error ? m.message : 'a result'}`);
  const skipped = await readRecords(mixed, { onBadLine: 'skip' });
  equal(skipped.rows, 2);
  equal(skipped.skipped, 1);
});

// ---- features from attribute tables -----------------------------------------------------------------------------

test('data/formats: attribute tables give categorical, multi-valued, bucketed and flag features with an inspectable vocabulary', async () => {
  const text = 'movieId|title|genres|year|Action|Drama\n1|Heat|Crime,Thriller|1995|1|1\n2|Amélie|Comedy,Romance|2001|0|0\n3|Alien|Horror|1979|1|0\n4|Up|Animation|2009|0|1\n';
  const t = await readAttributes(latin1(text), { columns: ['genres:multi', 'year:bucket2', 'Action..Drama:flag', 'title'] });
  deepEqual(t.rows.map((r) => r.id), [1, 2, 3, 4]);
  deepEqual([...t.rows[0].features].sort(), ['Action', 'Drama', 'genres:Crime', 'genres:Thriller', 'title:Heat', 'year:..2001'].sort());
  ok(t.rows[1].features.includes('title:Amélie'), 'latin-1 sniffed');
  deepEqual(t.vocabulary.find((v) => v.feature === 'Action'), { feature: 'Action', count: 2 });
  deepEqual(t.vocabulary.filter((v) => v.feature.startsWith('year:')).map((v) => [v.feature, v.count]), [['year:..2001', 2], ['year:2001..', 2]]);
  // the rows feed buildFeatures (LightFM's feature matrices)
  const items = Vocabulary.from([1, 2, 3, 4]);
  const m = await buildFeatures(items, t.rows);
  equal(m.identityFeatures, 4);
  equal(m.nFeatures, 4 + t.vocabulary.length);
  await rejects(() => readAttributes({ text }, { columns: ['genre'] }), InvalidArgumentError, /genres/);
  await rejects(() => readAttributes({ text }, { columns: ['genres'], seperator: '|' } as never), UnknownOptionError, /did you mean `delimiter`/);
  await rejects(() => readAttributes({ text: 'id|year\n1|soon\n2|1999\n' }, { columns: ['year:bucket2'] }), DataFormatError, { line: 2, field: 'year' });
});
