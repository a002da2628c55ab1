/**
 * Every kind of input the readers take, turned into one of two shapes: a sequence of byte chunks (files, URLs,
 * responses, Web and Node streams, Blob/File, bytes, text, async iterables of bytes or of lines) or a sequence of
 * records (arrays and async iterables of objects). Issue 16: users hand over what they have, not what we expect.
 */
import { InvalidArgumentError } from '../errors.ts';
import { fileInfo, fileStream } from '../runtime/files.ts';

/**
 * Where to read from. A string is a file path, or a URL when it starts with `http:`, `https:` or `data:`;
 * text content goes in `{ text }`. Async iterables may yield bytes (a Node stream such as `fs.createReadStream`),
 * strings (one line each, as `readline` yields them) or records (objects like JSONL lines).
 */
export type InteractionSource =
  | string
  | URL
  | Response
  | Blob
  | ReadableStream<Uint8Array>
  | Uint8Array
  | ArrayBuffer
  | { text: string; name?: string }
  | readonly object[]
  | AsyncIterable<Uint8Array | string | object>;

/** An opened source: byte chunks, or records already structured. */
export interface OpenedSource {
  readonly name: string;
  /** Bytes expected in all (0 when unknown), for progress. */
  readonly total: number;
  readonly chunks?: AsyncIterator<Uint8Array>;
  readonly records?: Iterator<unknown> | AsyncIterator<unknown>;
}

/** A display name for error messages. */
export function sourceName(source: InteractionSource, given?: string): string {
  if (given) return given;
  if (typeof source === 'string') return source.startsWith('data:') ? 'data URL' : source;
  if (source instanceof URL) return source.href;
  if (typeof Response !== 'undefined' && source instanceof Response) return source.url || 'response';
  if (typeof Blob !== 'undefined' && source instanceof Blob) return (source as { name?: string }).name || 'blob';
  if (source && typeof source === 'object' && 'text' in source && typeof source.text === 'string') return (source as { name?: string }).name ?? 'input';
  const path = (source as { path?: unknown })?.path; // a Node file stream
  return typeof path === 'string' ? path : 'input';
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** The chunks of a Web stream; cancelling it when the consumer stops early. */
export async function* streamChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

const encoder = new TextEncoder();

/** Chunks of an async iterable whose first value decided it yields bytes (Node Buffers are Uint8Arrays) or lines. */
async function* iterableChunks(first: IteratorResult<unknown>, it: AsyncIterator<unknown>, name: string): AsyncGenerator<Uint8Array> {
  let r = first;
  let batch = '';
  try {
    while (!r.done) {
      const v = r.value;
      if (v instanceof Uint8Array) yield v;
      else if (typeof v === 'string') {
        // one line per string; batched so a million short lines are not a million chunks
        batch += v.endsWith('\n') ? v : v + '\n';
        if (batch.length >= 1 << 16) {
          yield encoder.encode(batch);
          batch = '';
        }
      } else throw new InvalidArgumentError('source', v, `chunks of one kind (bytes or lines) from ${name}`, 'yield Uint8Array chunks, or one string per line.');
      r = await it.next();
    }
    if (batch) yield encoder.encode(batch);
  } finally {
    if (!r.done) await it.return?.();
  }
}

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return x !== null && typeof x === 'object' && typeof (x as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

/** Open any {@link InteractionSource}. Paths are checked first: a directory or a missing file is a typed error. */
export async function openSource(source: InteractionSource, name: string): Promise<OpenedSource> {
  if (source instanceof Uint8Array) return { name, total: source.length, chunks: once(source) };
  if (source instanceof ArrayBuffer) return { name, total: source.byteLength, chunks: once(new Uint8Array(source)) };
  if (Array.isArray(source)) return { name, total: 0, records: source[Symbol.iterator]() };
  if (typeof source === 'object' && source !== null && 'text' in source && typeof (source as { text: unknown }).text === 'string') {
    const bytes = encoder.encode((source as { text: string }).text);
    return { name, total: bytes.length, chunks: once(bytes) };
  }
  if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) return { name, total: 0, chunks: streamChunks(source) };
  if (typeof Blob !== 'undefined' && source instanceof Blob) return { name, total: source.size, chunks: streamChunks(source.stream()) };
  let response: Response | undefined;
  if (typeof Response !== 'undefined' && source instanceof Response) response = source;
  else if (source instanceof URL || (typeof source === 'string' && /^(https?|data):/i.test(source))) {
    if (source instanceof URL && source.protocol === 'file:') return openPath(decodeURIComponent(source.pathname), name);
    response = await fetch(source);
  } else if (typeof source === 'string') {
    return openPath(source, name);
  } else if (isAsyncIterable(source)) {
    const it = source[Symbol.asyncIterator]();
    const first = await it.next();
    const v = first.value;
    if (!first.done && v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
      // records: hand the first one back in front of the rest
      let pending: IteratorResult<unknown> | undefined = first;
      const records: AsyncIterator<unknown> = {
        next: async () => {
          if (pending) {
            const p = pending;
            pending = undefined;
            return p;
          }
          return it.next();
        },
        return: async () => (await it.return?.()) ?? { done: true, value: undefined },
      };
      return { name, total: 0, records };
    }
    // a Node file stream (fs.createReadStream) names its file: its size is the progress total
    const path = (source as { path?: unknown }).path;
    const total = typeof path === 'string' ? ((await fileInfo(path).catch(() => undefined))?.size ?? 0) : 0;
    return { name, total, chunks: iterableChunks(first, it, name) };
  } else {
    throw new InvalidArgumentError(
      'source',
      source,
      'a path, URL, Response, Blob/File, ReadableStream, Node stream, async iterable of lines or records, array of records, Uint8Array, ArrayBuffer or { text }',
    );
  }
  if (!response.ok) throw new InvalidArgumentError('source', name, `a readable resource (HTTP ${response.status} ${response.statusText})`, 'check the URL.');
  const len = Number(response.headers.get('content-length'));
  if (!response.body) return { name, total: 0, chunks: once(new Uint8Array(await response.arrayBuffer())) };
  // a content-length of a compressed transfer counts the compressed bytes; progress then ends past it, harmlessly
  return { name, total: Number.isFinite(len) ? len : 0, chunks: streamChunks(response.body) };
}

async function openPath(path: string, name: string): Promise<OpenedSource> {
  const info = await fileInfo(path);
  if (!info) throw new InvalidArgumentError('source', path, 'an existing file', 'check the path (relative paths start from the working directory).');
  if (info.directory) throw new InvalidArgumentError('source', path, 'a file, not a directory', 'name a file inside the directory, e.g. ml-100k/u.data.');
  return { name, total: info.size, chunks: streamChunks(await fileStream(path)) };
}
