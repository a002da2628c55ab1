/** Reference of assembly/finite.ts: whether every value is finite (the per-epoch divergence check, issue 15). */
export function allFiniteRef(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}
