/**
 * `recwise tune` (issue 19): saves the refitted winner, logs every trial as JSONL, resumes from its log, never reads
 * a test split (it has no such flag), and rejects bad flags with usage errors naming them.
 */
import 'recwise';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from 'recwise';
import { cli } from './fixtures/cli.ts';

/** Two taste groups of 30 items; every user has 12 random items of their group. */
function writeData(dir: string): string {
  let s = 1;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const lines = ['user\titem\tweight\ttimestamp'];
  for (let u = 0; u < 150; u++) {
    const base = u % 2 ? 30 : 0;
    const items = new Set<number>();
    while (items.size < 12) items.add(base + Math.floor(rand() * 30));
    for (const i of [...items].sort((a, b) => a - b)) lines.push(`${u}\t${i}\t1\t0`);
  }
  const path = join(dir, 'train.tsv');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

describe('recwise tune', () => {
  it('saves the winner refitted on all of train, logs every trial, and a rerun resumes from the log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recwise-tune-'));
    try {
      const train = writeData(dir);
      const log = join(dir, 'tune.jsonl');
      const out = join(dir, 'best.recwise');
      const args = ['tune', '--train', train, '--models', 'ease,rp3beta', '--budget', '1h', '--log', log, '--out', out, '--json', '--blend', '0', '--selection-folds', '0'];
      const first = await cli(...args, '--max-points', '9');
      expect(first.err).toBe('');
      expect(first.code).toBe(0);
      const a = JSON.parse(first.out);
      expect(a.trials).toBe(12);
      expect(a.resumedTrials).toBe(0);
      expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(12);
      expect(['ease', 'rp3beta']).toContain(a.best.model);
      expect(a.leaderboard[0].model).toBe(a.best.model);
      expect(a.best['ndcg@10']).toBeGreaterThan(0);
      const model = await loadModel(out);
      expect(model.kind).toBe(a.best.model);
      expect(model.params).toMatchObject(a.best.params);
      expect(model.trainingIndex.seen.indices.length).toBe(150 * 12);
      const second = JSON.parse((await cli(...args, '--max-points', '18')).out);
      expect(second.resumedTrials).toBe(12);
      expect(second.trials).toBe(24);
      expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(24);
      // another metric, another validation share: the logged scores measured something else, so nothing is reused
      for (const [flag, value] of [['--metric', 'precision@10'], ['--valid-fraction', '0.1']]) {
        const other = JSON.parse((await cli(...args, '--max-points', '9', flag, value)).out);
        expect(other.resumedTrials).toBe(0);
        expect(other.staleTrials).toBeGreaterThanOrEqual(24);
        expect(other.trials).toBe(12);
      }
      // the original settings find their 24 trials among the others; a log line without a context (a log of an older
      // release) is never reused
      const lines = readFileSync(log, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(48);
      writeFileSync(log, lines.map((l, i) => (i === 0 ? JSON.stringify({ ...JSON.parse(l), context: undefined }) : l)).join('\n') + '\n');
      const third = JSON.parse((await cli(...args, '--max-points', '18')).out);
      expect(third.resumedTrials).toBe(23);
      expect(third.staleTrials).toBe(25);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--blend: the log holds the blend trials, a rerun resumes them, and a winning blend is saved as one model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recwise-tune-'));
    try {
      const train = writeData(dir);
      const log = join(dir, 'tune.jsonl');
      const out = join(dir, 'best.recwise');
      const args = ['tune', '--train', train, '--models', 'ease,rp3beta,itemknn', '--budget', '1h', '--log', log, '--out', out, '--json', '--max-points', '18', '--blend', '2', '--complement-points', '2'];
      const first = JSON.parse((await cli(...args)).out);
      const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const blends = lines.filter((t) => t.model === 'blend' && !t.fold);
      // every pair of the three families' best points (blends of at most two), 9 weight vectors each, then two
      // complement points beside the best single point, at 5 weights each
      expect(blends).toHaveLength(27 + 2 * 5);
      for (const t of blends) expect(t.params.members).toHaveLength(2);
      for (const t of blends) expect(t.params.weights[0] + t.params.weights[1]).toBeCloseTo(1, 12);
      const second = JSON.parse((await cli(...args)).out);
      expect(second.resumedTrials).toBe(first.trials);
      expect(second.trials).toBe(first.trials);
      // the saved model averages the final choice's top three (--average 3, the default) and says so
      const model = await loadModel(out);
      expect(second.saved.averageOf).toBe(3);
      expect(model.kind).toBe(second.saved.model);
      expect(model.params).toMatchObject({ weights: second.saved.params.weights });
      // the text leaderboard: the fixed-width columns first, the parameters last on one line (a blend as its weighted
      // members), so a long blend pads no other row
      const text = (await cli(...args.filter((a) => a !== '--json'))).out.split('\n');
      expect(text[0]).toMatch(/^model +valid ndcg@10 +valid precision@10 +fit s +params$/);
      const at = text[0].indexOf('params');
      const flat = (p: Record<string, unknown>) => Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' ');
      expect(second.leaderboard.some((t: { model: string }) => t.model === 'blend')).toBe(true);
      second.leaderboard.forEach((t: { model: string; params: { members: { kind: string; params: Record<string, unknown> }[]; weights: number[] } }, i: number) => {
        const row = text[i + 1];
        expect(row.startsWith(t.model + ' ')).toBe(true);
        expect(row.slice(0, at)).not.toContain('{');
        expect(row.slice(at)).toBe(t.model === 'blend' ? t.params.members.map((m, j) => `${t.params.weights[j]} ${m.kind}(${flat(m.params)})`).join(' + ') : flat(t.params));
      });
      const saved = second.saved.params as { members: { kind: string; params: Record<string, unknown> }[]; weights: number[] };
      expect(text).toContain(`saved: the average of the top 3 candidates, blend ${saved.members.map((m, j) => `${saved.weights[j]} ${m.kind}(${flat(m.params)})`).join(' + ')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has no test flag and rejects bad flags with usage errors naming them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recwise-tune-'));
    try {
      const train = writeData(dir);
      for (const [flag, value] of [['--test', train], ['--budget', 'soon'], ['--metric', 'auc@10'], ['--models', 'ease,svd'], ['--valid-fraction', '1.5'], ['--blend', '-1']]) {
        const r = await cli('tune', '--train', train, flag, value, '--out', join(dir, 'x.recwise'));
        expect(r.code, `${flag} ${value}`).toBe(2);
        expect(r.err).toContain(flag);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
