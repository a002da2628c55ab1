// Small planted fixtures shared by model conformance cases.
import { Interactions, Vocabulary } from 'recwise';
import { rng } from './assert.ts';

/** Two taste groups: users 0..9 like items 0..9, users 10..19 like items 10..19; each user misses one item of their group. */
export function checkerboard(): Interactions {
  const users = Vocabulary.from(Array.from({ length: 20 }, (_, u) => `u${u}`));
  const items = Vocabulary.from(Array.from({ length: 20 }, (_, i) => `i${i}`));
  const indptr = [0];
  const indices: number[] = [];
  for (let u = 0; u < 20; u++) {
    const base = u < 10 ? 0 : 10;
    for (let i = base; i < base + 10; i++) if (i !== base + (u % 10)) indices.push(i);
    indptr.push(indices.length);
  }
  const csr = { indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), data: new Float32Array(indices.length).fill(1), rows: 20, cols: 20 };
  return new Interactions(users, items, csr);
}

/** Stream the bytes of `text` in chunks of `size` bytes (splitting multi-byte characters on purpose). */
export function chunked(text: string | Uint8Array, size: number): ReadableStream<Uint8Array> {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  let pos = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (pos >= bytes.length) c.close();
      else {
        c.enqueue(bytes.slice(pos, pos + size));
        pos += size;
      }
    },
  });
}

/**
 * Random users × items interactions from the suite's LCG: 1..perUser distinct items per user, drawn uniformly or
 * (skewed) with popularity falling off like x², weights in [0.5, 3), or whole numbers 1..3 when `integer`, or 1 when
 * `binary`. Ids are the indices.
 */
export function randomInteractions(nUsers: number, nItems: number, perUser: number, seed: number, opts: { binary?: boolean; skewed?: boolean; integer?: boolean } = {}): Interactions {
  const r = rng(seed);
  const indptr = [0];
  const indices: number[] = [];
  const data: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    const set = new Set<number>();
    const want = 1 + Math.floor(((r() + 1) / 2) * perUser);
    while (set.size < Math.min(want, nItems)) set.add(Math.floor(((r() + 1) / 2) ** (opts.skewed ? 2 : 1) * nItems));
    for (const i of [...set].sort((a, b) => a - b)) {
      indices.push(i);
      const x = (r() + 1) / 2;
      data.push(opts.binary ? 1 : opts.integer ? 1 + Math.floor(x * 3) : 0.5 + x * 2.5);
    }
    indptr.push(indices.length);
  }
  const csr = { indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), data: Float32Array.from(data), rows: nUsers, cols: nItems };
  return new Interactions(Vocabulary.from(Array.from({ length: nUsers }, (_, u) => u)), Vocabulary.from(Array.from({ length: nItems }, (_, i) => i)), csr);
}

/**
 * `data` with timestamps in sessions: each user's interactions fall into one or two sessions (a day apart) of
 * about a minute between interactions, the user's first session at a random second of a ~12-day span.
 */
export function withSessions(data: Interactions, seed: number): Interactions {
  const r = rng(seed);
  const ts = new Float64Array(data.nnz);
  for (let u = 0; u < data.nUsers; u++) {
    const start = Math.floor(((r() + 1) / 2) * 1e6);
    for (let e = data.byUser.indptr[u], step = 0; e < data.byUser.indptr[u + 1]; e++, step++) {
      ts[e] = start + (r() < 0 ? 0 : 86_400) + step * 60 + Math.floor(((r() + 1) / 2) * 30);
    }
  }
  return new Interactions(data.users, data.items, data.byUser, ts);
}
