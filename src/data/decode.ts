/**
 * Bytes as the parser wants them: gunzipped when they are gzip (by magic bytes, whatever the name), UTF-8 (a
 * windows-1252/latin-1 input is transcoded chunk by chunk, so the byte-level parser stays one code path), and LF
 * line ends (a CR-only file, old Mac exports, is turned into LF). UTF-16 and binary input are refused by name
 * (issue 16, issue 22).
 */
import { BackendUnavailableError } from '../errors.ts';
import { streamChunks } from './sources.ts';

/** Encodings the readers decode: UTF-8 (a BOM is skipped) and windows-1252, which `latin1`/`iso-8859-1` name too (as in the WHATWG Encoding standard). */
export type TextEncodingName = 'utf-8' | 'windows-1252';

const LABELS: Record<string, TextEncodingName> = {
  'utf-8': 'utf-8', utf8: 'utf-8', 'windows-1252': 'windows-1252', cp1252: 'windows-1252', latin1: 'windows-1252', 'latin-1': 'windows-1252',
  'iso-8859-1': 'windows-1252', 'iso8859-1': 'windows-1252', 'us-ascii': 'windows-1252', ascii: 'utf-8',
};

/** The encoding an `encoding` option names, or undefined when it is not one the readers decode. */
export function encodingOf(label: string): TextEncodingName | undefined {
  return LABELS[label.trim().toLowerCase()];
}

/** Labels accepted by {@link encodingOf}, for error messages. */
export const ENCODING_LABELS = Object.keys(LABELS);

/** Whether the bytes start with the gzip magic number. */
export function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Decompress gzip chunks through the platform's DecompressionStream (Node 18+, Deno, Bun, browsers, workerd). */
export async function* gunzip(chunks: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') {
    throw new BackendUnavailableError('gzip', 'this runtime has no DecompressionStream', 'decompress the file first (gunzip FILE).');
  }
  const input = new ReadableStream<Uint8Array>({
    async pull(c) {
      const r = await chunks.next();
      if (r.done) c.close();
      else c.enqueue(r.value);
    },
    async cancel() {
      await chunks.return?.();
    },
  });
  yield* streamChunks(input.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>));
}

/** A text encoding the readers cannot decode, detected from the first bytes (a BOM, or NUL bytes). */
export function unsupportedEncoding(b: Uint8Array): string | undefined {
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return 'UTF-16LE (byte order mark FF FE)';
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return 'UTF-16BE (byte order mark FE FF)';
  const n = Math.min(b.length, 4096);
  let nul = 0;
  for (let k = 0; k < n; k++) if (b[k] === 0) nul++;
  if (nul > 0) return nul * 4 >= n ? 'UTF-16 or UTF-32 without a byte order mark (NUL bytes between characters)' : 'binary data (NUL bytes), not text';
  return undefined;
}

/** Index of the first byte ≥ 0x80, or -1 (four bytes at a time where aligned: ASCII files are scanned whole). */
export function firstHighByte(b: Uint8Array): number {
  let k = 0;
  const n = b.length;
  while (k < n && (b.byteOffset + k) & 3) if (b[k++] >= 0x80) return k - 1;
  const words = new Uint32Array(b.buffer, b.byteOffset + k, (n - k) >> 2);
  for (let w = 0; w < words.length; w++) {
    if (words[w] & 0x80808080) {
      k += w << 2;
      while (b[k] < 0x80) k++;
      return k;
    }
  }
  for (k += words.length << 2; k < n; k++) if (b[k] >= 0x80) return k;
  return -1;
}

/** Whether `b` is valid UTF-8; a character cut at the end counts as valid when `cut` (a prefix of a longer input). */
export function looksUtf8(b: Uint8Array, cut = true): boolean {
  let k = 0;
  const n = b.length;
  while (k < n) {
    const c = b[k];
    if (c < 0x80) {
      k++;
      continue;
    }
    const len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len === 0) return false;
    for (let j = 1; j < len; j++) {
      if (k + j >= n) return cut;
      if ((b[k + j] & 0xc0) !== 0x80) return false;
    }
    k += len;
  }
  return true;
}

// windows-1252's 0x80–0x9F (undefined bytes map to the C1 control of the same value, as WHATWG decoders do)
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

/** Transcode windows-1252 bytes to UTF-8 (every byte is one character, so chunks can be cut anywhere). */
export function cp1252ToUtf8(b: Uint8Array): Uint8Array {
  let high = 0;
  for (let k = 0; k < b.length; k++) if (b[k] >= 0x80) high++;
  if (high === 0) return b;
  const out = new Uint8Array(b.length + high * 2);
  let o = 0;
  for (let k = 0; k < b.length; k++) {
    const c = b[k];
    if (c < 0x80) {
      out[o++] = c;
      continue;
    }
    const cp = c < 0xa0 ? CP1252_HIGH[c - 0x80] : c;
    if (cp < 0x800) {
      out[o++] = 0xc0 | (cp >> 6);
      out[o++] = 0x80 | (cp & 63);
    } else {
      out[o++] = 0xe0 | (cp >> 12);
      out[o++] = 0x80 | ((cp >> 6) & 63);
      out[o++] = 0x80 | (cp & 63);
    }
  }
  return out.subarray(0, o);
}

/** Line ending style of a prefix: what the reader reports, and whether CR-only input needs converting. */
export function lineEndingOf(b: Uint8Array): 'LF' | 'CRLF' | 'CR' | 'none' {
  const lf = b.indexOf(10);
  const cr = b.indexOf(13);
  if (lf < 0 && cr < 0) return 'none';
  if (lf < 0) return 'CR';
  return lf > 0 && b[lf - 1] === 13 ? 'CRLF' : 'LF';
}

/** CR-only line ends to LF (a copy; a CR followed by LF never occurs in such input). */
export function crToLf(b: Uint8Array): Uint8Array {
  if (b.indexOf(13) < 0) return b;
  const out = b.slice();
  for (let k = 0; k < out.length; k++) if (out[k] === 13) out[k] = 10;
  return out;
}
