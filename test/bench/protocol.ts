/**
 * Shared pieces of the benchmark cases: loading a shared split exactly as the anchors' protocol says (binarised,
 * dense ids from train sorted numerically, test rows outside train dropped — the same reader the CLI uses), and
 * measuring a model the way anchors.md's columns are defined (fit s, s/epoch, every metric, top10-all s,
 * single-user µs, similar-all s).
 */
import { evaluate } from '../../src/eval/evaluate.ts';
import { readTest, readTrain } from '../../src/cli/data.ts';
import type { Interactions } from '../../src/data/interactions.ts';
import type { Recommender } from '../../src/models/recommender.ts';
import { init } from 'recwise';

export const SHARED = '../shared/data/splits';

export interface Split {
  readonly name: string;
  readonly train: Interactions;
  readonly test: Interactions;
}

const cache = new Map<string, Promise<Split>>();

/** A shared split (cached for the process), e.g. 'ml-100k' or 'ml-1m'. */
export function loadSplit(name: string): Promise<Split> {
  let s = cache.get(name);
  if (!s) {
    s = (async () => {
      const { train } = await readTrain(`${SHARED}/${name}/train.tsv`, true, {});
      const { test } = await readTest(`${SHARED}/${name}/test.tsv`, `${SHARED}/${name}/train.tsv`, train, true, {});
      return { name, train, test };
    })();
    cache.set(name, s);
  }
  return s;
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export interface MeasureOptions {
  /** Epochs or iterations of the fit, for s/epoch. */
  epochs: number;
  /** Threads for the kernels (default: every core). */
  threads?: number;
  /** Also time similarItems for every item. */
  similar?: boolean;
  /** Skip the top10-all and single-user timings (e.g. for a thread-count baseline). */
  fitOnly?: boolean;
}

/** Fit `make()` on the split's train part and measure it as anchors.md defines each figure. */
export async function measure(make: () => Recommender, split: Split, options: MeasureOptions): Promise<Record<string, number>> {
  const info = await init({ threads: options.threads });
  // Warm-up: the first fit in a process compiles the kernels, starts the workers and lets V8 tier the Wasm code up;
  // implicit's figures exclude its import and compile time likewise.
  await make().fit(split.train, { signal: AbortSignal.timeout(1500) }).catch(() => undefined);
  const model = make();
  const t0 = performance.now();
  await model.fit(split.train);
  const fitSeconds = (performance.now() - t0) / 1000;
  const out: Record<string, number> = { fitSeconds, epochSeconds: fitSeconds / Math.max(1, options.epochs), threads: info.threads };
  if (options.fitOnly) return out;
  const r = await evaluate(model, { test: split.test }, { k: 10 });
  for (const [k, v] of Object.entries(r.means)) out[k] = v as number;
  const users = split.train.users.ids();
  await model.recommendBatch(users.slice(0, 256), { k: 10 }); // warm-up
  let t = performance.now();
  await model.recommendBatch(users, { k: 10 });
  out.top10AllSeconds = (performance.now() - t) / 1000;
  // single-user µs: median over 1000 calls after 200 warm-up calls (anchors.md, "Timings")
  for (let i = 0; i < 200; i++) model.recommend(users[(i * 7919) % users.length]);
  const times: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const u = users[(i * 104729) % users.length];
    t = performance.now();
    model.recommend(u);
    times.push(performance.now() - t);
  }
  out.singleUserMicros = median(times) * 1000;
  if (options.similar) {
    // similar-all s: the 10 most similar items of every item, batched where the model can (implicit times one
    // similar_items call over all item ids)
    const items = split.train.items.ids();
    const batch = (model as { similarItemsBatch?: (ids: unknown[], o: { k: number }) => Promise<unknown> }).similarItemsBatch;
    t = performance.now();
    if (batch) await batch.call(model, items, { k: 10 });
    else for (const it of items) model.similarItems(it, { k: 10 });
    out.similarAllSeconds = (performance.now() - t) / 1000;
  }
  return out;
}
