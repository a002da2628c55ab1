/**
 * The evaluation report as one self-contained HTML page (issue 20): inline CSS, inline SVG charts (src/report/svg.ts),
 * no script to run and nothing fetched, so it opens from file://, from an e-mail attachment or inside a browser app
 * (as a string). The figures are also embedded as JSON (`<script type="application/json" id="recwise-report-data">`)
 * for tools that want them.
 */
import type { MetricName } from '../eval/metrics.ts';
import { CURVE_METRICS, type CurveMetric, type EpochPoint, type TrainingFigure } from './curves.ts';
import type { ReportData, ReportModelData } from './data.ts';
import { barChart, columnChart, escapeHtml, fmt, lineChart, type Series } from './svg.ts';

const METRIC_LABELS: Record<MetricName, string> = {
  precision: 'P@K', recall: 'R@K', recallMin: 'R@K (min-denom)', ndcg: 'NDCG@K', map: 'MAP@K', mrr: 'MRR', auc: 'AUC', coverage: 'coverage',
};
const CURVE_LABELS: Record<CurveMetric, string> = { precision: 'P@K', recall: 'R@K', ndcg: 'NDCG@K', map: 'MAP@K' };
const FIGURE_LABELS: Record<TrainingFigure, string> = { loss: 'train loss', trainAuc: 'train AUC (sampled pairs)' };

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;max-width:1180px;margin:24px auto;padding:0 16px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 6px;border-bottom:1px solid #ccc;padding-bottom:3px}
h3{font-size:15px;margin:14px 0 4px}p.note,.muted{color:#444;margin:2px 0}
table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left}td.best{font-weight:700}
.charts{display:flex;flex-wrap:wrap;gap:10px 18px;align-items:flex-start}
svg.chart{background:#fff;font-size:11px;overflow:visible}
.chart-title{font-size:13px;font-weight:600}.tick{fill:#333}.axis-label{fill:#222;font-size:12px}
.grid{stroke:#e4e4e4}.axis{stroke:#555}.series-label{font-size:11px}
rect.bar{fill:#0072B2}rect.bar.best{fill:#003f66}.bar-label,.bar-value,.col-value{fill:#111}
.example{border:1px solid #ddd;border-radius:6px;padding:8px 12px;margin:10px 0}
.hit{font-weight:700}.hit::after{content:" ✓ hit"}
code{background:#f3f3f3;padding:0 3px;overflow-wrap:anywhere}
table.recs td,table.recs th{text-align:left;max-width:260px}table.recs td:first-child{text-align:right;color:#555}
@media print{h2{break-before:auto}.example{break-inside:avoid}}
`;

function metricLabel(m: MetricName, k: number): string {
  return METRIC_LABELS[m].replace('@K', `@${k}`);
}

function bestIndex(values: number[], higherIsBetter = true): number {
  let best = -1;
  values.forEach((v, i) => {
    if (Number.isFinite(v) && (best < 0 || (higherIsBetter ? v > values[best] : v < values[best]))) best = i;
  });
  return best;
}

function comparisonSection(d: ReportData): string {
  const timed = d.models.some((m) => m.fitSeconds !== undefined);
  const rows = d.models.map((m) => `<tr><td>${escapeHtml(m.name)}</td>${d.metricNames.map((name) => {
    const values = d.models.map((x) => x.metrics[name] ?? NaN);
    const v = m.metrics[name] ?? NaN;
    return `<td${values.indexOf(v) === bestIndex(values) && d.models.length > 1 ? ' class="best"' : ''}>${Number.isFinite(v) ? v.toFixed(4) : '—'}</td>`;
  }).join('')}${timed ? `<td>${m.fitSeconds === undefined ? '—' : m.fitSeconds.toFixed(2)}</td>` : ''}</tr>`);
  const table = `<table id="metrics-table"><thead><tr><th>model</th>${d.metricNames.map((n) => `<th>${escapeHtml(metricLabel(n, d.k))}</th>`).join('')}${timed ? '<th>fit s</th>' : ''}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
  const charts = d.metricNames.map((name) => {
    const values = d.models.map((m) => m.metrics[name] ?? NaN);
    return barChart({
      id: `compare-${name}`,
      title: metricLabel(name, d.k),
      bars: d.models.map((m, i) => ({ label: m.name, value: values[i], text: Number.isFinite(values[i]) ? values[i].toFixed(4) : '—' })),
      best: d.models.length > 1 ? bestIndex(values) : undefined,
      max: name === 'auc' || name === 'coverage' ? 1 : undefined,
    });
  });
  return `<section id="comparison"><h2>Model comparison</h2><p class="note">Means over ${d.dataset.testUsers.toLocaleString('en-US')} test users, definitions '${escapeHtml(d.definition)}' (../shared/bench/anchors.md §Protocol for 'standard'); ★ marks the best value. Bold in the table: the best per column.</p>${table}<div class="charts">${charts.join('')}</div></section>`;
}

function curvePoints(curve: readonly EpochPoint[], pick: (p: EpochPoint) => number | undefined): [number, number][] {
  const out: [number, number][] = [];
  for (const p of curve) {
    const v = pick(p);
    if (typeof v === 'number' && Number.isFinite(v)) out.push([p.epoch, v]);
  }
  return out;
}

function curvesSection(d: ReportData): string {
  const withCurves = d.models.filter((m) => m.curve.length > 0);
  const charts: string[] = [];
  const epochAxis = (x: number) => String(Math.round(x));
  for (const metric of CURVE_METRICS) {
    const series: Series[] = withCurves.map((m) => ({ name: m.name, points: curvePoints(m.curve, (p) => p.validation?.[metric]) })).filter((s) => s.points.length);
    if (series.length) {
      const label = CURVE_LABELS[metric].replace('@K', `@${d.k}`);
      charts.push(lineChart({ id: `curve-validation-${metric}`, title: `Validation ${label} by epoch`, xLabel: 'epoch', yLabel: label, series, xFormat: epochAxis }));
    }
  }
  // Training figures differ in scale between model families (WARP hinge vs multinomial NLL): one chart per model.
  for (const m of withCurves) {
    for (const f of ['loss', 'trainAuc'] as const) {
      const points = curvePoints(m.curve, (p) => p[f]);
      if (points.length) charts.push(lineChart({ id: `curve-${f}-${m.name}`, title: `${m.name}: ${FIGURE_LABELS[f]} by epoch`, xLabel: 'epoch', yLabel: FIGURE_LABELS[f], series: [{ name: m.name, points }], yFromZero: f !== 'loss' ? true : false, xFormat: epochAxis }));
    }
  }
  const hasValidation = withCurves.some((m) => m.curve.some((p) => p.validation));
  const note = withCurves.length === 0
    ? 'No model here trains in epochs (or none was fitted with curves).'
    : `${withCurves.map((m) => escapeHtml(m.name)).join(', ')} trained in epochs.${hasValidation ? ' Validation metrics are computed on the validation split after every epoch (never on the test split).' : ' Pass a validation split (CLI: --validation PATH) to see top-k metrics by epoch.'}`;
  return `<section id="curves"><h2>Training curves</h2><p class="note">${note}</p><div class="charts">${charts.join('')}</div></section>`;
}

function usersSection(d: ReportData): string {
  const charts = d.models.map((m) => {
    const total = m.hits.reduce((a, b) => a + b, 0);
    return columnChart({
      id: `hits-${m.name}`,
      title: `${m.name}: ${fmt((100 * m.zeroHitUsers) / Math.max(1, total))}% of users get no hit`,
      xLabel: `hits in the top ${d.k}`,
      yLabel: 'test users',
      bars: m.hits.map((n, h) => ({ label: String(h), value: n, text: n.toLocaleString('en-US') })),
      marked: [0],
    });
  });
  const lines = d.models.map((m) => `<li><b>${escapeHtml(m.name)}</b>: ${m.zeroHitUsers.toLocaleString('en-US')} of ${d.dataset.testUsers.toLocaleString('en-US')} test users (${fmt((100 * m.zeroHitUsers) / Math.max(1, d.dataset.testUsers))}%) get nothing right in their top ${d.k}.</li>`);
  return `<section id="users"><h2>Per-user results</h2><p class="note">How hits spread over users: a mean can hide a model that serves a few users very well and most not at all. The hatched column counts users with no hit.</p><ul>${lines.join('')}</ul><div class="charts">${charts.join('')}</div></section>`;
}

function popularitySection(d: ReportData): string {
  const decileLabel = (i: number) => `${i + 1}`;
  // Whole percents, one decimal under 10%, "<0.1%" for a trace: fits under a decile column.
  const pct = (v: number) => (v === 0 ? '0%' : v < 0.001 ? '<0.1%' : `${(100 * v).toFixed(v < 0.1 ? 1 : 0)}%`);
  const decileChart = (id: string, title: string, shares: number[]) => columnChart({
    id, title, xLabel: 'item-popularity decile (1 = most popular 10% of items)', yLabel: 'share', max: 1,
    bars: shares.map((v, i) => ({ label: decileLabel(i), value: v, text: pct(v) })),
  });
  const charts = [decileChart('popularity-train', 'training interactions', d.trainPopularityDeciles)];
  for (const m of d.models) charts.push(decileChart(`popularity-${m.name}`, `${m.name}: recommendations (coverage ${pct(m.coverage)})`, m.popularityDeciles));
  const series: Series[] = [
    { name: 'train', points: d.longTailX.map((x, i) => [x, d.trainLongTail[i]] as [number, number]) },
    ...d.models.map((m) => ({ name: m.name, points: d.longTailX.map((x, i) => [x, m.longTail[i]] as [number, number]) })),
  ];
  const tail = lineChart({
    id: 'long-tail', title: 'Long tail: cumulative share by item popularity', xLabel: 'share of the catalogue, most popular first', yLabel: 'cumulative share',
    series, markers: false, endValues: false, xFormat: (x) => `${Math.round(100 * x)}%`, width: 620,
  });
  const lines = d.models.map((m) => `<li><b>${escapeHtml(m.name)}</b>: ${pct(m.popularityDeciles[0])} of recommendations from the top decile (training interactions: ${pct(d.trainPopularityDeciles[0])}); ${pct(m.coverage)} of the ${d.dataset.items.toLocaleString('en-US')} items recommended to someone.</li>`);
  return `<section id="popularity"><h2>Popularity bias and catalogue coverage</h2><p class="note">Items are ranked by how many training users have them, then cut into ten deciles. A model that follows popularity puts most of its slots in decile 1; the long-tail curve rises the more steeply the more concentrated the recommendations are.</p><ul>${lines.join('')}</ul><div class="charts">${tail}</div><div class="charts">${charts.join('')}</div></section>`;
}

function examplesSection(d: ReportData): string {
  if (!d.examples.length) return '';
  const blocks = d.examples.map((e) => {
    // Models side by side, one row per rank: lists compare at a glance.
    const head = `<tr><th>#</th>${e.recommendations.map((r) => `<th>${escapeHtml(r.model)} (${r.items.filter((i) => i.hit).length} hit${r.items.filter((i) => i.hit).length === 1 ? '' : 's'})</th>`).join('')}</tr>`;
    const depth = Math.max(0, ...e.recommendations.map((r) => r.items.length));
    const rows = Array.from({ length: depth }, (_, j) => `<tr><td>${j + 1}</td>${e.recommendations.map((r) => {
      const it = r.items[j];
      return it ? `<td class="rec${it.hit ? ' hit' : ''}" data-model="${escapeHtml(r.model)}">${escapeHtml(it.label)}</td>` : '<td></td>';
    }).join('')}</tr>`);
    return `<div class="example" data-user="${escapeHtml(String(e.user))}"><b>user ${escapeHtml(String(e.user))}</b> · ${e.trainItems} training items${e.trainItems > e.history.length ? ` (first ${e.history.length} shown)` : ''}<p class="muted">history: ${e.history.map((h) => escapeHtml(h.label)).join(', ')}</p><p class="muted">held out (the test items): ${e.heldOut.map((h) => escapeHtml(h.label)).join(', ')}</p><table class="recs">${head}${rows.join('')}</table></div>`;
  });
  return `<section id="examples"><h2>Example users</h2><p class="note">Users spread over the test set; top-${d.k} lists leave training items out, and test items found are marked ✓ hit.</p>${blocks.join('')}</section>`;
}

/** JSON inside a `<script>` element: `<` escaped so no item name can close the element. */
function embeddedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * Render report figures (from {@link reportData}) as a self-contained HTML page.
 *
 * @example
 * ```ts
 * import { reportData, renderReport } from 'recwise/report';
 * const html = renderReport(await reportData({ models: [popularity, als], train, test }));
 * document.querySelector('#report')!.innerHTML = html; // or write it to report.html
 * ```
 */
export function renderReport(d: ReportData): string {
  const ds = d.dataset;
  const summary = `${ds.users.toLocaleString('en-US')} users · ${ds.items.toLocaleString('en-US')} items · ${ds.trainRows.toLocaleString('en-US')} training rows · ${ds.testRows.toLocaleString('en-US')} test rows of ${ds.testUsers.toLocaleString('en-US')} users${ds.droppedTestRows ? ` (${ds.droppedTestRows.toLocaleString('en-US')} dropped: unknown user or item)` : ''} · k = ${d.k}`;
  const models: ReportModelData[] = [...d.models];
  const params = models.map((m) => `<li><b>${escapeHtml(m.name)}</b> <code>${escapeHtml(JSON.stringify(m.params))}</code></li>`).join('');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">',
    `<title>${escapeHtml(d.title)}</title><style>${CSS}</style></head><body>`,
    `<header><h1>${escapeHtml(d.title)}</h1><p class="note">${summary}</p>${d.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('')}<ul>${params}</ul></header>`,
    comparisonSection(d),
    curvesSection(d),
    usersSection(d),
    popularitySection(d),
    examplesSection(d),
    `<footer><p class="muted">Made by recwise. Charts are plain SVG; the figures are in the JSON below the page (id recwise-report-data).</p></footer>`,
    `<script type="application/json" id="recwise-report-data">${embeddedJson(d)}</script>`,
    '</body></html>',
  ].join('\n');
}
