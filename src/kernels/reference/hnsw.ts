/**
 * Reference for assembly/hnsw.ts (the spec): the same HNSW algorithms over the same memory layout (byte pointers
 * into one ArrayBuffer; see the layout comment at the top of assembly/hnsw.ts). Every f32 operation is rounded as
 * Wasm rounds it and the dot product adds in the SIMD kernel's lane order, so this builds bit-identical graphs and
 * returns bit-identical results — the conformance cases compare the two backends exactly.
 */

/** Typed views of one buffer, addressed by byte pointer >>> 2. */
interface Views {
  u32: Uint32Array;
  i32: Int32Array;
  f32: Float32Array;
}

const views = (buffer: ArrayBufferLike): Views => ({ u32: new Uint32Array(buffer), i32: new Int32Array(buffer), f32: new Float32Array(buffer) });
const fr = Math.fround;
const acc = new Float32Array(16);

/** The SIMD kernel's dotp: lanes j%16 accumulate over 16-float steps, the 4-float tail into lanes 0..3. */
function dotp(f: Float32Array, a: number, b: number, dim: number): number {
  a >>>= 2;
  b >>>= 2;
  acc.fill(0);
  let j = 0;
  const d16 = dim & ~15;
  for (; j < d16; j += 16) for (let l = 0; l < 16; l++) acc[l] += fr(f[a + j + l] * f[b + j + l]);
  for (; j < dim; j += 4) for (let l = 0; l < 4; l++) acc[l] += fr(f[a + j + l] * f[b + j + l]);
  const s0 = fr(fr(acc[0] + acc[4]) + fr(acc[8] + acc[12]));
  const s1 = fr(fr(acc[1] + acc[5]) + fr(acc[9] + acc[13]));
  const s2 = fr(fr(acc[2] + acc[6]) + fr(acc[10] + acc[14]));
  const s3 = fr(fr(acc[3] + acc[7]) + fr(acc[11] + acc[15]));
  return fr(fr(fr(s0 + s1) + s2) + s3);
}

const hw = (v: Views, h: number, i: number): number => v.u32[(h >>> 2) + i];
/** assembly/hnsw.ts sim: the dot product minus the augmentation column's product (header word 14, index + 1). */
function sim(v: Views, h: number, a: number, b: number, dim: number): number {
  const s = dotp(v.f32, a, b, dim);
  const c = hw(v, h, 14);
  if (c === 0) return s;
  return fr(s - fr(v.f32[(a >>> 2) + c - 1] * v.f32[(b >>> 2) + c - 1]));
}

const vec = (v: Views, h: number, node: number): number => hw(v, h, 5) + node * hw(v, h, 0) * 4;

function links(v: Views, h: number, node: number, level: number): number {
  if (level === 0) return hw(v, h, 7) + node * (hw(v, h, 2) + 1) * 4;
  const off = v.u32[(hw(v, h, 8) >>> 2) + node];
  return hw(v, h, 9) + (off + (level - 1) * (hw(v, h, 1) + 1)) * 4;
}

const better = (sa: number, ia: number, sb: number, ib: number): boolean => sa > sb || (sa === sb && ia < ib);
const worse = (sa: number, ia: number, sb: number, ib: number): boolean => sa < sb || (sa === sb && ia > ib);

/** Max-heap push (best at the root) over word arrays at ids/sc. */
function candPush(v: Views, ids: number, sc: number, size: number, id: number, s: number): number {
  ids >>>= 2;
  sc >>>= 2;
  let pos = size;
  while (pos > 0) {
    const parent = (pos - 1) >> 1;
    if (!better(s, id, v.f32[sc + parent], v.i32[ids + parent])) break;
    v.f32[sc + pos] = v.f32[sc + parent];
    v.i32[ids + pos] = v.i32[ids + parent];
    pos = parent;
  }
  v.f32[sc + pos] = s;
  v.i32[ids + pos] = id;
  return size + 1;
}

