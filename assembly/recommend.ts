// Fused scoring + mask + top-k for a block of queries: the hot path of recommend-all and evaluation.
import { scoreBlock } from './score';
import { csrMaskRows } from './csr';
import { topk } from './topk';

/**
 * For each query q: scores = queries[q] · itemsᵀ, then scores[c] = -Infinity for the mask row q (when maskIndptr != 0),
 * then the best k into outIdx/outScore + q*k, count into counts[q]. `scratch` holds nItems f32 (one row at a time,
 * so memory stays bounded whatever the block size). maskIndptr points at the first of nQueries + 1 offsets.
 */
export function recommendBlock(
  queries: usize, nQueries: i32, items: usize, nItems: i32, dim: i32,
  maskIndptr: usize, maskCols: usize, k: i32, scratch: usize,
  outIdx: usize, outScore: usize, counts: usize,
): void {
  const rowBytes = <usize>dim << 2;
  for (let q = 0; q < nQueries; q++) {
    scoreBlock(queries + <usize>q * rowBytes, 1, items, nItems, dim, scratch);
    if (maskIndptr != 0) csrMaskRows(maskIndptr + (<usize>q << 2), maskCols, 1, scratch, nItems, -Infinity);
    const off = (<usize>q * <usize>k) << 2;
    store<i32>(counts + (<usize>q << 2), topk(scratch, nItems, k, outIdx + off, outScore + off));
  }
}
