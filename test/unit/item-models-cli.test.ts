/**
 * EASE and RP3beta through the command line (issue 19). EASE: `recwise eval --model ease --lambda 250` on ml-100k reproduces the
 * anchors' ease-numpy-l250 row (Steck 2019's closed form in NumPy float64) although our Gram matrix and inverse run in
 * f32 Wasm; `fit --model ease` writes a model file that `recommend` loads. RP3beta: the CLI's flags reach the model
 * (its metrics equal the API's for the same options). ∞-AE: equals a NumPy float64 oracle; its model file loads.
 */
import { evaluate, readInteractions, Rp3BetaRecommender } from 'recwise'; // the default entry, as dist/cli.mjs uses
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anchorRow, cli, root } from './fixtures/cli.ts';

const split = join(root, '..', 'shared', 'data', 'splits', 'ml-100k');

describe('ease through the CLI', () => {
  it('eval --model ease --lambda 250 reproduces the anchors\' ease-numpy-l250 row', async () => {
    const anchor = anchorRow('ml-100k', 'ease-numpy-l250');
    const r = await cli('eval', '--model', 'ease', '--lambda', '250', '--train', join(split, 'train.tsv'), '--test', join(split, 'test.tsv'), '--binary', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.model).toBe('ease');
    expect(j.params).toMatchObject({ lambda: 250, diagonalPenalty: 0, neighbors: 0 });
    const pairs: [string, string][] = [['precision', 'P@10'], ['recall', 'R@10'], ['ndcg', 'NDCG@10'], ['map', 'MAP@10'], ['mrr', 'MRR'], ['auc', 'AUC']];
    for (const [ours, col] of pairs) {
      expect(Number.isFinite(anchor(col)), col).toBe(true);
      expect(Math.abs(j.metrics[ours] - anchor(col)), `${ours} ${j.metrics[ours]} vs ${col} ${anchor(col)}`).toBeLessThanOrEqual(0.0005);
    }
  });

  it('eval --model ease takes the normalised Gram\'s exponents (--user-normalization, --item-normalization)', async () => {
    const r = await cli('eval', '--model', 'ease', '--lambda', '500', '--user-normalization', '0.5', '--item-normalization', '0.1', '--train', join(split, 'train.tsv'), '--test', join(split, 'test.tsv'), '--binary', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.params).toMatchObject({ lambda: 500, userNormalization: 0.5, itemNormalization: 0.1 });
    // the exponents change the model: plain EASE at λ 500 gives other figures
    const plain = JSON.parse((await cli('eval', '--model', 'ease', '--lambda', '500', '--train', join(split, 'train.tsv'), '--test', join(split, 'test.tsv'), '--binary', '--json')).out);
    expect(j.metrics.ndcg).not.toBe(plain.metrics.ndcg);
    const bad = await cli('eval', '--model', 'ease', '--item-normalization', '2', '--train', join(split, 'train.tsv'), '--test', join(split, 'test.tsv'), '--json');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/itemNormalization/);
  });

  it('fit --model ease --neighbors 50 saves a pruned model that recommend loads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recwise-ease-'));
    try {
      const file = join(dir, 'ease.recwise');
      const fit = await cli('fit', '--model', 'ease', '--lambda', '250', '--neighbors', '50', '--train', join(split, 'train.tsv'), '--binary', '--out', file);
      // stderr holds only the reader's one-line account of the file (issue 16)
      expect(fit.err).toMatch(/^recwise: read train [^\n]*\n$/);
      expect(fit.code).toBe(0);
      const rec = await cli('recommend', '--model-file', file, '--user', '1', '--k', '5', '--json');
      expect(rec.code).toBe(0);
      const out = JSON.parse(rec.out);
      expect(JSON.stringify(out)).toMatch(/"item"/);
      // eval --model-file: the saved model's figures equal fitting the same options in eval
      const data = ['--train', join(split, 'train.tsv'), '--test', join(split, 'test.tsv'), '--binary', '--json'];
      const saved = await cli('eval', '--model-file', file, ...data);
      expect(saved.err).toBe('');
      expect(saved.code).toBe(0);
      const fitted = await cli('eval', '--model', 'ease', '--lambda', '250', '--neighbors', '50', ...data);
      const a = JSON.parse(saved.out);
      const b = JSON.parse(fitted.out);
      expect(Object.keys(a)).toEqual(Object.keys(b));
      expect(a.model).toBe('ease');
      expect(a.params).toEqual(b.params);
      expect(a.dataset).toEqual(b.dataset);
      expect(a.metrics).toEqual(b.metrics);
      for (const both of [['--model', 'ease', '--model-file', file], []]) {
        const bad = await cli('eval', ...both, ...data);
        expect(bad.code).toBe(2);
        expect(bad.err).toContain('--model');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a non-positive lambda with a usage error naming the flag', async () => {
    const r = await cli('eval', '--model', 'ease', '--lambda', '-1', '--train', join(split, 'train.tsv'), '--test', join(split, 'test.tsv'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('--lambda');
  });
});

