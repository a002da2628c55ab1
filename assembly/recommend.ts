// Fused scoring + mask + top-k for a block of queries: the hot path of recommend-all and evaluation.
import { scoreBlock, scorePair } from './score';
import { csrMaskRows } from './csr';
import { topk } from './topk';
import { claim } from './claim';

/**
 * For each query q: scores = queries[q] · itemsᵀ, then scores[c] = -Infinity for the mask row q (when maskIndptr != 0),
 * then the best k into outIdx/outScore + q*k, count into counts[q]. `scratch` holds nItems f32 (one row at a time,
 * so memory stays bounded whatever the block size). maskIndptr points at the first of nQueries + 1 offsets.
 * With `scratch2` (another nItems f32, or 0 for none) queries are scored two at a time (scoreRows2: each item chunk
 * loaded once for both); the scores, so the results, are bit-identical either way.
 */
export function recommendBlock(
  queries: usize, nQueries: i32, items: usize, nItems: i32, dim: i32,
  maskIndptr: usize, maskCols: usize, k: i32, scratch: usize,
  outIdx: usize, outScore: usize, counts: usize, scratch2: usize,
): void {
  const rowBytes = <usize>dim << 2;
  let q = 0;
  if (scratch2 != 0) {
    for (; q + 1 < nQueries; q += 2) {
      const qp = queries + <usize>q * rowBytes;
      scorePair(qp, qp + rowBytes, items, nItems, dim, scratch, scratch2);
      if (maskIndptr != 0) {
        csrMaskRows(maskIndptr + (<usize>q << 2), maskCols, 1, scratch, nItems, -Infinity);
        csrMaskRows(maskIndptr + (<usize>(q + 1) << 2), maskCols, 1, scratch2, nItems, -Infinity);
      }
      const off = (<usize>q * <usize>k) << 2;
      store<i32>(counts + (<usize>q << 2), topk(scratch, nItems, k, outIdx + off, outScore + off));
      const off2 = off + (<usize>k << 2);
      store<i32>(counts + (<usize>(q + 1) << 2), topk(scratch2, nItems, k, outIdx + off2, outScore + off2));
    }
  }
  for (; q < nQueries; q++) {
    scoreBlock(queries + <usize>q * rowBytes, 1, items, nItems, dim, scratch);
    if (maskIndptr != 0) csrMaskRows(maskIndptr + (<usize>q << 2), maskCols, 1, scratch, nItems, -Infinity);
    const off = (<usize>q * <usize>k) << 2;
    store<i32>(counts + (<usize>q << 2), topk(scratch, nItems, k, outIdx + off, outScore + off));
  }
}

/**
 * {@link recommendBlock} over chunks of `step` queries claimed from the i32 at `counter` (claim.ts) while fewer than
 * nQueries were claimed, at most `maxChunks` chunks per call (V8 tiers Wasm up only between calls). Returns the chunks
 * done, 0 once every query is claimed. Queries are independent, so results do not depend on the schedule.
 */
export function recommendBlockClaim(
  queries: usize, nQueries: i32, items: usize, nItems: i32, dim: i32,
  maskIndptr: usize, maskCols: usize, k: i32, scratch: usize,
  outIdx: usize, outScore: usize, counts: usize, scratch2: usize, counter: usize, step: i32, maxChunks: i32,
): i32 {
  let done = 0;
  while (done < maxChunks) {
    const a = claim(counter, step);
    if (a >= nQueries) break;
    const n = min(step, nQueries - a);
    const off = (<usize>a * <usize>k) << 2;
    recommendBlock(
      queries + <usize>a * (<usize>dim << 2), n, items, nItems, dim, maskIndptr != 0 ? maskIndptr + (<usize>a << 2) : 0, maskCols, k,
      scratch, outIdx + off, outScore + off, counts + (<usize>a << 2), scratch2,
    );
    done++;
  }
  return done;
}
