/** Validation helpers for model hyperparameters, so every family reports bad options the same way. */
import { InvalidArgumentError } from '../errors.ts';
import type { ModelLayout, ModelState } from './registry.ts';
import type { TrainingIndex } from './recommender.ts';

export function checkIntegerOption(field: string, value: unknown, min: number): void {
  if (!(Number.isInteger(value) && (value as number) >= min)) throw new InvalidArgumentError(field, value, `an integer >= ${min}`);
}

/** A finite number > min (or >= min when `inclusive`). */
export function checkNumberOption(field: string, value: unknown, min: number, inclusive: boolean): void {
  const ok = typeof value === 'number' && Number.isFinite(value) && (inclusive ? value >= min : value > min);
  if (!ok) throw new InvalidArgumentError(field, value, `a finite number ${inclusive ? '>=' : '>'} ${min}`);
}

/** A boolean (a string such as 'false' would be truthy). */
export function checkBooleanOption(field: string, value: unknown): void {
  if (typeof value !== 'boolean') throw new InvalidArgumentError(field, value, 'true or false');
}

/** userFactors / itemFactors of a factor model's state, checked against the vocabularies and `cols`. */
export function factorStateTensors(state: ModelState, index: TrainingIndex, cols: number): { userFactors: Float32Array; itemFactors: Float32Array } {
  const uf = state.tensors.userFactors;
  const itf = state.tensors.itemFactors;
  if (!(uf instanceof Float32Array) || !(itf instanceof Float32Array) || uf.length !== index.users.size * cols || itf.length !== index.items.size * cols) {
    throw new InvalidArgumentError('tensors', Object.keys(state.tensors), `f32 userFactors (${index.users.size} × ${cols}) and itemFactors (${index.items.size} × ${cols})`);
  }
  return { userFactors: uf, itemFactors: itf };
}

/** The tensors a factor model's state implies: users × cols and items × cols factors (issue 22, checked by src/io). */
export function factorLayout(state: ModelState, cols: number, from: string): ModelLayout {
  return {
    tensors: {
      userFactors: { shape: [state.users.length, cols], from },
      itemFactors: { shape: [state.items.length, cols], from },
    },
  };
}

/** Largest |x| of an array (NaN when it holds one), for the layouts' score bounds. */
export function maxAbs(a: ArrayLike<number> | undefined): number {
  let m = 0;
  for (let i = 0; i < (a?.length ?? 0); i++) {
    const v = Math.abs(a![i]);
    if (!(v <= m)) m = v;
  }
  return m;
}

/** Σ|x| of an array: the largest input weight mass any row of it can carry. */
export function sumAbs(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]);
  return s;
}
