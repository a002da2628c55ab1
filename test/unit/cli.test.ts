/**
 * The `recwise` command line: help, usage errors and exit codes, the `eval --json` contract on a hand-checked
 * fixture, fit → recommend through a model file, the demo, the bundled executable, and the anchors' popularity row
 * on ml-100k reproduced through the CLI (issue 4).
 */
import 'recwise'; // the default entry: registers the embedded wasm kernels, as dist/cli.mjs does
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { main } from '../../src/cli/main.ts';
import { parseFlags, UsageError } from '../../src/cli/args.ts';
import { memoryProcess } from '../../src/runtime/process.ts';
import { ProgressBar } from '../../src/cli/progress.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryProcess(args);
  const code = await main(io);
  return { code, out: io.out, err: io.err };
}

// Hand-checked fixture (k = 2). Popularity counts in train: 10:3, 20:2, 30/40/50/60:1; dense items 10..60 → 0..5.
//   user 1: train {10,20}, test {40}: top [30,40] (ties → lower index); hit at rank 2.
//   user 2: train {10,30,40}, test {20,50}: top [20,50]; two hits.
//   user 3: train {10,20,50,60}, test {30}: top [30,40]; hit at rank 1.
//   dropped: user 4 (unknown), item 70 (unknown).
const TRAIN = ['user\titem\tweight\ttimestamp', '1\t10\t5\t1', '1\t20\t4\t2', '2\t10\t4\t1', '2\t30\t5\t2', '2\t40\t4\t3', '3\t10\t4\t1', '3\t20\t4\t2', '3\t50\t5\t3', '3\t60\t4\t4'];
const TEST = ['user\titem\tweight\ttimestamp', '1\t40\t4\t9', '1\t70\t4\t9', '2\t20\t5\t9', '2\t50\t4\t9', '3\t30\t4\t9', '4\t10\t5\t9'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'recwise-cli-'));
  writeFileSync(join(dir, 'train.tsv'), TRAIN.join('\n') + '\n');
  writeFileSync(join(dir, 'test.tsv'), TEST.join('\n') + '\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flag parsing', () => {
  const specs = [
    { name: 'k', type: 'int', min: 1, default: 10, help: '' },
    { name: 'model', type: 'enum', values: ['popularity'], required: true, help: '' },
  ] as const;
  it('reads --name value, --name=value, booleans and defaults', () => {
    expect(parseFlags('x', ['--model', 'popularity', '--json'], specs)).toMatchObject({ model: 'popularity', k: 10, json: true });
    expect(parseFlags('x', ['--model=popularity', '--k=3'], specs)).toMatchObject({ k: 3 });
  });
  it('names the flag, the value and the fix', () => {
    const e = (() => {
      try {
        parseFlags('x', ['--model', 'popularity', '--k', '0'], specs);
      } catch (err) {
        return err as UsageError;
      }
    })();
    expect(e).toBeInstanceOf(UsageError);
    expect(e!.message).toContain('--k');
    expect(e!.message).toContain('"0"');
    expect(e!.message).toContain('integer >= 1');
    expect(e!.message).toContain('Fix: pass e.g. --k 10');
  });
  it('rejects unknown flags, positional arguments, missing values and missing required flags', () => {
    expect(() => parseFlags('x', ['--model', 'popularity', '--kk', '1'], specs)).toThrow(/--kk: unknown flag/);
    expect(() => parseFlags('x', ['popularity'], specs)).toThrow(/no positional arguments/);
    expect(() => parseFlags('x', ['--model'], specs)).toThrow(/--model: needs one of popularity/);
    expect(() => parseFlags('x', [], specs)).toThrow(/--model: is required/);
  });
});

