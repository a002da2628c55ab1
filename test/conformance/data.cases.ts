// Data conformance: dataset builder, features, hashing, readers and splits, identical on every runtime.
import {
  init,
  DatasetBuilder,
  buildFeatures,
  murmur3_32,
  moduloBucket,
  HashedVocabulary,
  readInteractions,
  readRecords,
  randomSplit,
  temporalSplit,
  leaveKOut,
  globalTemporalSplit,
  Vocabulary,
  Interactions,
  InvalidArgumentError,
  DataFormatError,
  AbortError,
  type Id,
} from 'recwise';
import { test } from './harness.ts';
import { chunked } from './fixtures.ts';
import { close, deepEqual, equal, ok, rejects, throws } from './assert.ts';

const enc = new TextEncoder();


/** (userId, itemId, weight) triples of an Interactions, in CSR order. */
function triples(x: Interactions): [Id, Id, number][] {
  const out: [Id, Id, number][] = [];
  for (let u = 0; u < x.nUsers; u++) {
    const items = x.itemsOf(u);
    const w = x.weightsOf(u);
    for (let k = 0; k < items.length; k++) out.push([x.users.idAt(u), x.items.idAt(items[k]), w[k]]);
  }
  return out;
}

// ---- DatasetBuilder ---------------------------------------------------------------------------------------------

for (const backend of ['js', 'wasm'] as const) {
  test(`data/builder (${backend}): records and columns map ids in first-seen order, default duplicates sum`, async () => {
    await init({ backend });
    const b = new DatasetBuilder();
    b.add({ user: 'ann', item: 'dune', weight: 2 });
    b.addColumns({ users: ['bob', 'bob', 'ann'], items: ['emma', 'dune', 'dune'], weights: [1, 3, 0.5] });
    const x = await b.build();
    deepEqual(x.users.ids(), ['ann', 'bob']);
    deepEqual(x.items.ids(), ['dune', 'emma']);
    deepEqual(triples(x), [['ann', 'dune', 2.5], ['bob', 'dune', 3], ['bob', 'emma', 1]]);
    equal(b.stats.inputRows, 4);
    equal(b.stats.pairs, 3);
    await init();
  });
}

test('data/builder: duplicates max and last; last follows timestamps, then input order', async () => {
  const rows = [
    { user: 1, item: 10, weight: 5, timestamp: 300 },
    { user: 1, item: 10, weight: 2, timestamp: 100 },
    { user: 1, item: 11, weight: 1, timestamp: 50 },
    { user: 1, item: 11, weight: 7, timestamp: 50 },
  ];
  const max = new DatasetBuilder({ duplicates: 'max' });
  const last = new DatasetBuilder({ duplicates: 'last' });
  const sum = new DatasetBuilder();
  for (const r of rows) {
    max.add(r);
    last.add(r);
    sum.add(r);
  }
  const xm = await max.build();
  const xl = await last.build();
  const xs = await sum.build();
  deepEqual(xm.weightsOf(0), [5, 7]);
  // item 10: the row at t=300 is latest although it came first; item 11: tie at t=50 → the later input row
  deepEqual(xl.weightsOf(0), [5, 7]);
  deepEqual(xs.weightsOf(0), [7, 8]);
  // a merged pair keeps its latest timestamp
  deepEqual(xs.timestamps, [300, 50]);
});

test('data/builder: binary sets every weight to 1, also for repeated pairs', async () => {
  const b = new DatasetBuilder({ binary: true });
  b.addColumns({ users: [1, 1, 2], items: [5, 5, 6], weights: [4, 5, 3] });
  const x = await b.build();
  deepEqual(x.byUser.data, [1, 1]);
});

test('data/builder: sortIds orders ids as the protocol does (numbers ascending, then strings)', async () => {
  const b = new DatasetBuilder({ sortIds: true });
  b.addColumns({ users: [30, 4, 100, 'x', 4], items: [9, 2, 9, 2, 7] });
  const x = await b.build();
  deepEqual(x.users.ids(), [4, 30, 100, 'x']);
  deepEqual(x.items.ids(), [2, 7, 9]);
  deepEqual(triples(x), [[4, 2, 1], [4, 7, 1], [30, 9, 1], [100, 9, 1], ['x', 2, 1]]);
});

