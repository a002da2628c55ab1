/**
 * What a fit needs in memory, estimated from the data's shape and the model's settings before anything is allocated
 * (issue 23: a 50M-interaction fit must fail at once with the numbers, not after minutes with a RangeError deep in a
 * kernel). Each estimate follows the allocations the fit makes, phase by phase:
 *
 * - `wasm`: the peak of the kernels' linear memory (src/kernels/wasm: factor matrices, the CSR in each orientation
 *   the fit uploads, per-thread scratch and transient buffers).
 *   This is the limit that bites: one module's memory stops at the kernels' declared maximum (2 GiB; Wasm32 itself
 *   at 4 GiB), whatever the machine has.
 * - `js`: the peak of typed arrays on the JS heap (input copies, initial factors, the returned tables).
 * - `largestArray`: the longest single typed array in bytes (V8 refuses typed arrays over 2³² elements).
 *
 * Sizes are of the shape of the data, so an estimate holds for any data of that shape; the data itself (the
 * Interactions' user-major CSR) exists already and is not counted. Bytes, rounded up to the allocator's alignment.
 */
import { InvalidArgumentError, MemoryLimitError } from '../errors.ts';
import type { Backend } from '../kernels/types.ts';
import { detectCapabilities } from '../runtime/capabilities.ts';

/** The data's shape: what the estimates depend on. */
export interface FitShape {
  users: number;
  items: number;
  /** Stored (user, item) entries. */
  interactions: number;
}

/** Bytes a fit needs at its peak (see the module comment for what each part counts). */
export interface FitMemoryEstimate {
  /** Peak bytes of Wasm linear memory the fit allocates (0 for models that train on the JS heap only). */
  wasm: number;
  /** Peak bytes of JS typed arrays the fit allocates besides the input. */
  js: number;
  /** The largest single typed array, in bytes. */
  largestArray: number;
  /** Named parts of the Wasm peak (for the error message and the bench's table). */
  parts: Record<string, number>;
}

/** An edge isolate's memory (Cloudflare Workers, Vercel Edge): the whole budget there. */
export const EDGE_ISOLATE_BYTES = 128 * 2 ** 20;
/** The longest typed array V8 creates (2³² elements of 1 byte; Float32Array: 2³² elements), in bytes for f32. */
const TYPED_ARRAY_MAX_ELEMENTS = 2 ** 32;

/** A kind's fit-memory formula and what its error suggests instead (src/models/fit-memory-formulas.ts has them). */
export interface FitMemoryFormula {
  /** Bytes a fit on data of `shape` needs at its peak, for `params` (a model's params) on `threads` kernel threads. */
  readonly estimate: (shape: FitShape, params: Record<string, unknown>, threads: number) => FitMemoryEstimate;
  /** What to do instead, named in the MemoryLimitError. */
  readonly alternatives: string;
}

const FORMULAS: Record<string, FitMemoryFormula> = {};

/**
 * Model kinds whose fit memory is estimated (and checked before a fit): those of the model classes loaded, each of
 * which registers its formula (issue 18: an app that only loads models does not ship every family's formula).
 */
export const FIT_MEMORY_KINDS: readonly string[] = [];

/** Register the fit-memory formula of model `kind`; called by the model's module when it loads. */
export function registerFitMemory(kind: string, formula: FitMemoryFormula): void {
  if (!FORMULAS[kind]) (FIT_MEMORY_KINDS as string[]).push(kind);
  FORMULAS[kind] = formula;
}

/**
 * Memory a fit of model `kind` with hyperparameters `params` (a model's `params`) needs on data of `shape`, on
 * `threads` kernel threads; undefined for kinds without an estimate (or whose model class is not loaded).
 *
 * @example
 * ```ts
 * import { AlsRecommender, fitMemoryEstimate } from 'recwise';
 * const als = new AlsRecommender({ factors: 64 });
 * const need = fitMemoryEstimate(als.kind, als.params, { users: 1e6, items: 1e6, interactions: 50e6 });
 * console.log(need?.wasm / 2 ** 30, 'GiB of kernel memory');
 * ```
 */
