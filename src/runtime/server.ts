/**
 * An HTTP server around a Fetch-API handler, on each runtime's native server: Deno.serve, Bun.serve, or node:http
 * (Node has no Fetch-API server, so requests and responses are converted here). The only server code that knows
 * which runtime it is on; `recwise serve` uses it (issue 10).
 */
import { NotSupportedError } from '../errors.ts';
import { detectCapabilities } from './capabilities.ts';
import { importNodeBuiltin } from './node-builtin.ts';

/** Where to listen. */
export interface ListenOptions {
  /** TCP port; 0 picks a free one (read it from {@link RunningServer.port}). */
  port: number;
  /** Interface to bind (default 127.0.0.1: loopback only). */
  hostname?: string;
}

/** A listening server. */
export interface RunningServer {
  readonly port: number;
  readonly hostname: string;
  /** Stop accepting connections, let requests in flight finish, then resolve. */
  close(): Promise<void>;
}

type FetchHandler = (request: Request) => Promise<Response>;

interface DenoLike {
  serve(options: { port: number; hostname: string; onListen?: (addr: { port: number }) => void }, handler: FetchHandler): { addr: { port: number }; shutdown(): Promise<void>; finished: Promise<void> };
}
interface BunLike {
  serve(options: { port: number; hostname: string; fetch: FetchHandler; error?: (e: Error) => Response }): { port: number; stop(closeActive?: boolean): Promise<void> | void; pendingRequests?: number };
}

/** Bytes of an unread request body drained (to keep the connection usable) before the socket is closed instead. */
const MAX_DRAIN_BYTES = 16 << 20;

/**
 * A Node request body as a web stream that only pauses the socket when the handler stops reading. (Readable.toWeb
 * destroys the request, and with it the socket, when the stream is cancelled, as the handler does on a 413.)
 */
function nodeBody(req: any): { stream: ReadableStream<Uint8Array>; finish(): void } {
  let done = false;
  let drained = 0;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      req.on('end', () => {
        if (!done) (done = true), c.close();
      });
      req.on('error', (e: Error) => {
        if (!done) (done = true), c.error(e);
      });
      req.on('data', (chunk: Uint8Array) => {
        if (done) {
          drained += chunk.byteLength;
          if (drained > MAX_DRAIN_BYTES) req.destroy();
          return;
        }
        c.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((c.desiredSize ?? 1) <= 0) req.pause();
      });
      req.pause();
    },
    pull() {
      req.resume();
    },
    cancel() {
      done = true;
    },
  });
  // After the response: discard whatever the handler did not read, so a keep-alive connection stays in sync.
  return { stream, finish: () => ((done = true), req.resume()) };
}

async function serveNode(handler: FetchHandler, port: number, hostname: string): Promise<RunningServer> {
  const http = await importNodeBuiltin('http');
  const server = http.createServer(async (req: any, res: any) => {
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const body = hasBody ? nodeBody(req) : undefined;
    try {
      const headers = new Headers();
      const raw: string[] = req.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
      const init: RequestInit & { duplex?: 'half' } = { method: req.method, headers };
      if (body) {
        init.body = body.stream;
        init.duplex = 'half';
      }
      const response = await handler(new Request(`http://${hostname}:${port}${req.url}`, init));
      const bytes = new Uint8Array(await response.arrayBuffer());
      const out: Record<string, string> = {};
      response.headers.forEach((v, k) => (out[k] = v));
      out['content-length'] = String(bytes.byteLength);
      res.writeHead(response.status, out);
      res.end(bytes);
    } catch {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"INTERNAL","message":"server adapter failed"}}');
    } finally {
      body?.finish();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => resolve());
  });
  port = server.address().port;
  return {
    port,
    hostname,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections?.();
        // Keep-alive sockets that become idle after their last in-flight request must be closed too.
        const timer = setInterval(() => server.closeIdleConnections?.(), 50);
        server.once('close', () => clearInterval(timer));
      }),
  };
}

