// The conformance suite in a browser page (bundled by test/runners/browser.mjs, which aliases 'recwise' to
// src/entry/default.ts). Results, with what the page detected, end up on `window.__recwise`.
import { cases, runAll } from '../conformance/index.ts';
import { AlsRecommender, DatasetBuilder, init, shutdown } from 'recwise';

/** Console markers around init() and a CPU fit: test/runners/browser.mjs asserts the library logs nothing between them (issue 15). */
const QUIET_START = '[recwise-test] quiet: start';
const QUIET_END = '[recwise-test] quiet: end';

interface PageReport {
  done: true;
  crossOriginIsolated: boolean;
  init?: { backend: string; threads: number; capabilities: unknown };
  results: { name: string; ok: boolean; error?: string; ms: number }[];
  fatal?: string;
}

declare global {
  interface Window {
    __recwise?: PageReport;
  }
}

async function main(): Promise<PageReport> {
  const query = new URLSearchParams(location.search);
  const filter = query.get('filter') ?? undefined;
  if (query.get('requireGpu') === '1') (globalThis as { RECWISE_REQUIRE_GPU?: boolean }).RECWISE_REQUIRE_GPU = true;
  try {
    console.debug(QUIET_START);
    const info = await init();
    const b = new DatasetBuilder();
    for (let u = 0; u < 200; u++) for (let i = u % 3; i < 90; i += 3) b.add({ user: u, item: i });
    (await new AlsRecommender({ factors: 8, iterations: 2 }).fit(await b.build())).recommend(0, { k: 3 });
    console.debug(QUIET_END);
    const results = await runAll(filter);
    await shutdown();
    return { done: true, crossOriginIsolated: globalThis.crossOriginIsolated === true, init: { ...info }, results };
  } catch (e) {
    return { done: true, crossOriginIsolated: globalThis.crossOriginIsolated === true, results: [], fatal: String((e as Error)?.stack ?? e) };
  }
}

const report = await main();
window.__recwise = report;
document.title = `recwise conformance: ${report.results.filter((r) => r.ok).length}/${cases.length}`;
