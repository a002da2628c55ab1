// Backward of a dense layer Y = act(X·W + b), the elementwise part: dZ = dY ⊙ act'(Y) (the derivative written
// in terms of the layer's output, as Keras/tfjs do for relu, sigmoid and tanh), then db = Σ_rows dZ.
// The products dW = Xᵀ·dZ and dX = dZ·Wᵀ run through matmul.wgsl with its transpose flags.
struct Params {
  rows: u32,
  cols: u32,
  // 0 none, 1 relu, 2 sigmoid, 3 tanh (as in matmul.wgsl)
  act: u32,
  pad0: u32,
}

@group(0) @binding(0) var<storage, read> Y: array<f32>;
@group(0) @binding(1) var<storage, read> dY: array<f32>;
@group(0) @binding(2) var<storage, read_write> dZ: array<f32>;
@group(0) @binding(3) var<storage, read_write> db: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;

fn derivative(y: f32) -> f32 {
  switch P.act {
    case 1u: { return select(0.0, 1.0, y > 0.0); }
    case 2u: { return y * (1.0 - y); }
    case 3u: { return 1.0 - y * y; }
    default: { return 1.0; }
  }
}

@compute @workgroup_size(64)
fn activation_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= P.rows * P.cols) { return; }
  dZ[i] = dY[i] * derivative(Y[i]);
}

// One invocation per column: a serial sum keeps the order fixed (the reference sums rows in order too).
@compute @workgroup_size(64)
fn bias_grad(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = gid.x;
  if (n >= P.cols) { return; }
  var s = 0.0;
  for (var r = 0u; r < P.rows; r++) { s += dZ[r * P.cols + n]; }
  db[n] = s;
}