describe('progress bar', () => {
  it('draws on a terminal, counts when the total is unknown, and stays silent when disabled', async () => {
    const tty = memoryProcess([]);
    let clock = 1_000_000; // a fake clock: the throttle must not depend on how fast this machine runs (issue 14)
    const bar = new ProgressBar(tty, true, () => clock);
    bar.update('read', { phase: 'bytes', done: 2048, total: 0 }); // first update always draws
    clock += 99;
    bar.update('fit', { phase: 'epoch', done: 3, total: 15 }); // throttled (within 100 ms)
    clock += 2;
    bar.update('fit', { phase: 'epoch', done: 4, total: 15 }); // 101 ms after the last draw: drawn
    bar.update('fit', { phase: 'epoch', done: 15, total: 15 }); // the final one always draws
    await bar.clear();
    expect(tty.err).toContain('100% fit: epoch 15/15');
    expect(tty.err).toContain('read: bytes 2,048');
    expect(tty.err).not.toContain('3/15');
    expect(tty.err).toContain('fit: epoch 4/15');
    const quiet = memoryProcess([]);
    new ProgressBar(quiet, false).update('fit', { phase: 'epoch', done: 1, total: 2 });
    expect(quiet.err).toBe('');
  });
});

describe('recwise CLI (in process)', () => {
  it('prints global help and per-command help', async () => {
    const g = await cli('--help');
    expect(g.code).toBe(0);
    for (const c of ['demo', 'fit', 'eval', 'recommend']) expect(g.out).toContain(`  ${c}`);
    for (const c of ['demo', 'fit', 'eval', 'recommend']) {
      const r = await cli(c, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toContain(`Usage: recwise ${c}`);
      expect(r.out).toContain('--json');
      expect(r.err).toBe('');
    }
    expect((await cli('eval', '--help')).out).toMatch(/--definition standard\|implicit\|lightfm\|recoder/);
  });

  it('exits 2 with a message naming flag, value and fix on bad input, without a stack trace', async () => {
    const bad = await cli('eval', '--model', 'popularity', '--train', join(dir, 'train.tsv'), '--test', join(dir, 'test.tsv'), '--k', 'ten');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('recwise eval: --k: expected an integer >= 1 (got "ten")');
    expect(bad.err).toContain('Fix:');
    expect(bad.err).not.toMatch(/\n\s+at /);
    const model = await cli('eval', '--model', 'nope', '--train', 'a', '--test', 'b');
    expect(model.code).toBe(2);
    expect(model.err).toContain('--model: expected one of popularity');
    expect(model.err).toContain('"nope"');
    const missing = await cli('fit', '--model', 'popularity', '--train', join(dir, 'missing.tsv'), '--out', join(dir, 'm.recwise'));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--train: file not found');
    const cmd = await cli('train');
    expect(cmd.code).toBe(2);
    expect(cmd.err).toContain('unknown command "train"');
    const verbose = await cli('eval', '--model', 'popularity', '--train', 'x', '--test', 'y', '--k', 'ten', '--verbose');
    expect(verbose.err).toMatch(/\n\s+at /);
  });

  it('eval --json prints the contract object with hand-checked popularity metrics', async () => {
    const r = await cli('eval', '--model', 'popularity', '--train', join(dir, 'train.tsv'), '--test', join(dir, 'test.tsv'), '--k', '2', '--binary', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const j = JSON.parse(lines[0]);
    expect(Object.keys(j).sort()).toEqual(['dataset', 'metrics', 'model', 'params', 'timing']);
    expect(j.model).toBe('popularity');
    expect(j.dataset).toEqual({ users: 3, items: 6, trainRows: 9, testRows: 4, testUsers: 3, droppedTestRows: 2 });
    expect(Object.keys(j.metrics).sort()).toEqual(['auc', 'coverage', 'map', 'mrr', 'ndcg', 'precision', 'recall', 'recallMin']);
    expect(Object.keys(j.timing).sort()).toEqual(['epochSeconds', 'evalSeconds', 'fitSeconds']);
    const m = j.metrics;
    expect(m.precision).toBeCloseTo((0.5 + 1 + 0.5) / 3, 6);
    expect(m.recall).toBeCloseTo(1, 6);
    expect(m.recallMin).toBeCloseTo(1, 6);
    expect(m.ndcg).toBeCloseTo((1 / Math.log2(3) + 1 + 1) / 3, 6);
    expect(m.map).toBeCloseTo((0.5 + 1 + 1) / 3, 6);
    expect(m.mrr).toBeCloseTo((0.5 + 1 + 1) / 3, 6);
    expect(m.auc).toBeCloseTo((0.5 + 0.75 + 0.5) / 3, 6);
    expect(m.coverage).toBeCloseTo(4 / 6, 6);
    for (const v of Object.values(j.timing)) expect(v).toBeGreaterThanOrEqual(0);
  });

  it('eval without --json prints a readable table', async () => {
    const r = await cli('eval', '--model', 'popularity', '--train', join(dir, 'train.tsv'), '--test', join(dir, 'test.tsv'), '--k', '2');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/P@2\s+0\.6667/);
    expect(r.out).toContain('dropped test rows 2');
  });

  it('fit → recommend round trip through a model file, numeric ids matched', async () => {
    const file = join(dir, 'pop.recwise');
    const f = await cli('fit', '--model', 'popularity', '--train', join(dir, 'train.tsv'), '--out', file, '--json');
    expect(f.code).toBe(0);
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(f.out).bytes).toBe(readFileSync(file).length);
    const r = await cli('recommend', '--model-file', file, '--user', '2', '--k', '2', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.user).toBe(2);
    expect(j.items.map((x: { item: number }) => x.item)).toEqual([20, 50]);
    expect(j.items[0].score).toBeGreaterThan(j.items[1].score);
    const seen = await cli('recommend', '--model-file', file, '--user', '2', '--k', '1', '--include-seen', '--json');
    expect(JSON.parse(seen.out).items[0].item).toBe(10);
    const unknown = await cli('recommend', '--model-file', file, '--user', '99');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('Unknown user 99');
    expect(unknown.err).not.toMatch(/\n\s+at /);
  });

  it("fit --loss auto: the autoencoder's default loss by name (issue 23); other models refuse it by name", async () => {
    const file = join(dir, 'ae.recwise');
    const r = await cli('fit', '--model', 'autoencoder', '--train', join(dir, 'train.tsv'), '--loss', 'auto', '--epochs', '1', '--hidden', '4', '--out', file);
    expect(r.code, r.err).toBe(0);
    const { loadModel } = await import('recwise');
    expect((await loadModel(file)).params.loss).toBe('auto');
    const lightfm = await cli('fit', '--model', 'lightfm', '--train', join(dir, 'train.tsv'), '--loss', 'auto', '--out', join(dir, 'lfm.recwise'));
    expect(lightfm.code).not.toBe(0);
    expect(lightfm.err).toContain('loss');
  });

  it('fit --deterministic (bpr, lmf, lightfm): the same model file content on 1 and 2 threads', async () => {
    // 300 users × 20 items: enough samples (≥ 4096) and rows (≥ 64) that a default fit runs on both threads
    const rows = ['user\titem'];
    for (let u = 0; u < 300; u++) for (let j = 0; j < 20; j++) rows.push(`${u}\t${(u * 7 + j * 13) % 250}`);
    writeFileSync(join(dir, 'wide.tsv'), rows.join('\n') + '\n');
    const { loadModel } = await import('recwise');
    for (const model of ['bpr', 'lmf', 'lightfm']) {
      const tensors = [];
      for (const threads of ['1', '2']) {
        const out = join(dir, `${model}-${threads}.recwise`);
        const r = await cli('fit', '--model', model, '--train', join(dir, 'wide.tsv'), '--epochs', '2', '--factors', '4', '--threads', threads, '--deterministic', '--out', out);
        expect(r.code, r.err).toBe(0);
        const m = await loadModel(out);
        expect(m.params.deterministic).toBe(true);
        tensors.push(Object.values(m.toState().tensors).map((t) => Array.from(new Uint8Array((t as Float32Array).buffer, (t as Float32Array).byteOffset, (t as Float32Array).byteLength))));
      }
      expect(tensors[1], model).toEqual(tensors[0]);
    }
  });

  it('demo trains, evaluates and shows recommendations with titles; the personalised model beats popularity', async () => {
    const r = await cli('demo', '--json', '--show', '2');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.dataset.users).toBe(600);
    expect(j.dataset.items).toBe(400);
    const byModel = Object.fromEntries(j.models.map((m: { model: string; metrics: Record<string, number> }) => [m.model, m.metrics]));
    expect(byModel.popularity.ndcg).toBeGreaterThan(0);
    expect(byModel.als.ndcg).toBeGreaterThan(1.5 * byModel.popularity.ndcg);
    expect(j.examples).toHaveLength(2);
    expect(j.examples[0].recommendations[0].items).toHaveLength(10);
    expect(j.examples[0].history[0].title).toMatch(/^[A-Za-z-]+ #\d+$/);
    const text = await cli('demo', '--show', '1');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/user \d+ \(planted taste: /);
    expect(text.out).toMatch(/popularity\s+\S+ #\d+/);
  });
});

describe('bundled executable', () => {
  it('dist-style bundle runs with node: help, usage error exit code', async () => {
    const out = join(dir, 'cli.mjs');
    await build({ entryPoints: [join(root, 'src/cli/bin.ts')], outfile: out, bundle: true, format: 'esm', platform: 'node', target: 'es2022', logLevel: 'error', banner: { js: '#!/usr/bin/env node' } });
    const help = spawnSync(process.execPath, [out, 'eval', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: recwise eval');
    const bad = spawnSync(process.execPath, [out, 'recommend', '--model-file', 'x', '--user', '1', '--k', '-1'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--k: expected an integer >= 1 (got "-1")');
    const demo = spawnSync(process.execPath, [out, 'demo', '--show', '1'], { encoding: 'utf8' });
    expect(demo.status).toBe(0);
    expect(demo.stdout).toContain('recwise demo:');
  });
});

describe('anchors through the CLI', () => {
  const split = join(root, '..', 'shared', 'data', 'splits', 'ml-100k');
  const anchorsFile = join(root, '..', 'shared', 'bench', 'anchors.md');
  it('recwise eval --model popularity on ml-100k reproduces the anchors popularity row (±0.0005)', async () => {
    // The anchors' table for ml-100k: header and the popularity row.
    const text = readFileSync(anchorsFile, 'utf8');
    const section = text.slice(text.indexOf('### ml-100k'));
    const rows = section.split('\n').filter((l) => l.startsWith('|'));
    const cells = (l: string) => l.split('|').slice(1, -1).map((c) => c.trim());
    const header = cells(rows[0]);
    const pop = cells(rows.find((l) => cells(l)[0] === 'popularity')!);
    const anchor = (col: string) => Number(pop[header.indexOf(col)]);
    const r = await cli('eval', '--model', 'popularity', '--train', join(split, 'train.tsv'), '--test', join(split, 'test.tsv'), '--binary', '--json');
    expect(r.err).toBe('');
    const j = JSON.parse(r.out);
    expect(j.dataset).toMatchObject({ users: 938, items: 1414, trainRows: 44286, testRows: 11040, testUsers: 938, droppedTestRows: 0 });
    const pairs: [string, string][] = [
      ['precision', 'P@10'], ['recall', 'R@10'], ['recallMin', 'R@10 (min-denom)'], ['ndcg', 'NDCG@10'],
      ['map', 'MAP@10'], ['auc', 'AUC'], ['mrr', 'MRR'], ['coverage', 'coverage'],
    ];
    for (const [ours, col] of pairs) {
      expect(Number.isFinite(anchor(col)), col).toBe(true);
      expect(Math.abs(j.metrics[ours] - anchor(col)), `${ours} ${j.metrics[ours]} vs ${col} ${anchor(col)}`).toBeLessThanOrEqual(0.0005);
    }
  });
});
