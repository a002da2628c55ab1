/** Plain-text output helpers for the CLI (tables, numbers). */

/** Format a number for tables: 4 decimals below 1, 3 significant-ish above. */
export function fmtNumber(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  if (Math.abs(v) < 1) return v.toFixed(4);
  if (Math.abs(v) < 1000) return v.toFixed(3);
  return Math.round(v).toLocaleString('en-US');
}

/**
 * Align rows into columns; the first column is left-aligned, the others right-aligned, except those `leftAligned`
 * names (a long free-text column goes last and left-aligned, so it pads no other row).
 */
export function table(rows: readonly (readonly string[])[], leftAligned: readonly number[] = [0]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const left = new Set(leftAligned);
  return rows.map((r) => r.map((c, i) => (left.has(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()).join('\n');
}

/**
 * A model's parameters on one line for a table: `lambda=250 itemNormalization=0.18`; a blend as its weighted members,
 * `0.6 ease(lambda=250) + 0.4 als(factors=64 alpha=2.9)` (the JSON output keeps the full objects).
 */
export function describeParams(model: string, params: Readonly<Record<string, unknown>>): string {
  const flat = (p: Readonly<Record<string, unknown>>) =>
    Object.entries(p).map(([k, v]) => `${k}=${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`).join(' ');
  const members = params.members as { kind: string; params: Record<string, unknown> }[] | undefined;
  const weights = params.weights as number[] | undefined;
  if (model !== 'blend' || !Array.isArray(members) || !Array.isArray(weights)) return flat(params);
  return members.map((m, i) => `${weights[i]} ${m.kind}(${flat(m.params)})`).join(' + ');
}

/** Seconds since `t0` (from performance.now()). */
export function since(t0: number): number {
  return (performance.now() - t0) / 1000;
}
