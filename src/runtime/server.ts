/**
 * An HTTP server around a Fetch-API handler, on each runtime's native server: Deno.serve, Bun.serve, or node:http
 * (Node has no Fetch-API server, so requests and responses are converted here). The only server code that knows
 * which runtime it is on; `recwise serve` uses it (issue 10).
 */
import { InvalidArgumentError, NotSupportedError } from '../errors.ts';
import { detectCapabilities } from './capabilities.ts';
import { importNodeBuiltin } from './node-builtin.ts';
import { PLAIN_HANDLER, type PlainHandler, type PlainRequest } from './plain.ts';

export { PLAIN_HANDLER, type PlainHandler, type PlainRequest, type PlainResponse } from './plain.ts';

/**
 * Connection limits for a public endpoint (issue 22): slow clients that trickle headers or a body are cut off, and
 * the number of open connections is capped. Node applies all of them; Bun applies `headersTimeoutMs` as its idle
 * timeout; Deno.serve has no such settings (put a proxy in front of it for a public endpoint).
 */
export interface ConnectionLimits {
  /** Time a client has to send the request headers, in ms (default 10 s); then 408 and the socket is closed. */
  headersTimeoutMs?: number;
  /** Time a client has to send the whole request, body included, in ms (default 30 s). */
  requestTimeoutMs?: number;
  /** Most open connections (default 1024); more are closed as they arrive. */
  maxConnections?: number;
}

export const CONNECTION_DEFAULTS: Required<ConnectionLimits> = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, maxConnections: 1024 };

/** One answered request, as reported to {@link ListenOptions.onResponse} (an access log line). */
export interface ResponseInfo {
  readonly method: string;
  /** The request's path, without the query string. */
  readonly path: string;
  readonly status: number;
  /** Milliseconds from the request reaching the handler to its answer being ready. */
  readonly ms: number;
}

/** Where to listen. */
export interface ListenOptions extends ConnectionLimits {
  /** TCP port; 0 picks a free one (read it from {@link RunningServer.port}). */
  port: number;
  /** Interface to bind (default 127.0.0.1: loopback only). */
  hostname?: string;
  /** Called after every answer the handler gives (e.g. to write an access log). */
  onResponse?: (info: ResponseInfo) => void;
}


/** A listening server. */
export interface RunningServer {
  readonly port: number;
  readonly hostname: string;
  /** Stop accepting connections, let requests in flight finish, then resolve. */
  close(): Promise<void>;
}

type FetchHandler = ((request: Request) => Promise<Response>) & { [PLAIN_HANDLER]?: PlainHandler };

interface DenoLike {
  serve(options: { port: number; hostname: string; onListen?: (addr: { port: number }) => void }, handler: FetchHandler): { addr: { port: number }; shutdown(): Promise<void>; finished: Promise<void> };
}
interface BunLike {
  serve(options: { port: number; hostname: string; fetch: FetchHandler; idleTimeout?: number; error?: (e: Error) => Response }): { port: number; stop(closeActive?: boolean): Promise<void> | void; pendingRequests?: number };
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

/** A JSON error answer written by the adapter itself, for requests no Fetch-API Request can represent. */
function adapterError(status: number, code: string, message: string): { status: number; headers: Record<string, string>; body: string } {
  const body = JSON.stringify({ error: { code, message } });
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'x-content-type-options': 'nosniff', 'content-length': String(body.length), connection: 'close' },
    body,
  };
}

/** Methods a Fetch-API Request refuses to carry (the handler would never see them): answered 405 here. */
const FORBIDDEN_METHODS = /^(CONNECT|TRACE|TRACK)$/i;

/**
 * The origin-form path of a request target, or undefined for one the server does not serve: absolute-form
 * (`GET http://host/path`, RFC 9112 §3.2.2, which a server must accept) is reduced to its path and query, userinfo
 * and host dropped; asterisk-form (`OPTIONS *`) and anything else are refused with 400.
 */
