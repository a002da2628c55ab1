/** Reference for assembly/score.ts: out[q*nItems + i] = <queries[q], items[i]>, accumulated in f64 (the exact spec). */
export function scoreBlockRef(
  queries: Float32Array,
  nQueries: number,
  items: Float32Array,
  nItems: number,
  dim: number,
  out: Float32Array = new Float32Array(nQueries * nItems),
): Float32Array {
  for (let q = 0; q < nQueries; q++) {
    const qo = q * dim;
    const oo = q * nItems;
    for (let i = 0; i < nItems; i++) {
      const io = i * dim;
      let s = 0;
      for (let j = 0; j < dim; j++) s += queries[qo + j] * items[io + j];
      out[oo + i] = s;
    }
  }
  return out;
}
