/** Assertions that work in every runtime (no node:assert in browsers or workerd). */

export class AssertionError extends Error {
  override name = 'AssertionError';
}

function show(v: unknown): string {
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}[${Array.from(v as unknown as ArrayLike<number>).slice(0, 12).join(', ')}${(v as unknown as ArrayLike<number>).length > 12 ? ', …' : ''}]`;
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

export function ok(cond: unknown, message = 'expected a truthy value'): asserts cond {
  if (!cond) throw new AssertionError(message);
}

export function equal<T>(actual: T, expected: T, message?: string): void {
  if (!Object.is(actual, expected)) throw new AssertionError(`${message ? message + ': ' : ''}expected ${show(expected)}, got ${show(actual)}`);
}

export function deepEqual(actual: unknown, expected: unknown, message?: string): void {
  const a = ArrayBuffer.isView(actual) ? Array.from(actual as unknown as ArrayLike<number>) : actual;
  const b = ArrayBuffer.isView(expected) ? Array.from(expected as unknown as ArrayLike<number>) : expected;
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new AssertionError(`${message ? message + ': ' : ''}expected ${show(expected)}, got ${show(actual)}`);
}

/** |actual[i] - expected[i]| <= tol for every i (numbers or arrays). */
export function close(actual: number | ArrayLike<number>, expected: number | ArrayLike<number>, tol: number, message?: string): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual);
  const b = typeof expected === 'number' ? [expected] : Array.from(expected);
  if (a.length !== b.length) throw new AssertionError(`${message ? message + ': ' : ''}length ${a.length} != ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    const same = (a[i] === b[i]) || (Number.isNaN(a[i]) && Number.isNaN(b[i]));
    if (!same && !(Math.abs(a[i] - b[i]) <= tol)) {
      throw new AssertionError(`${message ? message + ': ' : ''}at ${i}: ${a[i]} vs ${b[i]} (|diff| ${Math.abs(a[i] - b[i])} > ${tol})`);
    }
  }
}

type ErrorClass = abstract new (...args: any[]) => Error;

function check(e: unknown, cls: ErrorClass, match?: RegExp | Partial<Record<string, unknown>>): void {
  if (!(e instanceof cls)) throw new AssertionError(`expected ${cls.name}, got ${(e as Error)?.name ?? typeof e}: ${(e as Error)?.message ?? e}`);
  if (match instanceof RegExp) {
    if (!match.test(e.message)) throw new AssertionError(`error message ${show(e.message)} does not match ${match}`);
  } else if (match) {
    for (const [k, v] of Object.entries(match)) {
      if ((e as any)[k] !== v) throw new AssertionError(`error.${k}: expected ${show(v)}, got ${show((e as any)[k])}`);
    }
  }
}

/** fn() must throw an instance of cls (whose message matches, or whose fields equal `match`). */
export function throws(fn: () => unknown, cls: ErrorClass, match?: RegExp | Partial<Record<string, unknown>>): void {
  try {
    fn();
  } catch (e) {
    check(e, cls, match);
    return;
  }
  throw new AssertionError(`expected ${cls.name} to be thrown`);
}

/** The promise (or async fn) must reject with an instance of cls. */
export async function rejects(p: Promise<unknown> | (() => Promise<unknown>), cls: ErrorClass, match?: RegExp | Partial<Record<string, unknown>>): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    check(e, cls, match);
    return;
  }
  throw new AssertionError(`expected ${cls.name} to be thrown`);
}

/** Deterministic uniform random numbers in [-1, 1) (LCG), so every runtime sees the same inputs. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}
