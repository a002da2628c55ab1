/**
 * What a model file implies, checked before a model is built (issue 22, "hangs and memory from parameters, not
 * tensors"). A file's tensors are bounded by its size, but its params are not: `hiddenLayers: [1048576]` or
 * `userBuckets: 2^24` in a 129 KB file made the factory allocate gigabytes before it compared anything. Each model
 * kind declares the tensors its params imply ({@link ModelLayout}, next to its factory); here, centrally and in this
 * order, before the factory runs:
 *
 * 1. every implied shape is a list of non-negative integers of at most 2^31 − 1 elements (else the parameter is named);
 * 2. the load fits the memory budget: the file's decoded tensors + what the params imply + what the factory derives
 *    (`maxBytes`, default {@link DEFAULT_LOAD_BUDGET}; `MODEL_FILE_BUDGET` names the largest cause and the budget);
 * 3. the file carries each implied tensor with exactly the implied element count and type;
 * 4. CSR tensors are well formed (a LightFM indptr entry of 2^31 − 1 made the feature loops spin);
 * 5. every float tensor (model, optimizer state, seen weights) is finite: NaN or ±Infinity loads and then answers
 *    garbage scores;
 * 6. finite values cannot overflow float32 scores either: the kind's own bound ({@link checkScoreBound}), and for
 *    factor models the user and item rows of the built model ({@link checkScoreRange}).
 *
 * The finiteness scan is the one pass over all tensor data; it yields to the event loop between slices, so a server
 * that reloads a large model keeps answering (`serve --watch`).
 */
import { ModelFileError, RecwiseError, UnknownOptionError } from '../errors.ts';
import type { ImpliedTensor, ModelLayout, ModelState, TensorArray } from '../models/registry.ts';
import { yieldToEventLoop } from '../models/progress.ts';
import { csrProblem } from './payload.ts';
import { MAX_ELEMENTS } from './tensors.ts';

/** Default memory budget of one load: 2 GiB (decoded tensors, params-implied tables and derived arrays). */
export const DEFAULT_LOAD_BUDGET = 2 * 1024 ** 3;

/** Largest |score| an answer may reach with room for float32 rounding; past it sums overflow to ±Infinity. */
const SCORE_LIMIT = 1e38;

/** Elements scanned between yields to the event loop. */
const SLICE = 1 << 20;

function bad(field: string, value: unknown, reason: string, code = 'MODEL_FILE_INVALID', fix?: string): never {
  throw new ModelFileError(code, field, value, reason, fix);
}

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

/** Element count of an implied shape, refusing shapes no typed array can hold. */
function elementsOf(name: string, t: ImpliedTensor): number {
  let n = 1;
  for (const d of t.shape) {
    if (!(Number.isSafeInteger(d) && d >= 0)) bad(t.from, d, `implies tensors.${name} with a dimension that is not a non-negative integer`);
    n *= d;
    if (n > MAX_ELEMENTS) bad(t.from, t.shape, `implies tensors.${name} of more than ${MAX_ELEMENTS} elements`, 'MODEL_FILE_BUDGET');
  }
  return n;
}

function tensorBytes(tensors: Record<string, TensorArray> | undefined): number {
  let n = 0;
  for (const a of Object.values(tensors ?? {})) n += a.byteLength;
  return n;
}

/** Run a kind's layout function on an untrusted state; its option errors name the param they came from. */
export function layoutFor(kind: string, layoutOf: (s: ModelState) => ModelLayout, state: ModelState): ModelLayout {
  try {
    return layoutOf(state);
  } catch (e) {
    // Unknown param keys are the caller's to judge (src/io/model.ts drops those of older files).
    if (e instanceof ModelFileError || e instanceof UnknownOptionError) throw e;
    const inner = e instanceof RecwiseError ? e : undefined;
    const field = inner?.field ? `params.${inner.field}` : 'params';
    return bad(field, inner?.value ?? state.params, `the ${kind} model does not accept these params: ${String((e as Error)?.message ?? e).slice(0, 300)}`);
  }
}

