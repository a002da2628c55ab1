#!/usr/bin/env node
// `npm test`: build, then every runtime's suite in turn, then the packaging test.
//
//   node test/run-all.mjs [--no-build] [--only node,deno,bun,chromium,workerd,report,examples,docs,package,runtime]
//
// Prints each runtime's failures and its `<runtime>: N passed, M failed` line as it finishes, and ends with exactly
// one plain line `N passed, M failed`, totalled over every runtime (CI reads that last line). Exit status 1 when
// anything failed or a runtime could not start. Outside CI a runtime that cannot start is reported (with what to
// install) and left out of the totals; with CI=true it counts as a failure, never a skip.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'test/.out');
const bin = (n) => join(root, 'node_modules/.bin', n);
const argv = process.argv.slice(2);
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : undefined;
const CI = /^(1|true|yes)$/i.test(process.env.CI ?? '');
const STEP_TIMEOUT_MS = Number(process.env.RECWISE_STEP_TIMEOUT_MS) || 10 * 60_000;
const NPM_HINT = 'run `npm install` (it is a devDependency)';

/** Run a command, capturing its output. Resolves { code, signal, stdout, stderr, error, ms }; never rejects. */
function exec(cmd, args, opts = {}) {
  const t0 = Date.now();
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...opts.env };
    delete env.NODE_OPTIONS;
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[run-all] killed after ${STEP_TIMEOUT_MS / 1000} s`;
      child.kill('SIGKILL');
    }, STEP_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr, error, ms: Date.now() - t0 });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

const tail = (text, lines = 40) => text.trimEnd().split('\n').slice(-lines).join('\n');
const indent = (text) => '    ' + String(text).trimEnd().replace(/\n/g, '\n    ');
const xmlText = (s) =>
  s.replace(/&(lt|gt|quot|apos|amp|#(\d+)|#x([0-9a-f]+));/gi, (m, name, dec, hex) =>
    dec ? String.fromCodePoint(+dec) : hex ? String.fromCodePoint(parseInt(hex, 16)) : { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' }[name.toLowerCase()],
  );

/** Counts and failures from a JUnit XML report (deno test --junit-path, bun test --reporter=junit). */
function parseJunit(file) {
  const xml = readFileSync(file, 'utf8');
  let passed = 0;
  let skipped = 0;
  const failures = [];
  for (const chunk of xml.split(/<testcase\b/).slice(1)) {
    const head = chunk.slice(0, chunk.indexOf('>'));
    const selfClosing = head.endsWith('/');
    const body = selfClosing ? '' : chunk.slice(head.length + 1, chunk.indexOf('</testcase>'));
    const name = xmlText(/\bname="([^"]*)"/.exec(head)?.[1] ?? '?');
    if (/<(failure|error)\b/.test(body)) {
      const f = /<(?:failure|error)\b([^>]*?)(\/>|>([\s\S]*?)<\/(?:failure|error)>)/.exec(body);
      const message = xmlText(/\bmessage="([^"]*)"/.exec(f?.[1] ?? '')?.[1] ?? '');
      const text = xmlText(f?.[3] ?? '').trim();
      failures.push({ name, error: (text.includes(message) ? text : [message, text].filter(Boolean).join('\n')) || 'failed' });
    } else if (/<skipped\b/.test(body)) skipped++;
    else passed++;
  }
  return { passed, failed: failures.length, skipped, failures };
}

/** Counts and failures from vitest's JSON reporter. */
function parseVitest(file) {
  const j = JSON.parse(readFileSync(file, 'utf8'));
  const failures = [];
  for (const suite of j.testResults ?? []) {
    const file = suite.name?.startsWith(root) ? suite.name.slice(root.length + 1) : suite.name;
    const failedTests = (suite.assertionResults ?? []).filter((a) => a.status === 'failed');
    for (const a of failedTests) failures.push({ name: a.fullName ?? a.title, error: (a.failureMessages ?? []).join('\n') });
    // A file that failed to load has no failed test of its own: count it once.
    if (suite.status === 'failed' && failedTests.length === 0) failures.push({ name: `${file} (file)`, error: suite.message || 'failed to run' });
  }
  return { passed: j.numPassedTests ?? 0, failed: failures.length, skipped: (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0), failures };
}

/** Last `<name>: N passed, M failed` line of one of our own runners. */
function parseSummary(name, stdout) {
  const m = [...stdout.matchAll(new RegExp(`^${name}: (\\d+) passed, (\\d+) failed$`, 'gm'))].pop();
  return m ? { passed: +m[1], failed: +m[2], skipped: 0, failures: [] } : undefined;
}

const steps = [
  {
    name: 'node',
    cmd: bin('vitest'),
    args: ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${join(out, 'vitest.json')}`],
    report: join(out, 'vitest.json'),
    parse: () => parseVitest(join(out, 'vitest.json')),
  },
  {
    name: 'deno',
    cmd: bin('deno'),
    args: ['test', '--allow-read', '--allow-write', '--allow-env', `--junit-path=${join(out, 'deno.xml')}`, 'test/runners/deno.test.ts'],
    report: join(out, 'deno.xml'),
    parse: () => parseJunit(join(out, 'deno.xml')),
  },
  {
    name: 'bun',
    cmd: bin('bun'),
    args: ['test', '--reporter=junit', `--reporter-outfile=${join(out, 'bun.xml')}`, './test/runners/bun.test.ts'],
    report: join(out, 'bun.xml'),
    parse: () => parseJunit(join(out, 'bun.xml')),
  },
  // Our own runners print their failures and a summary line; exit 2 means "could not start".
  { name: 'chromium', cmd: process.execPath, args: ['test/runners/browser.mjs'], own: true, hint: 'apt-get install -y --no-install-recommends chromium' },
  { name: 'workerd', cmd: process.execPath, args: ['test/runners/workerd.mjs'], own: true, hint: NPM_HINT },
  // The evaluation report (issue 20): demo data → `recwise compare --report` → opened from file:// in Chromium.
  { name: 'report', cmd: process.execPath, args: ['test/runners/report.mjs'], own: true, hint: 'apt-get install -y --no-install-recommends chromium' },
  // Examples on real data (issue 20): MovieLens 100K from ../shared/data (never shipped) through the built package.
  { name: 'examples', cmd: process.execPath, args: ['test/runners/examples.mjs'], own: true, hint: 'the MovieLens files in ../shared/data/ml-100k' },
  // The API docs (issue 20): `npm run docs` with 0 warnings, every link resolving, the core classes documented.
  { name: 'docs', cmd: process.execPath, args: ['test/runners/docs.mjs'], own: true, hint: NPM_HINT },
  { name: 'package', cmd: process.execPath, args: ['test/package/run.mjs'], own: true, hint: NPM_HINT },
  // Servers on loopback (issue 10): `recwise serve` on Node/Deno/Bun and the examples, answers compared with Node's API.
  { name: 'runtime', cmd: process.execPath, args: ['test/runners/serve.mjs'], own: true, hint: `${NPM_HINT}; chromium for the browser example` },
];

