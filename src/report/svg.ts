/**
 * Hand-drawn SVG charts for the evaluation report (issue 20). Why no charting library: the report must be one
 * self-contained file that opens from file:// with no network, and the package must not grow a runtime dependency;
 * the three chart shapes needed here (lines over epochs or a long-tail axis, labelled bars, columns) are ~200 lines
 * of SVG, while a library (Chart.js, Vega-Lite, uPlot) would add 50-250 KiB of script to every report, a canvas
 * that screen readers and text search cannot read, and a second source of console errors.
 *
 * Every chart reads without colour: series differ by marker shape and dash pattern as well as hue (the Okabe-Ito
 * palette, safe for the common colour-vision deficiencies), lines carry their series name at their last point, bars
 * carry their label and value as text. Each chart is an `<svg class="chart" data-chart=… data-kind=…>` whose
 * points (`.point`) and bars (`.bar`) carry `data-series`/`data-label` and `data-value`, so tests can count them.
 */

/** Escape text for HTML and SVG content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Okabe & Ito (2008) colour-blind-safe palette, black first. */
const PALETTE = ['#000000', '#E69F00', '#56B4E9', '#009E73', '#D55E00', '#0072B2', '#CC79A7', '#F0E442'];
const DASHES = ['', '6 3', '2 3', '8 3 2 3', '1 2', '10 4'];
const MARKERS = ['circle', 'square', 'triangle', 'diamond', 'cross', 'ring'] as const;