test('data/builder: a seeded vocabulary maps a test set; unknown users and items are dropped and counted', async () => {
  const train = await new DatasetBuilder().addColumns({ users: ['a', 'b'], items: ['x', 'y'] }).build();
  const t = new DatasetBuilder({ users: train.users, items: train.items });
  t.addColumns({ users: ['a', 'c', 'b', 'b'], items: ['y', 'x', 'z', 'x'] });
  const test = await t.build();
  ok(test.users === train.users && test.items === train.items, 'test shares the train vocabularies');
  deepEqual(triples(test), [['a', 'y', 1], ['b', 'x', 1]]);
  equal(t.stats.droppedUnknownUser, 1);
  equal(t.stats.droppedUnknownItem, 1);
  // 'error' names the row
  const strict = new DatasetBuilder({ users: train.users, items: train.items, unknownItems: 'error' });
  throws(() => strict.addColumns({ users: ['a', 'a'], items: ['x', 'nope'] }), InvalidArgumentError, { field: 'interactions[1].item' });
});

test('data/builder: vocabularies grow incrementally (fit_partial) without changing earlier indices', async () => {
  const first = await new DatasetBuilder().addColumns({ users: ['u1'], items: ['i1'] }).build();
  const more = new DatasetBuilder({ users: first.users, items: first.items, unknownUsers: 'add', unknownItems: 'add' });
  more.addColumns({ users: ['u2', 'u1'], items: ['i2', 'i1'] });
  const x = await more.build();
  deepEqual(x.users.ids(), ['u1', 'u2']);
  deepEqual(x.items.ids(), ['i1', 'i2']);
  equal(first.users.size, 1, 'the seeded vocabulary itself is not changed');
});

test('data/builder: non-finite weights, bad ids and mixed timestamps are typed errors naming the row', () => {
  const b = new DatasetBuilder();
  b.add({ user: 1, item: 1, weight: 1 });
  throws(() => b.add({ user: 1, item: 2, weight: NaN }), InvalidArgumentError, { field: 'interactions[1].weight' });
  throws(() => b.add({ user: null as unknown as Id, item: 2 }), InvalidArgumentError, { field: 'interactions[2].user' });
  throws(() => b.add({ user: 1, item: Infinity }), InvalidArgumentError, { field: 'interactions[3].item' });
  throws(() => b.add({ user: 1, item: 3, timestamp: 5 }), InvalidArgumentError, { field: 'interactions[4].timestamp' });
  throws(() => new DatasetBuilder({ duplicates: 'first' as 'sum' }), InvalidArgumentError, { field: 'duplicates' });
  throws(() => b.addColumns({ users: [1, 2], items: [1] }), InvalidArgumentError, { field: 'columns.items' });
});

// ---- features ---------------------------------------------------------------------------------------------------

test('data/features: identity first, named features after, rows normalised to sum 1 (LightFM)', async () => {
  const items = Vocabulary.from(['dune', 'emma', 'heat']);
  const f = await buildFeatures(items, [
    { id: 'dune', features: ['sf', ['year:1965', 0.5]] },
    { id: 'heat', features: ['crime', 'crime'] },
  ]);
  equal(f.identityFeatures, 3);
  deepEqual(f.featureVocabulary.ids(), ['sf', 'year:1965', 'crime']);
  equal(f.nFeatures, 6);
  const m = f.matrix;
  deepEqual(m.indptr, [0, 3, 4, 6]);
  deepEqual(m.indices, [0, 3, 4, 1, 2, 5]);
  // dune: 1, 1, 0.5 → /2.5; emma: identity only; heat: 1 + crime twice (summed to 2) → /3
  close(m.data, [0.4, 0.4, 0.2, 1, 1 / 3, 2 / 3], 1e-6);
  const raw = await buildFeatures(items, [{ id: 'dune', features: [['sf', 3]] }], { normalize: false });
  close(raw.matrix.data, [1, 3, 1, 1], 0);
});

test('data/features: without identity features an entity with no feature cannot be normalised', async () => {
  const users = Vocabulary.from([1, 2]);
  await rejects(() => buildFeatures(users, [{ id: 1, features: ['a'] }], { identity: false }), InvalidArgumentError, /features of 2/);
  const ok1 = await buildFeatures(users, [{ id: 1, features: ['a'] }, { id: 2, features: [['b', -2], 'a'] }], { identity: false });
  close(ok1.matrix.data, [1, 1 / 3, -2 / 3], 1e-6);
  await rejects(() => buildFeatures(users, [{ id: 3, features: ['a'] }]), InvalidArgumentError, { field: 'rows[0].id' });
  await rejects(() => buildFeatures(users, [{ id: 1, features: ['new'] }], { features: ok1.featureVocabulary }), InvalidArgumentError);
});

