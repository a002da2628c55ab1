// A good guest in someone else's program (issue 15). Error classes keep their names in every build and runtime (the
// minified bundle named them 'b', 'Ie', 'V'), so `e.name === 'AbortError'` checks (the DOM convention) and logs that
// print `String(err)` work; and plain CPU use never probes a GPU (Deno's driver printed to stderr, Chromium logged
// "No available adapters").
import * as R from 'recwise';
import { test } from './harness.ts';
import { deepEqual, equal, ok } from './assert.ts';

test('guest: every exported error class is named after itself (name, String(err), stack header)', () => {
  const classes = Object.entries(R).filter(([, v]) => typeof v === 'function' && v.prototype instanceof Error) as [string, new (...a: unknown[]) => Error][];
  ok(classes.length >= 15, `only ${classes.length} error classes among the exports`);
  const wrong: string[] = [];
  for (const [key, cls] of classes) {
    // One-element arrays pass for every constructor's arguments (strings in messages, lists where one is mapped).
    const e = new cls(['a'], ['b'], ['c'], ['d'], ['e'], ['f']);
    const header = String(e.stack).split('\n')[0];
    if (e.name !== key || !String(e).startsWith(`${key}: `) || !header.includes(`${key}: `)) {
      wrong.push(`${key}: name ${JSON.stringify(e.name)}, String ${JSON.stringify(String(e).slice(0, 30))}, stack ${JSON.stringify(header.slice(0, 30))}`);
    }
  }
  ok(wrong.length === 0, `misnamed: ${wrong.join('; ')}`);
  ok(new R.AbortError('fit').name === 'AbortError', 'AbortError is named as the DOM names its AbortError');
});

test('guest: init() with the default backend and a CPU fit never request a GPU adapter', async () => {
  // Counted where the runtime has navigator.gpu (Deno, Chromium); elsewhere nothing could be probed without the
  // `webgpu` package, which only backend: 'webgpu' imports.
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(...a: unknown[]): Promise<unknown> } } }).navigator?.gpu;
  let probes = 0;
  if (gpu) {
    const original = gpu.requestAdapter;
    gpu.requestAdapter = function (...a: unknown[]) {
      probes++;
      return original.apply(this, a);
    };
  }
  try {
    await R.shutdown();
    await R.init();
    const b = new R.DatasetBuilder();
    for (let u = 0; u < 40; u++) for (let i = u % 2; i < 30; i += 2) b.add({ user: u, item: i });
    (await new R.AlsRecommender({ factors: 4, iterations: 2 }).fit(await b.build())).recommend(0, { k: 2 });
  } finally {
    if (gpu) delete (gpu as { requestAdapter?: unknown }).requestAdapter;
  }
  equal(probes, 0, 'requestAdapter() calls during init() and a CPU fit');
});

test('guest: Symbol.asyncDispose (await using): a model frees its resident kernel memory and stays usable; init() results shut down', async () => {
  await R.init({ backend: 'wasm' });
  const heap = (await R.getBackend()).kernels!.heap;
  const b = new R.DatasetBuilder();
  for (let u = 0; u < 40; u++) for (let i = u % 2; i < 30; i += 2) b.add({ user: u, item: i });
  const model = await new R.AlsRecommender({ factors: 8, iterations: 2 }).fit(await b.build());
  const want = model.recommend(0, { k: 3 });
  const resident = heap.usedBytes;
  await model[Symbol.asyncDispose]();
  ok(heap.usedBytes < resident, `kernel memory in use: ${resident} bytes before disposing the model, ${heap.usedBytes} after`);
  deepEqual(model.recommend(0, { k: 3 }), want, 'recommendations after disposal (factors copied back)');
  const info = await R.init({ backend: 'wasm' });
  await info[Symbol.asyncDispose]();
  equal((await R.getBackend()).name, 'js', 'backend after disposing the init() result (shutdown: none active)');
});
