// C = act(op(A) · op(B) + bias + diag·I): the dense workhorse (scoring Q·Yᵀ, Gram YᵀY + λI, dense layers and their
// backward products). op() is an optional transpose chosen by flag bits, so every caller reads its operands where
// they already live. Register-blocked tiling through workgroup memory: a 64×64 tile of C per workgroup, 16×16
// threads computing 4×4 outputs each, K consumed 16 at a time (the classic SGEMM scheme, e.g. CUTLASS's
// threadblock tiles). 2 × 4 KiB of workgroup memory, within the 16 KiB WebGPU default.
struct Params {
  M: u32,
  N: u32,
  K: u32,
  // bit 0: A is stored K×M (use Aᵀ); bit 1: B is stored N×K (use Bᵀ); bit 2: add bias[n]
  flags: u32,
  diag: f32,
  // 0 none, 1 relu, 2 sigmoid, 3 tanh
  act: u32,
  pad0: u32,
  pad1: u32,
}

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;

const TM: u32 = 64u;
const TN: u32 = 64u;
const TK: u32 = 16u;

var<workgroup> As: array<f32, 1024>; // [TK][TM]
var<workgroup> Bs: array<f32, 1024>; // [TK][TN]

fn loadA(m: u32, k: u32) -> f32 {
  if (m >= P.M || k >= P.K) { return 0.0; }
  if ((P.flags & 1u) != 0u) { return A[k * P.M + m]; }
  return A[m * P.K + k];
}

fn loadB(k: u32, n: u32) -> f32 {
  if (k >= P.K || n >= P.N) { return 0.0; }
  if ((P.flags & 2u) != 0u) { return B[n * P.K + k]; }
  return B[k * P.N + n];
}

fn activate(v: f32) -> f32 {
  switch P.act {
    case 1u: { return max(v, 0.0); }
    case 2u: { return 1.0 / (1.0 + exp(-v)); }
    case 3u: { return tanh(v); }
    default: { return v; }
  }
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wid.y * TM;
  let col0 = wid.x * TN;
  let tid = lid.y * 16u + lid.x;
  var acc: array<f32, 16>;
  for (var i = 0u; i < 16u; i++) { acc[i] = 0.0; }
  let tiles = (P.K + TK - 1u) / TK;
  for (var t = 0u; t < tiles; t++) {
    let k0 = t * TK;
    // 1024 values per operand tile, 256 threads: 4 each
    for (var e = 0u; e < 4u; e++) {
      let idx = tid + e * 256u;
      let kk = idx / TM;
      let mm = idx % TM;
      As[idx] = loadA(row0 + mm, k0 + kk);
      Bs[idx] = loadB(k0 + kk, col0 + mm);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        a[i] = As[kk * TM + lid.y * 4u + i];
        b[i] = Bs[kk * TN + lid.x * 4u + i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i * 4u + j] += a[i] * b[j]; }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let m = row0 + lid.y * 4u + i;
    if (m >= P.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let n = col0 + lid.x * 4u + j;
      if (n >= P.N) { continue; }
      var v = acc[i * 4u + j];
      if ((P.flags & 4u) != 0u) { v += bias[n]; }
      if (m == n) { v += P.diag; }
      C[m * P.N + n] = activate(v);
    }
  }
}