/** Checks 1–4 of the module comment. Throws ModelFileError. */
export function checkLayout(state: ModelState, layout: ModelLayout, maxBytes: number): void {
  const counts = new Map<string, number>();
  const causes = new Map<string, number>();
  const add = (from: string, bytes: number) => causes.set(from, (causes.get(from) ?? 0) + bytes);
  for (const [name, t] of Object.entries(layout.tensors)) {
    const n = elementsOf(name, t);
    counts.set(name, n);
    // optimizer state is optional: present, it counts among the file's tensors; absent, the layout's `derived` says
    if (!t.training) add(t.from, n * 4);
  }
  for (const d of layout.derived ?? []) {
    if (!(Number.isSafeInteger(d.elements) && d.elements >= 0)) bad(d.from, d.elements, 'implies an allocation that is not a non-negative integer size', 'MODEL_FILE_BUDGET');
    add(d.from, d.elements * 4);
  }
  add('the file\'s tensors', tensorBytes(state.tensors) + tensorBytes(state.training?.tensors));
  let total = 0;
  let worst: [string, number] = ['', -1];
  for (const [from, bytes] of causes) {
    total += bytes;
    if (bytes > worst[1]) worst = [from, bytes];
  }
  if (total > maxBytes) {
    bad(worst[0], mib(worst[1]), `loading needs ${mib(total)}, over the load budget of ${mib(maxBytes)} (maxBytes); the largest part comes from ${worst[0]}`, 'MODEL_FILE_BUDGET',
      'if the file is trusted and this much memory is intended, pass a larger { maxBytes } to loadModel (serve: --max-model-bytes).');
  }
  for (const [name, t] of Object.entries(layout.tensors)) {
    const a = t.training ? state.training?.tensors[name] : state.tensors[name];
    const field = `${t.training ? 'training.tensors' : 'tensors'}.${name}`;
    if (a === undefined) {
      if (t.training) continue;
      bad(field, undefined, `missing; ${t.from} imply a tensor of shape [${t.shape.join(', ')}]`);
    }
    const type = t.type ?? 'float';
    if (type === 'float' ? !(a instanceof Float32Array) : !(a instanceof Int32Array)) {
      bad(`${field}.dtype`, a.constructor.name, `expected ${type === 'float' ? 'a float tensor (f32, f16 or q8)' : 'an i32 tensor'}`);
    }
    if (a.length !== counts.get(name)) {
      bad(`${field}.shape`, (t.training ? state.training?.shapes : state.shapes)?.[name] ?? a.length, `${t.from} imply shape [${t.shape.join(', ')}] (${counts.get(name)} elements), the file holds ${a.length}`);
    }
  }
  for (const c of layout.csr ?? []) {
    const part = (name: string | undefined, int: boolean) => {
      if (name === undefined) return undefined;
      const a = state.tensors[name];
      if (!(int ? a instanceof Int32Array : a instanceof Float32Array)) bad(`tensors.${name}`, a?.constructor.name, `expected ${int ? 'an i32' : 'a float'} tensor`);
      return a;
    };
    const indptr = part(c.indptr, true)!;
    const indices = part(c.indices, true)!;
    const data = part(c.data, false);
    const p = csrProblem(indptr, indices, data, c.rows, c.cols, { indptr: `tensors.${c.indptr}`, indices: `tensors.${c.indices}`, data: `tensors.${c.data}`, row: 'row' }, false);
    if (p) bad(p.field, p.value, p.reason);
  }
}

/** Check 6 of a layout's own score bound (after check 5, so non-finite values are named as such first). */
export function checkScoreBound(layout: ModelLayout): void {
  if (!layout.scoreBound) return;
  const { bound, from } = layout.scoreBound();
  if (!(bound < SCORE_LIMIT)) bad(from, bound, `values so large that scores (up to ${bound.toPrecision(3)}) could overflow float32`);
}


// The hot loops of checks 5 and 6 are plain functions, not inside the async ones that yield between slices: V8 tiers
// them up at once, where the same loop in an async function ran interpreted for most of a cold load (a worker's first
// request decodes its model: ~30 of its ms went here on ml-1m).

/** The largest squared norm of rows [from, to) of a `cols`-wide row-major table, and `max` (NaN propagates). */
function maxRowNormSq(a: Float32Array, cols: number, from: number, to: number, max: number): number {
  for (let r = from; r < to; r++) {
    let s = 0;
    const end = Math.min(a.length, (r + 1) * cols);
    for (let j = r * cols; j < end; j++) s += a[j] * a[j];
    if (!(s <= max)) max = s;
  }
  return max;
}

/** The first index in [from, to) whose value is NaN or ±Infinity, or -1. */
function firstNonFinite(a: Float32Array | Float64Array, from: number, to: number): number {
  // x − x is 0 for finite x and NaN for NaN and ±Infinity: one comparison per element
  for (let i = from; i < to; i++) if (a[i] - a[i] !== 0) return i;
  return -1;
}

/**
 * Check 6, on the built model (issue 22's fuzz run: finite factors of 3e38 loaded and answered NaN): a factor model's
 * scores are inner products of its user and item rows, bounded by the product of the largest row norms
 * (Cauchy–Schwarz). A file whose tables could overflow float32 is refused, naming the table with the larger rows.
 * Yields between slices like {@link checkFinite}.
 */
export async function checkScoreRange(state: ModelState, tables: { userFactors: Float32Array; itemFactors: Float32Array }, cols: number): Promise<void> {
  const maxNorm = async (a: Float32Array) => {
    let max = 0;
    const rows = Math.ceil(a.length / cols);
    for (let r = 0; r < rows; r += 4096) {
      max = maxRowNormSq(a, cols, r, Math.min(rows, r + 4096), max);
      if (r + 4096 < rows) await yieldToEventLoop();
    }
    return Math.sqrt(max);
  };
  if (!(cols > 0)) return;
  const u = await maxNorm(tables.userFactors);
  const i = await maxNorm(tables.itemFactors);
  if (u * i < SCORE_LIMIT) return;
  const side = u >= i || Number.isNaN(u) ? 'userFactors' : 'itemFactors';
  const field = Object.hasOwn(state.tensors, side) ? `tensors.${side}` : `${side} (derived from the file's tensors)`;
  bad(field, side === 'userFactors' ? u : i, `rows so large that scores (user row · item row, up to ${(u * i).toPrecision(3)}) overflow float32`);
}

/** Check 5: every float tensor finite. Yields to the event loop between slices of {@link SLICE} elements. */
export async function checkFinite(state: ModelState): Promise<void> {
  const groups: [string, Record<string, TensorArray> | undefined][] = [
    ['tensors', state.tensors], ['training.tensors', state.training?.tensors], ['seen', { data: state.seen.data }],
  ];
  for (const [prefix, tensors] of groups) {
    for (const [name, a] of Object.entries(tensors ?? {})) {
      if (!(a instanceof Float32Array || a instanceof Float64Array)) continue;
      for (let start = 0; start < a.length; start += SLICE) {
        const end = Math.min(a.length, start + SLICE);
        const i = firstNonFinite(a, start, end);
        if (i >= 0) bad(`${prefix}.${name}`, a[i], `non-finite value at element ${i}; a model with NaN or ±Infinity answers garbage scores`);
        if (end < a.length) await yieldToEventLoop();
      }
    }
  }
}