function candPop(v: Views, ids: number, sc: number, size: number): void {
  ids >>>= 2;
  sc >>>= 2;
  const n = size - 1;
  const s = v.f32[sc + n];
  const id = v.i32[ids + n];
  let pos = 0;
  for (;;) {
    let child = 2 * pos + 1;
    if (child >= n) break;
    if (child + 1 < n && better(v.f32[sc + child + 1], v.i32[ids + child + 1], v.f32[sc + child], v.i32[ids + child])) child++;
    if (!better(v.f32[sc + child], v.i32[ids + child], s, id)) break;
    v.f32[sc + pos] = v.f32[sc + child];
    v.i32[ids + pos] = v.i32[ids + child];
    pos = child;
  }
  if (n > 0) {
    v.f32[sc + pos] = s;
    v.i32[ids + pos] = id;
  }
}

/** assembly/topk.ts heapOffer: min-heap (worst at the root) of at most k entries. */
function heapOffer(v: Views, s: number, i: number, size: number, k: number, idx: number, sc: number): number {
  idx >>>= 2;
  sc >>>= 2;
  if (size < k) {
    let pos = size++;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      if (!worse(s, i, v.f32[sc + parent], v.i32[idx + parent])) break;
      v.f32[sc + pos] = v.f32[sc + parent];
      v.i32[idx + pos] = v.i32[idx + parent];
      pos = parent;
    }
    v.f32[sc + pos] = s;
    v.i32[idx + pos] = i;
  } else if (worse(v.f32[sc], v.i32[idx], s, i)) {
    v.f32[sc] = s;
    v.i32[idx] = i;
    siftDown(v, idx, sc, 0, size);
  }
  return size;
}

function siftDown(v: Views, idx: number, sc: number, pos: number, size: number): void {
  const s = v.f32[sc + pos];
  const id = v.i32[idx + pos];
  for (;;) {
    let child = 2 * pos + 1;
    if (child >= size) break;
    if (child + 1 < size && worse(v.f32[sc + child + 1], v.i32[idx + child + 1], v.f32[sc + child], v.i32[idx + child])) child++;
    if (!worse(v.f32[sc + child], v.i32[idx + child], s, id)) break;
    v.f32[sc + pos] = v.f32[sc + child];
    v.i32[idx + pos] = v.i32[idx + child];
    pos = child;
  }
  v.f32[sc + pos] = s;
  v.i32[idx + pos] = id;
}

/** heapFinish with k = size: sort the min-heap best first. */
function heapSort(v: Views, size: number, idx: number, sc: number): void {
  idx >>>= 2;
  sc >>>= 2;
  for (let end = size - 1; end > 0; end--) {
    const es = v.f32[sc + end], ei = v.i32[idx + end];
    v.f32[sc + end] = v.f32[sc];
    v.i32[idx + end] = v.i32[idx];
    v.f32[sc] = es;
    v.i32[idx] = ei;
    siftDown(v, idx, sc, 0, end);
  }
}

function nextTag(v: Views, s: number): number {
  let tag = (hw(v, s, 1) + 1) >>> 0;
  if (tag === 0) {
    v.u32.fill(0, hw(v, s, 0) >>> 2, (hw(v, s, 0) >>> 2) + hw(v, s, 6));
    tag = 1;
  }
  v.u32[(s >>> 2) + 1] = tag;
  return tag;
}

function greedy(v: Views, h: number, q: number, ep: number, epScore: number, level: number): [number, number] {
  const dim = hw(v, h, 0);
  let cur = ep, curScore = epScore, changed = true;
  while (changed) {
    changed = false;
    const l = links(v, h, cur, level) >>> 2;
    const n = v.i32[l];
    for (let j = 0; j < n; j++) {
      const e = v.i32[l + 1 + j];
      const s = sim(v, h, q, vec(v, h, e), dim);
      if (better(s, e, curScore, cur)) {
        cur = e;
        curScore = s;
        changed = true;
      }
    }
  }
  return [cur, curScore];
}

