/**
 * Fetch-API plumbing for the serving handler: JSON responses, the error body, reading a request body with a byte
 * cap, bearer-token comparison and CORS headers. Uses only globals every runtime has (Request, Response, TextDecoder,
 * crypto.subtle), so the handler runs unchanged on Node, Deno, Bun, browsers (service workers) and workerd.
 */
import type { PlainRequest, PlainResponse } from '../runtime/plain.ts';

/** An error answered as `{"error": {"code", "message", "field"}}` with an HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

// nosniff: answers echo request values (ids, keys); a browser must never read them as anything but JSON (issue 22)
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

/** Characters written as JSON escapes, so no answer holds markup even when an id does (`<script>` as a user id). */
const MARKUP = /[<>&\u2028\u2029]/g;
const escapeMarkup = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * A JSON answer (no caching: answers depend on the model currently loaded), as plain data: the Fetch handler turns it
 * into a Response, Node's server writes it as it is (src/runtime/server.ts, PLAIN_HANDLER).
 */
export function jsonAnswer(status: number, body: unknown, headers?: Record<string, string>): PlainResponse {
  return { status, headers: headers ? { ...JSON_HEADERS, ...headers } : { ...JSON_HEADERS }, body: JSON.stringify(body).replace(MARKUP, escapeMarkup) };
}

/** Longest message and field an error body carries: request values are only ever echoed as a bounded excerpt. */
const MAX_MESSAGE = 400;
const MAX_FIELD = 64;
const bounded = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * A request value for an error message: short, quoted and escaped, never serialised whole (a JSON value 100,000
 * levels deep must not reach JSON.stringify's recursion).
 */
export function excerpt(value: unknown, max = 40): string {
  if (typeof value === 'string') return JSON.stringify(bounded(value, max));
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return value === undefined ? 'nothing' : `a${typeof value === 'object' ? 'n object' : ` ${typeof value}`}`;
}

/** The documented error body. `field` is left out when no single field is at fault. */
export function errorAnswer(e: HttpError): PlainResponse {
  const error: Record<string, string> = { code: e.code, message: bounded(e.message, MAX_MESSAGE) };
  if (e.field !== undefined) error.field = bounded(e.field, MAX_FIELD);
  return jsonAnswer(e.status, { error }, e.headers);
}

/** Whether a Content-Type names JSON (`application/json`, `application/*+json`, any parameters). */
export function isJsonContentType(value: string | null): boolean {
  if (!value) return false;
  const type = value.split(';')[0].trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/**
 * Bytes of an oversized request body read and thrown away before the 413 is sent. Answering while the client is still
 * writing is a race every runtime loses in its own way: workerd, Deno and Bun close the connection once the response
 * is out, and a client that is still sending then sees a reset (EPIPE/ECONNRESET) instead of the 413 (issue 14). Nginx
 * solves the same problem with "lingering close"; here the handler itself drains, so the behaviour is the same in every
 * runtime that calls it. Past this bound the connection is given up on: holding a socket to swallow an unbounded body
 * would hand a slow client a free resource.
 */
export const MAX_DRAIN_BYTES = 16 << 20;

/**
 * The request body as text, refusing more than `maxBytes` (413) without ever holding more than `maxBytes` in memory.
 * An oversized body, declared by Content-Length or streamed without one, is read to its end and discarded (up to
 * {@link MAX_DRAIN_BYTES} past the cap) before the 413 is thrown, so the client has finished writing when the answer
 * comes and reads it instead of a reset.
 */
export async function readBodyText(request: PlainRequest, maxBytes: number): Promise<string> {
  const tooLarge = () => new HttpError(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than the limit of ${maxBytes} bytes.`, 'body');
  const declaredText = request.headers.get('content-length')?.trim();
  const declared = declaredText !== undefined && /^\d+$/.test(declaredText) ? Number(declaredText) : undefined;
  if (!request.body) return '';
  const reader = request.body.getReader();
  if (declared !== undefined && declared > maxBytes) {
    // Too large whatever it holds: drain it when that is cheap enough, then answer.
    if (declared <= maxBytes + MAX_DRAIN_BYTES) await discardRest(reader, declared);
    else await reader.cancel().catch(() => undefined);
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await discardRest(reader, maxBytes + MAX_DRAIN_BYTES - total);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, 'BAD_JSON', 'The request body is not valid UTF-8.', 'body');
  }
}

/** Read and drop up to `budget` more bytes of a body; cancel the stream when it holds more (or fails). */
async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, budget: number): Promise<void> {
  let left = budget;
  try {
    while (left >= 0) {
      const { done, value } = await reader.read();
      if (done) return;
      left -= value.byteLength;
    }
  } catch {
    return; // the client went away: nothing left to answer
  }
  await reader.cancel().catch(() => undefined);
}

/** Parse a JSON request body that must be one object. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, 'BAD_JSON', `The request body is not valid JSON (${String((e as Error)?.message ?? e).slice(0, 120)}).`, 'body');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, 'BAD_JSON', 'The request body must be a JSON object, e.g. {"user": 42, "k": 10}.', 'body');
  }
  return value as Record<string, unknown>;
}

const encoder = new TextEncoder();

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/**
 * A checker for `Authorization: Bearer <token>`. Both sides are hashed (SHA-256) and the digests compared with a
 * loop that always runs over all 32 bytes, so neither the token's length nor the position of the first differing
 * character shows in the response time.
 */
export function bearerChecker(token: string): (header: string | null) => Promise<boolean> {
  const expected = sha256(token);
  return async (header) => {
    const m = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
    const given = await sha256(m ? m[1] : '');
    const want = await expected;
    let diff = m ? 0 : 1;
    for (let i = 0; i < want.length; i++) diff |= want[i] ^ given[i];
    return diff === 0;
  };
}

/** CORS settings (see HandlerOptions.cors). */
export interface CorsOptions {
  /** Allowed origins: `'*'` (default) or a list of exact origins (`https://shop.example`). */
  origin?: '*' | readonly string[];
  /** Seconds a browser may cache a preflight answer (default 600). */
  maxAge?: number;
}

/** CORS headers for a response to `origin`, or none when the origin is not allowed. */
export function corsHeaders(cors: CorsOptions, origin: string | null): Record<string, string> {
  const allowed = cors.origin ?? '*';
  if (allowed === '*') return { 'access-control-allow-origin': '*' };
  if (origin && allowed.includes(origin)) return { 'access-control-allow-origin': origin, vary: 'Origin' };
  return { vary: 'Origin' };
}

/** Headers of a preflight (OPTIONS) answer. */
export function preflightHeaders(cors: CorsOptions, origin: string | null): Record<string, string> {
  return {
    ...corsHeaders(cors, origin),
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': 'authorization, content-type',
    'access-control-max-age': String(cors.maxAge ?? 600),
  };
}
