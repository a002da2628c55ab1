/**
 * Optimizers of the neural training core (issue 9): sgd (with momentum), adam, adagrad and rmsprop, each with the
 * update rule of its PyTorch namesake (torch.optim.SGD / Adam / Adagrad / RMSprop, default hyper-parameters as
 * there), plus sparse row updates for embedding tables and learning-rate milestones (×0.1, Recoder's
 * `lr_milestones`, i.e. torch.optim.lr_scheduler.MultiStepLR with gamma 0.1).
 *
 * Sparse params ({@link Param.sparse}) are updated only on their `touched` rows, the semantics of PyTorch's sparse
 * gradients (Recoder trains its embedding tables with `sparse=True` and SparseAdam):
 * - sgd: rows not touched keep their value and their momentum buffer (no decay of untouched momentum);
 * - adam is "lazy Adam" (torch.optim.SparseAdam, TensorFlow's LazyAdamOptimizer): only touched rows' first and
 *   second moments are updated; the bias correction uses the param's step count (incremented by every step that
 *   touches any row), as SparseAdam does, not a per-row count;
 * - adagrad and rmsprop: only touched rows' accumulators change.
 * Weight decay (L2 added to the gradient) applies to touched rows only for sparse params.
 *
 * Arithmetic is plain IEEE f64 on f32 storage (no transcendental besides sqrt), so an update is bit-identical on
 * every runtime.
 *
 * @example
 * ```ts
 * const w = createParam('w', 4, 8, { init: 'normal', scale: 0.01, seed: 1 });
 * const opt = createOptimizer({ kind: 'adam', learningRate: 1e-3, milestones: [30] });
 * opt.setEpoch(0);
 * // ... forward/backward adds into w.grad ...
 * opt.step([w]);
 * ```
 */
import { InvalidArgumentError } from '../errors.ts';
import type { Optimizer, OptimizerConfig, Param } from './types.ts';

export type { Optimizer, OptimizerConfig, Param } from './types.ts';

/** SGD (torch.optim.SGD): buf = μ·buf + g (buf = g on the first step), w −= lr·buf; plain SGD when μ = 0. */
export interface SgdConfig extends OptimizerConfig {
  readonly kind: 'sgd';
  /** Momentum μ (default 0). */
  readonly momentum?: number;
}

/**
 * Adam (Kingma & Ba 2015; torch.optim.Adam): m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g²,
 * w −= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε).
 */
export interface AdamConfig extends OptimizerConfig {
  readonly kind: 'adam';
  /** Default 0.9. */
  readonly beta1?: number;
  /** Default 0.999. */
  readonly beta2?: number;
  /** Default 1e-8. */
  readonly epsilon?: number;
}

/** Adagrad (Duchi et al. 2011; torch.optim.Adagrad): s += g², w −= lr·g/(√s + ε). */
export interface AdagradConfig extends OptimizerConfig {
  readonly kind: 'adagrad';
  /** Default 1e-10. */
  readonly epsilon?: number;
  /** Initial value of the accumulator s (default 0). */
  readonly initialAccumulator?: number;
}

/**
 * RMSprop (Hinton's lecture 6e; torch.optim.RMSprop): v = α·v + (1−α)·g², then w −= lr·g/(√v + ε), or with momentum
 * μ: buf = μ·buf + g/(√v + ε), w −= lr·buf.
 */
export interface RmspropConfig extends OptimizerConfig {
  readonly kind: 'rmsprop';
  /** Smoothing α (default 0.99). */
  readonly alpha?: number;
  /** Default 1e-8. */
  readonly epsilon?: number;
  /** Default 0. */
  readonly momentum?: number;
}

export type AnyOptimizerConfig = SgdConfig | AdamConfig | AdagradConfig | RmspropConfig;

/** Initialisation of {@link createParam}. */
export interface ParamInit {
  /** True for embedding tables (sparse row updates). */
  readonly sparse?: boolean;
  /** 'zeros' (default), 'normal' (N(0, scale²)), 'uniform' (U(−scale, scale)), or 'xavier' (Glorot uniform: scale = √(6/(rows+cols))). */
  readonly init?: 'zeros' | 'normal' | 'uniform' | 'xavier';
  readonly scale?: number;
  /** Seed of the initialisation stream (default 0). */
  readonly seed?: number;
}