function searchLayer(v: Views, h: number, s: number, q: number, ep: number, epScore: number, ef: number, level: number): number {
  const dim = hw(v, h, 0);
  const visited = hw(v, s, 0) >>> 2;
  const tag = nextTag(v, s);
  const cIds = hw(v, s, 2), cSc = hw(v, s, 3), rIds = hw(v, s, 4), rSc = hw(v, s, 5);
  v.u32[visited + ep] = tag;
  let nc = candPush(v, cIds, cSc, 0, ep, epScore);
  let nr = heapOffer(v, epScore, ep, 0, ef, rIds, rSc);
  while (nc > 0) {
    const c = v.i32[cIds >>> 2], cs = v.f32[cSc >>> 2];
    if (nr === ef && better(v.f32[rSc >>> 2], v.i32[rIds >>> 2], cs, c)) break;
    candPop(v, cIds, cSc, nc);
    nc--;
    const l = links(v, h, c, level) >>> 2;
    const n = v.i32[l];
    for (let j = 0; j < n; j++) {
      const e = v.i32[l + 1 + j];
      if (v.u32[visited + e] === tag) continue;
      v.u32[visited + e] = tag;
      const es = sim(v, h, q, vec(v, h, e), dim);
      if (nr < ef || better(es, e, v.f32[rSc >>> 2], v.i32[rIds >>> 2])) {
        nc = candPush(v, cIds, cSc, nc, e, es);
        nr = heapOffer(v, es, e, nr, ef, rIds, rSc);
      }
    }
  }
  return nr;
}

function heuristic(v: Views, h: number, ids: number, sc: number, n: number, m: number): number {
  if (n <= m) return n;
  const dim = hw(v, h, 0);
  ids >>>= 2;
  sc >>>= 2;
  let kept = 0;
  let i = 0;
  for (; i < n && kept < m; i++) {
    const e = v.i32[ids + i], es = v.f32[sc + i];
    const ev = vec(v, h, e);
    let good = true;
    for (let r = 0; r < kept; r++) {
      if (sim(v, h, ev, vec(v, h, v.i32[ids + r]), dim) > es) {
        good = false;
        break;
      }
    }
    if (good) {
      v.i32.copyWithin(ids + kept + 1, ids + kept, ids + i);
      v.f32.copyWithin(sc + kept + 1, sc + kept, sc + i);
      v.i32[ids + kept] = e;
      v.f32[sc + kept] = es;
      kept++;
    }
  }
  // keepPrunedConnections: fill up with the pruned candidates, closest first.
  if (hw(v, h, 13) !== 0 && kept < m) kept = Math.min(m, i);
  return kept;
}

function connect(v: Views, h: number, target: number, node: number, level: number): void {
  const mMax = level === 0 ? hw(v, h, 2) : hw(v, h, 1);
  const l = links(v, h, target, level) >>> 2;
  const n = v.i32[l];
  if (n < mMax) {
    v.i32[l + 1 + n] = node;
    v.i32[l] = n + 1;
    return;
  }
  const dim = hw(v, h, 0);
  const wIds = hw(v, h, 11) >>> 2, wSc = hw(v, h, 12) >>> 2;
  const tv = vec(v, h, target);
  for (let j = 0; j <= n; j++) {
    const e = j < n ? v.i32[l + 1 + j] : node;
    const es = sim(v, h, tv, vec(v, h, e), dim);
    let pos = j;
    while (pos > 0 && better(es, e, v.f32[wSc + pos - 1], v.i32[wIds + pos - 1])) {
      v.i32[wIds + pos] = v.i32[wIds + pos - 1];
      v.f32[wSc + pos] = v.f32[wSc + pos - 1];
      pos--;
    }
    v.i32[wIds + pos] = e;
    v.f32[wSc + pos] = es;
  }
  const kept = heuristic(v, h, wIds << 2, wSc << 2, n + 1, mMax);
  for (let j = 0; j < kept; j++) v.i32[l + 1 + j] = v.i32[wIds + j];
  v.i32[l] = kept;
}

