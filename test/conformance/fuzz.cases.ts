// The fuzz suite of issue 22 in its CI mode: a bounded, seeded run on every runtime (fuzz-core.ts has the properties;
// `npm run fuzz -- --mutants 50000` is the long mode).
import { test } from './harness.ts';
import { equal, ok } from './assert.ts';
import { fuzzHttp, fuzzModelFiles } from './fuzz-core.ts';

test('fuzz/model-files: 24 mutants per kind and precision load or fail typed (named field), finite answers, within the budget', async () => {
  const report = await fuzzModelFiles({ mutantsPerKind: 24 });
  equal(report.failures.length, 0, `property violations:\n${report.failures.slice(0, 10).join('\n')}`);
  ok(report.mutants >= 13 * 24, `mutants: ${report.mutants}`);
  // the run reaches the checks that matter: params and tensors refused past the checksums, and some mutants load
  const o = report.outcomes;
  ok((o.MODEL_FILE_INVALID ?? 0) > report.mutants / 4, `outcomes: ${JSON.stringify(o)}`);
  ok((o.MODEL_FILE_BUDGET ?? 0) > 0 && (o.loaded ?? 0) > 0, `outcomes: ${JSON.stringify(o)}`);
});

test('fuzz/http: 300 hostile requests get no 5xx, JSON with nosniff, short error bodies without markup, finite scores', async () => {
  const report = await fuzzHttp({ requests: 300 });
  equal(report.failures.length, 0, `property violations:\n${report.failures.slice(0, 10).join('\n')}`);
  ok((report.outcomes['4xx'] ?? 0) > 100 && (report.outcomes['2xx'] ?? 0) > 5, `statuses: ${JSON.stringify(report.statuses)}`);
});
