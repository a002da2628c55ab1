/**
 * Reading a Parquet leaf column page by page straight into typed arrays, for Spark's factor files (issue 23).
 *
 * hyparquet's row reader assembles a LIST column into one JS array per row and the rows into objects: for a
 * 1M × 64 factor file that is a million arrays of boxed numbers, and it took a minute. Here each data page's values
 * (hyparquet decodes them: PLAIN, dictionary, byte-stream-split; snappy and the other codecs) are copied into the
 * caller's Float32Array, and the repetition levels only check that every row has exactly `width` values. The page
 * primitives are hyparquet's own (its `./src/*.js` exports), so every encoding it reads is read here too.
 */
import { snappyDecompress } from './snappy.ts';
import { levelsMatch, type LevelPattern } from './parquet-levels.ts';

// Loaded on first use (dynamic import): the Parquet library is needed only for Spark interop, and the package's
// bundles keep it external (scripts/build.mjs).
const modules = () =>
  Promise.all([import('hyparquet/src/column.js'), import('hyparquet/src/datapage.js'), import('hyparquet/src/convert.js'), import('hyparquet/src/schema.js'), import('hyparquet/src/plain.js'), import('hyparquet/src/encoding.js')]);

/** The parts of hyparquet's metadata this reader uses. */
interface ColumnChunkMeta {
  path_in_schema: string[];
  codec: string;
  data_page_offset: bigint | number;
  dictionary_page_offset?: bigint | number;
  total_compressed_size: bigint | number;
  num_values: bigint | number;
}
interface RowGroupMeta {
  num_rows: bigint | number;
  columns: { meta_data?: ColumnChunkMeta }[];
}
export interface ParquetMeta {
  row_groups: RowGroupMeta[];
}

/** Why a column could not be read (the caller turns it into an InteropError naming the file). */
export class ColumnShapeError extends Error {
  constructor(readonly field: string, readonly value: unknown, readonly reason: string) {
    super(reason);
  }
}

/** Leaf path of a top-level column: `id` → ['id']; a LIST `features` → ['features', 'list', 'element'] (or legacy). */
function leafPath(meta: ParquetMeta, column: string): string[] {
  for (const g of meta.row_groups) {
    for (const c of g.columns) if (c.meta_data?.path_in_schema[0] === column) return c.meta_data.path_in_schema;
  }
  throw new ColumnShapeError(column, undefined, `missing column '${column}'`);
}

/**
 * Read leaf column `column` of every row group: each row must hold exactly `width` non-null values (1 for a flat
 * column), written in file order to `out` (rows × width). Returns the row count. INT64 values come as numbers and
 * must be safe integers.
 */
