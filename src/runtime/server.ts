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

async function serveNode(handler: FetchHandler, port: number, hostname: string): Promise<RunningServer> {
  const http = await importNodeBuiltin('http');
  const stream = await importNodeBuiltin('stream');
  const server = http.createServer(async (req: any, res: any) => {
    try {
      const headers = new Headers();
      const raw: string[] = req.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const init: RequestInit & { duplex?: 'half' } = { method: req.method, headers };
      if (hasBody) {
        init.body = stream.Readable.toWeb(req) as ReadableStream<Uint8Array>;
        init.duplex = 'half';
      }
      const response = await handler(new Request(`http://${hostname}:${port}${req.url}`, init));
      const body = new Uint8Array(await response.arrayBuffer());
      const out: Record<string, string> = {};
      response.headers.forEach((v, k) => (out[k] = v));
      out['content-length'] = String(body.byteLength);
      res.writeHead(response.status, out);
      res.end(body);
      // The handler may stop reading a body early (413); drain the rest so the socket stays usable.
      if (hasBody && !req.complete) req.resume();
    } catch {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"INTERNAL","message":"server adapter failed"}}');
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
  const g = globalThis as { Deno?: DenoLike; Bun?: BunLike };
  if (runtime === 'deno' && g.Deno) {
    const deno = g.Deno;
    let resolveListen: (port: number) => void = () => undefined;
    const listening = new Promise<number>((r) => (resolveListen = r));
    const server = deno.serve({ port: options.port, hostname, onListen: (addr) => resolveListen(addr.port) }, handler);
    const port = await listening;
    return { port, hostname, close: () => server.shutdown() };
  }
  if (runtime === 'bun' && g.Bun) {
    const server = g.Bun.serve({ port: options.port, hostname, fetch: handler });
    return {
      port: server.port,
      hostname,
      close: async () => {
        await server.stop(false);
        // stop(false) stops accepting; wait for requests in flight (Bun exposes their count).
        while ((server.pendingRequests ?? 0) > 0) await new Promise((r) => setTimeout(r, 10));
      },
    };
  }
  if (runtime === 'node') return serveNode(handler, options.port, hostname);
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
