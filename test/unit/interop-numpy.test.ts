/**
 * Interop (issue 11) against independent writers and readers: NumPy (python3, Debian's python3-numpy in CI) writes
 * implicit-style .npz archives (f32/f64/f16, C and Fortran order, savez and savez_compressed), dtype probes, LightFM
 * arrays and broken files (test/unit/fixtures/numpy_interop.py); NumPy loads what exportNpz writes. parquetjs-lite
 * (not hyparquet) writes a Spark ALSModel directory and reads what exportSpark writes. Recommendations after import
 * are compared with NumPy's brute-force top-k; the CLI import/export round trip runs on the same files.
 */
import 'recwise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import {
  importImplicit, exportNpz, importSpark, exportSpark, importLightFm, readNpz, parseNpy, InteropError,
} from 'recwise/interop';
import {
  AlsRecommender, BprRecommender, LmfRecommender, Interactions, loadModel, type FactorRecommender,
} from 'recwise';
import { main } from '../../src/cli/main.ts';
import { memoryProcess } from '../../src/runtime/process.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;
let python = '';

/** The first python3 that has NumPy (Debian's /usr/bin/python3 with python3-numpy in CI). */
function findPython(): string {
  for (const p of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(p, ['-c', 'import numpy'], { encoding: 'utf8' });
    if (r.status === 0) return p;
  }
  throw new Error('no python3 with NumPy: install python3-numpy (apt-get install -y python3-numpy); .ci/run does');
}