// ---- hashing ----------------------------------------------------------------------------------------------------

test('data/hashing: murmur3_32 matches the reference MurmurHash3_x86_32 test vectors', () => {
  // Published vectors for MurmurHash3_x86_32, each checked against the canonical C++ (smhasher MurmurHash3.cpp).
  const vectors: [string | Uint8Array, number, number][] = [
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    [new Uint8Array([0, 0, 0, 0]), 0, 0x2362f9de],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['aaa', 0x9747b28c, 0x283e0130],
    ['aa', 0x9747b28c, 0x5d211726],
    ['a', 0x9747b28c, 0x7fa09ea6],
    ['abcd', 0x9747b28c, 0xf0478627],
    ['abc', 0x9747b28c, 0xc84a62dd],
    ['ab', 0x9747b28c, 0x74875592],
    ['hello', 0, 0x248bfa47],
    ['Hello, world!', 1234, 0xfaf6cdb3],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
    [new Uint8Array([0xff, 0xff, 0xff, 0xff]), 0, 0x76293b50],
    [new Uint8Array([0x21, 0x43, 0x65, 0x87]), 0, 0xf55b516b],
    [new Uint8Array([0x21, 0x43, 0x65]), 0, 0x7e4a8634],
    [new Uint8Array([0x21, 0x43]), 0, 0xa0f7b07a],
    [new Uint8Array([0x21]), 0, 0x72661cf4],
    [new Uint8Array([0]), 0, 0x514e28b7],
    ['π', 0, 0xf1954df6], // UTF-8 cf 80
    ['日本', 42, 0x28df8865],
    ['😀', 0, 0xbeb42efa], // a surrogate pair → 4 UTF-8 bytes
  ];
  for (const [key, seed, want] of vectors) equal(murmur3_32(key, seed), want, `murmur3_32(${JSON.stringify(typeof key === 'string' ? key : Array.from(key))}, ${seed})`);
});

test('data/hashing: modulo buckets are non-negative; hashed vocabulary counts collisions', () => {
  equal(moduloBucket(1234567, 1000), 567);
  equal(moduloBucket(-1, 1000), 999);
  equal(moduloBucket('hello', 1000), 0x248bfa47 % 1000);
  throws(() => moduloBucket(1, 0), InvalidArgumentError, { field: 'buckets' });
  const h = new HashedVocabulary({ buckets: 10, method: 'modulo' });
  for (const id of [1, 11, 21, 2, 1, 11]) h.indexOf(id);
  equal(h.distinctIds, 4);
  equal(h.collisions, 2); // 11 and 21 land on 1's bucket
  equal(h.usedBuckets, 2);
  const m = new HashedVocabulary({ buckets: 1 << 16, seed: 7 });
  for (let k = 0; k < 1000; k++) ok(m.indexOf(`id-${k}`) < 1 << 16);
  ok(m.collisions < 30, `about 7.6 collisions expected for 1000 ids in 65536 buckets, got ${m.collisions}`);
});

// ---- readers ----------------------------------------------------------------------------------------------------

const TSV = 'user\titem\tweight\ttimestamp\n3\t20\t4\t100\n1\t10\t5\t200\n3\t10\t4\t300\n';

test('data/readers: TSV with header from text, bytes and a chunked stream give the same interactions', async () => {
  const a = await readInteractions({ text: TSV, name: 'x.tsv' }, { sortIds: true });
  const b = await readInteractions(enc.encode(TSV), { sortIds: true });
  const c = await readInteractions(chunked(TSV, 3), { sortIds: true, format: 'tsv' });
  for (const r of [a, b, c]) {
    equal(r.rows, 3);
    deepEqual(r.interactions.users.ids(), [1, 3]);
    deepEqual(r.interactions.items.ids(), [10, 20]);
    deepEqual(triples(r.interactions), [[1, 10, 5], [3, 10, 4], [3, 20, 4]]);
    deepEqual(r.interactions.timestamps, [200, 300, 100]);
  }
});

