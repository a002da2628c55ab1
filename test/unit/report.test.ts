/**
 * The evaluation report (issue 20): its figures on a hand-checked fixture, HTML that cannot be broken by item
 * names, per-epoch curves through fit's onEpoch hook, the CLI's --report/compare, and `recwise demo --write-data`
 * printing commands that run as printed. The browser side (charts drawn, no console error, screenshot) is
 * test/runners/report.mjs.
 */
import 'recwise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AlsRecommender, BprRecommender, DatasetBuilder, InvalidArgumentError, LightFmRecommender, PopularityRecommender, evaluate,
  randomSplit, readInteractions, type Interactions,
} from 'recwise';
import { demoDataset } from 'recwise/testing';
import { fitWithCurves, renderReport, report, reportData } from '../../src/report/index.ts';
import { main } from '../../src/cli/main.ts';
import { memoryProcess } from '../../src/runtime/process.ts';

let dir: string;
beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'recwise-report-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryProcess(args);
  const code = await main(io);
  return { code, out: io.out, err: io.err };
}

const tsv = (lines: string[]) => new TextEncoder().encode(lines.join('\n') + '\n');
// The CLI fixture (test/unit/cli.test.ts): popularity counts 10:3, 20:2, 30/40/50/60:1 → dense items 0..5.
const TRAIN = ['user\titem\tweight\ttimestamp', '1\t10\t5\t1', '1\t20\t4\t2', '2\t10\t4\t1', '2\t30\t5\t2', '2\t40\t4\t3', '3\t10\t4\t1', '3\t20\t4\t2', '3\t50\t5\t3', '3\t60\t4\t4'];
const TEST = ['user\titem\tweight\ttimestamp', '1\t40\t4\t9', '1\t70\t4\t9', '2\t20\t5\t9', '2\t50\t4\t9', '3\t30\t4\t9', '4\t10\t5\t9'];

async function fixture(): Promise<{ train: Interactions; test: Interactions }> {
  const train = (await readInteractions(tsv(TRAIN), { binary: true, sortIds: true })).interactions;
  const test = (await readInteractions(tsv(TEST), { binary: true, users: train.users, items: train.items })).interactions;
  return { train, test };
}

async function demoSplit(seed = 3) {
  const data = demoDataset({ seed });
  const b = new DatasetBuilder({ sortIds: true });
  b.addColumns({ users: data.records.map((r) => r.user), items: data.records.map((r) => r.item), weights: data.records.map(() => 1) });
  return randomSplit(await b.build(), { testFraction: 0.2, seed });
}

