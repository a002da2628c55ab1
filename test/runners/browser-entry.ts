// The conformance suite in a browser page (bundled by test/runners/browser.mjs, which aliases 'recwise' to
// src/entry/default.ts). Results, with what the page detected, end up on `window.__recwise`.
import { cases, runAll } from '../conformance/index.ts';
import { init, shutdown } from 'recwise';

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
    const info = await init();
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
