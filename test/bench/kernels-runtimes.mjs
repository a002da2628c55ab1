#!/usr/bin/env node
// Kernel benchmark on Node, Deno and Bun against the built bundle: `node test/bench/kernels-runtimes.mjs`
// (after `node scripts/build.mjs`). Each runtime runs test/bench/kernels-entry.ts and prints one JSON line; this
// script prints a combined table (ms per call and wasm/js speed-ups measured within each runtime's own run) and
// writes bench-results/kernels-runtimes-<timestamp>.json. Set RECWISE_BENCH_SCALE=0.1 for a quick smoke run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = (n) => join(root, 'node_modules', '.bin', n);
const entry = 'test/bench/kernels-entry.ts';
if (!existsSync(join(root, 'dist/esm/entry/default.js'))) {
  console.error('kernels-runtimes: dist/esm/entry/default.js is missing; run `node scripts/build.mjs` first.');
  process.exit(2);
}
const runtimes = [
  { name: 'node', cmd: process.execPath, args: ['--import', 'tsx', entry] },
  { name: 'deno', cmd: bin('deno'), args: ['run', '-A', entry] },
  { name: 'bun', cmd: bin('bun'), args: [entry] },
];
const only = process.argv.slice(2);
const results = {};
for (const r of runtimes.filter((r) => only.length === 0 || only.includes(r.name))) {
  process.stderr.write(`kernels: ${r.name} … `);
  const t0 = Date.now();
  const p = spawnSync(r.cmd, r.args, { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 24 });
  const line = (p.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (p.status !== 0 || !line) {
    process.stderr.write(`FAILED (exit ${p.status})\n${p.stderr}\n`);
    results[r.name] = { error: (p.stderr || p.error?.message || '').slice(-2000) };
    continue;
  }
  process.stderr.write(`${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  results[r.name] = JSON.parse(line);
}

const names = Object.keys(results).filter((n) => results[n].figures);
const figures = [...new Set(names.flatMap((n) => Object.keys(results[n].figures)))];
const fmt = (v) => (v === undefined ? '' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const head = ['figure', ...names];
const rows = [head, ...figures.map((f) => [f, ...names.map((n) => fmt(results[n].figures[f]))])];
const w = head.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const [i, r] of rows.entries()) {
  console.log(r.map((c, j) => (j === 0 ? c.padEnd(w[j]) : c.padStart(w[j]))).join('  '));
  if (i === 0) console.log(w.map((x) => '-'.repeat(x)).join('  '));
}
mkdirSync(join(root, 'bench-results'), { recursive: true });
const file = join(root, 'bench-results', `kernels-runtimes-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), results }, null, 2) + '\n');
console.log(`\nwrote ${file}`);
process.exit(names.length === Object.keys(results).length ? 0 : 1);
