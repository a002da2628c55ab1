/**
 * The scale bench (issue 23): ALS, BPR, item-kNN BM25, LightFM WARP and the autoencoder on seeded synthetic data of
 * Gowalla's shape and bigger (test/bench/synthetic.ts SCALE_SHAPES). Names: `scale-<shape>-<model>`, so
 * `npm run bench -- scale` runs everything, `scale-gowalla` one shape, `scale-gowalla-als` one model; `scale-limits`
 * prints the memory limits table (the most interactions each model can train on, from the fit estimates that
 * src/models/fit-memory.ts checks before every fit), `scale-memory-check` checks that limit with a real fit at it
 * (~6 GB of RAM), and `scale-spark-import` times importing 1M × 64 factors (.npy, np.savez / np.savez_compressed
 * .npz, Spark Parquet) against np.load of the same files.
 *
 * Per shape the split is generated once and written as TSV (anchors.md's columns) to a temporary directory; each model
 * then runs in its own process (scale-child.ts), so its peak RSS is its own, and reports: load s (the streamed
 * readInteractions on the train file), fit s/iteration, peak RSS, kernel memory growth against the estimate, model
 * file size, top-10-all s, one-user p50/p99 µs, eval s (every metric, with NDCG@10 for quality).
 *
 * What does not fit here is printed with the limit and why, not run: a model whose fit estimate is over the kernel
 * memory maximum, and on shapes whose users × items scoring passes take hours on 2 cores (top-10-all and eval there
 * run over a 10,000-user sample, named as such). implicit and LightFM are not installed here: their rows print as
 * "not run here", with the figures issue 23 recorded for implicit on Gowalla's shape (2 threads) as anchors.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, createWriteStream, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { freemem, tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { fitMemoryEstimate, maxFitInteractions, loadModel, encodeModelState, init, getBackend, BprRecommender, Interactions, Vocabulary, MemoryLimitError, type FactorRecommender } from 'recwise';
import { exportSpark, importSpark, importImplicit, encodeNpy, parseNpy } from 'recwise/interop';
import type { BenchCase } from '../case.ts';
import { seconds } from './scale-serve.ts';
import { SCALE_SHAPES, syntheticSplit } from '../synthetic.ts';
import { SCALE_ITERATIONS, SCALE_MODELS, makeScaleModel, type ScaleModel } from '../scale-models.ts';

type ShapeName = keyof typeof SCALE_SHAPES;
const SHORT: Record<ShapeName, string> = { 'gowalla-shape': 'gowalla', '1m-40k': '1m-40k', '5m-200k': '5m-200k', '20m-1m': '20m-1m', '50m-1m': '50m-1m' };
/** The kernels' memory maximum (src/kernels/wasm/module.ts SHARED_MAX_PAGES × 64 KiB). */
const WASM_LIMIT = 2 ** 31;
const THREADS = 2;
/** Scoring passes (users × items × 64 multiply-adds) past this run over a user sample: ~2 min per pass here. */
const FULL_PASS_LIMIT = 3e12;
/** Shapes whose generation, files and fits take longer than a bench run should (set RECWISE_SCALE_BIG=1 to run). */
const BIG: ShapeName[] = ['20m-1m', '50m-1m'];
/** Longest a model's process may run before it is stopped (what it measured by then is reported). */
const CHILD_SECONDS = Number(process.env.RECWISE_SCALE_CHILD_SECONDS) || 900;

/** Issue 23's recorded implicit figures on Gowalla's shape (2 threads): ALS iteration 0.36–0.39 s, top-10-all 1.6 s, one user 220 µs. */
const IMPLICIT_GOWALLA = { secondsPerIteration: 0.375, top10AllSeconds: 1.6, singleUserMicros: 220 };

