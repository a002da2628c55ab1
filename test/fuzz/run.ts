// The fuzz suite's long mode (issue 22): the same generators and properties as the CI cases (test/conformance/
// fuzz-core.ts), many more cases, and the figures: mutants, outcomes by class, worst load time, peak memory, 5xx.
//
//   npm run fuzz -- --mutants 50000 [--requests 50000] [--seed 22] [--json]
//
// --mutants is per model kind (13 fixture kinds, each in f32, f16, int8 and resumable form). Runs against the built
// package (dist/, via the package's own name). Exit 1 when any property was violated.
import { shutdown } from 'recwise';
import { fuzzHttp, fuzzModelFiles, FUZZ_BUDGET } from '../conformance/fuzz-core.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a non-negative integer`);
  return v;
};
const mutants = arg('mutants', 1000);
const requests = arg('requests', mutants);
const seed = arg('seed', 22);
const json = process.argv.includes('--json');

const mib = (b: number) => Math.round(b / 2 ** 20);
let peakRss = 0;
let peakBuffers = 0;
const times: number[] = [];
const t0 = performance.now();
const baseline = process.memoryUsage();
const model = await fuzzModelFiles({
  mutantsPerKind: mutants,
  seed,
  onMutant(i, ms) {
    times.push(ms);
    if (i % 64 === 0) {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
    }
    if (i % 20_000 === 0) process.stderr.write(`fuzz: ${i} mutants, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  },
});
const modelSeconds = (performance.now() - t0) / 1000;
const http = await fuzzHttp({ requests, seed: seed + 1 });
times.sort((a, b) => a - b);
const figures = {
  mutants: model.mutants,
  outcomes: model.outcomes,
  violations: model.failures.length,
  worstLoadMs: +model.worstLoadMs.toFixed(1),
  worstLoad: model.worstLoad,
  p99LoadMs: +(times[Math.floor(times.length * 0.99)] ?? 0).toFixed(2),
  loadBudgetMiB: mib(FUZZ_BUDGET),
  memoryMiB: { baselineRss: mib(baseline.rss), peakRss: mib(peakRss), peakArrayBuffers: mib(peakBuffers) },
  modelSeconds: +modelSeconds.toFixed(1),
  http: { requests: http.mutants, statuses: http.statuses, fiveXx: http.outcomes['5xx'] ?? 0, violations: http.failures.length, worstMs: +http.worstLoadMs.toFixed(1) },
};
if (json) console.log(JSON.stringify(figures));
else console.log(JSON.stringify(figures, null, 2));
for (const f of [...model.failures, ...http.failures].slice(0, 20)) console.error(`violation: ${f}`);
await shutdown();
process.exitCode = model.failures.length + http.failures.length ? 1 : 0;
