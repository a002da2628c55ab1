#!/usr/bin/env node
// Benchmark harness: `npm run bench [-- NAME...]`.
//
// Discovers test/bench/cases/*.ts (each exports `cases: BenchCase[]`, see test/bench/case.ts), runs those whose
// names start with any NAME given (all when none), prints our figures next to the anchors' figures parsed at run
// time from ../shared/bench/anchors.md, and writes the whole run to bench-results/<timestamp>.json.
// Case modules are TypeScript, loaded through tsx (which also applies tsconfig's `recwise` → src path mapping).
import { readdirSync, readFileSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
process.chdir(root);
register();

/** Our figure names → the anchors' column headers (anchors.md §Protocol, "Timings"). */
export const ALIASES = {
  precision: 'P@10',
  recall: 'R@10',
  recallMin: 'R@10 (min-denom)',
  ndcg: 'NDCG@10',
  map: 'MAP@10',
  auc: 'AUC',
  mrr: 'MRR',
  coverage: 'coverage',
  fitSeconds: 'fit s',
  epochSeconds: 's/epoch',
  top10AllSeconds: 'top10-all s',
  singleUserMicros: 'single-user µs',
  similarAllSeconds: 'similar-all s',
};

/**
 * Parse anchors.md: for each `### dataset` section, the first table whose header starts with `model` and has no
 * `epoch` column (the per-epoch tables are context, not rows to compare with). Returns
 * `{ [dataset]: { [model]: { [column]: number } } }`; empty cells and non-numbers are left out.
 */
export function parseAnchors(text) {
  const out = {};
  let dataset;
  let header;
  let skipTable = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const h = /^###\s+(.+)$/.exec(line);
    if (h) {
      dataset = h[1].trim();
      out[dataset] ??= {};
      header = undefined;
      continue;
    }
    if (!line.startsWith('|')) {
      header = undefined;
      continue;
    }
    const cells = line.slice(1, line.endsWith('|') ? -1 : undefined).split('|').map((c) => c.trim());
    if (!header) {
      header = cells;
      skipTable = !dataset || cells[0] !== 'model' || cells.includes('epoch') || Object.keys(out[dataset]).length > 0;
      continue;
    }
    if (cells.every((c) => /^:?-+:?$/.test(c)) || skipTable) continue;
    const row = {};
    header.forEach((col, i) => {
      if (i === 0) return;
      const v = Number((cells[i] ?? '').replace(/,/g, ''));
      if (cells[i] && Number.isFinite(v)) row[col] = v;
    });
    out[dataset][cells[0]] = row;
  }
  return out;
}

function loadAnchors() {
  const path = join(root, '..', 'shared', 'bench', 'anchors.md');
  if (!existsSync(path)) {
    console.warn(`bench: ${path} not found; printing our figures only.`);
    return {};
  }
  return parseAnchors(readFileSync(path, 'utf8'));
}

/** The anchor row for a case: declared, or inferred from `<model>-<dataset>` (longest dataset suffix wins). */
function anchorRow(c, anchors) {
  if (c.anchor) return { ...c.anchor, row: anchors[c.anchor.dataset]?.[c.anchor.model] };
  const datasets = Object.keys(anchors).sort((a, b) => b.length - a.length);
  for (const d of datasets) {
    if (c.name.endsWith(`-${d}`)) {
      const model = c.name.slice(0, -d.length - 1);
      if (anchors[d][model]) return { dataset: d, model, row: anchors[d][model] };
    }
  }
  return undefined;
}

function anchorValue(figure, c, row) {
  if (c.anchors && figure in c.anchors) return c.anchors[figure];
  if (!row) return undefined;
  if (figure in row) return row[figure];
  const col = ALIASES[figure];
  return col !== undefined ? row[col] : undefined;
}

const fmt = (v) => {
  if (v === undefined || v === null || Number.isNaN(v)) return '';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (Number.isInteger(v) && a < 1e9) return v.toLocaleString('en-US');
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 1) return v.toFixed(3);
  return v.toPrecision(4);
};

