// Spark factor files through every page layout the columnar reader handles (issue 23: importSpark reads pages
// straight into typed arrays): V1 pages (parquetjs-lite with useDataPageV2: false) over several row groups and part
// files in shuffled id order; dictionary-encoded pages (hyparquet-writer, RLE_DICTIONARY) split over small pages; and
// the snappy decoder against hyparquet's on data with long literals and overlapping copies.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importSpark, InteropError, type SparkFiles } from 'recwise/interop';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import { ByteWriter, parquetWrite } from 'hyparquet-writer/src/index.js';
import { snappyUncompress } from 'hyparquet/src/snappy.js';
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