export async function readLeafColumn(buffer: ArrayBuffer, meta: ParquetMeta, schemaTree: unknown, column: string, width: number, out: Float32Array | Float64Array): Promise<number> {
  const [{ parquetHeader }, { decompressPage, readDataPage, readDataPageV2 }, { convert, convertWithDictionary, DEFAULT_PARSERS }, { getTreePath, getMaxRepetitionLevel, getMaxDefinitionLevel }, { readPlain }, { readRleBitPackedHybrid }] = await modules();
  const path = leafPath(meta, column);
  const schemaPath = getTreePath(schemaTree as never, path);
  const element = schemaPath[schemaPath.length - 1].element;
  const maxRep = getMaxRepetitionLevel(schemaPath);
  const maxDef = getMaxDefinitionLevel(schemaPath);
  const nested = maxRep > 0;
  let row = 0; // rows completed before the current value
  let v = 0; // values written in all
  for (const group of meta.row_groups) {
    const chunk = group.columns.find((c) => c.meta_data && c.meta_data.path_in_schema.join('.') === path.join('.'))?.meta_data;
    if (!chunk) throw new ColumnShapeError(column, undefined, 'a row group lacks this column');
    const start = Number(chunk.dictionary_page_offset || chunk.data_page_offset);
    const end = start + Number(chunk.total_compressed_size);
    if (!(start >= 0 && end <= buffer.byteLength)) throw new ColumnShapeError(column, end, `column chunk past the end of the file (${buffer.byteLength} bytes)`);
    const decoder = { pathInSchema: path, type: element.type, element, schemaPath, codec: chunk.codec, parsers: DEFAULT_PARSERS, compressors: COMPRESSORS } as never;
    const reader = { view: new DataView(buffer, start, end - start), offset: 0 };
    let dictionary: ArrayLike<unknown> | undefined;
    let values = 0;
    const total = Number(chunk.num_values);
    while (values < total && reader.offset < reader.view.byteLength) {
      const header = parquetHeader(reader);
      const bytes = new Uint8Array(buffer, start + reader.offset, header.compressed_page_size);
      reader.offset += header.compressed_page_size;
      if (header.type === 'DICTIONARY_PAGE') {
        const page = decompressPage(bytes, Number(header.uncompressed_page_size), chunk.codec as never, COMPRESSORS);
        const n = header.dictionary_page_header!.num_values;
        dictionary = convert(readPlain({ view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 }, element.type!, n, element.type_length), decoder) as ArrayLike<unknown>;
        continue;
      }
      const decoded = (header.type === 'DATA_PAGE' || header.type === 'DATA_PAGE_V2') && plainPage(header, bytes, chunk.codec, element.type, maxRep, maxDef, readRleBitPackedHybrid, decompressPage, { out, at: v, width });
      let page: ArrayLike<number | bigint>;
      let reps: ArrayLike<number> | undefined; // undefined: already checked against rows of `width`
      let count: number; // values (levels) on the page
      if (decoded) {
        if (decoded.nullAt >= 0) throw nullError(column, rowOf(decoded.nullAt, decoded.reps, v, width, nested), width);
        ({ values: page, reps, count } = decoded);
      } else {
        // any other encoding (dictionary, byte-stream-split, delta): hyparquet decodes the page
        let levels: { definitionLevels?: number[]; repetitionLevels: number[]; dataPage: unknown };
        let encoding: string;
        let nulls: boolean;
        let defs: ArrayLike<number> | undefined;
        if (header.type === 'DATA_PAGE') {
          const daph = header.data_page_header!;
          levels = readDataPage(decompressPage(bytes, Number(header.uncompressed_page_size), chunk.codec as never, COMPRESSORS), daph, decoder) as never;
          encoding = daph.encoding;
          nulls = (levels.definitionLevels?.length ?? 0) > 0; // hyparquet empties them when every value is present
          defs = levels.definitionLevels;
        } else if (header.type === 'DATA_PAGE_V2') {
          const daph2 = header.data_page_header_v2!;
          levels = readDataPageV2(bytes, header, decoder) as never;
          encoding = daph2.encoding;
          nulls = daph2.num_nulls > 0;
          defs = levels.definitionLevels;
        } else continue; // index pages
        if (nulls) throw nullError(column, rowOf(Math.max(0, firstBelow(defs ?? [], maxDef)), levels.repetitionLevels, v, width, nested), width);
        page = convertWithDictionary(levels.dataPage as never, dictionary as never, encoding as never, decoder) as ArrayLike<number | bigint>;
        reps = levels.repetitionLevels;
        count = nested ? reps.length : page.length;
      }
      const n = page.length;
      values += count;
      if (nested && reps) {
        const bad = rowStartMismatch(reps, v % width, width);
        if (bad >= 0) {
          // a row starts exactly every `width` values: a row of another length is a rank mismatch
          const r = Math.floor((v + bad) / width); // every row before it has exactly `width` values
          const short = reps[bad] === 0;
          throw new ColumnShapeError(`${column}[${short ? r : r - 1}].length`, short ? (v + bad) % width : width + 1, `a row has ${short ? (v + bad) % width : `more than ${width}`} values, not ${width}`);
        }
      }
      if ((v + n) > out.length) throw new ColumnShapeError(`${column}[${Math.floor((v + n) / width)}]`, v + n, `more values than the footer's rows × ${width}`);
      if (decoded && decoded.written) {
        // decompressed straight into `out`
      } else if (page instanceof Float32Array || page instanceof Float64Array || page instanceof Int32Array) out.set(page, v);
      else for (let k = 0; k < n; k++) out[v + k] = Number(page[k]);
      const before = v;
      v += n;
      row += Math.floor(v / width) - Math.floor(before / width);
    }
  }
  if (v % width !== 0) throw new ColumnShapeError(`${column}[${row}].length`, v % width, `the last row has ${v % width} values, not ${width}`);
  return row;
}

