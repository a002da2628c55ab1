// Smoke test of the installed package (copied next to node_modules/recwise by test/package/run.mjs and run there
// under node, deno and bun): import the bare specifier, run selfCheck(), print one JSON line.
import { selfCheck, shutdown } from 'recwise';

const report = await selfCheck();
await shutdown();
console.log(
  JSON.stringify({
    ok: report.ok,
    backend: report.backend,
    threads: report.threads,
    runtime: report.capabilities.runtime,
    maxAbsError: report.maxAbsError,
    resolved: import.meta.resolve('recwise'),
  }),
);