/** A seeded stream of uniform and normal variates (xorshift128+ style on two u32 words, mulberry32 seeding). */
export class Rng {
  private a: number;
  private b: number;
  private spare = NaN;
  constructor(seed: number) {
    let s = (seed >>> 0) ^ 0x9e3779b9;
    const next = () => {
      s = (s + 0x6d2b79f5) | 0;
      let t = Math.imul(s ^ (s >>> 15), 1 | s);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (t ^ (t >>> 14)) >>> 0;
    };
    this.a = next() || 1;
    this.b = next() || 2;
  }
  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    // xorshift64 on (a, b) as a pair of 32-bit halves (Marsaglia 2003, xorshift "xor128"-family step)
    let t = this.a;
    const s = this.b;
    this.a = s;
    t ^= t << 11;
    t ^= t >>> 8;
    this.b = (t ^ s ^ (s >>> 19)) >>> 0;
    return (this.b + s) >>> 0;
  }
  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
  /** Standard normal (Box–Muller, polar-free form; the spare value is kept). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const v = this.spare;
      this.spare = NaN;
      return v;
    }
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }
  /** The stream's state (for checkpoints). */
  state(): [number, number] {
    return [this.a, this.b];
  }
  setState(state: readonly number[]): void {
    this.a = state[0] >>> 0;
    this.b = state[1] >>> 0;
    this.spare = NaN;
  }
}

/** A new {@link Param} of rows × cols, initialised as `init` says. */
export function createParam(name: string, rows: number, cols: number, init: ParamInit = {}): Param {
  if (!Number.isInteger(rows) || rows < 1) throw new InvalidArgumentError(`${name}.rows`, rows, 'a positive integer');
  if (!Number.isInteger(cols) || cols < 1) throw new InvalidArgumentError(`${name}.cols`, cols, 'a positive integer');
  const value = new Float32Array(rows * cols);
  const kind = init.init ?? 'zeros';
  if (kind !== 'zeros') {
    const rng = new Rng(init.seed ?? 0);
    const scale = kind === 'xavier' ? Math.sqrt(6 / (rows + cols)) : (init.scale ?? 0.01);
    if (kind === 'normal') for (let i = 0; i < value.length; i++) value[i] = rng.normal() * scale;
    else for (let i = 0; i < value.length; i++) value[i] = (2 * rng.uniform() - 1) * scale;
  }
  return { name, rows, cols, value, grad: new Float32Array(rows * cols), sparse: init.sparse ?? false, touched: new Set() };
}

/** Zero a param's gradient (all of it; sparse params: the touched rows) and clear `touched`. */
export function zeroGrad(p: Param): void {
  if (p.sparse) {
    for (const r of p.touched) p.grad.fill(0, r * p.cols, (r + 1) * p.cols);
    p.touched.clear();
  } else p.grad.fill(0);
}

function checkConfig(c: AnyOptimizerConfig): void {
  if (!['sgd', 'adam', 'adagrad', 'rmsprop'].includes(c.kind)) throw new InvalidArgumentError('optimizer.kind', c.kind, "'sgd', 'adam', 'adagrad' or 'rmsprop'");
  if (!(c.learningRate > 0) || !Number.isFinite(c.learningRate)) throw new InvalidArgumentError('optimizer.learningRate', c.learningRate, 'a finite number > 0', 'e.g. 1e-3 for adam');
  if (c.weightDecay !== undefined && !(c.weightDecay >= 0)) throw new InvalidArgumentError('optimizer.weightDecay', c.weightDecay, 'a number ≥ 0');
  for (const m of c.milestones ?? []) if (!Number.isInteger(m) || m < 1) throw new InvalidArgumentError('optimizer.milestones', c.milestones, 'positive integer epochs');
  const unit = (f: string, v: number | undefined, closed = false) => {
    if (v !== undefined && !(v >= 0 && (closed ? v <= 1 : v < 1))) throw new InvalidArgumentError(`optimizer.${f}`, v, closed ? 'a number in [0, 1]' : 'a number in [0, 1)');
  };
  if (c.kind === 'sgd') unit('momentum', c.momentum);
  if (c.kind === 'adam') { unit('beta1', c.beta1); unit('beta2', c.beta2); }
  if (c.kind === 'rmsprop') { unit('alpha', c.alpha, true); unit('momentum', c.momentum); }
}

interface Slots {
  a?: Float32Array;
  b?: Float32Array;
  steps: number;
}

/**
 * An optimizer for `config` (see the module comment for the update rules). State is keyed by param name, so the
 * same params (by name) must be passed to every step.
 */
export function createOptimizer(config: AnyOptimizerConfig): Optimizer {
  checkConfig(config);
  return new StandardOptimizer(config);
}

class StandardOptimizer implements Optimizer {
  readonly config: AnyOptimizerConfig;
  private lr: number;
  private readonly slots = new Map<string, Slots>();

  constructor(config: AnyOptimizerConfig) {
    this.config = config;
    this.lr = config.learningRate;
  }

  /** The learning rate in effect. */
  get learningRate(): number {
    return this.lr;
  }

  setEpoch(epoch: number): void {
    // MultiStepLR: after `epoch` completed epochs, lr = base · 0.1^#{m ∈ milestones : m ≤ epoch}
    let lr = this.config.learningRate;
    for (const m of this.config.milestones ?? []) if (m <= epoch) lr *= 0.1;
    this.lr = lr;
  }