function printTable(rows) {
  const head = ['case', 'figure', 'ours', 'anchor', 'ours/anchor', 'baseline', 'ours/baseline'];
  const cells = [head, ...rows.map((r) => [r.case, r.figure, fmt(r.ours), fmt(r.anchor), fmt(r.ratioAnchor), fmt(r.baseline), fmt(r.ratioBaseline)])];
  const widths = head.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row) => row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  let last;
  for (const row of cells.slice(1)) {
    console.log(line(row[0] === last ? ['', ...row.slice(1)] : row));
    last = row[0];
  }
}

async function discover() {
  const dir = join(root, 'test', 'bench', 'cases');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.ts')).sort() : [];
  const all = [];
  for (const f of files) {
    const mod = await import(pathToFileURL(join(dir, f)).href);
    for (const c of mod.cases ?? []) all.push({ ...c, file: f });
  }
  return all;
}

async function main() {
  const prefixes = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const all = await discover();
  const selected = all.filter((c) => prefixes.length === 0 || prefixes.some((p) => c.name.startsWith(p)));
  if (selected.length === 0) {
    console.error(`bench: no case matches ${prefixes.join(', ')}; known cases: ${all.map((c) => c.name).join(', ') || 'none'}`);
    process.exit(2);
  }
  // A selected case's baseline runs too (ratios must come from the same run), first.
  const byName = new Map(all.map((c) => [c.name, c]));
  const order = [];
  const add = (c) => {
    if (order.includes(c)) return;
    if (c.baseline) {
      const b = byName.get(c.baseline);
      if (!b) throw new Error(`bench case ${c.name}: baseline '${c.baseline}' is not a known case`);
      add(b);
    }
    order.push(c);
  };
  selected.forEach(add);

  const anchors = loadAnchors();
  const results = new Map();
  const report = [];
  let failed = 0;
  for (const c of order) {
    process.stderr.write(`bench: ${c.name} … `);
    const t0 = performance.now();
    let figures;
    try {
      figures = await c.run();
    } catch (e) {
      failed++;
      process.stderr.write(`FAILED\n${e?.stack ?? e}\n`);
      report.push({ name: c.name, file: c.file, error: String(e?.message ?? e) });
      continue;
    }
    const seconds = (performance.now() - t0) / 1000;
    process.stderr.write(`${seconds.toFixed(1)} s\n`);
    results.set(c.name, figures);
    const a = anchorRow(c, anchors);
    const base = c.baseline ? results.get(c.baseline) : undefined;
    const rows = Object.entries(figures).map(([figure, ours]) => {
      const anchor = anchorValue(figure, c, a?.row);
      const baseline = base?.[figure];
      return {
        case: c.name,
        figure,
        ours,
        anchor,
        ratioAnchor: anchor !== undefined && anchor !== 0 ? ours / anchor : undefined,
        baseline,
        ratioBaseline: baseline !== undefined && baseline !== 0 ? ours / baseline : undefined,
      };
    });
    report.push({ name: c.name, file: c.file, seconds, anchor: a && { dataset: a.dataset, model: a.model }, baseline: c.baseline, figures: rows });
  }

  const rows = report.flatMap((r) => (r.figures ?? []).filter((f) => selected.some((s) => s.name === f.case)));
  if (rows.length) printTable(rows);

  mkdirSync(join(root, 'bench-results'), { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = join(root, 'bench-results', `${stamp}.json`);
  const recwise = await import('recwise').catch(() => undefined);
  const caps = recwise ? await recwise.detectCapabilities() : undefined;
  writeFileSync(
    file,
    JSON.stringify({ date: new Date().toISOString(), runtime: `node ${process.version}`, platform: `${process.platform} ${process.arch}`, capabilities: caps, args: process.argv.slice(2), cases: report }, null, 2) + '\n',
  );
  console.log(`\nwrote ${file}`);
  if (recwise) await recwise.shutdown();
  process.exit(failed ? 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e?.stack ?? e);
    process.exit(1);
  });
}