test('data/readers: MovieLens u.data (tab, no header) and ratings.dat (::)', async () => {
  const udata = '196\t242\t3\t881250949\n186\t302\t3\t891717742\n';
  const r1 = await readRecords({ text: udata, name: 'ml-100k/u.data' });
  deepEqual(Array.from(r1.users), [196, 186]);
  deepEqual(Array.from(r1.items), [242, 302]);
  deepEqual(r1.timestamps, [881250949, 891717742]);
  const dat = '1::1193::5::978300760\r\n1::661::3::978302109\r\n';
  const r2 = await readRecords(chunked(dat, 5), { format: 'ml-1m' });
  deepEqual(Array.from(r2.items), [1193, 661]);
  deepEqual(r2.weights, [5, 3]);
  deepEqual(r2.timestamps, [978300760, 978302109]);
});

test('data/readers: ids are numbers only when the whole column is canonical integers', async () => {
  const r = await readRecords({ text: 'user,item\n1,7\n2,007\n3,8\n' }, { format: 'csv' });
  deepEqual(Array.from(r.users), [1, 2, 3]);
  deepEqual(r.items, ['7', '007', '8'], 'one non-canonical value makes the column text, spelled as written');
  const s = await readRecords({ text: 'user,item\n1,7\n' }, { format: 'csv', ids: 'string' });
  deepEqual(s.users, ['1']);
});

test('data/readers: quoted CSV fields with delimiters, doubled quotes and line breaks; CRLF; no final newline', async () => {
  const csv = 'user,item,weight\r\n"a,1","say ""hi""",2\r\n"multi\nline",b,3\r\nplain,c,4';
  for (const size of [1, 2, 7, 1000]) {
    const r = await readRecords(chunked(csv, size), { format: 'csv' });
    deepEqual(r.users, ['a,1', 'multi\nline', 'plain'], `chunk ${size}`);
    deepEqual(r.items, ['say "hi"', 'b', 'c'], `chunk ${size}`);
    deepEqual(r.weights, [2, 3, 4], `chunk ${size}`);
  }
  // line numbers after a quoted line break still count physical lines
  const bad = 'user,item,weight\n"x\ny",b,1\nz,c,oops\n';
  await rejects(() => readRecords({ text: bad, name: 'q.csv' }), DataFormatError, { line: 4, field: 'weight' });
});

test('data/readers: UTF-8 characters split across chunk boundaries decode whole', async () => {
  const text = 'user\titem\nzoë\t日本語\n😀\tcafé\n';
  for (const size of [1, 2, 3, 5]) {
    const r = await readRecords(chunked(text, size), { format: 'tsv' });
    deepEqual(r.users, ['zoë', '😀'], `chunk ${size}`);
    deepEqual(r.items, ['日本語', 'café'], `chunk ${size}`);
  }
});

test('data/readers: a bad line is an error naming source, 1-based line and field', async () => {
  const text = 'user\titem\tweight\n1\t2\t3\n1\t3\tNaNa\n';
  await rejects(() => readInteractions({ text, name: 'ratings.tsv' }), DataFormatError, { source: 'ratings.tsv', line: 3, field: 'weight' });
  await rejects(() => readInteractions({ text: 'u\ti\n1\t2\n1\n', name: 'f.tsv' }, { columns: { user: 0, item: 1 } }), DataFormatError, { line: 3, field: 'item' });
  await rejects(() => readRecords({ text: 'user,item\n1,\n' }, { format: 'csv' }), DataFormatError, { line: 2, field: 'item' });
  await rejects(() => readRecords({ text: '1\t2\t0x10\n' }, { format: 'ml-100k' }), DataFormatError, { line: 1, field: 'weight' });
  await rejects(() => readRecords({ text: 'user,item\n"open,1\n' }, { format: 'csv' }), DataFormatError, /unterminated/);
});

test("data/readers: onBadLine 'skip' skips and counts, reporting line numbers", async () => {
  const text = 'user\titem\tweight\n1\t2\t3\nbroken\n1\t3\tx\n\n2\t2\t1\n';
  const r = await readInteractions(chunked(text, 4), { format: 'tsv', onBadLine: 'skip' });
  equal(r.rows, 2);
  equal(r.skipped, 2);
  deepEqual(r.badLines.map((b) => [b.line, b.field]), [[3, 'item'], [4, 'weight']]);
  equal(r.interactions.nnz, 2);
});

