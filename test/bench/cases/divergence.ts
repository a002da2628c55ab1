/**
 * Cost of the per-epoch divergence check (issue 15): Backend.allFinite (a SIMD Wasm scan, assembly/finite.ts) over
 * the two tables a BPR epoch updates on ml-1m (64 factors + bias), against the epoch itself, with the anchors' BPR
 * settings. The check runs once per epoch, so `checkShare` (check / epoch) is the slowdown; the issue asks < 1–2%.
 */
import { BprRecommender, getBackend, init } from 'recwise';
import type { BenchCase } from '../case.ts';
import { loadSplit } from '../protocol.ts';

export const cases: BenchCase[] = [
  {
    name: 'divergence-check-bpr-ml-1m',
    anchors: { checkShare: 0.01 },
    run: async () => {
      await init({ backend: 'wasm' });
      const { train } = await loadSplit('ml-1m');
      const epochs = 10;
      const stamps: number[] = [];
      await new BprRecommender({ factors: 64, learningRate: 0.01, regularization: 0.01, iterations: epochs }).fit(train, {
        onProgress: () => stamps.push(performance.now()),
      });
      const epochSeconds = (stamps[stamps.length - 1] - stamps[0]) / (stamps.length - 1) / 1000;
      const b = await getBackend();
      const users = b.matrix(new Float32Array(train.nUsers * 65).fill(0.01), train.nUsers, 65);
      const items = b.matrix(new Float32Array(train.nItems * 65).fill(0.01), train.nItems, 65);
      const times: number[] = [];
      for (let r = 0; r < 200; r++) {
        const t0 = performance.now();
        if (!(b.allFinite(users) && b.allFinite(items))) throw new Error('finite tables reported non-finite');
        times.push(performance.now() - t0);
      }
      users.dispose();
      items.dispose();
      times.sort((a, c) => a - c);
      const checkSeconds = times[times.length >> 1] / 1000;
      return { epochSeconds, checkSeconds, checkShare: checkSeconds / epochSeconds };
    },
  },
];