type Rle = (reader: { view: DataView; offset: number }, width: number, output: Uint8Array, length?: number) => void;
type Decompress = (bytes: Uint8Array, size: number, codec: never, compressors: typeof COMPRESSORS) => Uint8Array;
/** Codecs decoded here rather than by hyparquet (faster; see snappy.ts). */
const COMPRESSORS = { SNAPPY: snappyDecompress };
const PLAIN_TYPES: Record<string, (b: ArrayBuffer, offset: number, n: number) => ArrayLike<number | bigint>> = {
  FLOAT: (b, o, n) => new Float32Array(b, o, n),
  DOUBLE: (b, o, n) => new Float64Array(b, o, n),
  INT32: (b, o, n) => new Int32Array(b, o, n),
  INT64: (b, o, n) => new BigInt64Array(b, o, n),
};
const SIZE: Record<string, number> = { FLOAT: 4, DOUBLE: 8, INT32: 4, INT64: 8 };
/** The page type whose values are the output array's own element type (decompressed straight into it). */
const ARRAY_OF: Record<string, (typeof PLAIN_TYPES)[string]> = { Float32Array: PLAIN_TYPES.FLOAT, Float64Array: PLAIN_TYPES.DOUBLE };
const bitWidth = (max: number) => 32 - Math.clz32(max);

/** Where a page's values go: `out` from index `at`, rows of `width` values (phase `at % width` at the page start). */
interface Target {
  out: Float32Array | Float64Array;
  at: number;
  width: number;
}

/**
 * A PLAIN-encoded page of a fixed-width type, decoded without per-value JS arrays. The common case of a factor
 * file (no nulls, rows of exactly `width` values) is checked on the encoded levels (parquet-levels.ts) without
 * decoding them, and a V2 page's snappy values are decompressed straight into `target.out` when the types match
 * (no page buffer, no copy). Otherwise levels are decoded into Uint8Arrays (`reps` returned for the caller's
 * check, `nulls` set) and the values come back as a typed array over the page's bytes. Undefined for the encodings
 * hyparquet must decode (dictionary, …).
 */