let passed = 0;
let failed = 0;
const notStarted = [];
const say = (line) => process.stdout.write(line + '\n');

function cannotStart(name, why, hint) {
  say(`${name}: could not start: ${why}\n  install: ${hint}${CI ? '' : '\n  (skipped outside CI; with CI=true this is a failure)'}`);
  notStarted.push(name);
  if (CI) {
    failed++;
    say(`${name}: 0 passed, 1 failed`);
  }
}

mkdirSync(out, { recursive: true });
const t0 = Date.now();

if (!argv.includes('--no-build')) {
  process.stderr.write('build: node scripts/build.mjs …\n');
  const r = await exec(process.execPath, ['scripts/build.mjs']);
  if (r.code !== 0) {
    say(tail(`${r.stdout}\n${r.stderr}`, 60));
    say(`build: failed (exit ${r.code ?? r.signal ?? r.error?.message}); no runtime was tested`);
    say('0 passed, 1 failed');
    process.exit(1);
  }
  process.stderr.write(`build: ok (${(r.ms / 1000).toFixed(1)} s)\n`);
}

for (const step of steps) {
  if (only && !only.includes(step.name)) continue;
  process.stderr.write(`${step.name}: running …\n`);
  if (!existsSync(step.cmd)) {
    cannotStart(step.name, `${step.cmd} not found`, NPM_HINT);
    continue;
  }
  if (step.report) rmSync(step.report, { force: true });
  const r = await exec(step.cmd, step.args);
  const output = `${r.stdout}\n${r.stderr}`;
  if (r.error) {
    cannotStart(step.name, r.error.message, step.hint ?? NPM_HINT);
    continue;
  }
  let res;
  if (step.own) {
    if (r.code === 2) {
      say(tail(r.stderr, 20));
      cannotStart(step.name, 'see above', step.hint);
      continue;
    }
    res = parseSummary(step.name, r.stdout);
    // Their stdout holds the failures already; keep the summary line for ourselves.
    const body = r.stdout.replace(new RegExp(`^${step.name}: \\d+ passed, \\d+ failed\\n?`, 'gm'), '').trimEnd();
    if (body && (r.code !== 0 || process.env.RECWISE_VERBOSE)) say(body);
  } else {
    try {
      res = existsSync(step.report) ? step.parse() : undefined;
    } catch (e) {
      say(`${step.name}: unreadable report ${step.report}: ${e.message}`);
    }
    for (const f of res?.failures ?? []) say(`✗ ${step.name} › ${f.name}\n${indent(tail(f.error, 25))}`);
  }
  if (!res) {
    res = { passed: 0, failed: 1, skipped: 0 };
    say(`✗ ${step.name}: exited ${r.code ?? r.signal} without a report\n${indent(tail(output))}`);
  } else if (r.code !== 0 && res.failed === 0) {
    // Exited non-zero with every test passing (a crash after the tests, an unhandled error, a leak check).
    res.failed = 1;
    say(`✗ ${step.name}: exited ${r.code ?? r.signal} although no test failed\n${indent(tail(output))}`);
  }
  passed += res.passed;
  failed += res.failed;
  if (res.skipped) process.stderr.write(`${step.name}: ${res.skipped} skipped\n`);
  process.stderr.write(`${step.name}: ${(r.ms / 1000).toFixed(1)} s\n`);
  say(`${step.name}: ${res.passed} passed, ${res.failed} failed`);
}

if (notStarted.length && !CI) process.stderr.write(`not run (could not start): ${notStarted.join(', ')}\n`);
process.stderr.write(`total time ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
say(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || notStarted.length > 0 ? 1 : 0);