describe('reportData', () => {
  it('hits per user, popularity deciles, long tail and coverage of popularity on the hand-checked fixture (k = 2)', async () => {
    const { train, test } = await fixture();
    const model = await new PopularityRecommender().fit(train);
    const d = await reportData({ models: [model], train, test, k: 2 });
    // top-2: user 1 → [30, 40] (hit 40), user 2 → [20, 50] (two hits), user 3 → [30, 40] (hit 30)
    const m = d.models[0];
    expect(m.hits).toEqual([0, 2, 1]);
    expect(m.zeroHitUsers).toBe(0);
    // popularity ranks 10,20,30,40,50,60 → deciles 1,2,4,6,7,9 (1-based); slots: 30,40,20,50,30,40
    const sixth = 1 / 6;
    expect(m.popularityDeciles.map((v) => v * 6)).toEqual([0, 1, 0, 2, 0, 2, 1, 0, 0, 0].map((v) => v));
    expect(m.popularityDeciles.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(d.trainPopularityDeciles.map((v) => Math.round(v * 9))).toEqual([3, 2, 0, 1, 0, 1, 1, 0, 1, 0]);
    expect(m.coverage).toBeCloseTo(4 / 6, 12);
    expect(d.longTailX).toHaveLength(101);
    expect(m.longTail[0]).toBe(0);
    expect(m.longTail[100]).toBeCloseTo(1, 12);
    // at 50% of the catalogue (ranks 0-2: items 10, 20, 30) → slots 20, 30, 30 = 3 of 6
    expect(m.longTail[50]).toBeCloseTo(3 * sixth, 12);
    expect(d.trainLongTail[50]).toBeCloseTo(6 / 9, 12);
    expect(m.metrics.precision).toBeCloseTo((1 / 2 + 2 / 2 + 1 / 2) / 3, 12);
    expect(d.dataset).toMatchObject({ users: 3, items: 6, trainRows: 9, testRows: 4, testUsers: 3 });
    expect(d.examples).toHaveLength(3);
    expect(d.examples[1]).toMatchObject({ user: 2, trainItems: 3, heldOut: [{ item: 20 }, { item: 50 }] });
    expect(d.examples[1].recommendations[0].items.map((i) => [i.item, i.hit])).toEqual([[20, true], [50, true]]);
    expect(m.curve).toEqual([]);
  });

  it("the hits histogram agrees with evaluate's precision (P@k = Σ h·users[h] / (k · test users)) for ALS and BPR", async () => {
    const { train, test } = await demoSplit();
    const als = await new AlsRecommender({ factors: 8, iterations: 5 }).fit(train);
    const bpr = await new BprRecommender({ factors: 8, iterations: 5 }).fit(train);
    const d = await reportData({ models: [als, bpr], train, test, k: 10, examples: 0 });
    for (const m of d.models) {
      const hits = m.hits.reduce((a, n, h) => a + h * n, 0);
      expect(hits / (10 * d.dataset.testUsers)).toBeCloseTo(m.metrics.precision!, 12);
      expect(m.hits.reduce((a, b) => a + b, 0)).toBe(d.dataset.testUsers);
      expect(m.coverage).toBeCloseTo(m.metrics.coverage!, 12);
    }
    expect(d.examples).toEqual([]);
  });

  it('rejects what it cannot use with typed errors naming the field', async () => {
    const { train, test } = await fixture();
    await expect(reportData({ models: [], test })).rejects.toThrow(InvalidArgumentError);
    await expect(reportData({ models: [new PopularityRecommender()], test })).rejects.toThrow(/models\[0\]/);
    const model = await new PopularityRecommender().fit(train);
    await expect(reportData({ models: [model], test, k: 0 })).rejects.toThrow(/\bk\b/);
    await expect(reportData({ models: [model], test: TEST as never })).rejects.toThrow(/test/);
  });
});

describe('renderReport', () => {
  it('is one self-contained page whose item names cannot inject markup', async () => {
    const { train, test } = await fixture();
    const model = await new PopularityRecommender().fit(train);
    const evil = '</script><script>alert(1)</script><img src=x onerror=alert(2)>';
    const html = await report({ models: [model], train, test, k: 2, itemLabel: (id) => `${evil}${id}`, title: 'T <i>x</i>' });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.includes('<img')).toBe(false);
    expect(html.includes('<i>')).toBe(false);
    expect(html.match(/<script\b/g)).toHaveLength(1); // the embedded JSON only
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//); // nothing fetched
    const json = html.slice(html.indexOf('id="recwise-report-data">') + 25, html.lastIndexOf('</script>'));
    expect(JSON.parse(json).examples[0].history[0].label).toBe(`${evil}10`);
    // the comparison charts carry one bar per model and metric
    expect(html.match(/data-chart="compare-ndcg"/g)).toHaveLength(1);
    expect(renderReport(await reportData({ models: [model, model], train, test, k: 2 }))).toContain('popularity #2');
  });
});