function plainPage(
  header: { type: string; uncompressed_page_size: number; data_page_header?: { num_values: number; encoding: string }; data_page_header_v2?: { num_values: number; num_nulls: number; encoding: string; definition_levels_byte_length: number; repetition_levels_byte_length: number; is_compressed?: boolean } },
  bytes: Uint8Array, codec: string, type: string | undefined, maxRep: number, maxDef: number, rle: Rle, decompress: Decompress, target: Target,
): { values: ArrayLike<number | bigint>; reps: Uint8Array | undefined; count: number; nullAt: number; written: boolean } | undefined {
  const v1 = header.data_page_header;
  const v2 = header.data_page_header_v2;
  const encoding = v1?.encoding ?? v2?.encoding;
  if (encoding !== 'PLAIN' || !type || !(type in PLAIN_TYPES)) return undefined;
  const count = (v1 ?? v2)!.num_values;
  const size = SIZE[type];
  const rows = { width: target.width, phase: target.at % target.width };
  let reps: Uint8Array | undefined;
  let page: Uint8Array;
  let offset: number;
  let nullAt = -1; // first value that is null (or an empty or null list)
  if (v1) {
    // [u32 length, repetition levels][u32 length, definition levels][values], all inside the compressed block
    page = decompress(bytes, Number(header.uncompressed_page_size), codec as never, COMPRESSORS);
    const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
    offset = 0;
    const levelRun = (maxLevel: number, pattern: LevelPattern): Uint8Array | undefined => {
      if (offset + 4 <= page.length) {
        const length = view.getUint32(offset, true);
        if (offset + 4 + length <= page.length && levelsMatch(page, offset + 4, offset + 4 + length, bitWidth(maxLevel), count, pattern)) {
          offset += 4 + length;
          return undefined;
        }
      }
      const levels = new Uint8Array(count);
      const reader = { view, offset };
      rle(reader, bitWidth(maxLevel), levels);
      offset = reader.offset;
      return levels;
    };
    if (maxRep) reps = levelRun(maxRep, rows);
    if (maxDef) {
      const defs = levelRun(maxDef, { value: maxDef });
      if (defs) nullAt = firstBelow(defs, maxDef);
    }
  } else {
    const d = v2!;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const repLength = d.repetition_levels_byte_length;
    if (maxRep && !levelsMatch(bytes, 0, repLength, bitWidth(maxRep), count, rows)) {
      reps = new Uint8Array(count);
      rle({ view, offset: 0 }, bitWidth(maxRep), reps, repLength);
    }
    if (d.num_nulls > 0) {
      const defs = new Uint8Array(count);
      if (maxDef) rle({ view, offset: repLength }, bitWidth(maxDef), defs, d.definition_levels_byte_length);
      nullAt = Math.max(0, firstBelow(defs, maxDef || 1));
    }
    const skip = repLength + d.definition_levels_byte_length;
    page = bytes.subarray(skip);
    offset = 0;
    const valueBytes = Number(header.uncompressed_page_size) - skip;
    if (nullAt < 0 && !reps && d.is_compressed !== false && codec === 'SNAPPY' && valueBytes === count * size && target.at + count <= target.out.length && PLAIN_TYPES[type] === ARRAY_OF[target.out.constructor.name]) {
      // straight into the output: no page buffer, no copy
      const into = new Uint8Array(target.out.buffer, target.out.byteOffset + target.at * size, count * size);
      snappyDecompress(page, valueBytes, into);
      return { values: { length: count }, reps, count, nullAt, written: true };
    }
    if (d.is_compressed !== false) page = decompress(page, valueBytes, codec as never, COMPRESSORS);
  }
  if (nullAt >= 0) return { values: [], reps, count, nullAt, written: false };
  if (offset + count * size > page.byteLength) throw new ColumnShapeError('page', count, `a page holds fewer than its ${count} values`);
  const at = page.byteOffset + offset;
  // a typed view needs an aligned offset: otherwise the values are copied out first
  const values = at % size === 0 ? PLAIN_TYPES[type](page.buffer as ArrayBuffer, at, count) : PLAIN_TYPES[type](page.buffer.slice(at, at + count * size) as ArrayBuffer, 0, count);
  return { values, reps, count, nullAt, written: false };
}

/** First index whose level is below `max` (a null, or an empty or null list), or -1. */
function firstBelow(levels: ArrayLike<number>, max: number): number {
  for (let k = 0; k < levels.length; k++) if (levels[k] !== max) return k;
  return -1;
}

/**
 * The row of a page's value `k`, the page starting at value `v` of the column, every row before it `width` values
 * long; `reps` undefined: the page's rows were checked to be `width` long too.
 */
function rowOf(k: number, reps: ArrayLike<number> | undefined, v: number, width: number, nested: boolean): number {
  if (!nested || !reps) return Math.floor((v + k) / (nested ? width : 1));
  let row = v % width === 0 ? v / width - 1 : Math.floor(v / width); // the row in progress before the page's first value
  for (let j = 0; j <= k && j < reps.length; j++) if (reps[j] === 0) row++;
  return row;
}

const nullError = (column: string, row: number, width: number) => new ColumnShapeError(`${column}[${row}]`, null, `null or empty values (each row needs ${width})`);

/**
 * First index k where the repetition levels disagree with rows of exactly `width` values (level 0 exactly where a row
 * starts), given that the page begins `phase` values into a row; -1 when they agree.
 */
function rowStartMismatch(reps: ArrayLike<number>, phase: number, width: number): number {
  const n = reps.length;
  let w = phase;
  for (let k = 0; k < n; k++) {
    if ((reps[k] === 0) !== (w === 0)) return k;
    if (++w === width) w = 0;
  }
  return -1;
}
