// Batched conjugate-gradient steps of implicit ALS (Hu, Koren & Volinsky 2008; the CG variant of Takács et al.
// 2011 as in implicit's least_squares_cg): one workgroup per row u solves
//   (YᵀY + λI + Σ_i (|c_ui| − 1) y_i y_iᵀ) x_u = Σ_{c_ui > 0} c_ui y_i
// for `steps` steps warm-started from X[u]. Same arithmetic order as alsCgRef (src/kernels/reference/als.ts) but in
// f32. The confidence-weighted sums over the CSR row run in chunks of WG entries: first one coefficient per entry
// (a dot product per invocation), then every invocation accumulates its own factor columns over the chunk — no
// float atomics, no per-entry reductions. Factor columns are looped (j += WG), so any d ≤ DMAX works with 64
// invocations; d > DMAX is run by the Wasm kernel instead.
struct Params {
  rows: u32,
  d: u32,
  steps: u32,
  pad0: u32,
}

@group(0) @binding(0) var<storage, read> indptr: array<i32>;
@group(0) @binding(1) var<storage, read> indices: array<i32>;
@group(0) @binding(2) var<storage, read> conf: array<f32>;
@group(0) @binding(3) var<storage, read_write> X: array<f32>;
@group(0) @binding(4) var<storage, read> Y: array<f32>;
@group(0) @binding(5) var<storage, read> G: array<f32>;
@group(0) @binding(6) var<uniform> P: Params;

const WG: u32 = 64u;
const DMAX: u32 = 512u;

var<workgroup> x: array<f32, DMAX>;
var<workgroup> r: array<f32, DMAX>;
var<workgroup> p: array<f32, DMAX>;
var<workgroup> ap: array<f32, DMAX>;
var<workgroup> coef: array<f32, WG>;
var<workgroup> col: array<u32, WG>;
var<workgroup> red: array<f32, WG>;
var<workgroup> shareF: f32;
var<workgroup> shareU: u32;

// Workgroup sum of one value per invocation, returned uniformly to all.
fn reduce(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] += red[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) { shareF = red[0]; }
  return workgroupUniformLoad(&shareF);
}

fn dotY(i: u32, useX: bool) -> f32 {
  let d = P.d;
  var s = 0.0;
  for (var j = 0u; j < d; j++) { s += Y[i * d + j] * select(p[j], x[j], useX); }
  return s;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
  let u = wid.x + wid.y * 65535u;
  if (u >= P.rows) { return; }
  let lid = lid3.x;
  let d = P.d;
  if (lid == 0u) { shareU = u32(indptr[u]); }
  let e0 = workgroupUniformLoad(&shareU);
  if (lid == 0u) { shareU = u32(indptr[u + 1u]); }
  let e1 = workgroupUniformLoad(&shareU);

  for (var j = lid; j < d; j += WG) { x[j] = X[u * d + j]; }
  workgroupBarrier();
  // r = b − A x, starting from −YᵀY x
  for (var j = lid; j < d; j += WG) {
    var s = 0.0;
    for (var k = 0u; k < d; k++) { s += G[j * d + k] * x[k]; }
    r[j] = -s;
  }
  for (var c0 = e0; c0 < e1; c0 += WG) {
    let e = c0 + lid;
    if (e < e1) {
      let i = u32(indices[e]);
      let c = conf[e];
      let yx = dotY(i, true);
      col[lid] = i;
      coef[lid] = select(-(-c - 1.0) * yx, c - (c - 1.0) * yx, c > 0.0);
    }
    workgroupBarrier();
    let cnt = min(WG, e1 - c0);
    for (var j = lid; j < d; j += WG) {
      var s = 0.0;
      for (var t = 0u; t < cnt; t++) { s += coef[t] * Y[col[t] * d + j]; }
      r[j] += s;
    }
    workgroupBarrier();
  }
  var part = 0.0;
  for (var j = lid; j < d; j += WG) {
    p[j] = r[j];
    part += r[j] * r[j];
  }
  var rsold = reduce(part, lid);
  if (rsold < 1e-20) { return; }

  for (var it = 0u; it < P.steps; it++) {
    // ap = A p = YᵀY p + Σ (|c| − 1)(y·p) y
    for (var j = lid; j < d; j += WG) {
      var s = 0.0;
      for (var k = 0u; k < d; k++) { s += G[j * d + k] * p[k]; }
      ap[j] = s;
    }
    for (var c0 = e0; c0 < e1; c0 += WG) {
      let e = c0 + lid;
      if (e < e1) {
        let i = u32(indices[e]);
        col[lid] = i;
        coef[lid] = (abs(conf[e]) - 1.0) * dotY(i, false);
      }
      workgroupBarrier();
      let cnt = min(WG, e1 - c0);
      for (var j = lid; j < d; j += WG) {
        var s = 0.0;
        for (var t = 0u; t < cnt; t++) { s += coef[t] * Y[col[t] * d + j]; }
        ap[j] += s;
      }
      workgroupBarrier();
    }
    part = 0.0;
    for (var j = lid; j < d; j += WG) { part += p[j] * ap[j]; }
    let alpha = rsold / reduce(part, lid);
    part = 0.0;
    for (var j = lid; j < d; j += WG) {
      x[j] += alpha * p[j];
      r[j] -= alpha * ap[j];
      part += r[j] * r[j];
    }
    let rsnew = reduce(part, lid);
    if (rsnew < 1e-20) { break; }
    for (var j = lid; j < d; j += WG) { p[j] = r[j] + (rsnew / rsold) * p[j]; }
    rsold = rsnew;
    workgroupBarrier();
  }
  for (var j = lid; j < d; j += WG) { X[u * d + j] = x[j]; }
}
