// Spark factor files through every page layout the columnar reader handles (issue 23: importSpark reads pages
// straight into typed arrays): V1 pages (parquetjs-lite with useDataPageV2: false) over several row groups and part
// files in shuffled id order; dictionary-encoded pages (hyparquet-writer, RLE_DICTIONARY) split over small pages; and
// the snappy decoder against hyparquet's on data with long literals and overlapping copies. The fast paths (levels
// checked without decoding them, V2 values decompressed straight into the factor matrix) are compared with the
// generic decoding: the level checker against decode-then-check on encoder-written streams, and whole files against
// the same rows dictionary-encoded (hyparquet decodes those), including a wrong-length row and a null row.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importSpark, InteropError, type SparkFiles } from 'recwise/interop';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import { ByteWriter, parquetWrite } from 'hyparquet-writer/src/index.js';
import { snappyUncompress } from 'hyparquet/src/snappy.js';
import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { levelsMatch, type LevelPattern } from '../../src/interop/parquet-levels.ts';
import { snappyDecompress } from '../../src/interop/snappy.ts';
import { SPARK_FACTOR_SCHEMA } from '../../src/interop/spark.ts';

const parquet = createRequire(import.meta.url)('parquetjs-lite');
const RANK = 5;
let seed = 11;
const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;

const metadata = (rank: number) =>
  new TextEncoder().encode(JSON.stringify({ class: 'org.apache.spark.ml.recommendation.ALSModel', uid: 'als_pages', paramMap: { regParam: 0.1 }, rank }) + '\n');

/** The expected factors by id, and the ids in the shuffled order the files hold them. */
function factorRows(n: number, levels?: number[]): Map<number, number[]> {
  const rows = new Map<number, number[]>();
  const ids = Array.from({ length: n }, (_, i) => i * 7 + 3);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor((next() + 0.5) * (i + 1));
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  for (const id of ids) rows.set(id, Array.from({ length: RANK }, () => (levels ? levels[Math.floor((next() + 0.5) * levels.length)] : Math.fround(next()))));
  return rows;
}

function expectFactors(model: Awaited<ReturnType<typeof importSpark>>, users: Map<number, number[]>, items: Map<number, number[]>): void {
  for (const [side, rows, ids, factors] of [['users', users, model.userIds, model.userFactors], ['items', items, model.itemIds, model.itemFactors]] as const) {
    expect(ids, side).toEqual([...rows.keys()].sort((a, b) => a - b));
    ids.forEach((id, r) => expect(Array.from(factors.subarray(r * RANK, (r + 1) * RANK)), `${side} ${id}`).toEqual(rows.get(id as number)));
  }
}

describe('importSpark page layouts', () => {
  it('V1 data pages over several row groups and part files, ids shuffled (parquetjs-lite)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recwise-spark-v1-'));
    const users = factorRows(230);
    const items = factorRows(41);
    for (const [side, rows] of [['userFactors', users], ['itemFactors', items]] as const) {
      mkdirSync(join(dir, side), { recursive: true });
      const entries = [...rows];
      for (const [part, slice] of [[0, entries.slice(0, 100)], [1, entries.slice(100)]] as const) {
        if (!slice.length) continue;
        const schema = new parquet.ParquetSchema({ id: { type: 'INT32' }, features: { optional: true, fields: { list: { repeated: true, fields: { element: { type: 'FLOAT' } } } } } });
        const writer = await parquet.ParquetWriter.openFile(schema, join(dir, side, `part-0000${part}-x-c000.snappy.parquet`), { compression: 'SNAPPY', useDataPageV2: false });
        writer.setRowGroupSize(17);
        for (const [id, f] of slice) await writer.appendRow({ id, features: { list: f.map((element) => ({ element })) } });
        await writer.close();
      }
    }
    mkdirSync(join(dir, 'metadata'));
    writeFileSync(join(dir, 'metadata', 'part-00000'), metadata(RANK));
    expectFactors(await importSpark(dir), users, items);
  });

  it('dictionary-encoded pages split over small pages (hyparquet-writer), and a rank mismatch inside them', async () => {
    const levels = [-0.5, -0.25, 0, 0.125, 0.75];
    const users = factorRows(300, levels);
    const items = factorRows(12, levels);
    const file = (rows: Map<number, number[]>) => {
      const writer = new ByteWriter();
      parquetWrite({
        writer,
        columnData: [
          { name: 'id', data: Int32Array.from(rows.keys()) },
          { name: 'features', data: [...rows.values()], encoding: 'RLE_DICTIONARY' },
        ],
        schema: [...SPARK_FACTOR_SCHEMA],
        pageSize: 64,
        rowGroupSize: 128,
      } as never);
      return new Uint8Array(writer.getBuffer());
    };
    const files: SparkFiles = { 'metadata/part-00000': metadata(RANK), 'userFactors/part-00000.parquet': file(users), 'itemFactors/part-00000.parquet': file(items) };
    expectFactors(await importSpark(files), users, items);
    const wrong = await importSpark({ ...files, 'metadata/part-00000': metadata(RANK - 1) }).catch((e) => e);
    expect(wrong).toBeInstanceOf(InteropError);
    expect(wrong.code).toBe('RANK_MISMATCH');
    expect(wrong.message).toMatch(/features\[0\]\.length.*rank 4/);
  });

  it('snappy: the block-copy decoder gives hyparquet\'s bytes on literals, repeats and overlapping copies', () => {
    const parts: number[] = [];
    for (let k = 0; k < 3000; k++) parts.push(Math.floor((next() + 0.5) * 256)); // a long literal
    for (let k = 0; k < 5000; k++) parts.push(k % 3); // a short period: overlapping copies
    for (let k = 0; k < 4000; k++) parts.push(parts[k * 2 % 3000]); // far back-references
    for (let k = 0; k < 70_000; k++) parts.push((k >> 9) & 255); // long runs: 4-byte offsets and long copies
    const input = Uint8Array.from(parts);
    const packed = snappyCompress(input);
    expect(packed.length).toBeLessThan(input.length);
    const ref = new Uint8Array(input.length);
    snappyUncompress(packed, ref);
    expect(snappyDecompress(packed, input.length)).toEqual(ref);
    expect(ref).toEqual(input);
    expect(() => snappyDecompress(packed, input.length + 1)).toThrow(/snappy/);
    expect(() => snappyDecompress(packed.subarray(0, packed.length >> 1), input.length)).toThrow(/snappy/);
  });
});

