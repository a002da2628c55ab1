/**
 * Spark MLlib ALSModel directories ↔ recwise ALS. `ALSModel.save(path)` writes `metadata/part-00000` (one JSON line:
 * class, uid, paramMap with userCol/itemCol/regParam/alpha…, and `rank`) and `userFactors/`, `itemFactors/` as
 * Parquet part files with columns `id` (int) and `features` (array<float>, a 3-level LIST). Spark's score is the
 * dot product, as ours. Parquet goes through hyparquet / hyparquet-writer (pure JS, no fs import in the entries we
 * use, so the same code runs in browsers and workerd); files come from a directory path or as bytes.
 */
import { InteropError } from '../errors.ts';

// Loaded on first use (dynamic import): the Parquet libraries are needed only here, so they are optional peer
// dependencies (issue 18) that only Spark users install. The src/index.js entries are the portable ones (the package
// roots' Node entries import 'fs').
async function optionalPackage<T>(load: () => Promise<T>, name: string, what: string): Promise<T> {
  try {
    return await load();
  } catch (e) {
    throw new InteropError('SPARK_PARQUET_MISSING', what, 'parquet', name, `Spark models are Parquet files, read and written with the optional package '${name}', which could not be loaded (${String((e as Error)?.message ?? e).slice(0, 200)})`, `install it beside recwise: npm install ${name}`);
  }
}
const parquetReader = () => optionalPackage(() => import('hyparquet/src/index.js'), 'hyparquet', 'importSpark');
const parquetWriter = () => optionalPackage(() => import('hyparquet-writer/src/index.js'), 'hyparquet-writer', 'exportSpark');
import type { Id } from '../data/vocabulary.ts';
import type { Interactions } from '../data/interactions.ts';
import { listDirectory, makeDirectory, readFileBytes, writeFileAtomic } from '../runtime/files.ts';
import type { ModelState } from '../models/registry.ts';
import { FactorRecommender } from '../models/factorization/factor.ts';
import { AlsRecommender } from '../models/factorization/als.ts';
import { buildModel } from './implicit.ts';
import { idArrayOf, seenCsr, type SeenRecord } from './source.ts';
import { ColumnShapeError, readLeafColumn } from './parquet-columns.ts';

/** A Spark ALSModel directory as bytes: relative path → contents (e.g. `userFactors/part-00000-….parquet`). */
export type SparkFiles = Record<string, Uint8Array>;

/** Options of {@link importSpark}. */
export interface ImportSparkOptions {
  /** Labels of Spark's integer user ids: user id k becomes `users[k]` (e.g. a StringIndexer's labels). */
  users?: readonly Id[];
  /** Labels of Spark's integer item ids. */
  items?: readonly Id[];
  /** Training interactions (in the labelled ids), so recommend() filters seen items. */
  seen?: Interactions | readonly SeenRecord[];
}

const isParquet = (name: string) => name.endsWith('.parquet') && !name.split('/').pop()!.startsWith('.');

/** Read a directory's relevant files (metadata + factor part files) into {@link SparkFiles}. */
async function readSparkDirectory(dir: string): Promise<SparkFiles> {
  const files: SparkFiles = {};
  const root = dir.replace(/\/+$/, '');
  try {
    files['metadata/part-00000'] = await readFileBytes(`${root}/metadata/part-00000`);
  } catch (e) {
    throw new InteropError('SPARK_MISSING', root, 'metadata/part-00000', `${root}/metadata/part-00000`, `cannot read the metadata file (${(e as Error).message}): not an ALSModel directory`, 'pass the directory ALSModel.save(path) wrote.');
  }
  for (const side of ['userFactors', 'itemFactors']) {
    let names: string[];
    try {
      names = await listDirectory(`${root}/${side}`);
    } catch {
      throw new InteropError('SPARK_MISSING', root, side, `${root}/${side}`, `no ${side}/ directory: not an ALSModel directory`, 'pass the directory ALSModel.save(path) wrote.');
    }
    for (const n of names.filter(isParquet)) files[`${side}/${n}`] = await readFileBytes(`${root}/${side}/${n}`);
  }
  for (const extra of ['userIds.json', 'itemIds.json']) {
    try {
      files[extra] = await readFileBytes(`${root}/${extra}`);
    } catch {
      // optional: written by exportSpark for models whose ids are not integers
    }
  }
  return files;
}