/** Counts requests in flight, so close() can wait for them whatever the native server does on shutdown. */
function tracked(handler: FetchHandler): { handler: FetchHandler; idle(maxMs: number): Promise<void> } {
  let inFlight = 0;
  return {
    handler: async (request) => {
      inFlight++;
      try {
        return await handler(request);
      } finally {
        inFlight--;
      }
    },
    async idle(maxMs) {
      const deadline = Date.now() + maxMs;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    },
  };
}

/** Longest wait for requests in flight at shutdown. */
const DRAIN_MS = 30_000;

/**
 * Listen with `handler` on the runtime's native server.
 *
 * @example
 * ```ts
 * const server = await startServer(createHandler(model), { port: 8080 });
 * // ... later: finish requests in flight, then stop
 * await server.close();
 * ```
 */
export async function startServer(handler: FetchHandler, options: ListenOptions): Promise<RunningServer> {
  const hostname = options.hostname ?? '127.0.0.1';
  const { runtime } = await detectCapabilities();
  const t = tracked(handler);
  handler = t.handler;
  const g = globalThis as { Deno?: DenoLike; Bun?: BunLike };
  if (runtime === 'deno' && g.Deno) {
    const deno = g.Deno;
    let resolveListen: (port: number) => void = () => undefined;
    const listening = new Promise<number>((r) => (resolveListen = r));
    const server = deno.serve({ port: options.port, hostname, onListen: (addr) => resolveListen(addr.port) }, handler);
    const port = await listening;
    return {
      port,
      hostname,
      // Deno's shutdown() ends requests whose body is still arriving: wait for those in flight first.
      close: async () => {
        await t.idle(DRAIN_MS);
        await server.shutdown();
      },
    };
  }
  if (runtime === 'bun' && g.Bun) {
    const server = g.Bun.serve({ port: options.port, hostname, fetch: handler });
    return {
      port: server.port,
      hostname,
      close: async () => {
        // stop(false) stops accepting and lets open requests run; wait until they have answered.
        const stopped = server.stop(false);
        await t.idle(DRAIN_MS);
        await stopped;
      },
    };
  }
  if (runtime === 'node') {
    const server = await serveNode(handler, options.port, hostname);
    return { ...server, close: async () => Promise.all([server.close(), t.idle(DRAIN_MS)]).then(() => undefined) };
  }
  throw new NotSupportedError('startServer', runtime, 'on browsers and workerd, hand the handler to the platform (export default { fetch: handler }, or a service worker fetch event).');
}

/** Run `fn` on SIGINT/SIGTERM (and `onHup` on SIGHUP where the runtime has it); returns a function that unregisters. */
export async function onSignals(fn: (signal: string) => void, onHup?: () => void): Promise<() => void> {
  const proc = (globalThis as { process?: { on(s: string, f: () => void): void; off(s: string, f: () => void): void; platform?: string } }).process;
  if (!proc?.on) return () => undefined;
  const handlers: [string, () => void][] = [
    ['SIGINT', () => fn('SIGINT')],
    ['SIGTERM', () => fn('SIGTERM')],
  ];
  if (onHup && proc.platform !== 'win32') handlers.push(['SIGHUP', onHup]);
  for (const [s, f] of handlers) proc.on(s, f);
  return () => {
    for (const [s, f] of handlers) proc.off(s, f);
  };
}

/**
 * Call `onChange` when the file at `path` changes (polled by mtime and size: fs.watch misses renames over the file,
 * which is how saveModel writes atomically). Returns a function that stops watching.
 */
export async function watchFile(path: string, onChange: () => void, intervalMs = 500): Promise<() => void> {
  const fsp = await importNodeBuiltin('fs/promises');
  const sig = async () => {
    try {
      const s = await fsp.stat(path);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      return 'missing';
    }
  };
  let last = await sig();
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const now = await sig();
      if (now !== last && now !== 'missing') {
        last = now;
        onChange();
      }
    } finally {
      busy = false;
    }
  }, intervalMs);
  (timer as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}