function py(code: string): string {
  const r = spawnSync(python, ['-c', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryProcess(args);
  const code = await main(io);
  return { code, out: io.out, err: io.err };
}

beforeAll(() => {
  python = findPython();
  dir = mkdtempSync(join(tmpdir(), 'recwise-interop-'));
  const r = spawnSync(python, [join(here, 'fixtures/numpy_interop.py'), join(dir, 'npz')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  const s = spawnSync(process.execPath, [join(here, 'fixtures/spark_parquetjs.mjs'), join(dir, 'spark')], { encoding: 'utf8', cwd: root });
  if (s.status !== 0) throw new Error(s.stderr);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MODELS = [
  ['als_f32_c', AlsRecommender],
  ['als_f64_fortran_compressed', AlsRecommender],
  ['bpr_f16_compressed', BprRecommender],
  ['bpr_f32_fortran', BprRecommender],
  ['lmf_f32', LmfRecommender],
  ['lmf_f64_fortran_compressed', LmfRecommender],
] as const;

interface Meta {
  kind: string;
  factors: number;
  users: string[];
  items: string[];
  seen: { user: string; item: string }[];
  reference: { items: number[]; scores: number[] }[];
  referenceSeen: { items: number[]; scores: number[] }[];
}

function expectMatches(model: FactorRecommender, meta: Meta, ref: Meta['reference'], users: readonly (string | number)[], items: readonly (string | number)[]) {
  users.forEach((u, r) => {
    const got = model.recommend(u, { k: 5 });
    expect(got.map((x) => x.item)).toEqual(ref[r].items.map((i) => items[i]));
    got.forEach((x, j) => expect(x.score).toBeCloseTo(ref[r].scores[j], 4));
  });
  void meta;
}

describe('implicit .npz written by NumPy', () => {
  for (const [name, Cls] of MODELS) {
    it(`${name}: kind inferred, top-5 equals NumPy's brute force (with and without seen items)`, async () => {
      const meta: Meta = JSON.parse(readFileSync(join(dir, 'npz', `${name}.json`), 'utf8'));
      const path = join(dir, 'npz', `${name}.npz`);
      const model = await importImplicit(path, { users: meta.users, items: meta.items });
      expect(model).toBeInstanceOf(Cls);
      expect(model.kind).toBe(meta.kind);
      expect((model.params as { factors: number }).factors).toBe(meta.factors);
      expectMatches(model, meta, meta.reference, meta.users, meta.items);
      const filtered = await importImplicit(readFileSync(path), { users: meta.users, items: meta.items, seen: meta.seen });
      expectMatches(filtered, meta, meta.referenceSeen, meta.users, meta.items);
      // without mappings the ids are row numbers
      const plain = await importImplicit(path);
      expect(plain.userIds).toEqual(meta.users.map((_, i) => i));
      expectMatches(plain, meta, meta.reference, meta.users.map((_, i) => i), meta.items.map((_, i) => i));
    });
  }

  it('seen items from Interactions filter like records', async () => {
    const meta: Meta = JSON.parse(readFileSync(join(dir, 'npz', 'als_f32_c.json'), 'utf8'));
    const { Vocabulary } = await import('recwise');
    const users = Vocabulary.from(meta.users);
    const items = Vocabulary.from(meta.items);
    const rows = meta.users.map((u) => meta.seen.filter((s) => s.user === u).map((s) => items.indexOf(s.item)!).sort((a, b) => a - b));
    const indptr = Int32Array.from([0, ...rows.map((_, i) => rows.slice(0, i + 1).flat().length)]);
    const csr = { indptr, indices: Int32Array.from(rows.flat()), data: new Float32Array(rows.flat().length).fill(1), rows: users.size, cols: items.size };
    const model = await importImplicit(join(dir, 'npz', 'als_f32_c.npz'), { users: meta.users, items: meta.items, seen: new Interactions(users, items, csr) });
    expectMatches(model, meta, meta.referenceSeen, meta.users, meta.items);
  });

  it('dtype probes: i8, i4, u1, bool, big-endian f4, f2, Fortran 3-d f8, unicode strings, 0-d scalars, empty', async () => {
    const arrays = await readNpz(readFileSync(join(dir, 'npz', 'probes.npz')), 'probes.npz');
    const expected: Record<string, { shape: number[]; values: (number | string)[] }> = JSON.parse(readFileSync(join(dir, 'npz', 'probes.json'), 'utf8'));
    expect(Object.keys(arrays).sort()).toEqual(Object.keys(expected).sort());
    for (const [key, e] of Object.entries(expected)) {
      const a = arrays[key];
      expect(a.shape, key).toEqual(e.shape);
      const values = Array.from(a.data as ArrayLike<number | string>);
      expect(values.length, key).toBe(e.values.length);
      values.forEach((v, i) => (typeof v === 'string' ? expect(v).toBe(e.values[i]) : expect(v).toBeCloseTo(e.values[i] as number, 6)));
    }
    const single = parseNpy(readFileSync(join(dir, 'npz', 'single.npy')), 'single.npy');
    expect(Array.from(single.data as Float32Array)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('bad input: typed errors naming the file and the problem', async () => {
    const cases: [string, string, RegExp][] = [
      ['truncated.npz', 'ZIP_INVALID', /truncated/],
      ['complex.npz', 'NPY_DTYPE', /unsupported dtype.*<c8/],
      ['objects.npz', 'NPY_DTYPE', /pickle/],
      ['rank_mismatch.npz', 'RANK_MISMATCH', /ranks differ/],
    ];
    for (const [file, code, message] of cases) {
      const err = await importImplicit(join(dir, 'npz', file)).catch((e) => e);
      expect(err, file).toBeInstanceOf(InteropError);
      expect(err.code, file).toBe(code);
      expect(err.message).toContain(file);
      expect(err.message).toMatch(message);
    }
    // a deflated member cut short inside an otherwise intact directory: inflate fails, typed
    const bytes = new Uint8Array(readFileSync(join(dir, 'npz', 'bpr_f16_compressed.npz')));
    bytes.fill(0, 200, 400);
    const err = await importImplicit(bytes, { name: 'damaged.npz' }).catch((e) => e);
    expect(err).toBeInstanceOf(InteropError);
    expect(err.message).toContain('damaged.npz');
    // the mapping must match the rows
    const meta: Meta = JSON.parse(readFileSync(join(dir, 'npz', 'lmf_f32.json'), 'utf8'));
    const short = await importImplicit(join(dir, 'npz', 'lmf_f32.npz'), { users: meta.users.slice(1) }).catch((e) => e);
    expect(short.code).toBe('IDS_MISMATCH');
    // a wrong kind contradicts the saved factors setting
    const wrong = await importImplicit(join(dir, 'npz', 'lmf_f32.npz'), { kind: 'als' }).catch((e) => e);
    expect(wrong.code).toBe('RANK_MISMATCH');
  });
});

describe('exportNpz read by NumPy', () => {
  for (const [name] of MODELS) {
    it(`${name}: np.load gives the same arrays, implicit's keys and settings; re-import gives the same model`, async () => {
      const meta: Meta = JSON.parse(readFileSync(join(dir, 'npz', `${name}.json`), 'utf8'));
      const model = await importImplicit(join(dir, 'npz', `${name}.npz`), { users: meta.users, items: meta.items });
      const out = join(dir, `${name}.export.npz`);
      writeFileSync(out, exportNpz(model));
      const report = JSON.parse(
        py(
          `import json, numpy as np\nd = np.load(${JSON.stringify(out)}, allow_pickle=False)\n` +
            `print(json.dumps({k: (d[k].tolist() if d[k].ndim else d[k].item()) for k in d.files} | {'_dtypes': {k: d[k].dtype.str for k in d.files}}))`,
        ),
      );
      const cols = model.factorCount;
      expect(report._dtypes.user_factors).toBe('<f4');
      expect(report.user_factors.flat()).toEqual(Array.from(model.userFactors));
      expect(report.item_factors.flat()).toEqual(Array.from(model.itemFactors));
      expect(report.item_factors[0].length).toBe(cols);
      expect(report.recwise_user_ids).toEqual(meta.users);
      expect(report.factors).toBe(meta.factors);
      expect(report.dtype).toBe('float32');
      if (meta.kind === 'als') expect([report.alpha, report.use_cg, report._dtypes.alpha]).toEqual([2, true, '<f8']);
      if (meta.kind === 'bpr') expect(report.verify_negative_samples).toBe(true);
      if (meta.kind === 'lmf') expect(report.neg_prop).toBe(30);
      const again = await importImplicit(out);
      expect(again.kind).toBe(model.kind);
      expect(again.userIds).toEqual(meta.users);
      expectMatches(again, meta, meta.reference, meta.users, meta.items);
    });
  }
});

describe('LightFM arrays written by NumPy', () => {
  it("hybrid model with Dataset mapping: scores equal LightFM's predict formula", async () => {
    const meta = JSON.parse(readFileSync(join(dir, 'npz', 'lightfm.json'), 'utf8'));
    const model = await importLightFm(join(dir, 'npz', 'lightfm.npz'), { mapping: JSON.stringify(meta.mapping) });
    expect(model.kind).toBe('lightfm');
    expect(model.userIds).toEqual(meta.users);
    expect(model.itemIds).toEqual(meta.items);
    meta.users.forEach((u: number, r: number) => model.score(u, meta.items).forEach((s, j) => expect(s).toBeCloseTo(meta.predict[r][j], 5)));
    const top = model.recommend(meta.users[0], { k: 3 }).map((x) => x.item);
    const order = meta.items.map((_: string, j: number) => j).sort((a: number, b: number) => meta.predict[0][b] - meta.predict[0][a] || a - b);
    expect(top).toEqual(order.slice(0, 3).map((j: number) => meta.items[j]));
  });

  it('identity-only model from four .npy files', async () => {
    const ref = JSON.parse(readFileSync(join(dir, 'npz', 'lightfm_identity.json'), 'utf8')).predict as number[][];
    const k = ['user_embeddings', 'user_biases', 'item_embeddings', 'item_biases'] as const;
    const model = await importLightFm(Object.fromEntries(k.map((x) => [x, join(dir, 'npz', `lightfm_identity_${x}.npy`)])) as Record<(typeof k)[number], string>);
    ref.forEach((row, u) => model.score(u, row.map((_, i) => i)).forEach((s, j) => expect(s).toBeCloseTo(row[j], 5)));
  });

  it('a feature map that does not match the embeddings is a typed error', async () => {
    const meta = JSON.parse(readFileSync(join(dir, 'npz', 'lightfm.json'), 'utf8'));
    const mapping = { ...meta.mapping, item_feature_map: { ...meta.mapping.item_feature_map, extra: 99 } };
    const err = await importLightFm(join(dir, 'npz', 'lightfm.npz'), { mapping }).catch((e) => e);
    expect(err).toBeInstanceOf(InteropError);
    expect(err.code).toBe('RANK_MISMATCH');
    expect(err.message).toContain('lightfm.npz');
  });
});

describe('Spark ALSModel directories', () => {
  const require = createRequire(import.meta.url);
  const parquet = require('parquetjs-lite');

  async function readWithParquetjs(path: string): Promise<{ id: number; features: number[] }[]> {
    const reader = await parquet.ParquetReader.openFile(path);
    const cursor = reader.getCursor();
    const rows: { id: number; features: number[] }[] = [];
    for (let r = await cursor.next(); r; r = await cursor.next()) rows.push({ id: r.id, features: r.features.list.map((e: { element: number }) => e.element) });
    await reader.close();
    return rows;
  }

  it('written by parquetjs-lite (3-level LIST and legacy repeated): ids and dot-product scores', async () => {
    const model = await importSpark(join(dir, 'spark'));
    const users = await readWithParquetjs(join(dir, 'spark/userFactors/part-00000-x-c000.snappy.parquet'));
    expect(model.userIds).toEqual(users.map((u) => u.id).sort((a, b) => a - b));
    expect(model.factorCount).toBe(4);
    // brute force from the raw rows of the item file (read with parquetjs-lite)
    const reader = await parquet.ParquetReader.openFile(join(dir, 'spark/itemFactors/part-00000-x-c000.snappy.parquet'));
    const cursor = reader.getCursor();
    const items: { id: number; features: number[] }[] = [];
    for (let r = await cursor.next(); r; r = await cursor.next()) items.push({ id: r.id, features: r.features });
    await reader.close();
    for (const u of users) {
      const scores = items.map((it) => ({ item: it.id, score: it.features.reduce((s, f, j) => s + f * Math.fround(u.features[j]), 0) }));
      scores.sort((a, b) => b.score - a.score || a.item - b.item);
      const got = model.recommend(u.id, { k: 4 });
      expect(got.map((g) => g.item)).toEqual(scores.slice(0, 4).map((s) => s.item));
      got.forEach((g, j) => expect(g.score).toBeCloseTo(scores[j].score, 5));
    }
  });

  it('exportSpark writes Spark\'s schema and metadata; importSpark reads it back, string ids through userIds.json', async () => {
    const meta: Meta = JSON.parse(readFileSync(join(dir, 'npz', 'als_f32_c.json'), 'utf8'));
    const model = await importImplicit(join(dir, 'npz', 'als_f32_c.npz'), { users: meta.users, items: meta.items });
    const out = join(dir, 'spark-export');
    await exportSpark(model, out);
    expect(readdirSync(join(out, 'userFactors')).filter((f) => f.endsWith('.parquet')).length).toBe(1);
    const metadata = JSON.parse(readFileSync(join(out, 'metadata/part-00000'), 'utf8'));
    expect([metadata.class, metadata.rank]).toEqual(['org.apache.spark.ml.recommendation.ALSModel', 8]);
    // parquetjs-lite reads only format-1 files with v1 data pages; hyparquet-writer writes v2 data pages (which Spark
    // reads), so the layout is checked from the footer schema here and the values through the import round trip.
    const part = readdirSync(join(out, 'userFactors')).find((f) => f.endsWith('.parquet'))!;
    const bytes = readFileSync(join(out, 'userFactors', part));
    const { parquetMetadata } = await import('hyparquet');
    const schema = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)).schema;
    expect(schema.map((e) => [e.name, e.type ?? null, e.repetition_type ?? null, e.converted_type ?? null])).toEqual([
      ['spark_schema', null, null, null],
      ['id', 'INT32', 'REQUIRED', null],
      ['features', null, 'OPTIONAL', 'LIST'],
      ['list', null, 'REPEATED', null],
      ['element', 'FLOAT', 'REQUIRED', null],
    ]);
    expect(JSON.parse(readFileSync(join(out, 'userIds.json'), 'utf8'))).toEqual(meta.users);
    const back = await importSpark(out);
    expect(back.userIds).toEqual(meta.users);
    expectMatches(back, meta, meta.reference, meta.users, meta.items);
  });

  it('missing columns and mismatched ranks are typed errors naming the file', async () => {
    const bad = join(dir, 'spark-bad');
    const r1 = spawnSync(process.execPath, [join(here, 'fixtures/spark_parquetjs.mjs'), bad, '4', 'nocolumn'], { encoding: 'utf8', cwd: root });
    expect(r1.status, r1.stderr).toBe(0);
    const e1 = await importSpark(bad).catch((e) => e);
    expect(e1).toBeInstanceOf(InteropError);
    expect(e1.code).toBe('PARQUET_COLUMNS');
    expect(e1.message).toMatch(/userFactors\/part-00000.*missing column 'features'/);
    const r2 = spawnSync(process.execPath, [join(here, 'fixtures/spark_parquetjs.mjs'), join(dir, 'spark-rank'), '4', 'mismatch'], { encoding: 'utf8', cwd: root });
    expect(r2.status, r2.stderr).toBe(0);
    const e2 = await importSpark(join(dir, 'spark-rank')).catch((e) => e);
    expect(e2.code).toBe('RANK_MISMATCH');
    expect(e2.message).toMatch(/part-00000.*rank 4/);
    const e3 = await importSpark(join(dir, 'nowhere')).catch((e) => e);
    expect(e3.code).toBe('SPARK_MISSING');
  });
});

describe('CLI import / export', () => {
  it('import --from implicit PATH with id files → model file → export --to npz (NumPy) and --to spark', async () => {
    const meta: Meta = JSON.parse(readFileSync(join(dir, 'npz', 'bpr_f32_fortran.json'), 'utf8'));
    const out = join(dir, 'cli.recwise');
    const r = await cli('import', '--from', 'implicit', join(dir, 'npz', 'bpr_f32_fortran.npz'), '--users', join(dir, 'npz', 'bpr_f32_fortran.users.json'), '--items', join(dir, 'npz', 'bpr_f32_fortran.items.csv'), '--out', out, '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ kind: 'bpr', users: meta.users.length, items: meta.items.length });
    const model = (await loadModel(out)) as FactorRecommender;
    expectMatches(model, meta, meta.reference, meta.users, meta.items);
    const npz = join(dir, 'cli.npz');
    expect((await cli('export', '--model-file', out, '--to', 'npz', '--out', npz)).code).toBe(0);
    expect(py(`import numpy as np; d = np.load(${JSON.stringify(npz)}); print(d['item_factors'].shape, d['recwise_item_ids'][0])`).trim()).toBe(`(${meta.items.length}, ${meta.factors + 1}) ${meta.items[0]}`);
    const sparkDir = join(dir, 'cli-spark');
    expect((await cli('export', '--model-file', out, '--to', 'spark', '--out', sparkDir)).code).toBe(0);
    const back = join(dir, 'cli-back.recwise');
    expect((await cli('import', '--from', 'spark', sparkDir, '--out', back)).code).toBe(0);
    expectMatches((await loadModel(back)) as FactorRecommender, meta, meta.reference, meta.users, meta.items);
    const lf = join(dir, 'lf.recwise');
    writeFileSync(join(dir, 'mapping.json'), JSON.stringify(JSON.parse(readFileSync(join(dir, 'npz', 'lightfm.json'), 'utf8')).mapping));
    expect((await cli('import', '--from', 'lightfm', join(dir, 'npz', 'lightfm.npz'), '--mapping', join(dir, 'mapping.json'), '--out', lf)).code).toBe(0);
    expect((await loadModel(lf)).kind).toBe('lightfm');
  });

  it('a broken file exits 1 with the typed message', async () => {
    const r = await cli('import', '--from', 'implicit', join(dir, 'npz', 'truncated.npz'), '--out', join(dir, 'x.recwise'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/truncated\.npz.*truncated/);
  });
});
