/**
 * Data in as users have it, through files and the CLI (issue 16; data-file items of issue 22): real files without
 * format flags and the line saying what the reader decided, one-file evaluation (--test-fraction), `recwise split`,
 * the shared reader flags, and bad files (empty, header-only, a directory, an overflowing weight) refused by name
 * without touching an existing model file. MovieLens u.data from ../shared; the other layouts are written here.
 */
import 'recwise'; // the default entry: registers the embedded wasm kernels, as dist/cli.mjs does
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { readInteractions, readRecords } from 'recwise';
import { main } from '../../src/cli/main.ts';
import { memoryProcess } from '../../src/runtime/process.ts';

const UDATA = fileURLToPath(new URL('../../../shared/data/ml-100k/u.data', import.meta.url));
const UITEM = fileURLToPath(new URL('../../../shared/data/ml-100k/u.item', import.meta.url));
let dir: string;
const udataLines = () => readFileSync(UDATA, 'utf8').trimEnd().split('\n');

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryProcess(args);
  const code = await main(io);
  return { code, out: io.out, err: io.err };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'recwise-data-cli-'));
  const lines = udataLines().map((l) => l.split('\t'));
  // MovieLens 20M+ style CSV with its header
  writeFileSync(join(dir, 'ratings.csv'), 'userId,movieId,rating,timestamp\n' + lines.map((f) => f.join(',')).join('\n') + '\n');
  // u.data under a name that says nothing
  writeFileSync(join(dir, 'ratings.txt'), readFileSync(UDATA));
  // Last.fm 1K layout: userid \t timestamp \t artid \t artname \t traid \t traname, no header (artist = the movie)
  const iso = (s: string) => new Date(Number(s) * 1000).toISOString().replace('.000Z', 'Z');
  writeFileSync(
    join(dir, 'listens.tsv'),
    lines.map(([u, i, , t]) => `user_${u.padStart(6, '0')}\t${iso(t)}\t${i.length % 2 ? '' : `mbid-${i}`}\tartist ${i}\t\ttrack of ${i}`).join('\n') + '\n',
  );
  writeFileSync(join(dir, 'u.data.gz'), gzipSync(readFileSync(UDATA)));
  writeFileSync(join(dir, 'empty.tsv'), '');
  writeFileSync(join(dir, 'header-only.tsv'), 'user\titem\tweight\ttimestamp\n');
  writeFileSync(join(dir, 'one-long-line.tsv'), 'x'.repeat(1 << 20));
  writeFileSync(join(dir, 'huge-weight.tsv'), 'user\titem\tweight\n1\t2\t3\n2\t3\t1e308\n');
  mkdirSync(join(dir, 'a-directory'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('real files without format flags', () => {
  it('u.data under any name keeps all 100,000 rows (no row taken as a header)', async () => {
    const r = await readInteractions(join(dir, 'ratings.txt'));
    expect(r.rows).toBe(100000);
    expect(r.decisions.header).toBe(false);
    const byIndex = await readInteractions(join(dir, 'ratings.txt'), { columns: { user: 0, item: 1, weight: 2, timestamp: 3 } });
    expect(byIndex.rows).toBe(100000);
  });

  it('a Node stream (fs.createReadStream) and gzip by path read the same rows; progress of a path reports the file size', async () => {
    const streamTotals: number[] = [];
    const s = await readRecords(createReadStream(UDATA), { onProgress: (p) => streamTotals.push(p.total) });
    expect(s.rows).toBe(100000);
    expect(s.source).toBe(UDATA);
    expect(streamTotals.at(-1)).toBe(statSync(UDATA).size);
    const gz = await readRecords(join(dir, 'u.data.gz'));
    expect(gz.rows).toBe(100000);
    expect(gz.decisions.compression).toBe('gzip');
    expect(Array.from(gz.users).slice(0, 3)).toEqual([196, 186, 22]);
    const totals: number[] = [];
    await readRecords(UDATA, { onProgress: (p) => totals.push(p.total) });
    expect(totals.length).toBeGreaterThan(0);
    for (const t of totals) expect(t).toBe(statSync(UDATA).size);
  });

  it('MovieLens u.item (latin-1, | separated) decodes its titles with the encoding option, or sniffed', async () => {
    const opts = { columns: { user: 0, item: 1, weight: null, timestamp: null }, header: false } as const;
    for (const extra of [{ encoding: 'latin1' }, {}]) {
      const r = await readRecords(UITEM, { ...opts, ...extra });
      expect(r.rows).toBe(1682);
      expect(r.decisions.delimiter).toBe('|');
      expect(Array.from(r.items as string[]).some((t) => t.includes('Misérables'))).toBe(true);
      expect((r.items as string[]).some((t) => t.includes('\uFFFD'))).toBe(false);
    }
  });

  for (const [file, layout] of [
    ['u.data', /ml-100k, tab-separated, no header, columns user=#1 item=#2 weight=#3 timestamp=#4/],
    ['ratings.csv', /','-separated, header \(userId, movieId, rating, timestamp\), columns user=userId item=movieId weight=rating timestamp=timestamp/],
    ['listens.tsv', /lastfm-1k layout\), tab-separated, no header, columns user=#1 item=#4 weight=- timestamp=#2/],
  ] as const) {
    it(`eval --model als --train ${file} --test-fraction 0.2 works and prints what the reader decided`, async () => {
      const path = file === 'u.data' ? UDATA : join(dir, file);
      const r = await cli('eval', '--model', 'als', '--factors', '16', '--iterations', '3', '--train', path, '--test-fraction', '0.2', '--seed', '1');
      expect(r.err).toMatch(layout);
      expect(r.err).toMatch(/rows kept/);
      expect(r.code).toBe(0);
      const ndcg = Number(/NDCG@10\s+([\d.]+)/.exec(r.out)![1]);
      expect(ndcg).toBeGreaterThan(0.05); // a model that learned something from the rows read
      expect(r.out).toMatch(file === 'listens.tsv' ? /users 943/ : /train rows 80,000 · test rows 20,000/);
    });
  }

  it('--min-rating, --duplicates and --columns reach the reader; counts are reported', async () => {
    const r = await cli('eval', '--model', 'popularity', '--train', join(dir, 'ratings.csv'), '--test-fraction', '0.2', '--min-rating', '4');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/55,375 rows kept, 44,625 below --min-rating/);
    const cols = await cli('fit', '--model', 'popularity', '--train', join(dir, 'ratings.csv'), '--columns', 'user=movieId,item=userId,weight=-', '--out', join(dir, 'swap.recwise'));
    expect(cols.code).toBe(0);
    expect(cols.err).toMatch(/columns user=movieId item=userId weight=- timestamp=timestamp/);
    expect(cols.out).toMatch(/users\s+1,682/);
    const bad = await cli('fit', '--model', 'popularity', '--train', UDATA, '--columns', 'usr=0', '--out', join(dir, 'x.recwise'));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--columns/);
  });

  it('fit --help and eval --help describe the data flags with the same text', async () => {
    const flagLines = (help: string) => help.split('\n').filter((l) => /^\s+--(format|delimiter|header|no-header|columns|encoding|min-rating|duplicates)\b/.test(l)).map((l) => l.trim().replace(/\s+/g, ' '));
    const fit = flagLines((await cli('fit', '--help')).out);
    const ev = flagLines((await cli('eval', '--help')).out);
    const split = flagLines((await cli('split', '--help')).out);
    expect(fit).toHaveLength(8);
    expect(ev).toEqual(fit);
    expect(split).toEqual(fit);
  });
});

describe('bad data files', () => {
  it('an empty, header-only or one-long-line train file is an error naming it, and the model at --out stays', async () => {
    const out = join(dir, 'good.recwise');
    expect((await cli('fit', '--model', 'popularity', '--train', UDATA, '--out', out)).code).toBe(0);
    const before = readFileSync(out);
    for (const f of ['empty.tsv', 'header-only.tsv', 'one-long-line.tsv']) {
      const r = await cli('fit', '--model', 'popularity', '--train', join(dir, f), '--out', out);
      expect(r.code, f).not.toBe(0);
      expect(r.err).toContain(join(dir, f));
      expect(r.err).toMatch(/no usable rows|1 field/);
      expect(readFileSync(out).equals(before)).toBe(true);
    }
  });

  it('a weight of 1e308 names file, line and field; a directory is a usage error', async () => {
    const r = await cli('fit', '--model', 'popularity', '--train', join(dir, 'huge-weight.tsv'), '--out', join(dir, 'y.recwise'));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${join(dir, 'huge-weight.tsv')}:3: weight: out of the range`);
    const d = await cli('fit', '--model', 'popularity', '--train', join(dir, 'a-directory'), '--out', join(dir, 'y.recwise'));
    expect(d.code).toBe(2);
    expect(d.err).toMatch(/--train: is a directory/);
    expect(d.err).not.toMatch(/EISDIR/);
  });

  it('a test file sharing no ids with train names both files', async () => {
    const other = join(dir, 'other.tsv');
    writeFileSync(other, 'user\titem\nzed\tnothing\n');
    const r = await cli('eval', '--model', 'popularity', '--train', UDATA, '--test', other);
    expect(r.code).toBe(2);
    expect(r.err).toContain(other);
    expect(r.err).toContain(UDATA);
  });
});

describe('recwise split', () => {
  const read = (p: string) => readFileSync(p, 'utf8').trimEnd().split('\n');

  it('random per user, global random (exact fraction), temporal and leave-k-out; the same seed gives the same files', async () => {
    const a = join(dir, 'a');
    const run = (method: string, ...extra: string[]) => cli('split', UDATA, '--method', method, '--train-out', `${a}-${method}-train.tsv`, '--test-out', `${a}-${method}-test.tsv`, ...extra);
    expect((await run('random', '--seed', '3')).code).toBe(0);
    const first = read(`${a}-random-test.tsv`);
    expect((await run('random', '--seed', '3')).code).toBe(0);
    expect(read(`${a}-random-test.tsv`)).toEqual(first);
    expect(first.length - 1).toBe(20000); // round(0.2 · n) per user: ml-100k users have ≥ 20 rows
    expect(read(`${a}-random-train.tsv`).length - 1).toBe(80000);
    expect((await run('global-random', '--test-fraction', '0.123')).code).toBe(0);
    expect(read(`${a}-global-random-test.tsv`).length - 1).toBe(100000 - Math.floor((1 - 0.123) * 100000));
    expect((await run('leave-k-out', '--k', '2', '--latest')).code).toBe(0);
    expect(read(`${a}-leave-k-out-test.tsv`).length - 1).toBe(943 * 2);
    expect((await run('temporal', '--k', '1')).code).toBe(0);
    // the latest row per user went to test: no train row of a user is later than that user's test row
    const latest = new Map(read(`${a}-temporal-test.tsv`).slice(1).map((l) => l.split('\t')).map(([u, , , t]) => [u, Number(t)]));
    for (const l of read(`${a}-temporal-train.tsv`).slice(1)) {
      const [u, , , t] = l.split('\t');
      expect(Number(t)).toBeLessThanOrEqual(latest.get(u)!);
    }
    // the written files read back as they were written, and union to the input
    const train = await readInteractions(`${a}-random-train.tsv`);
    const test = await readInteractions(`${a}-random-test.tsv`);
    expect(train.rows + test.rows).toBe(100000);
    expect(train.decisions.header).toEqual(['user', 'item', 'weight', 'timestamp']);
  });
});

describe('features from attribute tables', () => {
  const GENRES = readFileSync(fileURLToPath(new URL('../../../shared/data/ml-100k/u.genre', import.meta.url)), 'latin1').trim().split('\n').map((l) => l.split('|')[0]);

  it('MovieLens u.item: latin-1 titles, the 19 genre flags by name and the release year in buckets; vocabulary inspectable', async () => {
    const { readAttributes } = await import('recwise');
    const t = await readAttributes(UITEM, { header: ['id', 'title', 'date', 'video', 'url', ...GENRES], columns: ['date:bucket5', 'unknown..Western:flag', 'title'] });
    expect(t.rows).toHaveLength(1682);
    const toy = t.rows[0];
    expect(toy.id).toBe(1);
    expect(toy.features).toEqual(expect.arrayContaining(["Animation", "Children's", 'Comedy', 'title:Toy Story (1995)']));
    expect(toy.features.filter((f) => f.startsWith('date:'))).toHaveLength(1);
    const vocab = new Map(t.vocabulary.map((v) => [v.feature, v.count]));
    expect(vocab.get('Drama')).toBe(725); // u.item's Drama column sums to 725
    expect([...vocab.keys()].some((f) => f.includes('Misérables'))).toBe(true);
    const dateBuckets = t.vocabulary.filter((v) => v.feature.startsWith('date:'));
    expect(dateBuckets.length).toBeGreaterThanOrEqual(3);
    expect(dateBuckets.reduce((n, v) => n + v.count, 0)).toBe(1681); // one item has no date
  });

  it('a CSV with a multi-valued genres column, a categorical and a numeric column; fit --model lightfm uses it', async () => {
    const { readAttributes } = await import('recwise');
    const csv = join(dir, 'items.csv');
    const lines = ['movieId,title,genres,year,studio'];
    for (let i = 1; i <= 1682; i++) lines.push(`${i},"Film ${i}, the",${['Action|Comedy', 'Drama', 'Comedy|Romance|Drama'][i % 3]},${1950 + (i % 50)},${i % 2 ? 'A' : 'B'}`);
    writeFileSync(csv, lines.join('\n') + '\n');
    const t = await readAttributes(csv, { columns: ['genres:multi', 'year:bucket4', 'studio'] });
    expect(t.rows[1]).toEqual({ id: 2, features: expect.arrayContaining(['genres:Comedy', 'genres:Romance', 'genres:Drama', 'studio:B']) });
    expect(t.vocabulary.filter((v) => v.feature.startsWith('year:'))).toHaveLength(4);
    await expect(readAttributes(csv, { columns: ['genre:multi'] })).rejects.toThrow(/columns.*movieId, title, genres, year, studio/);
    await expect(readAttributes(csv, { columns: ['genres'], seperator: ',' } as never)).rejects.toThrow(/did you mean `delimiter`/);
    const out = join(dir, 'lfm.recwise');
    const r = await cli('fit', '--model', 'lightfm', '--epochs', '1', '--train', UDATA, '--item-features', csv, '--item-feature-columns', 'genres:multi,year:bucket4,studio', '--out', out);
    expect(r.err).not.toMatch(/Fix:/);
    expect(r.code).toBe(0);
    const plain = join(dir, 'lfm-plain.recwise');
    expect((await cli('fit', '--model', 'lightfm', '--epochs', '1', '--train', UDATA, '--out', plain)).code).toBe(0);
    // the feature embeddings (3 genres + 4 year buckets + 2 studios) are in the file on top of the identity ones
    expect(statSync(out).size).toBeGreaterThan(statSync(plain).size);
    const u = await cli('fit', '--model', 'lightfm', '--epochs', '1', '--train', UDATA, '--item-features', UITEM, '--item-feature-columns', '2:bucket10,5..23:flag', '--out', out);
    expect(u.code).toBe(0);
    expect(statSync(out).size).toBeGreaterThan(statSync(plain).size);
  });
});
