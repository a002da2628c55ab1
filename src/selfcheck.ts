/** A quick end-to-end check of the active backend against the TS reference, with what it detected. */
import { createJsBackend } from './kernels/js/backend.ts';
import { getBackend, init, type InitOptions, type InitResult } from './kernels/registry.ts';

/** Result of {@link selfCheck}. */
export interface SelfCheckReport extends InitResult {
  /** Largest absolute score difference between the backend and the reference. */
  readonly maxAbsError: number;
  /** Whether the top-k item lists were identical. */
  readonly topkIdentical: boolean;
  readonly ok: boolean;
}

/**
 * Initialise (if needed), score 8 random users against 1,000 random items with the active backend and with the
 * reference, and compare.
 *
 * @example
 * ```ts
 * import { selfCheck } from 'recwise';
 * const r = await selfCheck();
 * console.log(r.backend, r.threads, r.ok);
 * ```
 */
export async function selfCheck(options: InitOptions = {}): Promise<SelfCheckReport> {
  const info = await init(options);
  const backend = await getBackend();
  const ref = createJsBackend();
  const dim = 37;
  const nItems = 1000;
  const nUsers = 8;
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const items = Float32Array.from({ length: nItems * dim }, rand);
  const users = Float32Array.from({ length: nUsers * dim }, rand);
  const a = backend.matrix(items, nItems, dim);
  const b = ref.matrix(items, nItems, dim);
  const got = await backend.recommendBlockParallel(users, nUsers, a, 10);
  const want = ref.recommendBlock(users, nUsers, b, 10);
  a.dispose();
  let maxAbsError = 0;
  for (let i = 0; i < got.scores.length; i++) maxAbsError = Math.max(maxAbsError, Math.abs(got.scores[i] - want.scores[i]));
  const topkIdentical = got.indices.every((v, i) => v === want.indices[i]) && got.counts.every((v, i) => v === want.counts[i]);
  return { ...info, maxAbsError, topkIdentical, ok: topkIdentical && maxAbsError < 1e-4 };
}
