/**
 * Sequence and retrieval models of issue 9 (engineer B) on the shared random splits: the GRU sequence model and the
 * two-tower model (ml-100k with u.user features: age decade, gender, occupation; the ml-1m split has no joinable
 * user features), P@10, NDCG@10 and s/epoch as anchors.md measures them, compared with implicit BPR's row (the
 * issue's target: NDCG@10 ≥ BPR's, 0.1801 on ml-1m).
 *
 * Cold start (nn-cold-*): 10% of the users (seeded) are held out of training entirely; each is recommended from
 * the first half of their train items by time (ml-1m has no timestamps: a fixed pseudo-random order) through
 * dynUserEmbedding, every train item of theirs filtered, and scored on their test items. Popularity (counts over
 * the training users) is ranked with the same filter; the issue asks for ≥ 20% higher NDCG@10.
 */
import { readFileSync } from 'node:fs';
import { GruRecommender, TwoTowerRecommender } from 'recwise/nn';
import { Interactions, init } from 'recwise';
import type { BenchCase } from '../case.ts';
import { loadSplit, measure, type Split } from '../protocol.ts';

const GRU = { factors: 64, maxSeqLen: 50, epochs: 20, learningRate: 5e-3, batchSize: 32, negatives: 256 };
const TWO_TOWER = { factors: 64, maxSeqLen: 50, epochs: 5, learningRate: 5e-3, hidden: [128], negatives: 256 };

/** ml-100k's u.user as features: `age:<decade>`, `gender:<M|F>`, `occupation:<name>`, keyed by user id. */
function ml100kUserFeatures(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of readFileSync('../shared/data/ml-100k/u.user', 'utf8').split('\n')) {
    const [id, age, gender, occupation] = line.split('|');
    if (id && age) out[id] = [`age:${Math.floor(Number(age) / 10) * 10}`, `gender:${gender}`, `occupation:${occupation}`];
  }
  return out;
}

class TwoTowerWithFeatures extends TwoTowerRecommender {
  constructor(private readonly features?: Record<string, string[]>) {
    super(TWO_TOWER);
  }
  override fit(data: Interactions, options = {}): Promise<this> {
    return super.fit(data, { ...options, userFeatures: this.features });
  }
}

const makeGru = () => new GruRecommender(GRU);
const makeTwoTower = (dataset: string) => () => new TwoTowerWithFeatures(dataset === 'ml-100k' ? ml100kUserFeatures() : undefined);

/** xorshift-free seeded choice of 10% of the users (mulberry32 stream, seed 42). */
function coldUsers(n: number, seed = 42): Set<number> {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return new Set(order.slice(0, Math.round(n / 10)));
}

/** P@10 and NDCG@10 of one ranked score row (anchors.md formulas; ties to the lower index). */
function rankRow(scores: Float32Array, exclude: Set<number>, test: Set<number>): { p: number; ndcg: number } {
  const top: number[] = [];
  const idx = Array.from(scores.keys()).filter((i) => !exclude.has(i));
  idx.sort((x, y) => scores[y] - scores[x] || x - y);
  for (let r = 0; r < 10 && r < idx.length; r++) top.push(idx[r]);
  let hits = 0, dcg = 0, idcg = 0;
  top.forEach((i, r) => {
    if (test.has(i)) {
      hits++;
      dcg += 1 / Math.log2(r + 2);
    }
  });
  for (let r = 0; r < Math.min(10, test.size); r++) idcg += 1 / Math.log2(r + 2);
  return { p: hits / 10, ndcg: idcg ? dcg / idcg : 0 };
}

/** The cold-start protocol of the module comment; figures for the model and for popularity. */
async function coldStart(make: () => GruRecommender | TwoTowerRecommender, split: Split, features?: Record<string, string[]>): Promise<Record<string, number>> {
  await init({});
  const { train, test } = split;
  const cold = coldUsers(train.nUsers);
  // train: the same vocabularies, cold users' rows emptied
  const ip = train.byUser.indptr;
  const keep: number[] = [];
  const indptr = new Int32Array(train.nUsers + 1);
  for (let u = 0; u < train.nUsers; u++) {
    if (!cold.has(u)) for (let k = ip[u]; k < ip[u + 1]; k++) keep.push(k);
    indptr[u + 1] = keep.length;
  }
  const byUser = { indptr, indices: Int32Array.from(keep, (k) => train.byUser.indices[k]), data: Float32Array.from(keep, (k) => train.byUser.data[k]), rows: train.nUsers, cols: train.nItems };
  const warm = new Interactions(train.users, train.items, byUser, train.timestamps ? Float64Array.from(keep, (k) => train.timestamps![k]) : undefined);
  const model = make();
  const t0 = performance.now();
  await model.fit(warm);
  const fitSeconds = (performance.now() - t0) / 1000;
  const counts = new Float32Array(train.nItems);
  for (const i of byUser.indices) counts[i]++;
  const ids = train.items.ids();
  let mp = 0, mn = 0, pp = 0, pn = 0, users = 0;
  for (const u of cold) {
    const t = test.users.indexOf(train.users.idAt(u));
    const testItems = new Set<number>();
    if (t !== undefined) for (let k = test.byUser.indptr[t]; k < test.byUser.indptr[t + 1]; k++) {
      const i = train.items.indexOf(test.items.idAt(test.byUser.indices[k]));
      if (i !== undefined) testItems.add(i);
    }
    if (!testItems.size) continue;
    // the user's train items by time; the first half is what the model is given
    const pos = Array.from({ length: ip[u + 1] - ip[u] }, (_, k) => ip[u] + k);
    const ts = train.timestamps;
    const h = (p: number) => Math.imul(train.byUser.indices[p] + 1, 0x9e3779b1) >>> 0;
    pos.sort((p, q) => (ts ? ts[p] - ts[q] : 0) || h(p) - h(q) || p - q);
    const first = pos.slice(0, Math.max(1, Math.floor(pos.length / 2))).map((p) => ids[train.byUser.indices[p]]);
    const exclude = new Set(pos.map((p) => train.byUser.indices[p]));
    const m = rankRow(model.scoreVector(model.dynUserEmbedding(`cold-${u}`, { seq: first, userFeats: features?.[String(train.users.idAt(u))] })), exclude, testItems);
    const b = rankRow(counts, exclude, testItems);
    mp += m.p; mn += m.ndcg; pp += b.p; pn += b.ndcg; users++;
  }
  return {
    coldUsers: users, fitSeconds, precision: mp / users, ndcg: mn / users, popularityPrecision: pp / users, popularityNdcg: pn / users,
    ndcgVsPopularity: mn / pn,
  };
}

export const cases: BenchCase[] = [];
for (const dataset of ['ml-100k', 'ml-1m']) {
  const bpr = { dataset, model: 'implicit-bpr' };
  cases.push(
    { name: `nn-gru-${dataset}`, anchor: bpr, run: async () => measure(makeGru, await loadSplit(dataset), { epochs: GRU.epochs, similar: true }) },
    { name: `nn-two-tower-${dataset}`, anchor: bpr, run: async () => measure(makeTwoTower(dataset), await loadSplit(dataset), { epochs: TWO_TOWER.epochs, similar: true }) },
    { name: `nn-cold-gru-${dataset}`, anchor: bpr, run: async () => coldStart(makeGru, await loadSplit(dataset)) },
    { name: `nn-cold-two-tower-${dataset}`, anchor: bpr, run: async () => coldStart(makeTwoTower(dataset), await loadSplit(dataset), dataset === 'ml-100k' ? ml100kUserFeatures() : undefined) },
  );
}