interface Files {
  dir: string;
  train: string;
  test: string;
  users: number;
  items: number;
  trainRows: number;
}
const files = new Map<ShapeName, Promise<Files>>();
const dirs: string[] = [];
process.on('exit', () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Write a split half as TSV with anchors.md's header (user item weight timestamp), in 1 MB pieces. */
async function writeTsv(path: string, data: Interactions): Promise<void> {
  const out = createWriteStream(path);
  const { indptr, indices } = data.byUser;
  let buf = 'user\titem\tweight\ttimestamp\n';
  for (let u = 0; u < data.nUsers; u++) {
    for (let e = indptr[u]; e < indptr[u + 1]; e++) buf += `${u}\t${indices[e]}\t1\t${e}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.write(buf);
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

function shapeFiles(shape: ShapeName): Promise<Files> {
  let f = files.get(shape);
  if (!f) {
    f = (async () => {
      const t0 = performance.now();
      const split = syntheticSplit({ ...SCALE_SHAPES[shape], seed: 23 });
      const dir = mkdtempSync(join(tmpdir(), `recwise-scale-${shape}-`));
      dirs.push(dir);
      const train = join(dir, 'train.tsv');
      const test = join(dir, 'test.tsv');
      await writeTsv(train, split.train);
      await writeTsv(test, split.test);
      process.stderr.write(`(${shape}: ${split.train.nnz.toLocaleString('en-US')} train rows generated and written in ${((performance.now() - t0) / 1000).toFixed(1)} s) `);
      return { dir, train, test, users: split.train.nUsers, items: split.train.nItems, trainRows: split.train.nnz };
    })();
    files.set(shape, f);
  }
  return f;
}

/** Run one model in its own process; the figures of every phase it finished (the last value of each name wins). */
function runChild(model: ScaleModel, f: Files, sample: number): Promise<{ figures: Record<string, number>; error?: string }> {
  const script = join(process.cwd(), 'test/bench/scale-child.ts');
  const args = JSON.stringify({ model, train: f.train, test: f.test, iterations: SCALE_ITERATIONS[model], sample });
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const figures: Record<string, number> = {};
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        try {
          const { phase, ...rest } = JSON.parse(line) as Record<string, number>;
          if (phase !== ('iteration' as unknown)) Object.assign(figures, rest);
        } catch {
          // not a figures line
        }
      }
    });
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_SECONDS * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code === 0 ? { figures } : { figures, error: signal ? `stopped after ${CHILD_SECONDS} s (${signal})` : `exit ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}` });
    });
  });
}

/** Why a model does not run on a shape here, or undefined when it does. */
function notHere(shape: ShapeName, model: ScaleModel): string | undefined {
  const s = SCALE_SHAPES[shape];
  const m = makeScaleModel(model, 1);
  const train = Math.round(s.interactions * 0.8);
  const need = fitMemoryEstimate(m.kind, m.params, { users: s.users, items: s.items, interactions: train }, THREADS)!;
  if (need.wasm > WASM_LIMIT) return `fit needs ${(need.wasm / 2 ** 30).toFixed(2)} GiB of kernel memory, over the Wasm maximum of ${WASM_LIMIT / 2 ** 30} GiB (MemoryLimitError before allocating)`;
  const ram = need.js + need.wasm + train * 40; // plus the reader's columns and the Interactions
  if (ram > freemem() * 0.6) return `needs ~${(ram / 2 ** 30).toFixed(1)} GiB of RAM, over 60% of the ${(freemem() / 2 ** 30).toFixed(1)} GiB free on this shared machine`;
  if (BIG.includes(shape) && !process.env.RECWISE_SCALE_BIG) {
    return `not run by default: generating ${(s.interactions / 1e6).toFixed(0)}M interactions and fitting five models takes well over an hour on 2 shared cores, and top-10-all/eval over ${(s.users / 1e6).toFixed(0)}M users × ${(s.items / 1e6).toFixed(0)}M items is ${((s.users * s.items * 64) / 1e12).toFixed(0)}e12 multiply-adds per pass (hours); RECWISE_SCALE_BIG=1 runs it (fits, with 10,000-user scoring samples)`;
  }
  return undefined;
}

const cases: BenchCase[] = [];
for (const shape of Object.keys(SCALE_SHAPES) as ShapeName[]) {
  const s = SCALE_SHAPES[shape];
  const sample = s.users * s.items * 64 > FULL_PASS_LIMIT ? 10_000 : 0;
  for (const model of SCALE_MODELS) {
    const gowallaAls = shape === 'gowalla-shape' && model === 'als';
    cases.push({
      name: `scale-${SHORT[shape]}-${model}`,
      anchors: gowallaAls ? IMPLICIT_GOWALLA : undefined,
      run: async (): Promise<Record<string, number>> => {
        const why = notHere(shape, model);
        if (why) {
          process.stderr.write(`not run: ${why} `);
          return { notRun: 1 };
        }
        const f = await shapeFiles(shape);
        const [load1] = loadavg();
        const { figures, error } = await runChild(model, f, sample);
        const peer = model === 'lightfm-warp' ? 'LightFM' : model === 'autoencoder' ? 'Recoder' : 'implicit';
        process.stderr.write(`(${peer}: not run here${gowallaAls ? '; anchors are issue 23\'s recorded implicit figures' : ''}; load avg ${load1.toFixed(2)}) `);
        if (error) process.stderr.write(`[${model} on ${shape}: ${error}] `);
        if (sample) {
          for (const k of ['top10AllSeconds', 'evalSeconds'] as const) {
            if (k in figures) {
              figures[`${k.replace('Seconds', '')}Sample10kSeconds`] = figures[k];
              delete figures[k];
            }
          }
        }
        if (error && !Object.keys(figures).length) throw new Error(error);
        return { ...figures, loadAverage: load1, ...(error ? { stopped: 1 } : {}) };
      },
    });
  }
}

/** The memory limits: the most interactions each model can train on, per catalogue, from the fit estimates. */
cases.push({
  name: 'scale-limits',
  run: async () => {
    const out: Record<string, number> = {};
    const rows: string[][] = [['model', ...Object.keys(SCALE_SHAPES).map((k) => `${SCALE_SHAPES[k as ShapeName].users.toLocaleString('en-US')} × ${SCALE_SHAPES[k as ShapeName].items.toLocaleString('en-US')}`)]];
    for (const model of SCALE_MODELS) {
      const m = makeScaleModel(model, 1);
      const row: string[] = [model];
      for (const shape of Object.keys(SCALE_SHAPES) as ShapeName[]) {
        const { users, items } = SCALE_SHAPES[shape];
        const max = maxFitInteractions(m.kind, m.params, users, items, WASM_LIMIT, THREADS);
        out[`${model}.${SHORT[shape]}.maxInteractionsM`] = max / 1e6;
        row.push(max === 0 ? 'none' : max >= users * items ? 'all' : `${(max / 1e6).toFixed(1)}M`);
      }
      rows.push(row);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    console.log(`\nLargest train interaction count per model and catalogue (users × items), ${THREADS} threads, kernel memory maximum ${WASM_LIMIT / 2 ** 30} GiB:`);
    for (const r of rows) console.log(r.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  '));
    console.log();
    return out;
  },
});

/**
 * The limit checked by a real fit: BPR on 4M users (one interaction each, so the factor tables fill the kernel memory
 * and an epoch takes seconds) with the most factors whose estimate fits under the 2 GiB maximum trains, and holds at
 * most its estimate; one factor more, past the maximum, is refused with MemoryLimitError before allocating.
 */
cases.push({
  name: 'scale-memory-check',
  run: async () => {
    const users = 4_000_000;
    const items = 1000;
    const indptr = Int32Array.from({ length: users + 1 }, (_, i) => i);
    const indices = Int32Array.from({ length: users }, (_, u) => (u * 7919) % items);
    const data = new Interactions(Vocabulary.from(Array.from({ length: users }, (_, i) => i)), Vocabulary.from(Array.from({ length: items }, (_, i) => i)),
      { rows: users, cols: items, indptr, indices, data: new Float32Array(users).fill(1) });
    await init();
    const backend = await getBackend();
    const heap = backend.kernels!.heap;
    const shape = { users, items, interactions: users };
    let factors = 1;
    while (fitMemoryEstimate('bpr', new BprRecommender({ factors: factors + 1 }).params, shape, backend.threads)!.wasm <= heap.limitBytes - heap.usedBytes) factors++;
    const over = new BprRecommender({ factors: factors + 1, iterations: 1 });
    const refused = await over.fit(data).then(() => 0, (e) => (e instanceof MemoryLimitError ? 1 : 0));
    const fits = new BprRecommender({ factors, iterations: 1 });
    const estimate = fitMemoryEstimate('bpr', fits.params, shape, backend.threads)!.wasm;
    const base = heap.usedBytes;
    heap.resetPeak();
    const t = performance.now();
    await fits.fit(data);
    return {
      factors, estimateMB: estimate / 2 ** 20, peakMB: (heap.peakUsedBytes - base) / 2 ** 20, limitMB: heap.limitBytes / 2 ** 20,
      fitSeconds: (performance.now() - t) / 1000, refusedOneMore: refused, peakRssMB: process.resourceUsage().maxRSS / 1024,
    };
  },
});

/**
 * Importing factors trained elsewhere at 1M users × 64 (issue 23: "3.2–5.4 s; np.load of the same file takes 2.5 s;
 * goal ≤ 1× np.load"). The same factors (1M users + 40,979 items, f32) are timed in every file format against NumPy
 * reading that very file in the same run:
 * - `.npy` pair (np.save): np.load, and reading the file + recwise's parseNpy (`owned`: no copy of the data);
 * - `.npz` from `np.savez` (stored members; int64 ids, implicit's `factors`/`alpha`): np.load of every member, and
 *   importImplicit (read + CRC + parse + ids + model) — the like-for-like figure, `npzImportVsNpLoad`;
 * - `.npz` from `np.savez_compressed`: the same two;
 * - the Spark ALSModel directory (snappy Parquet, written by exportSpark): importSpark. NumPy cannot read Parquet,
 *   so `sparkVsNpyLoad` compares it with np.load of the uncompressed .npy pair (the fastest NumPy read there is).
 * `npzLoadSmallPagesSeconds` is np.load of the np.savez file with NumPy's huge-page advice turned off: NumPy
 * allocates large arrays with madvise(MADV_HUGEPAGE), which V8 cannot, and on a machine with transparent huge pages
 * set to `madvise` that alone is most of the gap (fresh 275 MB touched in 0.02 s on 2 MiB pages, 0.11 s on 4 KiB).
 * Files are written once under test/.out (NumPy writes the .npz files). Seconds are medians of 3 warm runs (page
 * cache warm, modules loaded), wall and CPU: on a shared machine CPU seconds move less; loadAverage is printed.
 */
const SPARK = { users: 1_000_000, items: 40_979, rank: 64 };

/** Median wall and CPU seconds of 3 runs after one warm-up run. */
async function warmMedian(run: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  await run();
  return seconds(3, run);
}

/** np.load of each file (every array materialised), median of 3 warm runs: { name: [wall, cpu] }. */
const NP_LOAD = [
  'import numpy, time, json, sys',
  'd = sys.argv[1]',
  'def npy(): return numpy.load(d + "/user_factors.npy"), numpy.load(d + "/item_factors.npy")',
  'def npz(f):',
  '    z = numpy.load(d + "/" + f)',
  '    return {k: z[k] for k in z.files}',
  'out = {}',
  'for name, f in [("npy", npy), ("npz", lambda: npz("model.npz")), ("npzCompressed", lambda: npz("model-compressed.npz"))]:',
  '    f(); w, c = [], []',
  '    for r in range(3):',
  '        t, p = time.perf_counter(), time.process_time()',
  '        f()',
  '        w.append(time.perf_counter() - t); c.append(time.process_time() - p)',
  '    out[name] = [sorted(w)[1], sorted(c)[1]]',
  // NumPy allocates large arrays with madvise(MADV_HUGEPAGE), which V8 cannot: the same read on 4 KiB pages
  'try:',
  '    from numpy._core import multiarray as m',
  'except ImportError:',
  '    from numpy.core import multiarray as m',
  'if hasattr(m, "_set_madvise_hugepage"):',
  '    m._set_madvise_hugepage(False); f = lambda: npz("model.npz"); f(); w = []',
  '    for r in range(3):',
  '        t = time.perf_counter(); f(); w.append(time.perf_counter() - t)',
  '    out["npz4k"] = [sorted(w)[1], 0]',
  'print(json.dumps(out))',
].join('\n');

/** The .npz archives NumPy writes from the .npy pair: np.savez and np.savez_compressed, with int64 ids. */
const NP_SAVEZ = [
  'import numpy, sys',
  'd = sys.argv[1]',
  'u = numpy.load(d + "/user_factors.npy"); i = numpy.load(d + "/item_factors.npy")',
  'a = dict(user_factors=u, item_factors=i, factors=numpy.int64(u.shape[1]), alpha=1.0, recwise_user_ids=numpy.arange(u.shape[0]), recwise_item_ids=numpy.arange(i.shape[0]))',
  'numpy.savez(d + "/model.npz.tmp", **a); numpy.savez_compressed(d + "/model-compressed.npz.tmp", **a)',
].join('\n');

cases.push({
  name: 'scale-spark-import',
  anchors: { npzImportVsNpLoad: 1 },
  run: async () => {
    const dir = join(process.cwd(), 'test/.out/bench-spark', `${SPARK.users}x${SPARK.items}x${SPARK.rank}`);
    const model = join(dir, 'als-model');
    if (!existsSync(join(dir, 'done'))) {
      mkdirSync(dir, { recursive: true });
      let s = 7;
      const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 0.2;
      const factors = (n: number) => Float32Array.from({ length: n * SPARK.rank }, rnd);
      const uf = factors(SPARK.users);
      const itf = factors(SPARK.items);
      const state = {
        kind: 'als', params: { factors: SPARK.rank },
        users: Array.from({ length: SPARK.users }, (_, i) => i), items: Array.from({ length: SPARK.items }, (_, i) => i),
        seen: { indptr: new Int32Array(SPARK.users + 1), indices: new Int32Array(0), data: new Float32Array(0) },
        tensors: { userFactors: uf, itemFactors: itf }, shapes: { userFactors: [SPARK.users, SPARK.rank], itemFactors: [SPARK.items, SPARK.rank] },
      };
      await exportSpark((await loadModel(encodeModelState(state as never))) as FactorRecommender, model);
      writeFileSync(join(dir, 'user_factors.npy'), encodeNpy({ data: uf, shape: [SPARK.users, SPARK.rank] }));
      writeFileSync(join(dir, 'item_factors.npy'), encodeNpy({ data: itf, shape: [SPARK.items, SPARK.rank] }));
      writeFileSync(join(dir, 'done'), '');
    }
    let numpy = true;
    if (!existsSync(join(dir, 'model-compressed.npz'))) {
      try {
        execFileSync('python3', ['-c', NP_SAVEZ, dir], { encoding: 'utf8' });
        renameSync(join(dir, 'model.npz.tmp.npz'), join(dir, 'model.npz'));
        renameSync(join(dir, 'model-compressed.npz.tmp.npz'), join(dir, 'model-compressed.npz'));
      } catch (e) {
        numpy = false;
        process.stderr.write(`(no NumPy: the .npz rows and np.load are not measured: ${(e as Error).message.split('\n')[0]}) `);
      }
    }
    const out: Record<string, number> = {};
    const spark = await warmMedian(async () => {
      const m = await importSpark(model);
      if (m.userIds.length !== SPARK.users) throw new Error(`imported ${m.userIds.length} users`);
    });
    out.sparkImportSeconds = spark.wall;
    out.sparkImportCpuSeconds = spark.cpu;
    const npy = await warmMedian(async () => {
      // the bytes were read here, so they are given away: the arrays are views of them (parseNpy's `owned`)
      for (const f of ['user_factors.npy', 'item_factors.npy']) parseNpy(await readFile(join(dir, f)), f, { owned: true });
    });
    out.npyReadSeconds = npy.wall;
    out.npyReadCpuSeconds = npy.cpu;
    if (numpy) {
      for (const [key, file] of [['npz', 'model.npz'], ['npzCompressed', 'model-compressed.npz']] as const) {
        const t = await warmMedian(async () => {
          const m = await importImplicit(join(dir, file));
          if (m.userIds.length !== SPARK.users || m.kind !== 'als') throw new Error(`imported ${m.userIds.length} users (${m.kind})`);
        });
        out[`${key}ImportSeconds`] = t.wall;
        out[`${key}ImportCpuSeconds`] = t.cpu;
      }
      try {
        const np = JSON.parse(execFileSync('python3', ['-c', NP_LOAD, dir], { encoding: 'utf8' })) as Record<'npy' | 'npz' | 'npzCompressed' | 'npz4k', [number, number]>;
        out.npyLoadSeconds = np.npy[0];
        out.npyLoadCpuSeconds = np.npy[1];
        out.npzLoadSeconds = np.npz[0];
        out.npzLoadCpuSeconds = np.npz[1];
        out.npzCompressedLoadSeconds = np.npzCompressed[0];
        out.npzCompressedLoadCpuSeconds = np.npzCompressed[1];
        if (np.npz4k) out.npzLoadSmallPagesSeconds = np.npz4k[0];
        out.npyReadVsNpLoad = out.npyReadSeconds / np.npy[0];
        out.npzImportVsNpLoad = out.npzImportSeconds / np.npz[0];
        out.npzCompressedImportVsNpLoad = out.npzCompressedImportSeconds / np.npzCompressed[0];
        out.sparkVsNpyLoad = out.sparkImportSeconds / np.npy[0];
      } catch (e) {
        process.stderr.write(`(np.load not measured: ${(e as Error).message.split('\n')[0]}) `);
      }
    }
    out.loadAverage = loadavg()[0];
    return out;
  },
});

export { cases };