describe('rp3beta through the CLI', () => {
  it('eval --model rp3beta --alpha --beta --neighbors --no-normalize gives the API\'s figures for the same options', async () => {
    const r = await cli('eval', '--model', 'rp3beta', '--alpha', '0.8', '--beta', '0.3', '--neighbors', '50', '--no-normalize',
      '--train', join(split, 'train.tsv'), '--test', join(split, 'test.tsv'), '--binary', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.model).toBe('rp3beta');
    expect(j.params).toEqual({ alpha: 0.8, beta: 0.3, neighbors: 50, normalize: false });
    const { interactions: train } = await readInteractions(join(split, 'train.tsv'), { binary: true, sortIds: true });
    const { interactions: test } = await readInteractions(join(split, 'test.tsv'), { binary: true });
    const model = await new Rp3BetaRecommender({ alpha: 0.8, beta: 0.3, neighbors: 50, normalize: false }).fit(train);
    const api = await evaluate(model, test, { k: 10 });
    expect(j.metrics.ndcg).toBeCloseTo(api.means.ndcg!, 6);
    expect(j.metrics.precision).toBeCloseTo(api.means.precision!, 6);
    // and the popularity penalty helps over the anchors' popularity row (NDCG@10 0.1609)
    expect(j.metrics.ndcg).toBeGreaterThan(0.1609);
  });
});

describe('infinite-ae through the CLI', () => {
  it('eval --model infinite-ae --lambda 10 --item-normalization 0.2 equals a float64 NumPy ∞-AE on ml-100k; fit → recommend loads it', async () => {
    // The oracle: K = NTK(z_u, z_v) over unit rows of X·diag(pop^-0.2) (ReLU, one hidden layer), X̂ = K (K + 10 I)⁻¹ X in
    // NumPy float64 (np.linalg.solve), train items excluded, NDCG@10 / P@10 of the shared ml-100k split: 0.31837 / 0.22633.
    const r = await cli('eval', '--model', 'infinite-ae', '--lambda', '10', '--item-normalization', '0.2', '--train', join(split, 'train.tsv'), '--test', join(split, 'test.tsv'), '--binary', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.model).toBe('infinite-ae');
    expect(j.params).toEqual({ lambda: 10, itemNormalization: 0.2 });
    expect(Math.abs(j.metrics.ndcg - 0.31837)).toBeLessThanOrEqual(0.0005);
    expect(Math.abs(j.metrics.precision - 0.22633)).toBeLessThanOrEqual(0.0005);
    const dir = mkdtempSync(join(tmpdir(), 'recwise-infae-'));
    try {
      const file = join(dir, 'inf.recwise');
      const fit = await cli('fit', '--model', 'infinite-ae', '--lambda', '10', '--train', join(split, 'train.tsv'), '--binary', '--out', file);
      expect(fit.code, fit.err).toBe(0);
      const rec = await cli('recommend', '--model-file', file, '--user', '1', '--k', '5', '--json');
      expect(rec.code, rec.err).toBe(0);
      expect(JSON.stringify(JSON.parse(rec.out))).toMatch(/"item"/);
      // the saved model's figures equal fitting the same options
      const data = ['--train', join(split, 'train.tsv'), '--test', join(split, 'test.tsv'), '--binary', '--json'];
      const saved = JSON.parse((await cli('eval', '--model-file', file, ...data)).out);
      const fitted = JSON.parse((await cli('eval', '--model', 'infinite-ae', '--lambda', '10', ...data)).out);
      expect(saved.metrics).toEqual(fitted.metrics);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