/**
 * Rows of one factor side, sorted by id, each checked against the rank. Columns are read page by page into typed
 * arrays (parquet-columns.ts): no object per row (issue 23: 1M × 64 took a minute through row objects).
 */
async function readFactors(files: SparkFiles, side: 'userFactors' | 'itemFactors', rank: number, dir: string): Promise<{ ids: number[]; data: Float32Array }> {
  const { parquetMetadata, parquetSchema } = await parquetReader();
  const parts = Object.keys(files).filter((k) => k.startsWith(`${side}/`) && isParquet(k)).sort();
  if (!parts.length) throw new InteropError('SPARK_MISSING', dir, side, Object.keys(files), `no Parquet part files under ${side}/`, 'pass the directory ALSModel.save(path) wrote.');
  const pieces: { ids: Float64Array; data: Float32Array }[] = [];
  for (const part of parts) {
    const file = `${dir}/${part}`;
    const bytes = files[part];
    // the file's own buffer when it has one (a 256 MB copy otherwise)
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    const buffer = whole ? (bytes.buffer as ArrayBuffer) : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    let metadata;
    try {
      metadata = parquetMetadata(buffer);
    } catch (e) {
      throw new InteropError('PARQUET_INVALID', file, 'footer', bytes.length, `not a readable Parquet file (${(e as Error).message})`);
    }
    const tree = parquetSchema(metadata);
    const top = tree.children.map((c) => c.element.name);
    for (const col of ['id', 'features']) {
      if (!top.includes(col)) throw new InteropError('PARQUET_COLUMNS', file, col, top, `missing column '${col}' (Spark's factor files have id: int and features: array<float>)`);
    }
    const rows = Number(metadata.num_rows);
    // checked before allocating rows × rank floats: a footer may claim any count (untrusted files, issue 22)
    if (!(Number.isSafeInteger(rows) && rows >= 0 && rows * rank < 2 ** 31 && rows * rank * 4 <= bytes.length * 1024)) {
      throw new InteropError('PARQUET_INVALID', file, 'num_rows', metadata.num_rows, `not a row count of rank ${rank} that a ${bytes.length}-byte file can hold`);
    }
    const ids = new Float64Array(rows);
    const data = new Float32Array(rows * rank);
    try {
      const nIds = await readLeafColumn(buffer, metadata as never, tree, 'id', 1, ids);
      const nRows = await readLeafColumn(buffer, metadata as never, tree, 'features', rank, data);
      if (nIds !== rows || nRows !== rows) throw new ColumnShapeError('num_rows', rows, `the columns hold ${nIds} ids and ${nRows} feature rows`);
    } catch (e) {
      if (!(e instanceof ColumnShapeError)) throw new InteropError('PARQUET_INVALID', file, 'data', bytes.length, `cannot decode the columns (${(e as Error).message})`);
      const code = /\.length$/.test(e.field) ? 'RANK_MISMATCH' : 'PARQUET_COLUMNS';
      throw new InteropError(code, file, e.field, e.value, code === 'RANK_MISMATCH' ? `${e.reason} (the metadata says rank ${rank})` : e.reason);
    }
    for (let r = 0; r < rows; r++) {
      if (!Number.isSafeInteger(ids[r])) throw new InteropError('PARQUET_COLUMNS', file, `id[${r}]`, ids[r], 'an id must be an integer');
    }
    pieces.push({ ids, data });
  }
  // every part's rows in id order: a permutation sorted by id, then one copy per row
  const n = pieces.reduce((a, p) => a + p.ids.length, 0);
  const one = pieces.length === 1; // one part file: its arrays as they are, no copy
  const allIds = one ? pieces[0].ids : new Float64Array(n);
  const from = one ? pieces[0].data : new Float32Array(n * rank);
  let at = 0;
  for (const p of one ? [] : pieces) {
    allIds.set(p.ids, at);
    from.set(p.data, at * rank);
    at += p.ids.length;
  }
  let sorted = true;
  for (let r = 1; r < n && sorted; r++) sorted = allIds[r - 1] < allIds[r];
  if (sorted) return { ids: idArrayOf(allIds) as number[], data: from };
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => allIds[a] - allIds[b]);
  const ids = new Array<number>(n);
  const data = new Float32Array(n * rank);
  for (let r = 0; r < n; r++) {
    const src = order[r];
    ids[r] = allIds[src];
    if (r > 0 && ids[r] === ids[r - 1]) throw new InteropError('SPARK_DUPLICATE', `${dir}/${side}`, 'id', ids[r], 'an id appears twice');
    data.set(from.subarray(src * rank, (src + 1) * rank), r * rank);
  }
  return { ids, data };
}

