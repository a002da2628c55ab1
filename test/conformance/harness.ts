/**
 * A tiny test registry with no dependency on any runner, so the same cases run under vitest (Node), `deno test`,
 * `bun test`, a Chromium page and a workerd worker. Each runner iterates `cases` with its own `test()`.
 */
export interface Case {
  readonly name: string;
  readonly fn: () => void | Promise<void>;
}

export const cases: Case[] = [];

/** Register a conformance case. Names are "<area>: <behaviour>". */
export function test(name: string, fn: () => void | Promise<void>): void {
  if (cases.some((c) => c.name === name)) throw new Error(`duplicate conformance case name: ${name}`);
  cases.push({ name, fn });
}

/** Run every case in order; used by the browser and workerd runners, which have no test framework. */
export async function runAll(filter?: string): Promise<{ name: string; ok: boolean; error?: string; ms: number }[]> {
  const results = [];
  for (const c of cases) {
    if (filter && !c.name.includes(filter)) continue;
    const t0 = Date.now();
    try {
      await c.fn();
      results.push({ name: c.name, ok: true, ms: Date.now() - t0 });
    } catch (e) {
      results.push({ name: c.name, ok: false, error: String((e as Error)?.stack ?? e), ms: Date.now() - t0 });
    }
  }
  return results;
}
