/**
 * Retrieve → score → rerank pipeline (issue 8, part B) on ml-100k: ALS (64 factors, 15 iterations) with an HNSW
 * inner-product item index; generators kNN on the user embedding (200) + item-item neighbours of the 5 latest
 * history items (20 each) + popularity for cold users; ALS scores; optionally MMR (λ 0.7) on top.
 * Figures: per-user latency of a pipeline run (p50/p99 µs, every train user once), the same for plain
 * `recommend` (the baseline, same run), mean candidates after dedupe/filter, and P@10 against the test split for
 * recommend, the pipeline and the pipeline with MMR (the cost of retrieval recall and of diversity).
 */
import { init, AlsRecommender, PopularityRecommender, type Id } from 'recwise';
import {
  createPipeline, knnCandidates, itemNeighborCandidates, popularCandidates, modelScorer, trainingHistory, mmr,
} from 'recwise/retrieval';
import type { BenchCase } from '../case.ts';
import { loadSplit } from '../protocol.ts';

const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function run(): Promise<Record<string, number>> {
  await init();
  const { train, test } = await loadSplit('ml-100k');
  const als = await new AlsRecommender({ factors: 64, iterations: 15, regularization: 0.05 }).fit(train);
  const popularity = await new PopularityRecommender().fit(train);
  let t = performance.now();
  await als.initKnn({ approximate: true, simType: 'inner-product' });
  const initKnnSeconds = (performance.now() - t) / 1000;
  const items = als.knnIndexes!.items;
  const generators = [
    knnCandidates({ index: items, k: 200, vector: (c) => als.getUserEmbedding(c.user!) }),
    itemNeighborCandidates({ index: items, recent: 5, perItem: 20 }),
    popularCandidates({ model: popularity, k: 100 }),
  ];
  const base = { generators, scorer: modelScorer(als), history: trainingHistory(als) };
  const plain = createPipeline(base);
  const diverse = createPipeline({ ...base, rerankers: [mmr({ vectors: als.itemEmbeddings(), lambda: 0.7 })] });
  const users = train.users.ids();
  const testSet = (u: number) => new Set(Array.from(test.itemsOf(u), (i) => train.items.idAt(i)));
  const hits = (list: readonly { item: Id }[], truth: Set<Id>) => list.filter((r) => truth.has(r.item)).length;
  const rec: number[] = [], pipe: number[] = [], mmrMs: number[] = [];
  let pRec = 0, pPipe = 0, pMmr = 0, evaluated = 0, candidates = 0;
  for (let u = 0; u < users.length; u++) {
    const truth = testSet(u);
    let s = performance.now();
    const r = als.recommend(users[u], { k: 10 });
    rec.push((performance.now() - s) * 1000);
    s = performance.now();
    const p = await plain.run({ user: users[u], k: 10 });
    pipe.push((performance.now() - s) * 1000);
    s = performance.now();
    const m = await diverse.run({ user: users[u], k: 10 });
    mmrMs.push((performance.now() - s) * 1000);
    candidates += p.stats.find((x) => x.stage === 'filter')!.kept;
    if (!truth.size) continue;
    evaluated++;
    pRec += hits(r, truth) / 10;
    pPipe += hits(p.items, truth) / 10;
    pMmr += hits(m.items, truth) / 10;
  }
  return {
    initKnnSeconds,
    recommendP50Micros: pct(rec, 0.5), pipelineP50Micros: pct(pipe, 0.5), pipelineP99Micros: pct(pipe, 0.99),
    mmrPipelineP50Micros: pct(mmrMs, 0.5), meanCandidates: candidates / users.length,
    precisionRecommend: pRec / evaluated, precisionPipeline: pPipe / evaluated, precisionMmr: pMmr / evaluated,
  };
}

export const cases: BenchCase[] = [{ name: 'pipeline-ml-100k', run, anchors: {} }];
