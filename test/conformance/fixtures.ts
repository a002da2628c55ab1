// Small planted fixtures shared by model conformance cases.
import { Interactions, Vocabulary } from 'recwise';

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
