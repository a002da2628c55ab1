/**
 * Starting a worker thread in whatever form the runtime offers (runtimes.md §4, "2-core variant"):
 * a Web `Worker` from a blob URL (Deno, Bun, browsers) or `node:worker_threads` with eval (Node 20 has no global Worker).
 * The worker body is a small self-contained script, so no separate file has to be located or bundled.
 */
import type { Capabilities } from './capabilities.ts';
import { importNodeBuiltin } from './node-builtin.ts';

/** The minimal duplex channel the kernel pool needs. */
export interface WorkerChannel {
  post(message: unknown): void;
  onMessage(handler: (message: any) => void): void;
  onError(handler: (error: unknown) => void): void;
  terminate(): void;
}

export async function startWorker(caps: Capabilities, source: string): Promise<WorkerChannel> {
  if (caps.workers === 'web') {
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    const worker = new Worker(url, { type: 'module' });
    // Bun fetches the blob URL asynchronously ("Blob URL is missing" if revoked at once): revoke on first contact.
    worker.addEventListener('message', () => URL.revokeObjectURL(url), { once: true });
    return {
      post: (m) => worker.postMessage(m),
      onMessage: (h) => worker.addEventListener('message', (e: MessageEvent) => h(e.data)),
      onError: (h) => worker.addEventListener('error', (e: Event) => h((e as ErrorEvent).message ?? e)),
      terminate: () => {
        URL.revokeObjectURL(url);
        worker.terminate();
      },
    };
  }
  if (caps.workers === 'node') {
    const { Worker: NodeWorker } = await importNodeBuiltin('worker_threads');
    const worker = new NodeWorker(source, { eval: true });
    worker.unref(); // an idle pool must not keep the process alive
    return {
      post: (m) => worker.postMessage(m),
      onMessage: (h) => worker.on('message', h),
      onError: (h) => worker.on('error', h),
      terminate: () => void worker.terminate(),
    };
  }
  throw new Error('workers are not available in this runtime');
}
