// Row-wise top-k of a block of scores (written by matmul.wgsl), with the row's seen items masked first: the fused
// half of batched recommendation, so only k (index, score) pairs per row travel back to the host.
// One workgroup per row. Selection is a radix select on order-preserving u32 keys (4 passes of 8 bits with a
// 256-bin histogram in workgroup memory, as in Alabi et al., "Fast k-selection algorithms for GPUs", 2012): it finds
// the k-th best key T, then keeps every key > T and the lowest-index keys == T, and bitonic-sorts those k candidates
// (score desc, then lower index: the order of src/kernels/reference/topk.ts). -Infinity and NaN are never returned.
struct Params {
  rows: u32,
  n: u32,
  k: u32,
  // first mask row for row 0 of the block
  maskRow: u32,
  hasMask: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<storage, read_write> S: array<f32>;
@group(0) @binding(1) var<storage, read> maskIndptr: array<i32>;
@group(0) @binding(2) var<storage, read> maskIndices: array<i32>;
@group(0) @binding(3) var<storage, read_write> outIdx: array<i32>;
@group(0) @binding(4) var<storage, read_write> outScore: array<f32>;
@group(0) @binding(5) var<storage, read_write> counts: array<i32>;
@group(0) @binding(6) var<uniform> P: Params;

const WG: u32 = 256u;
const KMAX: u32 = 1024u;
const NEG_INF: u32 = 0xff800000u;
// -Infinity as a value: a private variable, since constant evaluation rejects a non-finite f32.
var<private> negInf: u32 = 0xff800000u;

var<workgroup> hist: array<atomic<u32>, 256>;
var<workgroup> tally: atomic<u32>;
var<workgroup> slot: atomic<u32>;
var<workgroup> share: u32;
var<workgroup> share2: u32;
var<workgroup> prefix: array<u32, 256>;
var<workgroup> candKey: array<u32, 1024>;
var<workgroup> candIdx: array<u32, 1024>;

// 0 for an excluded entry (-Infinity or NaN); otherwise a key whose u32 order is the float order (-0 == +0).
fn keyOf(v: f32) -> u32 {
  var bits = bitcast<u32>(v);
  if ((bits & 0x7fffffffu) > 0x7f800000u || bits == NEG_INF) { return 0u; }
  if (bits == 0x80000000u) { bits = 0u; }
  if ((bits & 0x80000000u) != 0u) { return ~bits; }
  return bits | 0x80000000u;
}

// a ranks before b: higher key, then lower index
fn better(ka: u32, ia: u32, kb: u32, ib: u32) -> bool {
  return ka > kb || (ka == kb && ia < ib);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
  let row = wid.x + wid.y * 65535u;
  if (row >= P.rows) { return; }
  let lid = lid3.x;
  let n = P.n;
  let k = P.k;
  let base = row * n;

  if (P.hasMask != 0u) {
    let m = P.maskRow + row;
    let e0 = u32(maskIndptr[m]);
    let e1 = u32(maskIndptr[m + 1u]);
    for (var e = e0 + lid; e < e1; e += WG) { S[base + u32(maskIndices[e])] = bitcast<f32>(negInf); }
  }
  if (lid == 0u) {
    atomicStore(&tally, 0u);
    atomicStore(&slot, 0u);
  }
  storageBarrier();
  workgroupBarrier();

  var valid = 0u;
  for (var i = lid; i < n; i += WG) { if (keyOf(S[base + i]) != 0u) { valid += 1u; } }
  atomicAdd(&tally, valid);
  workgroupBarrier();
  if (lid == 0u) { share = atomicLoad(&tally); }
  let total = workgroupUniformLoad(&share);

  // Threshold T and how many keys equal to T to take: every valid key when there are at most k.
  var T = 0u;
  var needEq = 0u;
  var count = total;
  if (total > k) {
    count = k;
    var need = k;
    var pref = 0u;
    var prefMask = 0u;
    for (var round = 0u; round < 4u; round++) {
      let shift = 24u - 8u * round;
      atomicStore(&hist[lid], 0u);
      workgroupBarrier();
      for (var i = lid; i < n; i += WG) {
        let key = keyOf(S[base + i]);
        if (key != 0u && (key & prefMask) == pref) { atomicAdd(&hist[(key >> shift) & 255u], 1u); }
      }
      workgroupBarrier();
      if (lid == 0u) {
        var cum = 0u;
        var b = 255i;
        loop {
          let c = atomicLoad(&hist[u32(b)]);
          if (cum + c >= need || b == 0i) { break; }
          cum += c;
          b -= 1i;
        }
        share = u32(b);
        share2 = need - cum;
      }
      let chosen = workgroupUniformLoad(&share);
      need = workgroupUniformLoad(&share2);
      pref |= chosen << shift;
      prefMask |= 255u << shift;
    }
    T = pref;
    needEq = need;
  }

  // Collect: keys > T anywhere (k - needEq of them), keys == T in index order (contiguous chunks + a prefix sum).
  let chunk = (n + WG - 1u) / WG;
  let c0 = min(n, lid * chunk);
  let c1 = min(n, c0 + chunk);
  var eq = 0u;
  if (needEq > 0u) {
    for (var i = c0; i < c1; i++) { if (keyOf(S[base + i]) == T) { eq += 1u; } }
  }
  prefix[lid] = eq;
  workgroupBarrier();
  if (lid == 0u) {
    var run = 0u;
    for (var t = 0u; t < WG; t++) {
      let v = prefix[t];
      prefix[t] = run;
      run += v;
    }
  }
  workgroupBarrier();
  let greater = count - needEq;
  var pos = prefix[lid];
  for (var i = c0; i < c1; i++) {
    let key = keyOf(S[base + i]);
    if (key > T) {
      let s = atomicAdd(&slot, 1u);
      candKey[s] = key;
      candIdx[s] = i;
    } else if (key == T && key != 0u && pos < needEq) {
      candKey[greater + pos] = key;
      candIdx[greater + pos] = i;
      pos += 1u;
    }
  }

  // Bitonic sort of the `count` candidates, padded to a power of two with entries that rank last.
  var size = 1u;
  while (size < count) { size <<= 1u; }
  for (var i = count + lid; i < size; i += WG) {
    candKey[i] = 0u;
    candIdx[i] = 0xffffffffu;
  }
  workgroupBarrier();
  for (var span = 2u; span <= size; span <<= 1u) {
    for (var stride = span >> 1u; stride > 0u; stride >>= 1u) {
      for (var i = lid; i < size; i += WG) {
        let j = i ^ stride;
        if (j > i) {
          let first = (i & span) == 0u;
          let swap = select(better(candKey[i], candIdx[i], candKey[j], candIdx[j]), better(candKey[j], candIdx[j], candKey[i], candIdx[i]), first);
          if (swap) {
            let tk = candKey[i];
            candKey[i] = candKey[j];
            candKey[j] = tk;
            let ti = candIdx[i];
            candIdx[i] = candIdx[j];
            candIdx[j] = ti;
          }
        }
      }
      workgroupBarrier();
    }
  }

  for (var s = lid; s < k; s += WG) {
    let o = row * k + s;
    if (s < count) {
      outIdx[o] = i32(candIdx[s]);
      outScore[o] = S[base + candIdx[s]];
    } else {
      outIdx[o] = -1;
      outScore[o] = bitcast<f32>(negInf);
    }
  }
  if (lid == 0u) { counts[row] = i32(count); }
}