describe('fitWithCurves (fit onEpoch hook)', () => {
  it('BPR and ALS are evaluated on the validation split after each epoch with that epoch\'s factors', async () => {
    const { train, test } = await demoSplit();
    for (const make of [() => new BprRecommender({ factors: 8, iterations: 4, learningRate: 0.05, seed: 1 }), () => new AlsRecommender({ factors: 8, iterations: 3 })]) {
      const { model, curve } = await fitWithCurves(make(), train, { validation: test, k: 10 });
      const epochs = (model.params.iterations as number);
      expect(curve.map((p) => p.epoch)).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
      for (const p of curve) expect(p.validation!.ndcg).toBeGreaterThan(0);
      // the last epoch's figures are the fitted model's; earlier ones differ (they are not the final factors)
      const final = await evaluate(model, test, { k: 10 });
      expect(curve.at(-1)!.validation!.ndcg).toBe(final.means.ndcg);
      expect(curve[0].validation!.ndcg).not.toBe(final.means.ndcg);
      if (model.kind === 'bpr') for (const p of curve) expect(p.trainAuc).toBeGreaterThan(0.4);
    }
  });

  it('LightFM records its loss per epoch; popularity has no epochs; without validation only training figures', async () => {
    const { train, test } = await demoSplit();
    const lfm = await fitWithCurves(new LightFmRecommender({ factors: 8, epochs: 3, threads: 1 }), train, { validation: test });
    expect(lfm.curve).toHaveLength(3);
    for (const p of lfm.curve) expect(p.loss).toBeGreaterThan(0);
    expect((await fitWithCurves(new PopularityRecommender(), train, { validation: test })).curve).toEqual([]);
    const plain = await fitWithCurves(new LightFmRecommender({ factors: 8, epochs: 2, threads: 1 }), train);
    expect(plain.curve.map((p) => [p.epoch, p.validation])).toEqual([[1, undefined], [2, undefined]]);
    await expect(fitWithCurves(new PopularityRecommender(), train, { validation: 'x' as never })).rejects.toThrow(/validation/);
  });
});

describe('CLI', () => {
  it('eval --report writes the HTML page and puts the same figures in --json', async () => {
    const train = join(dir, 'train.tsv'), test = join(dir, 'test.tsv'), out = join(dir, 'eval.html');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(train, TRAIN.join('\n') + '\n');
    writeFileSync(test, TEST.join('\n') + '\n');
    const r = await cli('eval', '--model', 'popularity', '--train', train, '--test', test, '--k', '2', '--binary', '--report', out, '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.report.models[0]).toMatchObject({ name: 'popularity', hits: [0, 2, 1] });
    expect(j.metrics.precision).toBeCloseTo(j.report.models[0].metrics.precision, 12);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('data-chart="hits-popularity"');
    const plain = await cli('eval', '--model', 'popularity', '--train', train, '--test', test, '--binary', '--json');
    expect(JSON.parse(plain.out).report).toBeUndefined(); // the fixed --json contract is unchanged without --report
  });

  it('compare checks --models against the known families and tabulates every model', async () => {
    const train = join(dir, 'train.tsv'), test = join(dir, 'test.tsv');
    const bad = await cli('compare', '--models', 'als,nope', '--train', train, '--test', test);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('"nope"');
    expect(bad.err).toContain('popularity');
    const twice = await cli('compare', '--models', 'popularity,popularity', '--train', train, '--test', test);
    expect(twice.code).toBe(2);
    const ok = await cli('compare', '--models', 'popularity,itemknn', '--train', train, '--test', test, '--k', '2', '--binary', '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out).models.map((m: { model: string }) => m.model)).toEqual(['popularity', 'itemknn']);
  });

  it('demo --write-data writes its split, and the commands it prints next run as printed', async () => {
    const data = join(dir, 'demo data'); // a space: the printed commands must quote it
    const r = await cli('demo', '--write-data', data, '--show', '0');
    expect(r.code).toBe(0);
    for (const f of ['train.tsv', 'test.tsv', 'items.tsv', 'item-features.tsv']) expect(existsSync(join(data, f))).toBe(true);
    const commands = r.out.split('\n').filter((l) => l.startsWith('  recwise ')).map((l) => l.trim());
    expect(commands.length).toBeGreaterThanOrEqual(2);
    for (const command of commands) {
      // shell words: '…' quoted or bare; report.html goes to the scratch folder
      const words = [...command.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]));
      const args = words.slice(1).map((w) => (w === 'report.html' ? join(dir, 'demo-report.html') : w));
      const run = await cli(...args, '--quiet');
      expect(run.err, command).toBe('');
      expect(run.code, command).toBe(0);
    }
    expect(existsSync(join(dir, 'demo-report.html'))).toBe(true);
    const plain = await cli('demo', '--show', '0');
    expect(plain.out).toMatch(/Next: recwise demo --write-data \S+/);
    expect(plain.out).not.toMatch(/--train train\.tsv/); // no command on files that do not exist
  });
});
