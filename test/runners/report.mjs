#!/usr/bin/env node
// The evaluation report as a person meets it (issue 20), after `node scripts/build.mjs`:
//  1. `recwise demo --write-data` writes a split (the demo's next step), this script holds 10% of its train rows
//     out as a validation split, and `recwise compare --models als,bpr,lightfm,popularity … --report` writes
//     test/.out/report/report.html (+ --json with the same figures);
//  2. headless Chromium opens the file from file:// (no server): no console error, no page error, no request beyond
//     the file itself; every chart exists with as many bars/points as the JSON says, with text labels;
//  3. a full-page screenshot is saved to test/.out/report/report.png for a human to look at;
//  4. examples/browser/report.html (served from 127.0.0.1) trains on the split as a picked CSV and shows report()
//     in an iframe with the expected charts (screenshot test/.out/report/browser.png).
//
//   node test/runners/report.mjs      env: CHROMIUM_PATH (default /usr/bin/chromium)
//
// Prints each failure, then `report: N passed, M failed`; exit 1 on failures, 2 when Chromium could not start.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ChromiumUnavailable, INSTALL_HINT, launchChromium } from './chromium.mjs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { createServer } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'test/.out/report');
const cli = join(root, 'dist/cli.mjs');
const K = 10;
const MODELS = ['als', 'bpr', 'lightfm', 'popularity'];

const results = [];
const check = (name, cond, error) => results.push({ name: `report: ${name}`, ok: !!cond, ...(cond ? {} : { error: String(error) }) });
function finish() {
  const failed = results.filter((r) => !r.ok);
  for (const f of failed) console.log(`✗ ${f.name}\n    ${f.error.replace(/\n/g, '\n    ')}`);
  console.log(`report: ${results.length - failed.length} passed, ${failed.length} failed`);
  process.exit(failed.length ? 1 : 0);
}
function cannotStart(why) {
  console.error(`report: cannot start: ${why}\n  ${INSTALL_HINT}`);
  console.log('report: could not start');
  process.exit(2);
}
const recwise = (...args) => spawnSync(process.execPath, [cli, ...args], { cwd: out, encoding: 'utf8', timeout: 300_000, maxBuffer: 1 << 26 });

