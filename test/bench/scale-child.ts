/**
 * One model of the scale bench (test/bench/cases/scale.ts), in its own process so that its peak RSS is its own.
 * Argument: JSON { model, train, test, iterations }. Prints one JSON line per finished phase on stdout
 * (`{"phase": …, …figures}`), so a run stopped at its time limit still reports what it measured.
 */
import { readInteractions, evaluate, saveModel, init, shutdown, getBackend, fitMemoryEstimate, Interactions } from 'recwise';
import { makeScaleModel, type ScaleModel } from './scale-models.ts';

interface Args {
  model: ScaleModel;
  train: string;
  test: string;
  iterations: number;
  /** When > 0, top-10-all and eval run over the first `sample` users only (shapes whose full passes take hours). */
  sample: number;
}

const args = JSON.parse(process.argv[2]) as Args;
const emit = (phase: string, figures: Record<string, number>) => process.stdout.write(JSON.stringify({ phase, ...figures }) + '\n');
const peakRssMB = () => process.resourceUsage().maxRSS / 1024;
const quantile = (sorted: Float64Array, q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

const info = await init();
let t = performance.now();
const { interactions: train } = await readInteractions(args.train, { binary: true, sortIds: true });
const loadSeconds = (performance.now() - t) / 1000;
const { interactions: test } = await readInteractions(args.test, { binary: true, users: train.users, items: train.items });
emit('load', { loadSeconds, users: train.nUsers, items: train.nItems, trainRows: train.nnz, testRows: test.nnz, threads: info.threads, rssAfterLoadMB: peakRssMB() });

const model = makeScaleModel(args.model, args.iterations);
const need = fitMemoryEstimate(model.kind, model.params, { users: train.nUsers, items: train.nItems, interactions: train.nnz }, info.threads);
const backend = await getBackend();
const heap = backend.kernels?.heap;
const heldBefore = heap?.usedBytes ?? 0;
heap?.resetPeak();
t = performance.now();
let last = t;
const perIteration: number[] = [];
await model.fit(train, {
  onProgress: (p: { phase: string; done: number; total: number }) => {
    if (p.phase !== 'fit') return;
    const now = performance.now();
    perIteration.push((now - last) / 1000);
    last = now;
    emit('iteration', { done: p.done, total: p.total, seconds: perIteration[perIteration.length - 1] });
  },
} as never);
const fitSeconds = (performance.now() - t) / 1000;
emit('fit', {
  fitSeconds,
  iterations: args.iterations,
  secondsPerIteration: fitSeconds / Math.max(1, args.iterations),
  peakRssFitMB: peakRssMB(),
  // the kernel memory the fit held at its peak against the estimate checked before the fit
  wasmPeakMB: ((heap?.peakUsedBytes ?? 0) - heldBefore) / 2 ** 20,
  wasmEstimateMB: (need?.wasm ?? 0) / 2 ** 20,
  jsEstimateMB: (need?.js ?? 0) / 2 ** 20,
});

const bytes = await saveModel(model);
emit('save', { modelFileMB: bytes.length / 1e6 });

const allUsers = train.users.ids();
const users = args.sample > 0 ? allUsers.slice(0, args.sample) : allUsers;
await model.recommendBatch(users.slice(0, 256), { k: 10 }); // warm-up
t = performance.now();
await model.recommendBatch(users, { k: 10 });
emit('top10', { top10AllSeconds: (performance.now() - t) / 1000 });

// one user: 200 warm-up calls, then 1000 timed calls (anchors.md "Timings"), p50 and p99
for (let i = 0; i < 200; i++) model.recommend(users[(i * 7919) % users.length]);
const times = new Float64Array(1000);
for (let i = 0; i < times.length; i++) {
  const u = users[(i * 104729) % users.length];
  t = performance.now();
  model.recommend(u);
  times[i] = (performance.now() - t) * 1000;
}
times.sort();
emit('one-user', { singleUserMicros: quantile(times, 0.5), singleUserP99Micros: quantile(times, 0.99) });

// the sample's test rows only (the other users' rows emptied)
const sampled = (data: Interactions, n: number): Interactions => {
  if (n <= 0 || n >= data.nUsers) return data;
  const { indptr, indices, data: values } = data.byUser;
  const cut = indptr.slice();
  cut.fill(indptr[n], n + 1);
  return new Interactions(data.users, data.items, { rows: data.nUsers, cols: data.nItems, indptr: cut, indices: indices.subarray(0, indptr[n]), data: values.subarray(0, indptr[n]) });
};
t = performance.now();
const r = await evaluate(model, { test: sampled(test, args.sample) }, { k: 10 });
emit('eval', { evalSeconds: (performance.now() - t) / 1000, ndcg: r.means.ndcg as number, recall: r.means.recall as number, auc: r.means.auc as number, peakRssMB: peakRssMB() });
await shutdown();
