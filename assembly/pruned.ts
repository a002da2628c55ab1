// Exact masked top-k by inner product over a large catalogue without scoring every item (issue 23). The item rows
// are kept a second time in descending order of their norms (built by src/kernels/wasm/norm-order.ts). Cauchy–
// Schwarz bounds every score: ⟨q, y⟩ ≤ ‖q‖·‖y‖, and the f32 dot product of `dim` terms exceeds the exact one by at
// most γ_dim·‖q‖·‖y‖ (Higham), so once the heap holds k items and ‖q‖·‖y_next‖·(1 + μ) is below its worst score, no
// item left can enter, not even on a tie. On latent-factor models norms follow popularity and the top items have
// large norms: on a Gowalla-shaped ALS model (40,979 items, 64 factors) about 3% of the rows are scored per user.
// Maximum inner-product search by norm-ordered scan with early termination in the spirit of LEMP (Teflioudi et al.
// 2015) and FEXIPRO (Li et al. 2017), without their approximate stages, so the result is the plain scan's.
//
// Every scored row gets the score scoreBlock gives it, bit for bit: rows whose original index is below nItems & ~3
// through dot4's lane sums, the last nItems % 4 through dot (assembly/score.ts). The heap order (score descending,
// ties to the lower index) is a total order, so the kept set does not depend on the scan order: the result equals
// recommendBlock's (score → mask → top-k, spec src/kernels/reference/recommend.ts), ties and masks included.
import { dot, dot4 } from './score';
import { heapFinish, heapOffer } from './topk';
import { claim } from './claim';

/** Absolute slack for subnormal products (each loses up to 2^-149 absolute, not relative, precision). */
const UNDERFLOW_SLACK: f64 = 1e-30;

/** Offer score s of original item p unless the query's mask marks it or it is excluded (-Infinity, NaN). */
// @ts-ignore: decorator
@inline function offer(s: f32, p: i32, marks: usize, size: i32, k: i32, oi: usize, os: usize): i32 {
  if (load<u8>(marks + <usize>p) != 0 || !(s > -Infinity)) return size;
  return heapOffer(s, p, size, k, oi, os);
}

/** Mark (value 1) or unmark (0) the items of mask row `maskIndptr` (0: no mask) in the byte map `marks`. */
// @ts-ignore: decorator
@inline function setMarks(maskIndptr: usize, maskCols: usize, marks: usize, value: u8): void {
  if (maskIndptr == 0) return;
  const end = load<i32>(maskIndptr + 4);
  for (let e = load<i32>(maskIndptr); e < end; e++) store<u8>(marks + <usize>load<i32>(maskCols + (<usize>e << 2)), value);
}

/**
 * Best k items for the query at `qp` into oi/os (best first, unused slots index -1, score -Infinity); returns the count.
 * `sorted`: the n item rows in descending norm order; `perm[s]`: the original index of sorted row s; `norms[s]`: its
 * norm rounded up (non-increasing in s). `marks`: n zero bytes, zero again on return.
 */