/** A number for a chart label: 3 significant digits, no exponent for the usual metric range. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 0.001) return v.toPrecision(3).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  return v.toExponential(1);
}

/** ~`count` round tick values covering [lo, hi]; whole numbers only when `integer` (epochs). */
function ticks(lo: number, hi: number, count = 5, integer = false): number[] {
  if (!(hi > lo)) return [lo];
  const raw = integer ? Math.max(1, (hi - lo) / count) : (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = (integer ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10]).map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

/** A marker element; `inner` (e.g. a `<title>`) goes inside it. */
function marker(shape: (typeof MARKERS)[number], x: number, y: number, colour: string, attrs: string, inner = ''): string {
  const s = 3.5;
  const el = (tag: string, geometry: string) => `<${tag} ${attrs} ${geometry}>${inner}</${tag}>`;
  switch (shape) {
    case 'square':
      return el('rect', `x="${x - s}" y="${y - s}" width="${2 * s}" height="${2 * s}" fill="${colour}"`);
    case 'triangle':
      return el('path', `d="M${x} ${y - s - 1}L${x + s + 0.5} ${y + s}L${x - s - 0.5} ${y + s}Z" fill="${colour}"`);
    case 'diamond':
      return el('path', `d="M${x} ${y - s - 1}L${x + s + 1} ${y}L${x} ${y + s + 1}L${x - s - 1} ${y}Z" fill="${colour}"`);
    case 'cross':
      return el('path', `d="M${x - s} ${y - s}L${x + s} ${y + s}M${x - s} ${y + s}L${x + s} ${y - s}" stroke="${colour}" stroke-width="2" fill="none"`);
    case 'ring':
      return el('circle', `cx="${x}" cy="${y}" r="${s}" fill="#fff" stroke="${colour}" stroke-width="1.5"`);
    default:
      return el('circle', `cx="${x}" cy="${y}" r="${s}" fill="${colour}"`);
  }
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/** One line of a {@link lineChart}. */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  /** Stable id for tests and anchors (`data-chart`). */
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Draw markers at every point (default true; long curves set false and get markers at a few points only). */
  readonly markers?: boolean;
  /** y axis from 0 (default true). */
  readonly yFromZero?: boolean;
  /** Write each line's last value after its name at the line's end (default true). */
  readonly endValues?: boolean;
  /** Format of x tick labels (default {@link fmt}). */
  readonly xFormat?: (x: number) => string;
  readonly width?: number;
}

/**
 * Lines with markers, axis ticks and the series name written at each line's end.
 * Every point is a `.point` element with `data-series`, `data-x`, `data-value` and a `<title>` tooltip.
 */
export function lineChart(o: LineChartOptions): string {
  const W = o.width ?? 560, H = 300;
  const m = { l: 58, r: 120, t: 30, b: 44 };
  const pw = W - m.l - m.r, ph = H - m.t - m.b;
  const all = o.series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]).filter(Number.isFinite);
  const xLo = Math.min(...xs), xHi = Math.max(...xs);
  let yLo = o.yFromZero === false ? Math.min(...ys) : Math.min(0, ...ys);
  let yHi = Math.max(...ys);
  if (!(yHi > yLo)) {
    yHi = yLo + (Math.abs(yLo) || 1);
    if (o.yFromZero === false) yLo -= Math.abs(yLo) * 0.05 || 0.5;
  }
  // Extend the axis to whole tick steps so the top and bottom lines carry a label.
  let yTicks = ticks(yLo, yHi);
  if (yTicks.length > 1) {
    const step = yTicks[1] - yTicks[0];
    yLo = Math.min(yLo, Number((Math.floor(yLo / step + 1e-9) * step).toPrecision(12)));
    yHi = Math.max(yHi, Number((Math.ceil(yHi / step - 1e-9) * step).toPrecision(12)));
    yTicks = ticks(yLo, yHi);
  }
  const X = (x: number) => r1(m.l + (xHi > xLo ? ((x - xLo) / (xHi - xLo)) * pw : pw / 2));
  const Y = (y: number) => r1(m.t + ph - ((y - yLo) / (yHi - yLo)) * ph);
  const xf = o.xFormat ?? fmt;
  const parts: string[] = [];
  parts.push(`<svg class="chart" data-chart="${escapeHtml(o.id)}" data-kind="line" data-series-count="${o.series.length}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(o.title)}">`);
  parts.push(`<title>${escapeHtml(o.title)}</title>`);
  parts.push(`<text class="chart-title" x="${m.l}" y="18">${escapeHtml(o.title)}</text>`);
  for (const t of yTicks) parts.push(`<line class="grid" x1="${m.l}" x2="${m.l + pw}" y1="${Y(t)}" y2="${Y(t)}"/><text class="tick" x="${m.l - 6}" y="${Y(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  const xTicks = ticks(xLo, xHi, Math.min(8, new Set(xs).size), xs.every(Number.isInteger));
  // The first x (epoch 1) gets a label too, unless a tick sits right next to it.
  if (xTicks.length > 1 && xTicks[0] - xLo > (xTicks[1] - xTicks[0]) / 2) xTicks.unshift(xLo);
  for (const t of xTicks) parts.push(`<text class="tick" x="${X(t)}" y="${m.t + ph + 16}" text-anchor="middle">${escapeHtml(xf(t))}</text>`);
  parts.push(`<line class="axis" x1="${m.l}" x2="${m.l + pw}" y1="${m.t + ph}" y2="${m.t + ph}"/><line class="axis" x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${m.t + ph}"/>`);
  parts.push(`<text class="axis-label" x="${m.l + pw / 2}" y="${H - 6}" text-anchor="middle">${escapeHtml(o.xLabel)}</text>`);
  parts.push(`<text class="axis-label" transform="translate(14 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(o.yLabel)}</text>`);
  // End labels: at each line's last point, nudged apart so they do not overlap.
  const ends = o.series.map((s, i) => ({ i, y: s.points.length ? Y(s.points[s.points.length - 1][1]) : 0 })).sort((a, b) => a.y - b.y);
  for (let j = 1; j < ends.length; j++) ends[j].y = Math.max(ends[j].y, ends[j - 1].y + 13);
  const labelY = new Map(ends.map((e) => [e.i, e.y]));
  o.series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length], dash = DASHES[i % DASHES.length], shape = MARKERS[i % MARKERS.length];
    const name = escapeHtml(s.name);
    parts.push(`<g class="series" data-series="${name}">`);
    if (s.points.length > 1) {
      const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${X(p[0])} ${Y(p[1])}`).join('');
      parts.push(`<path class="line" d="${d}" fill="none" stroke="${colour}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    }
    const every = o.markers === false ? Math.max(1, Math.ceil(s.points.length / 6)) : 1;
    s.points.forEach((p, j) => {
      const shown = j % every === 0 || j === s.points.length - 1;
      const attrs = `class="point${shown ? '' : ' hidden-point'}" data-series="${name}" data-x="${p[0]}" data-value="${p[1]}"`;
      const tip = `<title>${name}: ${escapeHtml(xf(p[0]))} → ${fmt(p[1])}</title>`;
      parts.push(shown ? marker(shape, X(p[0]), Y(p[1]), colour, attrs, tip) : `<circle ${attrs} cx="${X(p[0])}" cy="${Y(p[1])}" r="0">${tip}</circle>`);
    });
    if (s.points.length) {
      const last = s.points[s.points.length - 1];
      const lx = X(last[0]) + 8;
      parts.push(marker(shape, lx + 3, labelY.get(i)! - 4, colour, 'class="legend-marker"'));
      parts.push(`<text class="series-label" x="${lx + 10}" y="${labelY.get(i)}">${name}${o.endValues === false ? '' : ` ${fmt(last[1])}`}</text>`);
    }
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('');
}

/** One bar of a {@link barChart} or {@link columnChart}. */
export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Text written at the bar's end (default the formatted value). */
  readonly text?: string;
}

/** Options of {@link barChart}. */
export interface BarChartOptions {
  readonly id: string;
  readonly title: string;
  readonly bars: readonly Bar[];
  /** Axis maximum (default the largest value). */
  readonly max?: number;
  /** Index of a bar to emphasise (e.g. the best model), drawn darker and marked "best". */
  readonly best?: number;
  readonly width?: number;
}

