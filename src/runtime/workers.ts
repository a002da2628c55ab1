/**
 * Starting a worker thread in whatever form the runtime offers (runtimes.md §4, "2-core variant"):
 * `node:worker_threads` with eval where it exists (Node, Deno), else a Web `Worker` from a blob URL (Bun, browsers).
 * The worker body is a small self-contained script, so no separate file has to be located or bundled.
 *
 * A library must never keep its host process alive while idle (issue 15): every channel can be ref'd while work is
 * in flight and unref'd between jobs. Deno's Web `Worker` has no unref (only `Deno.unrefTimer`), which is why Deno
 * takes the `node:worker_threads` path, whose workers it can unref; Bun's Web `Worker` has `unref()`.
 */
import type { Capabilities } from './capabilities.ts';
import { importNodeBuiltin } from './node-builtin.ts';

/** The minimal duplex channel the kernel pool needs. */
export interface WorkerChannel {
  post(message: unknown): void;
  onMessage(handler: (message: any) => void): void;
  onError(handler: (error: unknown) => void): void;
  /** Let the worker keep the host process alive (work in flight). */
  ref(): void;
  /** Let the host process exit although the worker is alive (idle). No-op where processes do not exit (browsers). */
  unref(): void;
  terminate(): void;
}

/**
 * The worker body's view of its parent: `port.on(handler)` and `port.post(message)`. Both preludes avoid `require`
 * (undefined when the worker inherits `--input-type=module`, issue 22);
 * messages posted before the handler is installed wait in the channel, and the body posts only in reply.
 */
const WEB_PRELUDE = `const port = { on: (f) => { self.onmessage = (e) => f(e.data); }, post: (m) => self.postMessage(m) };\n`;
const NODE_PRELUDE =
  `let parent; const port = { on: (f) => import('node:worker_threads').then((wt) => { parent = wt.parentPort; parent.on('message', f); }), ` +
  `post: (m) => parent.postMessage(m) };\n`;

/** Start a worker running `body`, a script that talks to its parent through `port` (see the preludes above). */
export async function startWorker(caps: Capabilities, body: string): Promise<WorkerChannel> {
  if (caps.workers === 'node') {
    const { Worker: NodeWorker } = await importNodeBuiltin('worker_threads');
    const worker = new NodeWorker(NODE_PRELUDE + body, { eval: true });
    return {
      post: (m) => worker.postMessage(m),
      // A 'message' listener re-refs the worker's port (Node): callers unref() after attaching their handlers.
      onMessage: (h) => worker.on('message', h),
      onError: (h) => worker.on('error', h),
      ref: () => worker.ref(),
      unref: () => worker.unref(),
      terminate: () => void worker.terminate(),
    };
  }
  if (caps.workers === 'web') {
    const url = URL.createObjectURL(new Blob([WEB_PRELUDE + body], { type: 'text/javascript' }));
    const worker = new Worker(url, { type: 'module' }) as Worker & { ref?(): void; unref?(): void };
    // Bun fetches the blob URL asynchronously ("Blob URL is missing" if revoked at once): revoke on first contact.
    worker.addEventListener('message', () => URL.revokeObjectURL(url), { once: true });
    return {
      post: (m) => worker.postMessage(m),
      onMessage: (h) => worker.addEventListener('message', (e: MessageEvent) => h(e.data)),
      onError: (h) => worker.addEventListener('error', (e: Event) => h((e as ErrorEvent).message ?? e)),
      ref: () => worker.ref?.(), // Bun; browsers have no process to keep alive
      unref: () => worker.unref?.(),
      terminate: () => {
        URL.revokeObjectURL(url);
        worker.terminate();
      },
    };
  }
  throw new Error('workers are not available in this runtime');
}
