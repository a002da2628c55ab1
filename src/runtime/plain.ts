/**
 * The plain form of an HTTP handler (issue 22): requests and answers as plain data, no Fetch-API objects. Its own
 * module so the serving handler (src/serve) can offer the form without pulling the Node server into browser and
 * workerd bundles; src/runtime/server.ts is the one caller.
 */

/**
 * The parts of a Fetch-API Request a plain handler reads (a Request is one). Node's server builds this from the
 * socket's request directly: undici's Request (with its Headers, AbortSignal and body stream) cost more CPU than
 * answering a recommendation (issue 22, serve-load profile).
 */
export interface PlainRequest {
  readonly method: string;
  /** Absolute URL, as Request.url. */
  readonly url: string;
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
}

/** An answer without a Fetch-API Response: status, headers and the whole body. */
export interface PlainResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string | Uint8Array | null;
}

/**
 * A Fetch handler may carry, under this key, the same handler in plain form; Node's server then calls that and writes
 * the answer itself, creating no Request or Response (createHandler's handlers do).
 */
export const PLAIN_HANDLER: unique symbol = Symbol.for('recwise.plainHandler') as never;

export type PlainHandler = (request: PlainRequest) => Promise<PlainResponse>;

/** A Fetch Response for a plain answer. */
export function toResponse(p: PlainResponse): Response {
  return new Response(p.body as BodyInit | null, { status: p.status, headers: p.headers });
}