/** Horizontal bars, label on the left, value on the right: reads without colour, sorts nothing. */
export function barChart(o: BarChartOptions): string {
  const W = o.width ?? 360, row = 22, top = 28;
  const H = top + o.bars.length * row + 8;
  const labelW = Math.min(140, 12 + 7 * Math.max(4, ...o.bars.map((b) => b.label.length)));
  const pw = W - labelW - 70;
  const max = o.max ?? Math.max(...o.bars.map((b) => b.value), 0);
  const parts = [`<svg class="chart" data-chart="${escapeHtml(o.id)}" data-kind="bar" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(o.title)}">`];
  parts.push(`<title>${escapeHtml(o.title)}</title><text class="chart-title" x="4" y="18">${escapeHtml(o.title)}</text>`);
  o.bars.forEach((b, i) => {
    const y = top + i * row;
    const w = max > 0 && Number.isFinite(b.value) ? r1((Math.max(0, b.value) / max) * pw) : 0;
    const best = i === o.best;
    parts.push(`<text class="bar-label" x="${labelW - 6}" y="${y + 14}" text-anchor="end">${escapeHtml(b.label)}</text>`);
    parts.push(`<rect class="bar${best ? ' best' : ''}" data-label="${escapeHtml(b.label)}" data-value="${b.value}" x="${labelW}" y="${y + 3}" width="${w}" height="${row - 8}"><title>${escapeHtml(b.label)}: ${escapeHtml(b.text ?? fmt(b.value))}</title></rect>`);
    parts.push(`<text class="bar-value" x="${labelW + w + 5}" y="${y + 14}">${escapeHtml(b.text ?? fmt(b.value))}${best ? ' ★' : ''}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Options of {@link columnChart}. */
export interface ColumnChartOptions {
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly bars: readonly Bar[];
  readonly max?: number;
  /** Indices of bars drawn with a hatch (e.g. "no hit" users) besides their label. */
  readonly marked?: readonly number[];
  readonly width?: number;
}

/** Vertical columns with their label below and value above (histograms, deciles). */
export function columnChart(o: ColumnChartOptions): string {
  const W = o.width ?? 420, H = 230;
  const m = { l: 46, r: 8, t: 30, b: 40 };
  const pw = W - m.l - m.r, ph = H - m.t - m.b;
  const n = o.bars.length;
  const slot = pw / Math.max(1, n);
  const max = o.max ?? Math.max(...o.bars.map((b) => b.value), 0);
  const top = ticks(0, max > 0 ? max : 1, 4);
  const yMax = Math.max(max, top[top.length - 1]) || 1;
  const Y = (v: number) => r1(m.t + ph - (Math.max(0, v) / yMax) * ph);
  const parts = [`<svg class="chart" data-chart="${escapeHtml(o.id)}" data-kind="column" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(o.title)}">`];
  parts.push(`<title>${escapeHtml(o.title)}</title><text class="chart-title" x="4" y="18">${escapeHtml(o.title)}</text>`);
  // One pattern per chart: ids must be unique in the page that holds every chart.
  const hatch = `hatch-${o.id.replace(/[^\w-]/g, '_')}`;
  if (o.marked?.length) parts.push(`<defs><pattern id="${hatch}" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="5" height="5" fill="#D55E00"/><line x1="0" y1="0" x2="0" y2="5" stroke="#fff" stroke-width="2"/></pattern></defs>`);
  for (const t of top) parts.push(`<line class="grid" x1="${m.l}" x2="${m.l + pw}" y1="${Y(t)}" y2="${Y(t)}"/><text class="tick" x="${m.l - 5}" y="${Y(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  parts.push(`<line class="axis" x1="${m.l}" x2="${m.l + pw}" y1="${m.t + ph}" y2="${m.t + ph}"/>`);
  const marked = new Set(o.marked ?? []);
  const labelEvery = Math.max(1, Math.ceil((n * 22) / pw));
  o.bars.forEach((b, i) => {
    const x = r1(m.l + i * slot + slot * 0.12), w = r1(slot * 0.76);
    const y = Y(b.value);
    const fill = marked.has(i) ? ` fill="url(#${hatch})"` : '';
    parts.push(`<rect class="bar${marked.has(i) ? ' marked' : ''}" data-label="${escapeHtml(b.label)}" data-value="${b.value}" x="${x}" y="${y}" width="${w}" height="${r1(m.t + ph - y)}"${fill}><title>${escapeHtml(b.label)}: ${escapeHtml(b.text ?? fmt(b.value))}</title></rect>`);
    if (n <= 12 || b.value > 0) parts.push(`<text class="col-value" x="${r1(x + w / 2)}" y="${y - 3}" text-anchor="middle">${escapeHtml(b.text ?? fmt(b.value))}</text>`);
    if (i % labelEvery === 0) parts.push(`<text class="tick" x="${r1(x + w / 2)}" y="${m.t + ph + 14}" text-anchor="middle">${escapeHtml(b.label)}</text>`);
  });
  parts.push(`<text class="axis-label" x="${m.l + pw / 2}" y="${H - 6}" text-anchor="middle">${escapeHtml(o.xLabel)}</text>`);
  parts.push(`<text class="axis-label" transform="translate(12 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(o.yLabel)}</text>`);
  parts.push('</svg>');
  return parts.join('');
}
