/**
 * Model file size and save/load time at MovieLens-1M shape (issue 4, "Benchmarks": model save/load time and size):
 * an ALS state with 6,040 users and 3,706 items × 64 factors and a seen-items CSR with the ml-1m train split's
 * 590,733 rows, synthetic (deterministic values; the figures depend on shapes, not on what was learned).
 * Times are medians of 5 runs on this machine; loading includes building the model (vocabularies, CSR).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModelState, encodeModelState, loadModel, saveModel, type ModelState } from 'recwise';
import type { BenchCase } from '../case.ts';

const USERS = 6040;
const ITEMS = 3706;
const FACTORS = 64;
const NNZ = 590_733;

function syntheticState(): ModelState {
  let s = 42;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const indptr = new Int32Array(USERS + 1);
  const indices = new Int32Array(NNZ);
  const perUser = NNZ / USERS;
  let k = 0;
  for (let u = 0; u < USERS; u++) {
    const n = u === USERS - 1 ? NNZ - k : Math.min(ITEMS, Math.round(perUser * (u + 1)) - k);
    // n distinct ascending items: a strided walk from a random start
    const step = Math.max(1, Math.floor(ITEMS / Math.max(1, n)));
    const start = Math.floor(rnd() * Math.max(1, ITEMS - (n - 1) * step));
    for (let j = 0; j < n; j++) indices[k + j] = start + j * step;
    k += n;
    indptr[u + 1] = k;
  }
  const data = new Float32Array(NNZ).fill(1);
  const factors = (n: number) => Float32Array.from({ length: n * FACTORS }, () => (rnd() - 0.5) * 0.2);
  return {
    kind: 'als',
    params: { factors: FACTORS, regularization: 0.01, alpha: 1, iterations: 15 },
    users: Array.from({ length: USERS }, (_, i) => i + 1),
    items: Array.from({ length: ITEMS }, (_, i) => i + 1),
    seen: { indptr, indices, data },
    tensors: { userFactors: factors(USERS), itemFactors: factors(ITEMS) },
    shapes: { userFactors: [USERS, FACTORS], itemFactors: [ITEMS, FACTORS] },
  };
}

async function median(fn: () => unknown | Promise<unknown>, runs = 5): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    t.push((performance.now() - t0) / 1000);
  }
  return t.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

export const cases: BenchCase[] = [
  {
    name: 'io-save-load-ml-1m-shape',
    run: async () => {
      const state = syntheticState();
      const bytes = encodeModelState(state);
      const bytesF16 = encodeModelState(state, { precision: 'f16' });
      const model = await loadModel(bytes);
      const dir = mkdtempSync(join(tmpdir(), 'recwise-bench-io-'));
      const path = join(dir, 'model.recwise');
      try {
        const encodeSeconds = await median(() => encodeModelState(state));
        const saveFileSeconds = await median(() => saveModel(model, path));
        const decodeSeconds = await median(() => decodeModelState(bytes));
        const loadSeconds = await median(() => loadModel(bytes));
        const loadFileSeconds = await median(() => loadModel(path));
        const loadF16Seconds = await median(() => loadModel(bytesF16));
        return {
          fileMB: bytes.length / 1e6,
          fileF16MB: bytesF16.length / 1e6,
          encodeSeconds,
          saveFileSeconds,
          decodeSeconds,
          loadSeconds,
          loadFileSeconds,
          loadF16Seconds,
        };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
];