/**
 * Import a Spark MLlib ALSModel saved with `model.save(path)`: a directory path (Node, Deno, Bun) or its files as
 * bytes. Ids are Spark's integer ids (or their labels from `users`/`items`); scores are Spark's dot products.
 *
 * @example
 * ```ts
 * import { importSpark } from 'recwise/interop';
 * const model = await importSpark('hdfs-export/als-model');
 * model.recommend(42, { k: 10 });
 * ```
 */
export async function importSpark(source: string | SparkFiles, options: ImportSparkOptions = {}): Promise<AlsRecommender> {
  const dir = typeof source === 'string' ? source.replace(/\/+$/, '') : 'spark-model';
  const files = typeof source === 'string' ? await readSparkDirectory(source) : source;
  const metaBytes = files['metadata/part-00000'];
  if (!metaBytes) throw new InteropError('SPARK_MISSING', dir, 'metadata/part-00000', Object.keys(files), 'no metadata file: not an ALSModel directory');
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(new TextDecoder().decode(metaBytes).split('\n')[0]);
  } catch (e) {
    throw new InteropError('SPARK_METADATA', `${dir}/metadata/part-00000`, 'json', metaBytes.length, `not JSON (${(e as Error).message})`);
  }
  const metaFile = `${dir}/metadata/part-00000`;
  if (typeof meta.class === 'string' && !meta.class.endsWith('ALSModel')) throw new InteropError('SPARK_METADATA', metaFile, 'class', meta.class, 'not an ALSModel');
  const rank = meta.rank;
  if (!(Number.isInteger(rank) && (rank as number) > 0)) throw new InteropError('SPARK_METADATA', metaFile, 'rank', rank, 'expected a positive integer rank');
  const U = await readFactors(files, 'userFactors', rank as number, dir);
  const V = await readFactors(files, 'itemFactors', rank as number, dir);
  const labels = (given: readonly Id[] | undefined, ids: number[], side: string, stored?: Uint8Array): Id[] => {
    const list = given ?? (stored ? (JSON.parse(new TextDecoder().decode(stored)) as Id[]) : undefined);
    if (!list) return ids;
    return ids.map((id) => {
      if (!(id >= 0 && id < list.length)) throw new InteropError('IDS_MISMATCH', `${dir}/${side}`, 'id', id, `no label for this id (the ${side} labels have ${list.length} entries)`);
      return list[id];
    });
  };
  const users = labels(options.users, U.ids, 'userFactors', files['userIds.json']);
  const items = labels(options.items, V.ids, 'itemFactors', files['itemIds.json']);
  const pm = { ...((meta.defaultParamMap as Record<string, unknown>) ?? {}), ...((meta.paramMap as Record<string, unknown>) ?? {}) };
  const params: Record<string, unknown> = { factors: rank, solver: 'cholesky' };
  if (typeof pm.regParam === 'number' && pm.regParam >= 0) params.regularization = pm.regParam;
  if (typeof pm.alpha === 'number' && pm.alpha >= 0) params.alpha = pm.alpha;
  if (Number.isInteger(pm.maxIter) && (pm.maxIter as number) >= 0) params.iterations = pm.maxIter;
  const state: ModelState = {
    kind: 'als',
    params,
    users,
    items,
    seen: seenCsr(users, items, options.seen, dir),
    tensors: { userFactors: U.data, itemFactors: V.data },
    shapes: { userFactors: [users.length, rank as number], itemFactors: [items.length, rank as number] },
  };
  return buildModel<AlsRecommender>(state);
}

