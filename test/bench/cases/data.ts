/**
 * Data loading (issue 4, "Targets on Node"): read and id-map a shared split's train.tsv and test.tsv exactly as the
 * protocol says (../shared/bench/anchors.md: binary weights, dense ids from train sorted numerically, test rows
 * outside train dropped), through the public readInteractions (streamed from the file, CSR built by the active
 * backend). The target is the anchors' pandas loader: 0.26 s for ml-1m.
 * Figures: seconds (median wall time of 7 runs after one warm-up), rowsPerSecond (train + test rows read / seconds),
 * cpuSeconds (median process CPU time of a run: on a shared, loaded machine wall time also counts waiting for a core).
 */
import { init, readInteractions } from 'recwise';
import type { BenchCase } from '../case.ts';

const DATA = '../shared/data/splits';

const cpuNow = (): number => {
  const c = (globalThis as { process?: { cpuUsage(): { user: number; system: number } } }).process?.cpuUsage();
  return c ? (c.user + c.system) / 1e6 : NaN;
};

async function loadOnce(name: string): Promise<{ seconds: number; cpuSeconds: number; rows: number; droppedRows: number; users: number; items: number }> {
  const c0 = cpuNow();
  const t0 = performance.now();
  const train = await readInteractions(`${DATA}/${name}/train.tsv`, { binary: true, sortIds: true });
  const test = await readInteractions(`${DATA}/${name}/test.tsv`, { binary: true, users: train.interactions.users, items: train.interactions.items });
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, cpuSeconds: cpuNow() - c0, rows: train.rows + test.rows, droppedRows: test.droppedRows, users: train.interactions.nUsers, items: train.interactions.nItems };
}

/** Median load time of `runs` runs (after a warm-up) and the figures of the last one. */
export async function benchDataLoad(name = 'ml-1m', runs = 7): Promise<Record<string, number>> {
  await init();
  await loadOnce(name);
  const times: number[] = [];
  const cpu: number[] = [];
  let last = await loadOnce(name);
  times.push(last.seconds);
  cpu.push(last.cpuSeconds);
  for (let r = 1; r < runs; r++) {
    last = await loadOnce(name);
    times.push(last.seconds);
    cpu.push(last.cpuSeconds);
  }
  const median = (a: number[]) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const seconds = median(times);
  return { seconds, cpuSeconds: median(cpu), rowsPerSecond: last.rows / seconds, rows: last.rows, droppedTestRows: last.droppedRows, users: last.users, items: last.items };
}

export const cases: BenchCase[] = [
  { name: 'data-load-ml-1m', run: () => benchDataLoad('ml-1m'), anchor: { dataset: 'ml-1m', model: 'data-load' }, anchors: { seconds: 0.26 } },
  { name: 'data-load-ml-100k', run: () => benchDataLoad('ml-100k'), anchor: { dataset: 'ml-100k', model: 'data-load' } },
];