test('data/readers: JSONL keeps JSON id types; columns by name; bad JSON is a bad line', async () => {
  const text = '{"uid": 1, "sku": "a", "rating": 4}\n{"uid": "1", "sku": "b", "rating": "2.5"}\n';
  const r = await readRecords({ text, name: 'x.jsonl' }, { columns: { user: 'uid', item: 'sku' } });
  deepEqual(r.users, [1, '1']);
  deepEqual(r.weights, [4, 2.5]);
  await rejects(() => readRecords({ text: '{"user":1,"item":2}\n{oops\n', name: 'y.jsonl' }), DataFormatError, { line: 2, field: 'json' });
});

test('data/readers: column mapping by index and by header name; errors for unknown names', async () => {
  const text = 'ts;item;who\n5;x;u1\n';
  const r = await readRecords({ text }, { format: 'csv', delimiter: ';', columns: { user: 'who', item: 1, timestamp: 'ts' } });
  deepEqual(r.users, ['u1']);
  deepEqual(r.timestamps, [5]);
  await rejects(() => readRecords({ text }, { format: 'csv', delimiter: ';', columns: { user: 'nobody', item: 1 } }), InvalidArgumentError, { field: 'columns.user' });
});

test('data/readers: progress is reported and an aborted signal stops the read', async () => {
  const seen: number[] = [];
  await readRecords(chunked(TSV, 10), { format: 'tsv', onProgress: (p) => seen.push(p.done) });
  ok(seen.length >= 3 && seen[seen.length - 1] === enc.encode(TSV).length, `progress ${seen}`);
  const ac = new AbortController();
  ac.abort();
  await rejects(() => readRecords(chunked(TSV, 10), { format: 'tsv', signal: ac.signal }), AbortError);
});

test('data/readers: a file path works where there is a file system, else a typed error', async () => {
  const { capabilities } = await init();
  if (capabilities.fileSystem) {
    const { writeFileAtomic } = await import('../../src/runtime/files.ts');
    const dir = (globalThis as { process?: { env?: Record<string, string> } }).process?.env?.TMPDIR ?? '/tmp';
    const path = `${dir}/recwise-data-case-${Date.now().toString(36)}.tsv`;
    await writeFileAtomic(path, enc.encode(TSV));
    const r = await readInteractions(path, { sortIds: true });
    deepEqual(triples(r.interactions), [[1, 10, 5], [3, 10, 4], [3, 20, 4]]);
    await rejects(() => readInteractions(`${path}.missing`), Error);
  } else {
    await rejects(() => readInteractions('/no/such/file.tsv'), Error, /file system|pass bytes/);
  }
});

// ---- splits -----------------------------------------------------------------------------------------------------

/** 30 users × 3..25 items with distinct timestamps, deterministic. */
async function sample(): Promise<Interactions> {
  const b = new DatasetBuilder();
  for (let u = 0; u < 30; u++) {
    const n = 1 + (u % 25);
    for (let k = 0; k < n; k++) b.add({ user: `u${u}`, item: (u * 7 + k * 3) % 40, weight: 1 + (k % 3), timestamp: 1000 + ((u * 13 + k * 17) % 97) * 10 + k });
  }
  return b.build();
}

function pairSet(x: Interactions): Set<string> {
  return new Set(triples(x).map(([u, i]) => `${u}|${i}`));
}

function checkPartition(all: Interactions, train: Interactions, test: Interactions): void {
  ok(train.users === all.users && test.items === all.items, 'halves share the vocabularies');
  equal(train.nnz + test.nnz, all.nnz, 'sizes add up');
  const a = pairSet(train);
  for (const p of pairSet(test)) ok(!a.has(p), `pair ${p} in both halves`);
}

