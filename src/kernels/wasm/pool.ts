/**
 * A pool of worker threads, each running its own instance of the threads build on one shared memory.
 * Work is "call export F with these numeric arguments": the kernels take pointers, so the data never moves.
 */
import type { Capabilities } from '../../runtime/capabilities.ts';
import { startWorker, type WorkerChannel } from '../../runtime/workers.ts';

// Runs in the worker, after the runtime's prelude has defined `port` (src/runtime/workers.ts).
const WORKER_BODY = `
let kernels = null;
port.on(async (msg) => {
  if (msg.type === 'init') {
    try {
      const inst = await WebAssembly.instantiate(msg.module, { env: { memory: msg.memory } });
      kernels = inst.exports;
      port.post({ type: 'ready' });
    } catch (e) { port.post({ type: 'ready', error: String(e) }); }
    return;
  }
  try { port.post({ id: msg.id, result: kernels[msg.fn](...msg.args) }); }
  catch (e) { port.post({ id: msg.id, error: String(e && e.stack || e) }); }
});
`;

interface Pending {
  resolve: (v: number) => void;
  reject: (e: Error) => void;
}

/**
 * One worker and its calls in flight. The worker holds the host process only while a call is in flight (ref on the
 * first, unref when the last settles), so an idle pool never keeps a script from exiting (issue 15), while a script
 * that awaits a kernel still waits for it (an unref'd worker would let the process exit under a pending await).
 */
class PoolWorker {
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  constructor(private readonly channel: WorkerChannel) {
    channel.onMessage((m) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) channel.unref();
      if (m.error) p.reject(new Error(`recwise worker: ${m.error}`));
      else p.resolve(m.result);
    });
    channel.onError((e) => {
      for (const p of this.pending.values()) p.reject(new Error(`recwise worker failed: ${String(e)}`));
      this.pending.clear();
      channel.unref();
    });
    channel.unref(); // idle from the start; after the handlers above, since attaching one re-refs (Node)
  }
  call(fn: string, args: number[]): Promise<number> {
    if (this.closed) return Promise.reject(new Error('recwise: this backend was shut down; call init() again.'));
    const id = this.nextId++;
    if (this.pending.size === 0) this.channel.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.channel.post({ id, fn, args });
    });
  }
  terminate(): void {
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new Error('recwise: the backend was shut down during a call.'));
    this.pending.clear();
    this.channel.terminate();
  }
}

export class KernelPool {
  private constructor(private readonly workers: PoolWorker[]) {}

  /** Threads in use, counting the calling thread, which always takes one share of the work. */
  get threads(): number {
    return this.workers.length + 1;
  }

  static async start(caps: Capabilities, module: WebAssembly.Module, memory: WebAssembly.Memory, threads: number): Promise<KernelPool> {
    const workers = await Promise.all(
      Array.from({ length: threads - 1 }, async () => {
        const channel = await startWorker(caps, WORKER_BODY);
        await new Promise<void>((resolve, reject) => {
          channel.onMessage((m) => {
            if (m?.type !== 'ready') return;
            if (m.error) reject(new Error(`recwise worker could not instantiate kernels: ${m.error}`));
            else resolve();
          });
          channel.onError(reject);
          channel.post({ type: 'init', module, memory });
        });
        return new PoolWorker(channel);
      }),
    );
    return new KernelPool(workers);
  }

  /** Run `fn` on worker w (0-based) with `args`. */
  call(w: number, fn: string, args: number[]): Promise<number> {
    return this.workers[w].call(fn, args);
  }

  terminate(): void {
    for (const w of this.workers) w.terminate();
  }
}