function originForm(target: string): string | undefined {
  if (target.startsWith('/')) return target;
  if (!/^https?:\/\//i.test(target)) return undefined;
  try {
    const u = new URL(target);
    return u.pathname + u.search;
  } catch {
    return undefined;
  }
}

const HTTP_REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** Node's parsed request headers as the `get` of a Headers (duplicates joined with ", ", as Headers.get does). */
function nodeHeaders(req: { headers: Record<string, string | string[] | undefined> }): PlainRequest['headers'] {
  return {
    get(name: string) {
      const v = req.headers[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    },
  };
}

/** UTF-8 length of a string (Buffer.byteLength on Node, which this adapter runs on: no copy). */
const byteLength = (text: string): number => {
  const B = (globalThis as { Buffer?: { byteLength(s: string, e: string): number } }).Buffer;
  return B ? B.byteLength(text, 'utf8') : new TextEncoder().encode(text).byteLength;
};

/** A Fetch handler (one without a plain form) as a plain one: a Request in (all raw headers kept), the Response read out. */
function viaFetch(handler: FetchHandler, rawHeaders: string[]): PlainHandler {
  return async (r) => {
    const headers = new Headers();
    for (let i = 0; i < rawHeaders.length; i += 2) headers.append(rawHeaders[i], rawHeaders[i + 1]);
    const init: RequestInit & { duplex?: 'half' } = { method: r.method, headers };
    if (r.body) {
      init.body = r.body;
      init.duplex = 'half';
    }
    let request: Request;
    try {
      request = new Request(r.url, init);
    } catch {
      return adapterError(400, 'BAD_REQUEST', 'The request cannot be represented (method, target or headers).');
    }
    const response = await handler(request);
    const out: Record<string, string> = {};
    response.headers.forEach((v, k) => (out[k] = v));
    return { status: response.status, headers: out, body: new Uint8Array(await response.arrayBuffer()) };
  };
}

async function serveNode(handler: FetchHandler, port: number, hostname: string, limits: Required<ConnectionLimits>, onResponse: ListenOptions['onResponse']): Promise<RunningServer> {
  const http = await importNodeBuiltin('http');
  const plain = handler[PLAIN_HANDLER];
  const server = http.createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
    // how often Node looks for expired requests (its default, 30 s, would let a slow client outstay a short timeout)
    connectionsCheckingInterval: Math.max(100, Math.min(1000, limits.headersTimeoutMs / 2)),
  }, async (req: any, res: any) => {
    const path = originForm(String(req.url));
    const refused = FORBIDDEN_METHODS.test(req.method)
      ? adapterError(405, 'METHOD_NOT_ALLOWED', 'This server answers GET, POST and OPTIONS.')
      : path === undefined ? adapterError(400, 'BAD_REQUEST', 'The request target must be a path such as /recommend?user=42.') : undefined;
    if (refused || path === undefined) {
      res.writeHead(refused!.status, refused!.headers);
      res.end(refused!.body);
      req.resume();
      return;
    }
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const body = hasBody ? nodeBody(req) : undefined;
    const t0 = onResponse ? performance.now() : 0;
    try {
      const request = { method: req.method, url: `http://${hostname}:${port}${path}`, headers: nodeHeaders(req), body: body?.stream ?? null };
      const answer = await (plain ?? viaFetch(handler, req.rawHeaders))(request);
      // a string body goes out in the same write(2) as the head (Node joins them)
      const length = answer.body === null ? 0 : typeof answer.body === 'string' ? byteLength(answer.body) : answer.body.byteLength;
      res.writeHead(answer.status, { ...answer.headers, 'content-length': String(length) });
      res.end(answer.body ?? undefined);
      onResponse?.({ method: req.method, path: path.split('?', 1)[0], status: answer.status, ms: performance.now() - t0 });
    } catch {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"INTERNAL","message":"server adapter failed"}}');
    } finally {
      body?.finish();
    }
  });
  server.maxConnections = limits.maxConnections;
  // Malformed requests, oversized headers (a 100 KB query string) and header timeouts: a JSON 4xx, then close.
  server.on('clientError', (err: { code?: string }, socket: any) => {
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    if (!socket.writable || socket._httpMessage) return void socket.destroy();
    const e = adapterError(status, status === 431 ? 'HEADERS_TOO_LARGE' : status === 408 ? 'REQUEST_TIMEOUT' : 'BAD_REQUEST',
      status === 431 ? 'The request line or headers are too large (a long query string belongs in a POST body).' : status === 408 ? 'The request took too long to arrive.' : 'Malformed HTTP request.');
    socket.end(`HTTP/1.1 ${status} ${HTTP_REASONS[status]}\r\n${Object.entries(e.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${e.body}`);
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
 * Counts requests in flight, so close() can wait for them whatever the native server does on shutdown; reports each
 * answer of the Fetch form to `onResponse` (Node's adapter reports the answers it writes itself).
 */
function tracked(handler: FetchHandler, onResponse: ListenOptions['onResponse']): { handler: FetchHandler; idle(maxMs: number): Promise<void> } {
  let inFlight = 0;
  const count = <A, R>(f: (a: A) => Promise<R>) => async (a: A): Promise<R> => {
    inFlight++;
    try {
      return await f(a);
    } finally {
      inFlight--;
    }
  };
  const fetchForm = count(async (request: Request) => {
    const t0 = performance.now();
    const response = await handler(request);
    onResponse?.({ method: request.method, path: new URL(request.url).pathname, status: response.status, ms: performance.now() - t0 });
    return response;
  });
  const plain = handler[PLAIN_HANDLER];
  return {
    handler: Object.assign(onResponse ? fetchForm : count(handler), plain ? { [PLAIN_HANDLER]: count(plain) } : {}),
    async idle(maxMs) {
      const deadline = Date.now() + maxMs;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    },
  };
}

/** The limits with defaults, each checked (a positive integer). */
export function connectionLimits(options: ConnectionLimits): Required<ConnectionLimits> {
  const out = { ...CONNECTION_DEFAULTS };
  for (const key of Object.keys(CONNECTION_DEFAULTS) as (keyof ConnectionLimits)[]) {
    const v = options[key];
    if (v === undefined) continue;
    if (!(Number.isSafeInteger(v) && v > 0)) throw new InvalidArgumentError(key, v, 'a positive integer');
    out[key] = v;
  }
  return out;
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
  const limits = connectionLimits(options);
  const { runtime } = await detectCapabilities();
  // Node's adapter reports answers itself (its plain path has no Response to look at)
  const t = tracked(handler, runtime === 'node' ? undefined : options.onResponse);
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
    // Bun's idle timeout (seconds, at most 255) also ends connections that trickle their headers
    const idleTimeout = Math.min(255, Math.max(1, Math.ceil(limits.headersTimeoutMs / 1000)));
    const server = g.Bun.serve({ port: options.port, hostname, fetch: handler, idleTimeout });
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
    const server = await serveNode(handler, options.port, hostname, limits, options.onResponse);
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