export function fitMemoryEstimate(kind: string, params: Record<string, unknown>, shape: FitShape, threads = 1): FitMemoryEstimate | undefined {
  for (const key of ['users', 'items', 'interactions'] as const) {
    const v = shape[key];
    if (!(Number.isSafeInteger(v) && v >= 0)) throw new InvalidArgumentError(`shape.${key}`, v, 'an integer >= 0');
  }
  return FORMULAS[kind]?.estimate(shape, params, Math.max(1, threads));
}

/** The limits a fit on `backend` runs under, with their names: the kernel memory's maximum, an edge isolate's memory. */
export async function fitMemoryLimits(backend: Backend): Promise<{ wasm?: { bytes: number; used: number }; total?: number }> {
  const heap = backend.kernels?.heap;
  const caps = await detectCapabilities();
  const edge = caps.runtime === 'workerd' || caps.runtime === 'edge-light';
  return {
    wasm: heap ? { bytes: heap.limitBytes, used: heap.usedBytes } : undefined,
    total: edge ? EDGE_ISOLATE_BYTES : undefined,
  };
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

/**
 * Refuse a fit that cannot fit in memory, before it allocates: MemoryLimitError names the estimate, the limit and the
 * alternatives. Kernel memory already held by other models (resident factors, indexes) counts against the limit.
 */
export async function checkFitMemory(kind: string, params: Record<string, unknown>, shape: FitShape, backend: Backend): Promise<FitMemoryEstimate | undefined> {
  const need = fitMemoryEstimate(kind, params, shape, backend.threads);
  if (!need) return undefined;
  const what = `A ${kind} fit on ${shape.users.toLocaleString('en-US')} users × ${shape.items.toLocaleString('en-US')} items (${shape.interactions.toLocaleString('en-US')} interactions)`;
  const fix = `${FORMULAS[kind].alternatives}; dispose() models you no longer need. fitMemoryEstimate() gives the need for a shape.`;
  const limits = await fitMemoryLimits(backend);
  if (limits.total !== undefined && need.wasm + need.js > limits.total) throw new MemoryLimitError(what, need.wasm + need.js, limits.total, 'edge isolate memory', fix);
  if (limits.wasm && need.wasm > limits.wasm.bytes - limits.wasm.used) {
    const parts = Object.entries(need.parts).map(([k, v]) => `${k} ${mib(v)}`).join(', ');
    const held = limits.wasm.used > 0 ? `, of which ${mib(limits.wasm.used)} is held by other models` : '';
    throw new MemoryLimitError(`${what} (kernel memory: ${parts})`, need.wasm, limits.wasm.bytes - limits.wasm.used, `Wasm kernel memory maximum${held}`, fix);
  }
  if (need.largestArray > TYPED_ARRAY_MAX_ELEMENTS * 4) throw new MemoryLimitError(what, need.largestArray, TYPED_ARRAY_MAX_ELEMENTS * 4, 'largest typed array', fix);
  return need;
}

/**
 * The most interactions a `kind` fit can train on with `users` × `items` under `limitBytes` of kernel memory (the
 * largest n whose estimate fits; 0 when even the catalogue alone does not), e.g. for capacity planning.
 *
 * @example
 * ```ts
 * import { AlsRecommender, maxFitInteractions } from 'recwise';
 * const als = new AlsRecommender({ factors: 64 });
 * maxFitInteractions(als.kind, als.params, 1_000_000, 1_000_000, 2 ** 31, 2); // ≈ 102M with 2 GiB of kernel memory
 * ```
 */
export function maxFitInteractions(kind: string, params: Record<string, unknown>, users: number, items: number, limitBytes: number, threads = 1): number {
  const fits = (n: number) => {
    const e = fitMemoryEstimate(kind, params, { users, items, interactions: n }, threads)!;
    return e.wasm <= limitBytes && e.largestArray <= TYPED_ARRAY_MAX_ELEMENTS * 4;
  };
  if (!fits(0)) return 0;
  const cap = users * items;
  let lo = 0;
  let hi = 1;
  while (hi < cap && fits(hi)) hi = Math.min(cap, hi * 2);
  if (fits(hi)) return hi;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
