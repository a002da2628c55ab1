// The conformance suite as a workerd module worker (bundled by test/runners/workerd.mjs, where 'recwise' resolves
// through the package's `workerd` export condition to dist/esm/edge/default.js and its kernels.wasm module import).
// GET / runs every case (or those matching ?filter=) and answers JSON.
import { runAll } from '../conformance/index.ts';
import { init, shutdown } from 'recwise';

type Result = { name: string; ok: boolean; error?: string; ms: number };

async function environmentChecks(): Promise<Result[]> {
  const out: Result[] = [];
  const check = async (name: string, fn: () => Promise<void> | void) => {
    try {
      await fn();
      out.push({ name, ok: true, ms: 0 });
    } catch (e) {
      out.push({ name, ok: false, error: String((e as Error)?.stack ?? e), ms: 0 });
    }
  };
  await check('workerd: wasm backend starts from the imported kernels.wasm module (no bytes compiled)', async () => {
    const info = await init();
    if (info.backend !== 'wasm') throw new Error(`expected backend 'wasm', got '${info.backend}'`);
    if (info.threads !== 1) throw new Error(`expected threads 1, got ${info.threads}`);
    const c = info.capabilities;
    if (c.wasmCompileFromBytes) throw new Error('expected capabilities.wasmCompileFromBytes false on workerd');
    if (c.sharedMemory && c.workers !== 'none') throw new Error(`unexpected threads support: ${JSON.stringify(c)}`);
  });
  await check('workerd: compiling wasm from bytes is refused by the embedder', () => {
    try {
      new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    } catch {
      return;
    }
    throw new Error('WebAssembly.Module(bytes) unexpectedly worked: this check no longer proves the module import is used');
  });
  return out;
}

export default {
  async fetch(request: Request): Promise<Response> {
    const filter = new URL(request.url).searchParams.get('filter') ?? undefined;
    let body: unknown;
    try {
      const checks = await environmentChecks();
      const info = await init();
      const results = await runAll(filter);
      await shutdown();
      body = { init: info, results: [...checks, ...results] };
    } catch (e) {
      body = { results: [], fatal: String((e as Error)?.stack ?? e) };
    }
    return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  },
};