/** Spark's factor file schema: id int, features array<float> as a 3-level LIST. */
export const SPARK_FACTOR_SCHEMA = [
  { name: 'spark_schema', num_children: 2 },
  { name: 'id', type: 'INT32', repetition_type: 'REQUIRED' },
  { name: 'features', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
] as const;

/** One factor side as a Parquet file in Spark's schema (snappy, like Spark's default). */
async function factorParquet(ids: Int32Array, factors: Float32Array, rank: number): Promise<Uint8Array> {
  const { ByteWriter, parquetWrite } = await parquetWriter();
  const features: number[][] = [];
  for (let r = 0; r < ids.length; r++) features.push(Array.from(factors.subarray(r * rank, (r + 1) * rank)));
  const writer = new ByteWriter();
  const sparkSchema = {
    type: 'struct',
    fields: [
      { name: 'id', type: 'integer', nullable: false, metadata: {} },
      { name: 'features', type: { type: 'array', elementType: 'float', containsNull: false }, nullable: true, metadata: {} },
    ],
  };
  parquetWrite({
    writer,
    columnData: [
      { name: 'id', data: ids },
      { name: 'features', data: features },
    ],
    schema: [...SPARK_FACTOR_SCHEMA],
    kvMetadata: [{ key: 'org.apache.spark.sql.parquet.row.metadata', value: JSON.stringify(sparkSchema) }],
    createdBy: 'recwise',
  });
  return new Uint8Array(writer.getBuffer());
}

/**
 * A factor model as a Spark ALSModel directory: returns the files (relative path → bytes) and, given a directory
 * path (Node, Deno, Bun), writes them there. Integer ids are kept as Spark ids; otherwise rows are numbered and the
 * labels written to `userIds.json` / `itemIds.json` beside the Spark files (importSpark reads them back). BPR and
 * LMF export all their columns (bias columns included), so Spark's dot product gives the same scores.
 *
 * @example
 * ```ts
 * await exportSpark(als, 'exported/als-model'); // then in Spark: ALSModel.load('exported/als-model')
 * ```
 */
export async function exportSpark(model: FactorRecommender, destination?: string): Promise<SparkFiles> {
  if (!(model instanceof FactorRecommender)) throw new InteropError('EXPORT_KIND', destination ?? 'export', 'model', (model as { kind?: string })?.kind, 'only factor models export to Spark ALSModel');
  const rank = model.factorCount;
  const files: SparkFiles = {};
  const enc = new TextEncoder();
  const asSparkIds = (ids: Id[], name: string): Int32Array => {
    if (ids.every((id) => typeof id === 'number' && Number.isInteger(id) && id >= -2147483648 && id <= 2147483647)) return Int32Array.from(ids as number[]);
    files[name] = enc.encode(JSON.stringify(ids));
    return Int32Array.from(ids, (_, i) => i);
  };
  const p = model.params as Record<string, unknown>;
  const uid = `ALS_recwise_${model.kind}`;
  const metadata = {
    class: 'org.apache.spark.ml.recommendation.ALSModel',
    timestamp: 0,
    sparkVersion: '3.5.0',
    uid,
    paramMap: { userCol: 'user', itemCol: 'item', predictionCol: 'prediction', coldStartStrategy: 'nan', blockSize: 4096 },
    defaultParamMap: { userCol: 'user', itemCol: 'item', predictionCol: 'prediction', coldStartStrategy: 'nan', blockSize: 4096, ...(typeof p.regularization === 'number' ? { regParam: p.regularization } : {}), ...(typeof p.alpha === 'number' ? { alpha: p.alpha } : {}), ...(typeof p.iterations === 'number' ? { maxIter: p.iterations } : {}) },
    rank,
  };
  files['metadata/part-00000'] = enc.encode(JSON.stringify(metadata) + '\n');
  files['metadata/_SUCCESS'] = new Uint8Array(0);
  files['userFactors/part-00000-recwise-c000.snappy.parquet'] = await factorParquet(asSparkIds(model.userIds, 'userIds.json'), model.userFactors, rank);
  files['userFactors/_SUCCESS'] = new Uint8Array(0);
  files['itemFactors/part-00000-recwise-c000.snappy.parquet'] = await factorParquet(asSparkIds(model.itemIds, 'itemIds.json'), model.itemFactors, rank);
  files['itemFactors/_SUCCESS'] = new Uint8Array(0);
  if (destination !== undefined) {
    const root = destination.replace(/\/+$/, '');
    for (const sub of ['metadata', 'userFactors', 'itemFactors']) await makeDirectory(`${root}/${sub}`);
    for (const [name, bytes] of Object.entries(files)) await writeFileAtomic(`${root}/${name}`, bytes);
  }
  return files;
}