test('data/splits: random per user is deterministic, disjoint, keeps ≥1 train row, sizes max(1, round(f·n))', async () => {
  const all = await sample();
  const s1 = randomSplit(all, { testFraction: 0.25, seed: 7 });
  const s2 = randomSplit(all, { testFraction: 0.25, seed: 7 });
  const s3 = randomSplit(all, { testFraction: 0.25, seed: 8 });
  checkPartition(all, s1.train, s1.test);
  deepEqual(triples(s1.test), triples(s2.test), 'same seed, same split');
  ok(JSON.stringify(triples(s1.test)) !== JSON.stringify(triples(s3.test)), 'another seed, another split');
  for (let u = 0; u < all.nUsers; u++) {
    const n = all.itemsOf(u).length;
    const want = n <= 1 ? 0 : Math.min(n - 1, Math.max(1, Math.round(0.25 * n) - (Math.abs(0.25 * n - Math.floor(0.25 * n) - 0.5) < 1e-12 && Math.floor(0.25 * n) % 2 === 0 ? 1 : 0)));
    equal(s1.test.itemsOf(u).length, want, `user ${u} (n=${n})`);
    ok(s1.train.itemsOf(u).length >= 1, 'every user keeps a train row');
  }
  // weights and timestamps travel with their rows
  const t = s1.test;
  for (let u = 0; u < t.nUsers; u++) {
    const items = t.itemsOf(u);
    const all_items = Array.from(all.itemsOf(u));
    for (let k = 0; k < items.length; k++) {
      const p = all_items.indexOf(items[k]);
      equal(t.weightsOf(u)[k], all.weightsOf(u)[p]);
      equal(t.timestamps![t.byUser.indptr[u] + k], all.timestamps![all.byUser.indptr[u] + p]);
    }
  }
});

test('data/splits: temporal per user takes the latest rows; timestamp ties go to the higher item id', async () => {
  const b = new DatasetBuilder();
  b.addColumns({ users: [1, 1, 1, 1, 2, 2], items: [5, 9, 7, 3, 1, 2], timestamps: [10, 50, 50, 20, 5, 6] });
  const all = await b.build();
  const s = temporalSplit(all, { testCount: 1 });
  deepEqual(triples(s.test), [[1, 9, 1], [2, 2, 1]]);
  const s2 = temporalSplit(all, { testFraction: 0.5 });
  deepEqual(triples(s2.test), [[1, 9, 1], [1, 7, 1], [2, 2, 1]]); // CSR order: item 9 was seen before 7
  checkPartition(all, s2.train, s2.test);
  const noTs = await new DatasetBuilder().addColumns({ users: [1], items: [1] }).build();
  throws(() => temporalSplit(noTs), InvalidArgumentError, { field: 'interactions.timestamps' });
});

test('data/splits: leave-k-out holds out k per user (at most n − 1), random or latest', async () => {
  const all = await sample();
  for (const by of ['random', 'latest'] as const) {
    const s = leaveKOut(all, { k: 2, by, seed: 3 });
    checkPartition(all, s.train, s.test);
    for (let u = 0; u < all.nUsers; u++) equal(s.test.itemsOf(u).length, Math.min(2, all.itemsOf(u).length - 1), `${by} user ${u}`);
  }
  const latest = leaveKOut(all, { k: 1, by: 'latest' });
  deepEqual(triples(latest.test), triples(temporalSplit(all, { testCount: 1 }).test));
  throws(() => leaveKOut(all, { k: 0 }), InvalidArgumentError, { field: 'k' });
});

test('data/splits: global temporal cutoff; cold test rows dropped and counted', async () => {
  const all = await sample();
  const s = globalTemporalSplit(all, { cutoff: 1500 });
  const ts = all.timestamps!;
  let after = 0;
  for (let p = 0; p < all.nnz; p++) if (ts[p] >= 1500) after++;
  equal(s.test.nnz + s.droppedTestRows, after);
  equal(s.train.nnz, all.nnz - after);
  for (let p = 0; p < s.train.nnz; p++) ok(s.train.timestamps![p] < 1500);
  for (let p = 0; p < s.test.nnz; p++) ok(s.test.timestamps![p] >= 1500);
  // every kept test row has a train row for its user and its item
  for (let u = 0; u < s.test.nUsers; u++) if (s.test.itemsOf(u).length) ok(s.train.itemsOf(u).length > 0);
  const keep = globalTemporalSplit(all, { cutoff: 1500, dropCold: false });
  equal(keep.test.nnz, after);
  const q = globalTemporalSplit(all, { testFraction: 0.1 });
  ok(Math.abs(q.test.nnz + q.droppedTestRows - Math.round(0.1 * all.nnz)) <= 3, 'about 10% after the quantile cutoff');
});