/** assembly/hnsw.ts hnswInsert. */
export function hnswInsertRef(buffer: ArrayBufferLike, h: number, s: number, node: number, level: number): number {
  const v = views(buffer);
  v.i32[(hw(v, h, 6) >>> 2) + node] = level;
  const entry = v.i32[(h >>> 2) + 4];
  const maxLevel = v.i32[(h >>> 2) + 3];
  if (entry < 0) {
    v.i32[(h >>> 2) + 4] = node;
    v.i32[(h >>> 2) + 3] = level;
    return 0;
  }
  const dim = hw(v, h, 0);
  const q = vec(v, h, node);
  const m = hw(v, h, 1), efc = hw(v, h, 10);
  const rIds = hw(v, s, 4), rSc = hw(v, s, 5);
  let ep = entry;
  let epScore = sim(v, h, q, vec(v, h, ep), dim);
  for (let l = maxLevel; l > level; l--) [ep, epScore] = greedy(v, h, q, ep, epScore, l);
  let links0 = 0;
  for (let l = Math.min(level, maxLevel); l >= 0; l--) {
    const nr = searchLayer(v, h, s, q, ep, epScore, efc, l);
    heapSort(v, nr, rIds, rSc);
    ep = v.i32[rIds >>> 2];
    epScore = v.f32[rSc >>> 2];
    const kept = heuristic(v, h, rIds, rSc, nr, m);
    const own = links(v, h, node, l) >>> 2;
    for (let j = 0; j < kept; j++) v.i32[own + 1 + j] = v.i32[(rIds >>> 2) + j];
    v.i32[own] = kept;
    for (let j = 0; j < kept; j++) connect(v, h, v.i32[(rIds >>> 2) + j], node, l);
    if (l === 0) links0 = kept;
  }
  if (level > maxLevel) {
    v.i32[(h >>> 2) + 4] = node;
    v.i32[(h >>> 2) + 3] = level;
  }
  return links0;
}

/** assembly/hnsw.ts hnswSearch. */
export function hnswSearchRef(buffer: ArrayBufferLike, h: number, s: number, q: number, k: number, ef: number, outIdx: number, outScore: number): number {
  const v = views(buffer);
  const entry = v.i32[(h >>> 2) + 4];
  let count = 0;
  if (entry >= 0 && k > 0) {
    const dim = hw(v, h, 0);
    const rIds = hw(v, s, 4), rSc = hw(v, s, 5);
    let ep = entry;
    let epScore = sim(v, h, q, vec(v, h, ep), dim);
    for (let l = v.i32[(h >>> 2) + 3]; l > 0; l--) [ep, epScore] = greedy(v, h, q, ep, epScore, l);
    const nr = searchLayer(v, h, s, q, ep, epScore, Math.max(ef, k), 0);
    heapSort(v, nr, rIds, rSc);
    count = Math.min(k, nr);
    v.i32.copyWithin(outIdx >>> 2, rIds >>> 2, (rIds >>> 2) + count);
    v.f32.copyWithin(outScore >>> 2, rSc >>> 2, (rSc >>> 2) + count);
  }
  for (let r = count; r < k; r++) {
    v.i32[(outIdx >>> 2) + r] = -1;
    v.f32[(outScore >>> 2) + r] = -Infinity;
  }
  return count;
}

/** assembly/hnsw.ts hnswSearchRows. */
export function hnswSearchRowsRef(
  buffer: ArrayBufferLike, h: number, s: number, queries: number, from: number, to: number, k: number, ef: number,
  outIdx: number, outScore: number, counts: number,
): void {
  const rowBytes = new Uint32Array(buffer)[h >>> 2] * 4;
  const i32 = new Int32Array(buffer);
  for (let r = from; r < to; r++) {
    i32[(counts >>> 2) + r] = hnswSearchRef(buffer, h, s, queries + r * rowBytes, k, ef, outIdx + r * k * 4, outScore + r * k * 4);
  }
}
