/** The js backend's hybrid (LightFM) training session: the reference epoch, one thread range after another. */
import type { HybridSession } from '../types.ts';
import { hybridEpochRef, lazyDecay, regularizeHybrid, type HybridData, type HybridParams, type HybridSettings, type HybridStats, type HybridTable } from '../reference/lightfm.ts';
import { checkHybrid, checkOrder } from '../validate-lightfm.ts';
import { allFiniteRef } from '../reference/finite.ts';

const copy = (t: HybridTable): HybridTable => ({ weights: t.weights.slice(), accum: t.accum.slice(), momentum: t.momentum.slice() });

export function createJsHybridSession(params: HybridParams, data: HybridData, s: HybridSettings): HybridSession {
  checkHybrid(params, data, s);
  const p: HybridParams = {
    factors: params.factors,
    userEmbeddings: copy(params.userEmbeddings), userBiases: copy(params.userBiases),
    itemEmbeddings: copy(params.itemEmbeddings), itemBiases: copy(params.itemBiases),
  };
  return {
    threads: 1,
    async epoch(order, seeds) {
      checkOrder(order, data, s);
      const stats: HybridStats = { updates: 0, sampled: 0, loss: 0 };
      // Ranges run one after another with each range's own stream: the wasm partition, without the concurrency.
      const t = Math.max(1, Math.min(seeds.length, order.length || 1));
      const scales = { item: 1, user: 1 };
      for (let r = 0; r < t; r++) {
        const rng = Uint32Array.of(seeds[r] || 0x2545f491);
        hybridEpochRef(p, data, s, order, Math.round((r * order.length) / t), Math.round(((r + 1) * order.length) / t), rng, stats, undefined, scales);
      }
      if (lazyDecay(s)) regularizeHybrid(p, scales); // LightFM regularizes at the end of every epoch
      return stats;
    },
    read: () => ({
      factors: p.factors,
      userEmbeddings: copy(p.userEmbeddings), userBiases: copy(p.userBiases),
      itemEmbeddings: copy(p.itemEmbeddings), itemBiases: copy(p.itemBiases),
    }),
    allFinite: () => [p.userEmbeddings, p.userBiases, p.itemEmbeddings, p.itemBiases].every((t) => allFiniteRef(t.weights) && allFiniteRef(t.accum) && allFiniteRef(t.momentum)),
    dispose() {},
  };
}
