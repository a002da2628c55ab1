// Atomic model writes (issue 4: "Writes go to a temp file and are renamed"): the target is never half-written,
// nothing temporary is left after a save, a failed save leaves the old file intact, and a writer killed mid-save
// leaves either the old or the new file, complete.
import { describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeModelState, encodeModelState, readModelState, type ModelState } from '../../src/index.ts';
import { writeFileAtomic } from '../../src/runtime/files.ts';

function state(fill: number, rows = 50): ModelState {
  return {
    kind: 'atomic-test', params: { fill }, users: [1], items: Array.from({ length: rows }, (_, i) => i),
    seen: { indptr: Int32Array.of(0, 0), indices: new Int32Array(0), data: new Float32Array(0) },
    tensors: { itemFactors: new Float32Array(rows * 64).fill(fill) }, shapes: { itemFactors: [rows, 64] },
  };
}

const tmpFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('io: atomic model writes', () => {
  test('a save writes exactly the returned bytes, replaces the old file and leaves no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recwise-io-'));
    const path = join(dir, 'model.recwise');
    const a = encodeModelState(state(1));
    const b = encodeModelState(state(2));
    await writeFileAtomic(path, a);
    expect(new Uint8Array(readFileSync(path))).toEqual(a);
    await writeFileAtomic(path, b);
    expect(new Uint8Array(readFileSync(path))).toEqual(b);
    expect((await readModelState(path)).params).toEqual({ fill: 2 });
    expect(tmpFiles(dir)).toEqual([]);
    expect(readdirSync(dir)).toEqual(['model.recwise']);
  });

  test('a failing save leaves the old file intact and cleans up its temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recwise-io-'));
    // rename onto a non-empty directory fails after the temporary file was written
    const target = join(dir, 'occupied');
    mkdirSync(target);
    writeFileSync(join(target, 'keep.txt'), 'old');
    await expect(writeFileAtomic(target, encodeModelState(state(3)))).rejects.toThrow();
    expect(readFileSync(join(target, 'keep.txt'), 'utf8')).toBe('old');
    expect(tmpFiles(dir)).toEqual([]);
    // a save into a missing directory fails before touching anything
    const old = join(dir, 'model.recwise');
    const before = encodeModelState(state(4));
    writeFileSync(old, before);
    await expect(writeFileAtomic(join(dir, 'missing', 'model.recwise'), encodeModelState(state(5)))).rejects.toThrow();
    expect(new Uint8Array(readFileSync(old))).toEqual(before);
    expect(tmpFiles(dir)).toEqual([]);
  });

  test('a writer killed at random moments never leaves a damaged model behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recwise-io-'));
    const path = join(dir, 'model.recwise');
    // node itself with tsx's loader (not the tsx wrapper, whose grandchild would survive the kill)
    const loader = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
    const child = fileURLToPath(new URL('./fixtures/atomic-writer.ts', import.meta.url));
    // at least three kills; more (up to 12) until one lands mid-save, which a loaded machine can make rarer
    for (let attempt = 0; attempt < 12 && (attempt < 3 || tmpFiles(dir).length === 0); attempt++) {
      const delay = 150 + ((attempt * 137) % 400);
      const p = spawn(process.execPath, ['--import', loader, child, path, '20000'], { stdio: ['ignore', 'pipe', 'inherit'] }); // 5 MB files
      await new Promise<void>((resolve) => p.stdout.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, delay));
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await exited;
      // whatever moment the kill hit, the target is a complete, valid file of one of the two versions
      const s = decodeModelState(new Uint8Array(readFileSync(path)));
      expect([1, 2]).toContain(s.params.fill);
      expect(s.tensors.itemFactors.every((x) => x === s.params.fill)).toBe(true);
    }
    // Whether a kill landed mid-save depends on machine load (issue 14: no test may), so the leftovers are not
    // counted here; the test below pins stale-file removal with simulated files. Whatever the kills left, the next
    // save removes it (issue 22: those writers are dead).
    await writeFileAtomic(path, encodeModelState(state(3)));
    expect(tmpFiles(dir)).toEqual([]);
  }, 120_000);

  test('a save removes stale temporary files of its target: dead writers and old files, never a live writer\'s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recwise-io-'));
    const path = join(dir, 'model.recwise');
    const exited = spawn(process.execPath, ['-e', '0']);
    const deadPid = await new Promise<number>((r) => exited.once('exit', () => r(exited.pid!)));
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const hourAgo = Date.now() / 1000 - 2 * 3600;
      const files = {
        dead: `model.recwise.recwise-${deadPid}-abc123.tmp`, // a killed writer's
        liveOther: `model.recwise.recwise-${live.pid}-def456.tmp`, // another process saving right now
        liveOwn: `model.recwise.recwise-${process.pid}-ghi789.tmp`, // a concurrent save of this process
        oldLegacy: 'model.recwise.mlx2k9abc123.tmp', // the naming before issue 22, two hours old
        freshLegacy: 'model.recwise.mlx2k9def456.tmp', // same naming, fresh: its writer may be alive
        otherTarget: `other.recwise.recwise-${deadPid}-abc123.tmp`, // another target's
        notOurs: 'model.recwise.backup.tmp', // a user's file
      };
      for (const f of Object.values(files)) writeFileSync(join(dir, f), 'partial');
      utimesSync(join(dir, files.oldLegacy), hourAgo, hourAgo);
      await writeFileAtomic(path, encodeModelState(state(1)));
      expect(readdirSync(dir).sort()).toEqual(['model.recwise', files.liveOther, files.liveOwn, files.freshLegacy, files.otherTarget, files.notOurs].sort());
      // once the other writer is gone, its file goes too
      const gone = new Promise((r) => live.once('exit', r));
      live.kill('SIGKILL');
      await gone;
      await writeFileAtomic(path, encodeModelState(state(2)));
      expect(readdirSync(dir)).not.toContain(files.liveOther);
      expect(readdirSync(dir)).toContain(files.liveOwn);
    } finally {
      live.kill('SIGKILL');
    }
  });
});