if (!existsSync(cli)) {
  check('dist/cli.mjs exists', false, 'run `node scripts/build.mjs` first');
  finish();
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// 1. Data and report through the command line.
const demo = recwise('demo', '--write-data', 'data', '--quiet', '--show', '1');
check('recwise demo --write-data writes the split and names a command on those files', demo.status === 0 && existsSync(join(out, 'data/train.tsv')) && /recwise compare .*--train data\/train\.tsv/.test(demo.stdout), `exit ${demo.status}\n${demo.stdout}${demo.stderr}`);
if (demo.status !== 0) finish();
// Validation: every 10th training row (in file order), the rest to fit on; never the test rows.
const [header, ...rows] = readFileSync(join(out, 'data/train.tsv'), 'utf8').trimEnd().split('\n');
writeFileSync(join(out, 'data/fit.tsv'), [header, ...rows.filter((_, i) => i % 10 !== 3)].join('\n') + '\n');
writeFileSync(join(out, 'data/validation.tsv'), [header, ...rows.filter((_, i) => i % 10 === 3)].join('\n') + '\n');
const compare = recwise(
  'compare', '--models', MODELS.join(','), '--train', 'data/fit.tsv', '--validation', 'data/validation.tsv', '--test', 'data/test.tsv',
  '--k', String(K), '--epochs', '8', '--iterations', '6', '--factors', '16', '--item-names', 'data/items.tsv', '--report', 'report.html', '--json', '--quiet',
);
let data;
try {
  data = JSON.parse(compare.stdout).report;
} catch {
  /* reported below */
}
check('recwise compare --report writes report.html and prints the figures with --json', compare.status === 0 && data && existsSync(join(out, 'report.html')), `exit ${compare.status}\n${compare.stdout.slice(0, 2000)}${compare.stderr}`);
if (!data) finish();

// 2. Open it as a person would: from disk, in a browser.
const userDataDir = mkdtempSync(join(tmpdir(), 'recwise-report-'));
let context;
let server;
try {
  try {
    context = await launchChromium(userDataDir, { viewport: { width: 1280, height: 900 } });
  } catch (e) {
    if (!(e instanceof ChromiumUnavailable)) throw e;
    cannotStart(e.message);
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  const requests = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => ['error', 'warning'].includes(m.type()) && problems.push(`console.${m.type()}: ${m.text()}`));
  page.on('request', (r) => requests.push(r.url()));
  const url = pathToFileURL(join(out, 'report.html')).href;
  await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
  check('opens from file:// with no console error, warning or page error', problems.length === 0, problems.join('\n'));
  check('fetches nothing beyond the file itself (self-contained)', requests.every((r) => r === url), requests.filter((r) => r !== url).join('\n'));

  const charts = await page.$$eval('svg.chart', (els) => els.map((e) => {
    const box = e.getBoundingClientRect();
    return {
      id: e.dataset.chart, kind: e.dataset.kind, width: box.width, height: box.height,
      title: e.querySelector('.chart-title')?.textContent ?? '',
      bars: [...e.querySelectorAll('rect.bar')].map((b) => ({ label: b.dataset.label, value: Number(b.dataset.value), width: Number(b.getAttribute('width')), height: Number(b.getAttribute('height')) })),
      points: [...e.querySelectorAll('.point')].map((p) => ({ series: p.dataset.series, x: Number(p.dataset.x), value: Number(p.dataset.value) })),
      labels: [...e.querySelectorAll('.series-label')].map((t) => t.textContent),
    };
  }));
  const chart = (id) => charts.find((c) => c.id === id);
  const embedded = JSON.parse(await page.$eval('#recwise-report-data', (e) => e.textContent));
  check('the page embeds the same figures as --json', JSON.stringify(embedded) === JSON.stringify(data), 'embedded JSON differs from the --json report');
  check('every chart is drawn (non-empty box) with a title', charts.length > 0 && charts.every((c) => c.width > 50 && c.height > 50 && c.title.trim()), JSON.stringify(charts.map((c) => [c.id, c.width, c.height, c.title])));

  // Comparison: one chart per metric, one bar per model, values equal to the figures.
  const names = data.models.map((m) => m.name);
  check('models are the ones asked for, in order', JSON.stringify(names) === JSON.stringify(MODELS), names);
  for (const metric of data.metricNames) {
    const c = chart(`compare-${metric}`);
    const ok = c && c.bars.length === MODELS.length && c.bars.every((b, i) => b.label === names[i] && Math.abs(b.value - data.models[i].metrics[metric]) < 1e-12);
    check(`comparison chart ${metric}: ${MODELS.length} labelled bars with the metric values`, ok, JSON.stringify(c?.bars));
  }
  check('comparison covers the protocol metrics', ['precision', 'recall', 'ndcg', 'map', 'mrr', 'auc', 'coverage'].every((m) => data.metricNames.includes(m)), data.metricNames);

  // Curves: ALS, BPR and LightFM train in epochs; popularity does not.
  const epochs = { als: 6, bpr: 8, lightfm: 8, popularity: 0 };
  for (const m of data.models) {
    check(`${m.name} has ${epochs[m.name]} epochs of curve, validation metrics on each`, m.curve.length === epochs[m.name] && m.curve.every((p) => p.validation && p.validation.ndcg >= 0), JSON.stringify(m.curve));
  }
  for (const metric of ['ndcg', 'precision']) {
    const c = chart(`curve-validation-${metric}`);
    const want = data.models.flatMap((m) => m.curve.map((p) => [m.name, p.epoch, p.validation[metric]]));
    const ok = c && c.points.length === want.length && want.every(([s, x, v]) => c.points.some((p) => p.series === s && p.x === x && Math.abs(p.value - v) < 1e-12));
    check(`validation ${metric} by epoch: one point per model and epoch (${want.length})`, ok, JSON.stringify(c?.points.slice(0, 5)));
    check(`validation ${metric} lines are named in text at their end (not by colour only)`, c && ['als', 'bpr', 'lightfm'].every((n) => c.labels.some((l) => l.startsWith(`${n} `))), JSON.stringify(c?.labels));
  }
  const bprAuc = chart('curve-trainAuc-bpr');
  check('BPR train AUC by epoch: 8 points', bprAuc?.points.length === 8, JSON.stringify(bprAuc?.points));
  const lightfmLoss = chart('curve-loss-lightfm');
  check('LightFM train loss by epoch: 8 points', lightfmLoss?.points.length === 8, JSON.stringify(lightfmLoss?.points));

  // Per-user hits: k + 1 columns per model summing to the test users; column 0 is the "nothing right" count.
  for (const m of data.models) {
    const c = chart(`hits-${m.name}`);
    const sum = c?.bars.reduce((a, b) => a + b.value, 0);
    check(`${m.name}: hits histogram has ${K + 1} columns summing to the ${data.dataset.testUsers} test users`, c && c.bars.length === K + 1 && sum === data.dataset.testUsers && c.bars[0].value === m.zeroHitUsers, JSON.stringify(c?.bars));
  }

  // Popularity: 10 deciles for train and per model (shares summing to 1), long tail with 21 points per series.
  for (const id of ['train', ...names]) {
    const c = chart(`popularity-${id}`);
    const sum = c?.bars.reduce((a, b) => a + b.value, 0);
    check(`popularity deciles of ${id}: 10 columns whose shares sum to 1`, c && c.bars.length === 10 && Math.abs(sum - 1) < 1e-9, JSON.stringify(c?.bars));
  }
  const tail = chart('long-tail');
  const nx = data.longTailX.length;
  check(`long tail: ${names.length + 1} series of ${nx} points, each ending at 1`, nx >= 21 && tail && tail.points.length === nx * (names.length + 1) && ['train', ...names].every((s) => tail.points.filter((p) => p.series === s).at(-1)?.value > 0.999999), JSON.stringify(tail?.points.slice(0, 3)));
  check('popularity recommends mostly from the top decile, more than any personalised model', data.models[3].popularityDeciles[0] > 0.9 && data.models.slice(0, 3).every((m) => m.popularityDeciles[0] < data.models[3].popularityDeciles[0]), JSON.stringify(data.models.map((m) => m.popularityDeciles[0])));

  // Example users: history, held-out items and one top-k list per model, with item names.
  const examples = await page.$$eval('.example', (els, models) => els.map((e) => ({ lists: models.map((m) => e.querySelectorAll(`td.rec[data-model="${m}"]`).length), text: e.textContent })), MODELS);
  check(`3 example users, each with ${MODELS.length} top-${K} lists and item names`, examples.length === 3 && examples.every((e) => e.lists.length === MODELS.length && e.lists.every((n) => n === K) && /#\d+/.test(e.text)), JSON.stringify(examples.map((e) => e.lists)));

  // 3. For a human.
  await page.screenshot({ path: join(out, 'report.png'), fullPage: true });
  check('screenshot saved to test/.out/report/report.png', existsSync(join(out, 'report.png')), 'no screenshot');

  // 4. The same report made in a browser: examples/browser/report.html trains on a picked CSV and shows report().
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = join(root, path);
    const allowed = (file.startsWith(join(root, 'examples') + sep) || file.startsWith(join(root, 'dist') + sep)) && existsSync(file);
    if (!allowed) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'Content-Type': file.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8' }).end(readFileSync(file));
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const app = await context.newPage();
  const appProblems = [];
  app.on('pageerror', (e) => appProblems.push(`pageerror: ${e.message}`));
  // errors only: init() probing WebGPU makes Chromium warn "No available adapters." on machines without a GPU
  app.on('console', (m) => m.type() === 'error' && appProblems.push(`console.error: ${m.text()}`));
  await app.goto(`http://127.0.0.1:${server.address().port}/examples/browser/report.html`);
  const csv = ['user,item,weight,timestamp', ...rows.map((r) => r.replaceAll('\t', ','))].join('\n');
  await app.setInputFiles('#file', { name: 'ratings.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  const state = await app.waitForFunction(() => (window.__example?.done || window.__example?.error) && window.__example, null, { timeout: 120_000 }).then((h) => h.jsonValue()).catch((e) => ({ error: e.message }));
  check('browser example: trains on a picked CSV and shows the report, no console error', state.done === true && appProblems.length === 0, `${JSON.stringify(state)}\n${appProblems.join('\n')}`);
  if (state.done) {
    const frame = app.frameLocator('#report');
    // The report is written into the iframe (srcdoc) just before `done` is set and parses asynchronously: poll the
    // counts until they settle at the expected values, with a hang guard only (the counts once raced the parse:
    // bars 0, points 10).
    let bars = 0;
    let points = 0;
    for (const until = Date.now() + 60_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
      bars = await frame.locator('svg[data-chart="compare-ndcg"] rect.bar').count();
      points = await frame.locator('svg[data-chart="curve-validation-ndcg"] .point').count();
      if (bars === 2 && points === 10) break;
    }
    check('browser example: the report compares 2 models and has ALS\'s 10 validation points', bars === 2 && points === 10, `bars ${bars}, points ${points}`);
    await app.screenshot({ path: join(out, 'browser.png'), fullPage: true });
  }
} finally {
  server?.close();
  await context?.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}
finish();
