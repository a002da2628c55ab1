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
import { dot, dot4Rows } from './score';
import { heapFinish, heapOffer } from './topk';
import { claim } from './claim';

/** Absolute slack for subnormal products (each loses up to 2^-149 absolute, not relative, precision). */
const UNDERFLOW_SLACK: f64 = 1e-30;

/** Mark (value 1) or unmark (0) the items of mask row `maskIndptr` (0: no mask) in the byte map `marks`. */
function setMarks(maskIndptr: usize, maskCols: usize, marks: usize, value: u8): void {
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
  // Four sorted rows at a time (a last group of fewer repeats its first row in the unused lanes); the bound of the
  // group's first row covers the others, whose norms are no larger.
  for (let s = 0; s < n; s += 4) {
    if (size == k && qBound * <f64>load<f32>(norms + (<usize>s << 2)) + UNDERFLOW_SLACK < <f64>load<f32>(os)) break;
    const m = min(4, n - s);
    const r0 = sorted + <usize>s * rowBytes;
    const r1 = m > 1 ? r0 + rowBytes : r0, r2 = m > 2 ? r0 + 2 * rowBytes : r0, r3 = m > 3 ? r0 + 3 * rowBytes : r0;
    const sums = dot4Rows(qp, r0, r1, r2, r3, dim);
    const ps = perm + (<usize>s << 2);
    size = offerLane(qp, f32x4.extract_lane(sums, 0), r0, load<i32>(ps), n4, dim, marks, size, k, oi, os);
    if (m > 1) size = offerLane(qp, f32x4.extract_lane(sums, 1), r1, load<i32>(ps, 4), n4, dim, marks, size, k, oi, os);
    if (m > 2) size = offerLane(qp, f32x4.extract_lane(sums, 2), r2, load<i32>(ps, 8), n4, dim, marks, size, k, oi, os);
    if (m > 3) size = offerLane(qp, f32x4.extract_lane(sums, 3), r3, load<i32>(ps, 12), n4, dim, marks, size, k, oi, os);
  }
  setMarks(maskIndptr, maskCols, marks, 0);
  heapFinish(size, k, oi, os);
  return size;
}

/**
 * Offer the row of original index p with the score scoreBlock gives it: dot4's lane sum `lane` below n4, else dot
 * (the last nItems % 4 rows). Not inlined: each inlined copy of the heap code costs the embedded module (and the
 * package) a kilobyte, and few rows get here.
 */
function offerLane(qp: usize, lane: f32, row: usize, p: i32, n4: i32, dim: i32, marks: usize, size: i32, k: i32, oi: usize, os: usize): i32 {
  const s = p < n4 ? lane : dot(qp, row, dim);
  // left out: the query's masked items, and excluded scores (-Infinity, NaN) as in topk
  if (load<u8>(marks + <usize>p) != 0 || !(s > -Infinity)) return size;
  return heapOffer(s, p, size, k, oi, os);
}

/**
 * For each of nQueries queries (rows of `dim` f32 at `queries`): the best k items, mask row q (maskIndptr + 4q; 0 for
 * no mask) left out, into outIdx/outScore + q·k and counts + q: recommendBlock's result (see the file comment). The
 * parameters are recommendBlock's, with the sorted rows for its items, a mask map for its scratch and `perm` (the
 * n norms follow it) for its second scratch row, so one argument list serves both.
 */
export function recommendPruned(
  queries: usize, nQueries: i32, sorted: usize, n: i32, dim: i32,
  maskIndptr: usize, maskCols: usize, k: i32, marks: usize, outIdx: usize, outScore: usize, counts: usize, perm: usize,
): void {
  const rowBytes = <usize>dim << 2;
  const norms = perm + (<usize>n << 2);
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
  queries: usize, nQueries: i32, sorted: usize, n: i32, dim: i32,
  maskIndptr: usize, maskCols: usize, k: i32, marks: usize, outIdx: usize, outScore: usize, counts: usize, perm: usize,
  counter: usize, step: i32, maxChunks: i32,
): i32 {
  let done = 0;
  while (done < maxChunks) {
    const a = claim(counter, step);
    if (a >= nQueries) break;
    const off = (<usize>a * <usize>k) << 2;
    recommendPruned(
      queries + <usize>a * (<usize>dim << 2), min(step, nQueries - a), sorted, n, dim,
      maskIndptr != 0 ? maskIndptr + (<usize>a << 2) : 0, maskCols, k, marks, outIdx + off, outScore + off, counts + (<usize>a << 2), perm,
    );
    done++;
  }
  return done;
}