describe('importSpark fast paths against the generic decoding', () => {
  /** Decode-then-check: what parquet-columns.ts did before parquet-levels.ts. */
  const reference = (levels: ArrayLike<number>, pattern: LevelPattern) => {
    for (let k = 0; k < levels.length; k++) {
      const want = 'width' in pattern ? ((pattern.phase + k) % pattern.width === 0 ? 0 : 1) : pattern.value;
      if (levels[k] !== want) return false;
    }
    return true;
  };
  const encode = (levels: number[], bitWidth: number) => {
    const writer = new ByteWriter();
    writeRleBitPackedHybrid(writer, levels, bitWidth);
    return new Uint8Array(writer.getBuffer());
  };

  it('levelsMatch agrees with decoding on encoder-written streams (RLE and bit-packed runs, every phase, broken rows)', () => {
    let checked = 0;
    for (const width of [1, 2, 3, 5, 7, 8, 9, 16, 63, 64]) {
      for (let trial = 0; trial < 24; trial++) {
        const phase = Math.floor((next() + 0.5) * width);
        const count = 1 + Math.floor((next() + 0.5) * width * 6);
        const levels = Array.from({ length: count }, (_, k) => ((phase + k) % width === 0 ? 0 : 1));
        if (trial % 2) {
          // one broken row: a level flipped, one dropped or one added
          const at = Math.floor((next() + 0.5) * count);
          if (trial % 3 === 0) levels[at] ^= 1;
          else if (trial % 3 === 1 && count > 1) levels.splice(at, 1);
          else levels.splice(at, 0, 1);
        }
        const bytes = encode(levels, 1);
        const decoded = new Uint8Array(levels.length);
        readRleBitPackedHybrid({ view: new DataView(bytes.buffer), offset: 0 }, 1, decoded, bytes.length);
        expect(Array.from(decoded)).toEqual(levels);
        const pattern = { width, phase };
        expect(levelsMatch(bytes, 0, bytes.length, 1, levels.length, pattern), `width ${width} phase ${phase} ${levels.join('')}`).toBe(reference(decoded, pattern));
        checked++;
      }
    }
    for (const [maxDef, bitWidth] of [[1, 1], [2, 2], [3, 2], [5, 3]]) {
      for (let trial = 0; trial < 20; trial++) {
        const count = 1 + Math.floor((next() + 0.5) * 200);
        const levels = new Array<number>(count).fill(maxDef);
        if (trial % 2) levels[Math.floor((next() + 0.5) * count)] = Math.floor((next() + 0.5) * maxDef); // a null
        if (trial % 4 === 1) for (let k = 0; k < count; k += 3) levels[k] = maxDef - 1; // bit-packed runs
        const bytes = encode(levels, bitWidth);
        expect(levelsMatch(bytes, 0, bytes.length, bitWidth, count, { value: maxDef }), `maxDef ${maxDef} ${levels.join('')}`).toBe(reference(levels, { value: maxDef }));
        checked++;
      }
    }
    expect(checked).toBe(10 * 24 + 4 * 20);
    // a stream that ends early, or claims fewer values than asked, is never "as expected"
    const rows = encode(Array.from({ length: 128 }, (_, k) => (k % 64 === 0 ? 0 : 1)), 1);
    expect(levelsMatch(rows, 0, rows.length, 1, 128, { width: 64, phase: 0 })).toBe(true);
    expect(levelsMatch(rows, 0, rows.length - 1, 1, 128, { width: 64, phase: 0 })).toBe(false);
    expect(levelsMatch(rows, 0, rows.length, 1, 200, { width: 64, phase: 0 })).toBe(false);
    expect(levelsMatch(rows, 0, rows.length, 1, 128, { width: 32, phase: 0 })).toBe(false);
  });

  /** One factor file of `rows` (id → features; null for a null row), PLAIN or dictionary-encoded, in small pages. */
  const sideFile = (rows: [number, number[] | null][], encoding: 'PLAIN' | 'RLE_DICTIONARY') => {
    const writer = new ByteWriter();
    parquetWrite({
      writer,
      columnData: [
        { name: 'id', data: Int32Array.from(rows.map(([id]) => id)) },
        { name: 'features', data: rows.map(([, f]) => f), encoding },
      ],
      schema: [...SPARK_FACTOR_SCHEMA],
      pageSize: 96,
      rowGroupSize: 150,
    } as never);
    return new Uint8Array(writer.getBuffer());
  };
  const outcome = async (files: SparkFiles) => {
    try {
      const m = await importSpark(files);
      return { userIds: m.userIds, userFactors: Array.from(m.userFactors), itemFactors: Array.from(m.itemFactors) };
    } catch (e) {
      expect(e).toBeInstanceOf(InteropError);
      const x = e as InteropError;
      return { code: x.code, field: x.field, message: x.message.replace(/^\S+/, '') };
    }
  };

  it('V2 PLAIN pages (decompressed into the matrix) give what dictionary pages give: factors, a wrong-length row, a null row', async () => {
    const levels = [-0.5, -0.25, 0, 0.125, 0.75];
    const good = [...factorRows(400, levels)];
    const items = [...factorRows(9, levels)];
    const variants: [string, [number, number[] | null][]][] = [
      ['good', good],
      ['short row', good.map(([id, f], r) => [id, r === 237 ? f.slice(0, RANK - 1) : f])],
      ['long row', good.map(([id, f], r) => [id, r === 151 ? [...f, 0.5] : f])],
      ['null row', good.map(([id, f], r) => [id, r === 302 ? null : f])],
    ];
    for (const [name, rows] of variants) {
      const files = (encoding: 'PLAIN' | 'RLE_DICTIONARY'): SparkFiles => ({ 'metadata/part-00000': metadata(RANK), 'userFactors/part-00000.parquet': sideFile(rows, encoding), 'itemFactors/part-00000.parquet': sideFile(items, encoding) });
      const fast = await outcome(files('PLAIN'));
      expect(fast, name).toEqual(await outcome(files('RLE_DICTIONARY')));
      if (name === 'good') expect(fast.userFactors).toEqual(good.sort((a, b) => a[0] - b[0]).flatMap(([, f]) => f));
      else expect(fast.code, name).toBe(name === 'null row' ? 'PARQUET_COLUMNS' : 'RANK_MISMATCH');
      // the row at fault, exactly (not the first row of its page)
      if (name !== 'good') expect(fast.field, name).toBe({ 'short row': 'features[237].length', 'long row': 'features[151].length', 'null row': 'features[302]' }[name]);
    }
  });

  it('V1 pages (levels checked without decoding) report a wrong-length row and a null row where decoding does', async () => {
    const users = [...factorRows(120)];
    const items = [...factorRows(6)];
    const write = async (rows: [number, number[] | null][], path: string) => {
      const schema = new parquet.ParquetSchema({ id: { type: 'INT32' }, features: { optional: true, fields: { list: { repeated: true, fields: { element: { type: 'FLOAT' } } } } } });
      const writer = await parquet.ParquetWriter.openFile(schema, path, { compression: 'SNAPPY', useDataPageV2: false });
      writer.setRowGroupSize(50);
      for (const [id, f] of rows) await writer.appendRow(f ? { id, features: { list: f.map((element) => ({ element })) } } : { id });
      await writer.close();
    };
    const dir = mkdtempSync(join(tmpdir(), 'recwise-spark-v1-bad-'));
    for (const [name, rows] of [
      ['short row', users.map(([id, f], r) => [id, r === 77 ? f.slice(0, 2) : f])],
      ['long row', users.map(([id, f], r) => [id, r === 64 ? [...f, 1] : f])],
      ['null row', users.map(([id, f], r) => [id, r === 93 ? null : f])],
    ] as [string, [number, number[] | null][]][]) {
      const path = join(dir, `${name.replace(' ', '-')}.parquet`);
      await write(rows, path);
      const v1 = await outcome({ 'metadata/part-00000': metadata(RANK), 'userFactors/part-00000.parquet': new Uint8Array(readFileSync(path)), 'itemFactors/part-00000.parquet': sideFile(items, 'PLAIN') });
      const generic = await outcome({ 'metadata/part-00000': metadata(RANK), 'userFactors/part-00000.parquet': sideFile(rows, 'RLE_DICTIONARY'), 'itemFactors/part-00000.parquet': sideFile(items, 'PLAIN') });
      expect(v1, name).toEqual(generic);
      expect(v1.code, name).toBe(name === 'null row' ? 'PARQUET_COLUMNS' : 'RANK_MISMATCH');
      expect(v1.field, name).toBe({ 'short row': 'features[77].length', 'long row': 'features[64].length', 'null row': 'features[93]' }[name]);
    }
  });
});
