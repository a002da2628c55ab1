#!/usr/bin/env node
// Packaging test: what `npm install recwise` gives a user, after `node scripts/build.mjs`.
//  - `npm pack` the project, check the tarball's file list, extract it to test/.out/pkg/node_modules/recwise
//    (with the runtime dependencies beside it);
//  - run test/package/smoke.mjs there under node, deno and bun: exit 0, empty stderr, one JSON line with ok: true,
//    backend 'wasm', and 'recwise' resolved to the extracted package (never to src/);
//  - size: gzip(dist/index.mjs) must stay under the budget written in README.md ("Size budget" line).
// Each check counts as a test. Prints failures, then `package: N passed, M failed`; exit 1 on failure.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'test/.out/pkg');
const pkgDir = join(out, 'node_modules/recwise');
const bin = (n) => join(root, 'node_modules/.bin', n);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const results = [];
const check = (name, fn) => {
  try {
    fn();
    results.push({ name, ok: true });
  } catch (e) {
    results.push({ name, ok: false, error: e.message });
  }
};
const sh = (cmd, args, opts = {}) => spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 120_000, ...opts });
const fail = (msg) => {
  throw new Error(msg);
};

// 1. Pack and extract.
let packed = false;
check('package: npm pack gives a tarball with the entries, types and kernels, and no sources', () => {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(pkgDir, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const p = sh(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', out], { cwd: root });
  if (p.status !== 0) fail(`npm pack exited ${p.status}: ${p.stderr}`);
  const [info] = JSON.parse(p.stdout);
  const files = info.files.map((f) => f.path);
  const want = ['package.json', 'README.md', 'dist/index.mjs', 'dist/workerd.mjs', 'dist/report.mjs', 'dist/types/report/index.d.ts', 'dist/kernels.wasm', 'dist/kernels-mt.wasm', pkg.types.replace(/^\.\//, '')];
  const missing = want.filter((f) => !files.includes(f));
  if (missing.length) fail(`missing from the tarball: ${missing.join(', ')}`);
  const stray = files.filter((f) => /^(src|test|assembly|scripts|build|node_modules)\//.test(f));
  if (stray.length) fail(`unexpected files in the tarball: ${stray.slice(0, 10).join(', ')}`);
  const x = sh('tar', ['-xzf', join(out, info.filename), '-C', pkgDir, '--strip-components=1']);
  if (x.status !== 0) fail(`tar exited ${x.status}: ${x.stderr}`);
  // Runtime dependencies, as npm would install them (they have no dependencies of their own today).
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    const src = join(root, 'node_modules', dep);
    if (!existsSync(src)) fail(`dependency ${dep} is not installed; run \`npm install\``);
    cpSync(src, join(out, 'node_modules', dep), { recursive: true });
  }
  // A project of its own: no deno.json/tsconfig.json "recwise" → src/ mapping from the repo above applies here.
  writeFileSync(join(out, 'package.json'), JSON.stringify({ name: 'recwise-package-smoke', private: true, type: 'module', dependencies: { recwise: pkg.version, ...pkg.dependencies } }, null, 2));
  writeFileSync(join(out, 'deno.json'), JSON.stringify({ nodeModulesDir: 'manual' }));
  writeFileSync(join(out, 'tsconfig.json'), JSON.stringify({ compilerOptions: {} }));
  cpSync(join(root, 'test/package/smoke.mjs'), join(out, 'smoke.mjs'));
  cpSync(join(root, 'test/package/report-smoke.mjs'), join(out, 'report-smoke.mjs'));
  packed = true;
});

// 2. Smoke under each runtime.
const runtimes = [
  { name: 'node', cmd: process.execPath, args: ['smoke.mjs'] },
  { name: 'deno', cmd: bin('deno'), args: ['run', '--allow-read', '--allow-env', '--config', 'deno.json', 'smoke.mjs'] },
  { name: 'bun', cmd: bin('bun'), args: ['smoke.mjs'] },
];
const expectedEntry = pathToFileURL(join(pkgDir, 'dist/index.mjs')).href;
for (const r of runtimes) {
  check(`package: ${r.name} imports the installed package and selfCheck() passes on wasm`, () => {
    if (!packed) fail('no package (see the npm pack failure)');
    if (!existsSync(r.cmd)) fail(`${r.cmd} not found; run \`npm install\``);
    const env = { ...process.env, NO_COLOR: '1' };
    delete env.NODE_OPTIONS;
    const p = sh(r.cmd, r.args, { cwd: out, env, timeout: 60_000 });
    if (p.error) fail(`could not run ${r.cmd}: ${p.error.message}`);
    const where = `\n  exit ${p.status}${p.signal ? ` (${p.signal})` : ''}\n  stdout: ${p.stdout.trim()}\n  stderr: ${p.stderr.trim()}`;
    if (p.status !== 0) fail(`non-zero exit${where}`);
    if (p.stderr.trim() !== '') fail(`wrote to stderr${where}`);
    const line = p.stdout.trim().split('\n').pop();
    let report;
    try {
      report = JSON.parse(line);
    } catch {
      fail(`no JSON line${where}`);
    }
    if (report.resolved !== expectedEntry) fail(`'recwise' resolved to ${report.resolved}, expected ${expectedEntry}`);
    if (report.ok !== true || report.backend !== 'wasm') fail(`selfCheck: ok=${report.ok}, backend=${report.backend}${where}`);
    if (process.env.RECWISE_VERBOSE) console.log(`${r.name}: ${line}`);
  });
}

// 2b. The `recwise/report` entry (issue 20), outside the default bundle: it must share the installed recwise.
const expectedReport = pathToFileURL(join(pkgDir, 'dist/report.mjs')).href;
for (const r of runtimes) {
  check(`package: ${r.name} imports recwise/report from the installed package and renders a report`, () => {
    if (!packed) fail('no package (see the npm pack failure)');
    const env = { ...process.env, NO_COLOR: '1' };
    delete env.NODE_OPTIONS;
    const p = sh(r.cmd, [...r.args.slice(0, -1), 'report-smoke.mjs'], { cwd: out, env, timeout: 60_000 });
    const where = `\n  exit ${p.status}${p.signal ? ` (${p.signal})` : ''}\n  stdout: ${p.stdout?.trim()}\n  stderr: ${p.stderr?.trim()}`;
    if (p.error || p.status !== 0 || p.stderr.trim() !== '') fail(`failed${where}`);
    const line = JSON.parse(p.stdout.trim().split('\n').pop());
    if (line.resolved !== expectedReport) fail(`'recwise/report' resolved to ${line.resolved}, expected ${expectedReport}`);
    if (line.ok !== true) fail(`no report page${where}`);
  });
}

// 3. Size budget.
check('package: gzip size of dist/index.mjs is within the README budget', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const m = /Size budget:[^\n]*?(\d+(?:\.\d+)?)\s*KiB gzip/.exec(readme);
  if (!m) fail('README.md has no "Size budget: … <n> KiB gzip" line');
  const budget = Number(m[1]) * 1024;
  const raw = readFileSync(join(root, 'dist/index.mjs'));
  const gz = gzipSync(raw, { level: 9 }).length;
  const line = `dist/index.mjs: ${(raw.length / 1024).toFixed(1)} KiB raw, ${(gz / 1024).toFixed(1)} KiB gzip (budget ${m[1]} KiB)`;
  if (gz > budget) fail(`${line}: over budget; shrink the bundle, or raise the budget in README.md on purpose`);
  if (process.env.RECWISE_VERBOSE) console.log(line);
});

const failed = results.filter((r) => !r.ok);
for (const f of failed) console.log(`✗ ${f.name}\n    ${String(f.error).replace(/\n/g, '\n    ')}`);
console.log(`package: ${results.length - failed.length} passed, ${failed.length} failed`);
process.exitCode = failed.length ? 1 : 0;
