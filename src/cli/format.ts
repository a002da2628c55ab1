/** Plain-text output helpers for the CLI (tables, numbers). */

/** Format a number for tables: 4 decimals below 1, 3 significant-ish above. */
export function fmtNumber(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  if (Math.abs(v) < 1) return v.toFixed(4);
  if (Math.abs(v) < 1000) return v.toFixed(3);
  return Math.round(v).toLocaleString('en-US');
}

/** Align rows into columns; the first column is left-aligned, the others right-aligned. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()).join('\n');
}

/** Seconds since `t0` (from performance.now()). */
export function since(t0: number): number {
  return (performance.now() - t0) / 1000;
}