function prunedQuery(
  qp: usize, sorted: usize, perm: usize, norms: usize, n: i32, dim: i32,
  maskIndptr: usize, maskCols: usize, k: i32, marks: usize, oi: usize, os: usize,
): i32 {
  if (k <= 0) return 0;
  setMarks(maskIndptr, maskCols, marks, 1);
  let qq: f64 = 0;
  for (let j = 0; j < dim; j++) {
    const v = <f64>load<f32>(qp + (<usize>j << 2));
    qq += v * v;
  }
  // ‖q‖·(1 + μ), μ = twice γ_dim (plus room for the f64 norm's own rounding). A NaN or infinite query makes every
  // bound NaN or infinite: the scan then never stops early and gives the plain scan's result.
  const qBound = sqrt(qq) * (1 + <f64>(dim + 16) * 1.1920928955078125e-7);
  const rowBytes = <usize>dim << 2;
  const n4 = n & ~3;
  let size = 0;
  let s = 0;
  for (; s + 4 <= n; s += 4) {
    if (size == k && qBound * <f64>load<f32>(norms + (<usize>s << 2)) + UNDERFLOW_SLACK < <f64>load<f32>(os)) break;
    const p0 = load<i32>(perm + (<usize>s << 2)), p1 = load<i32>(perm + (<usize>(s + 1) << 2));
    const p2 = load<i32>(perm + (<usize>(s + 2) << 2)), p3 = load<i32>(perm + (<usize>(s + 3) << 2));
    const r0 = sorted + <usize>s * rowBytes;
    if (p0 < n4 && p1 < n4 && p2 < n4 && p3 < n4) {
      const sums = dot4(qp, r0, r0 + rowBytes, r0 + 2 * rowBytes, r0 + 3 * rowBytes, dim);
      size = offer(f32x4.extract_lane(sums, 0), p0, marks, size, k, oi, os);
      size = offer(f32x4.extract_lane(sums, 1), p1, marks, size, k, oi, os);
      size = offer(f32x4.extract_lane(sums, 2), p2, marks, size, k, oi, os);
      size = offer(f32x4.extract_lane(sums, 3), p3, marks, size, k, oi, os);
    } else {
      for (let j = 0; j < 4; j++) size = offerRow(qp, r0 + <usize>j * rowBytes, load<i32>(perm + (<usize>(s + j) << 2)), n4, dim, marks, size, k, oi, os);
    }
  }
  for (; s < n; s++) {
    if (size == k && qBound * <f64>load<f32>(norms + (<usize>s << 2)) + UNDERFLOW_SLACK < <f64>load<f32>(os)) break;
    size = offerRow(qp, sorted + <usize>s * rowBytes, load<i32>(perm + (<usize>s << 2)), n4, dim, marks, size, k, oi, os);
  }
  setMarks(maskIndptr, maskCols, marks, 0);
  heapFinish(size, k, oi, os);
  return size;
}

/** Score one row as scoreBlock would for original index p (dot4's lane sum below n4, dot above) and offer it. */
// @ts-ignore: decorator
@inline function offerRow(qp: usize, row: usize, p: i32, n4: i32, dim: i32, marks: usize, size: i32, k: i32, oi: usize, os: usize): i32 {
  const s = p < n4 ? f32x4.extract_lane(dot4(qp, row, row, row, row, dim), 0) : dot(qp, row, dim);
  return offer(s, p, marks, size, k, oi, os);
}

/**
 * For each of nQueries queries (rows of `dim` f32 at `queries`): the best k items, mask row q (maskIndptr + 4q; 0 for
 * no mask) left out, into outIdx/outScore + q·k and counts + q: recommendBlock's result (see the file comment).
 */
export function recommendPruned(
  queries: usize, nQueries: i32, sorted: usize, perm: usize, norms: usize, n: i32, dim: i32,
  maskIndptr: usize, maskCols: usize, k: i32, marks: usize, outIdx: usize, outScore: usize, counts: usize,
): void {
  const rowBytes = <usize>dim << 2;
  for (let q = 0; q < nQueries; q++) {
    const off = (<usize>q * <usize>k) << 2;
    const count = prunedQuery(
      queries + <usize>q * rowBytes, sorted, perm, norms, n, dim, maskIndptr != 0 ? maskIndptr + (<usize>q << 2) : 0, maskCols, k,
      marks, outIdx + off, outScore + off,
    );
    store<i32>(counts + (<usize>q << 2), count);
  }
}

/**
 * {@link recommendPruned} over chunks of `step` queries claimed from the i32 at `counter` (claim.ts), at most
 * `maxChunks` per call (V8 tiers Wasm up only between calls); returns the chunks done, 0 once all are claimed.
 */
export function recommendPrunedClaim(
  queries: usize, nQueries: i32, sorted: usize, perm: usize, norms: usize, n: i32, dim: i32,
  maskIndptr: usize, maskCols: usize, k: i32, marks: usize, outIdx: usize, outScore: usize, counts: usize,
  counter: usize, step: i32, maxChunks: i32,
): i32 {
  let done = 0;
  while (done < maxChunks) {
    const a = claim(counter, step);
    if (a >= nQueries) break;
    const off = (<usize>a * <usize>k) << 2;
    recommendPruned(
      queries + <usize>a * (<usize>dim << 2), min(step, nQueries - a), sorted, perm, norms, n, dim,
      maskIndptr != 0 ? maskIndptr + (<usize>a << 2) : 0, maskCols, k, marks, outIdx + off, outScore + off, counts + (<usize>a << 2),
    );
    done++;
  }
  return done;
}