  private slot(p: Param): Slots {
    let s = this.slots.get(p.name);
    if (!s) {
      s = { steps: 0 };
      const n = p.value.length;
      const c = this.config;
      if (c.kind === 'sgd' && (c.momentum ?? 0) > 0) s.a = new Float32Array(n);
      if (c.kind === 'adam') { s.a = new Float32Array(n); s.b = new Float32Array(n); }
      if (c.kind === 'adagrad') s.a = new Float32Array(n).fill(c.initialAccumulator ?? 0);
      if (c.kind === 'rmsprop') { s.a = new Float32Array(n); if ((c.momentum ?? 0) > 0) s.b = new Float32Array(n); }
      this.slots.set(p.name, s);
    }
    return s;
  }

  step(params: readonly Param[]): void {
    for (const p of params) {
      if (p.sparse) {
        if (p.touched.size === 0) continue;
        const s = this.slot(p);
        s.steps++;
        const rows = [...p.touched].sort((x, y) => x - y);
        for (const r of rows) this.update(p, s, r * p.cols, (r + 1) * p.cols);
      } else {
        const s = this.slot(p);
        s.steps++;
        this.update(p, s, 0, p.value.length);
      }
      zeroGrad(p);
    }
  }

  private update(p: Param, s: Slots, from: number, to: number): void {
    const c = this.config;
    const w = p.value;
    const g = p.grad;
    const lr = this.lr;
    const wd = c.weightDecay ?? 0;
    switch (c.kind) {
      case 'sgd': {
        const mu = c.momentum ?? 0;
        const buf = s.a;
        for (let i = from; i < to; i++) {
          let gi = g[i] + wd * w[i];
          if (buf) {
            // PyTorch creates the buffer as g on the first step, which is μ·0 + g
            gi = mu * buf[i] + gi;
            buf[i] = gi;
          }
          w[i] = w[i] - lr * gi;
        }
        break;
      }
      case 'adam': {
        const b1 = c.beta1 ?? 0.9;
        const b2 = c.beta2 ?? 0.999;
        const eps = c.epsilon ?? 1e-8;
        const bc1 = 1 - Math.pow(b1, s.steps);
        const bc2 = Math.sqrt(1 - Math.pow(b2, s.steps));
        const stepSize = lr / bc1;
        const m = s.a!;
        const v = s.b!;
        for (let i = from; i < to; i++) {
          const gi = g[i] + wd * w[i];
          m[i] = b1 * m[i] + (1 - b1) * gi;
          v[i] = b2 * v[i] + (1 - b2) * gi * gi;
          w[i] = w[i] - stepSize * m[i] / (Math.sqrt(v[i]) / bc2 + eps);
        }
        break;
      }
      case 'adagrad': {
        const eps = c.epsilon ?? 1e-10;
        const acc = s.a!;
        for (let i = from; i < to; i++) {
          const gi = g[i] + wd * w[i];
          acc[i] = acc[i] + gi * gi;
          w[i] = w[i] - lr * gi / (Math.sqrt(acc[i]) + eps);
        }
        break;
      }
      case 'rmsprop': {
        const alpha = c.alpha ?? 0.99;
        const eps = c.epsilon ?? 1e-8;
        const mu = c.momentum ?? 0;
        const sq = s.a!;
        const buf = s.b;
        for (let i = from; i < to; i++) {
          const gi = g[i] + wd * w[i];
          sq[i] = alpha * sq[i] + (1 - alpha) * gi * gi;
          const u = gi / (Math.sqrt(sq[i]) + eps);
          if (buf) {
            buf[i] = mu * buf[i] + u;
            w[i] = w[i] - lr * buf[i];
          } else w[i] = w[i] - lr * u;
        }
        break;
      }
    }
  }

  exportState(): Record<string, Float32Array | Float64Array> {
    const out: Record<string, Float32Array | Float64Array> = { lr: new Float64Array([this.lr]) };
    for (const [name, s] of this.slots) {
      out[`${name}.steps`] = new Float64Array([s.steps]);
      if (s.a) out[`${name}.a`] = s.a.slice();
      if (s.b) out[`${name}.b`] = s.b.slice();
    }
    return out;
  }

  importState(state: Record<string, Float32Array | Float64Array>): void {
    this.slots.clear();
    if (state.lr) this.lr = state.lr[0];
    for (const key of Object.keys(state)) {
      if (!key.endsWith('.steps')) continue;
      const name = key.slice(0, -'.steps'.length);
      const s: Slots = { steps: state[key][0] };
      const a = state[`${name}.a`];
      const b = state[`${name}.b`];
      if (a) s.a = Float32Array.from(a);
      if (b) s.b = Float32Array.from(b);
      this.slots.set(name, s);
    }
  }
}
