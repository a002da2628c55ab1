/**
 * Model-file bytes from wherever they are: bytes, a path (Node, Deno, Bun), a URL, a Response or a ReadableStream.
 * Streams are read chunk by chunk with progress and abort between chunks, and the prelude is checked as soon as its
 * 32 bytes have arrived, so a wrong file (an HTML error page, another format, a newer version) is rejected without
 * downloading the rest, and a stream longer than its declared size is cut off.
 */
import { AbortError, InvalidArgumentError, ModelFileError } from '../errors.ts';
import { readFileBytes } from '../runtime/files.ts';
import type { LongRunOptions } from '../models/progress.ts';
import { checkStart, PRELUDE_BYTES, readPrelude } from './header.ts';

/** Where a model file can come from. */
export type ModelSource = Uint8Array | ArrayBuffer | string | URL | Response | ReadableStream<Uint8Array>;

const isResponse = (s: unknown): s is Response => typeof Response !== 'undefined' && s instanceof Response;
const isStream = (s: unknown): s is ReadableStream<Uint8Array> =>
  typeof ReadableStream !== 'undefined' && s instanceof ReadableStream;

async function readStream(stream: ReadableStream<Uint8Array>, total: number, name: string, options: LongRunOptions): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  let declared = -1;
  let head = new Uint8Array(0);
  try {
    for (;;) {
      if (options.signal?.aborted) throw new AbortError(`loading ${name}`);
      const { done, value } = await reader.read();
      if (done) break;
      if (!(value instanceof Uint8Array)) throw new InvalidArgumentError('source', value, 'a stream of Uint8Array chunks');
      chunks.push(value);
      received += value.length;
      if (declared < 0 && head.length < PRELUDE_BYTES) {
        const h = new Uint8Array(Math.min(PRELUDE_BYTES, head.length + value.length));
        h.set(head);
        h.set(value.subarray(0, h.length - head.length), head.length);
        head = h;
        // magic and version first, then header checksum and lengths once all 32 bytes are here
        checkStart(head);
        if (head.length >= PRELUDE_BYTES) {
          const p = readPrelude(head, true);
          declared = p.headerLength + p.payloadLength;
        }
      }
      if (declared >= 0 && received > declared) {
        throw new ModelFileError('MODEL_FILE_TRAILING', 'payloadLength', declared - PRELUDE_BYTES, `the stream has more than the ${declared} bytes the header declares`, 'pass exactly one model file.');
      }
      options.onProgress?.({ phase: 'read', done: received, total: declared >= 0 ? declared : total });
    }
  } catch (e) {
    await reader.cancel().catch(() => undefined);
    throw e;
  } finally {
    reader.releaseLock();
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(received);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Read a whole model file from any supported source. */
export async function sourceBytes(source: ModelSource, options: LongRunOptions = {}): Promise<Uint8Array> {
  if (options.signal?.aborted) throw new AbortError('loading a model');
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof source === 'string') return readFileBytes(source);
  if (source instanceof URL) {
    if (source.protocol === 'file:') return readFileBytes(source);
    let response: Response;
    try {
      response = await fetch(source, { signal: options.signal });
    } catch (e) {
      if (options.signal?.aborted) throw new AbortError(`loading ${source.href}`);
      throw new ModelFileError('MODEL_FILE_FETCH', 'url', source.href, `the request failed (${(e as Error)?.message ?? e})`, 'check the URL and the network.');
    }
    return sourceBytes(response, options);
  }
  if (isResponse(source)) {
    if (!source.ok) throw new ModelFileError('MODEL_FILE_FETCH', 'url', source.url, `HTTP status ${source.status}`, 'check the URL: the server did not return the file.');
    const length = Number(source.headers.get('content-length') ?? 0) || 0;
    if (!source.body) return new Uint8Array(await source.arrayBuffer());
    return readStream(source.body, length, source.url || 'a response', options);
  }
  if (isStream(source)) return readStream(source, 0, 'a stream', options);
  throw new InvalidArgumentError('source', source, 'a Uint8Array, an ArrayBuffer, a path, a URL, a Response or a ReadableStream');
}

