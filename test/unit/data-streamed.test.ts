// Streamed reading (issue 23): readInteractions on a file path never holds the whole text. The file is read in
// chunks of at most 1 MiB (src/runtime/files.ts fileStream) and each chunk is parsed before the next is read, so at
// every progress report the bytes read but not yet parsed stay under one chunk plus one line, however large the file.
// Structural and timing-free: every line has the same length, so the rows parsed say exactly how many bytes were.
import { afterAll, expect, test } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readInteractions, shutdown } from 'recwise';

const dir = mkdtempSync(join(tmpdir(), 'recwise-streamed-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await shutdown();
});

const CHUNK = 1 << 20;
const HEADER = 'user\titem\tweight\n';
const LINE = 20; // "UUUUUUU\tIIIIIII\t1.0\n"
const ROWS = 400_000; // 8 MB: eight chunks

function writeFile(): string {
  const path = join(dir, 'big.tsv');
  const pad = (n: number) => String(n).padStart(7, '0');
  const lines = [HEADER];
  for (let r = 0; r < ROWS; r++) lines.push(`${pad(r % 9973)}\t${pad((r * 7919) % 50_021)}\t1.0\n`);
  writeFileSync(path, lines.join(''));
  expect(statSync(path).size).toBe(HEADER.length + ROWS * LINE);
  return path;
}

test('readInteractions(path) parses each chunk before reading the next: never more than a chunk and a line unparsed', async () => {
  const path = writeFile();
  const total = statSync(path).size;
  const reports: { done: number; rows: number }[] = [];
  const r = await readInteractions(path, {
    onProgress: (p) => reports.push({ done: p.done, rows: (p.info as { rows: number }).rows }),
  });
  expect(r.rows).toBe(ROWS);
  const reading = reports.filter((p) => p.done < total);
  // the file came in several pieces, each at most a chunk
  expect(reading.length).toBeGreaterThanOrEqual(Math.floor(total / CHUNK) - 1);
  let last = 0;
  for (const p of reports) {
    expect(p.done - last).toBeLessThanOrEqual(CHUNK);
    last = p.done;
    const parsed = p.rows > 0 ? HEADER.length + p.rows * LINE : 0;
    expect(p.done - parsed).toBeLessThanOrEqual(CHUNK + LINE);
  }
  // and rows were parsed while most of the file was still unread
  expect(reading.some((p) => p.rows > 0 && p.done <= total / 2)).toBe(true);
});
