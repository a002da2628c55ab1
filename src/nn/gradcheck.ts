/**
 * Finite-difference gradient checks (issue 9): every layer's and loss's hand-written backward is compared with
 * central differences (f(x+ε) − f(x−ε)) / 2ε, the loss evaluated in f64 (the caller's `loss` returns a JS number).
 * Values are stored in f32, so the step actually taken is f32(x+ε) − f32(x−ε), which is what the quotient uses.
 *
 * An entry passes when |analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|).
 *
 * @example
 * ```ts
 * const r = gradCheck([layer.weight, { name: 'x', value: x, grad: dx }], () => lossOf(forward(x)), () => backwardAll());
 * if (r.worstRatio > 1) throw new Error(`gradient mismatch at ${r.worst?.name}[${r.worst?.index}]`);
 * ```
 */

/** Something with values and a gradient of the same length (a Param, or an input with its gradient buffer). */
export interface GradTarget {
  readonly name: string;
  readonly value: Float32Array;
  readonly grad: Float32Array;
}

export interface GradCheckOptions {
  /** Step ε (default 1e-2: with f32 storage, smaller steps lose more to rounding than they gain in truncation). */
  readonly epsilon?: number;
  /** Absolute tolerance (default 1e-3). */
  readonly atol?: number;
  /** Relative tolerance (default 1e-2). */
  readonly rtol?: number;
  /** Check at most this many entries per target (evenly spaced; default all). */
  readonly maxEntries?: number;
}

export interface GradCheckEntry {
  readonly name: string;
  readonly index: number;
  readonly analytic: number;
  readonly numeric: number;
}

export interface GradCheckResult {
  /** Entries compared. */
  readonly checked: number;
  /** Largest |a − n| / (atol + rtol·max(|a|, |n|)): ≤ 1 means every entry passed. */
  readonly worstRatio: number;
  readonly worst?: GradCheckEntry;
  /** True when worstRatio ≤ 1. */
  readonly ok: boolean;
}

/**
 * Compare the gradients `backward` adds into each target's `grad` (after this function zeroes them and runs `loss`
 * once) with central differences of `loss`. `loss` must be deterministic (fix dropout masks and samples).
 */
export function gradCheck(targets: readonly GradTarget[], loss: () => number, backward: () => void, options: GradCheckOptions = {}): GradCheckResult {
  const eps = options.epsilon ?? 1e-2;
  const atol = options.atol ?? 1e-3;
  const rtol = options.rtol ?? 1e-2;
  for (const t of targets) t.grad.fill(0);
  loss();
  backward();
  const analytic = targets.map((t) => t.grad.slice());
  let checked = 0;
  let worstRatio = 0;
  let worst: GradCheckEntry | undefined;
  const tmp = new Float32Array(2);
  targets.forEach((t, ti) => {
    const n = t.value.length;
    const stride = options.maxEntries && n > options.maxEntries ? n / options.maxEntries : 1;
    for (let k = 0; k < n; k += stride) {
      const i = Math.floor(k);
      const v = t.value[i];
      tmp[0] = v + eps;
      tmp[1] = v - eps;
      t.value[i] = tmp[0];
      const lp = loss();
      t.value[i] = tmp[1];
      const lm = loss();
      t.value[i] = v;
      const numeric = (lp - lm) / (tmp[0] - tmp[1]);
      const a = analytic[ti][i];
      const ratio = Math.abs(a - numeric) / (atol + rtol * Math.max(Math.abs(a), Math.abs(numeric)));
      checked++;
      if (!(ratio <= worstRatio)) {
        worstRatio = ratio;
        worst = { name: t.name, index: i, analytic: a, numeric };
      }
    }
  });
  return { checked, worstRatio, worst, ok: worstRatio <= 1 };
}
