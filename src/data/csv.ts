/**
 * Byte-level parsing of delimited text (CSV, TSV, MovieLens `::`): records are found in UTF-8 bytes without
 * decoding whole lines, and numeric fields are parsed straight from the bytes, so reading a large numeric TSV
 * allocates almost nothing per line (the issue-4 speed target: ml-1m read and mapped faster than pandas).
 *
 * Rules (RFC 4180 where it applies): a record ends at LF, an optional CR before it is dropped; a field that starts
 * with the quote character is quoted: delimiters and line breaks inside it are data and a doubled quote is one
 * quote; unquoted fields are taken as written, with surrounding spaces trimmed (never tabs when tab separates).
 * Splitting happens at LF bytes only, which never occur inside a multi-byte UTF-8 sequence, so a character split
 * across two chunks is always decoded whole.
 */

const LF = 10;
const CR = 13;
const SPACE = 32;
const MINUS = 45;
const ZERO = 48;

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Field boundaries of one record, reused between records. */
export class FieldSpans {
  starts = new Int32Array(16);
  ends = new Int32Array(16);
  /** Fields whose text needs unquoting (quoted fields holding doubled quotes). */
  quoted = new Uint8Array(16);
  count = 0;

  push(start: number, end: number, quoted: number): void {
    if (this.count === this.starts.length) {
      const grow = <T extends Int32Array | Uint8Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
      this.quoted = grow(this.quoted);
    }
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.quoted[this.count] = quoted;
    this.count++;
  }
}

/** Result of splitting one record. */
export const enum SplitResult {
  Ok = 0,
  /** A quoted field runs past the end of the buffer: more bytes are needed (or the input ends inside a quote). */
  Incomplete = 1,
}

/**
 * Split the record starting at `start` into `spans`. `delim` is the delimiter's bytes (1 or 2 of them).
 * Returns the index just past the record's LF (or `end` for a last record without one) in `next`, and how many
 * line breaks the record spans in `lines` (more than 1 when a quoted field holds line breaks).
 */
export function splitRecord(
  buf: Uint8Array, start: number, end: number, delim: Uint8Array, quote: number, spans: FieldSpans, atEof: boolean,
  out: { next: number; lines: number },
): SplitResult {
  spans.count = 0;
  const d0 = delim[0];
  const d1 = delim.length > 1 ? delim[1] : -1;
  const dlen = delim.length;
  const trimSpace = d0 !== SPACE;
  let p = start;
  let lines = 1;
  for (;;) {
    // one field starting at p
    let fs = p;
    if (trimSpace) while (fs < end && buf[fs] === SPACE) fs++;
    if (fs < end && buf[fs] === quote && quote >= 0) {
      // quoted field: find the closing quote that is not doubled
      let q = fs + 1;
      let doubled = 0;
      for (;;) {
        while (q < end && buf[q] !== quote) {
          if (buf[q] === LF) lines++;
          q++;
        }
        if (q >= end) return SplitResult.Incomplete;
        if (q + 1 < end && buf[q + 1] === quote) {
          doubled = 1;
          q += 2;
          continue;
        }
        if (q + 1 >= end && !atEof) return SplitResult.Incomplete; // might be a doubled quote split by the chunk
        break;
      }
      spans.push(fs + 1, q, doubled);
      p = q + 1;
      // skip spaces up to the delimiter or the end of the line; other bytes are glued on (lenient, like Python's csv)
      while (p < end && buf[p] === SPACE && trimSpace) p++;
      let extra = p;
      while (extra < end && buf[extra] !== LF && !(buf[extra] === CR && (extra + 1 >= end || buf[extra + 1] === LF)) && !(buf[extra] === d0 && (d1 < 0 || buf[extra + 1] === d1))) extra++;
      if (extra > p) {
        // text after the closing quote: keep the field as the raw text from the opening quote on
        spans.ends[spans.count - 1] = extra;
        spans.starts[spans.count - 1] = fs;
        spans.quoted[spans.count - 1] = 2;
      }
      p = extra;
    } else {
      let q = p;
      while (q < end) {
        const b = buf[q];
        if (b === LF) break;
        if (b === d0 && (d1 < 0 || (q + 1 < end && buf[q + 1] === d1))) break;
        q++;
      }
      let fe = q;
      if (fe > p && buf[fe - 1] === CR && (fe >= end || buf[fe] === LF)) fe--;
      if (trimSpace) while (fe > fs && buf[fe - 1] === SPACE) fe--;
      spans.push(fs < fe ? fs : fe, fe, 0);
      p = q;
    }
    if (p >= end) {
      if (!atEof) return SplitResult.Incomplete;
      out.next = end;
      out.lines = lines;
      return SplitResult.Ok;
    }
    const b = buf[p];
    if (b === LF) {
      out.next = p + 1;
      out.lines = lines;
      return SplitResult.Ok;
    }
    if (b === CR && p + 1 < end && buf[p + 1] === LF) {
      out.next = p + 2;
      out.lines = lines;
      return SplitResult.Ok;
    }
    if (b === CR && p + 1 >= end) {
      if (!atEof) return SplitResult.Incomplete;
      out.next = end;
      out.lines = lines;
      return SplitResult.Ok;
    }
    p += dlen; // a delimiter
  }
}

/** Text of field `f` (unquoted: doubled quotes become one). */
export function fieldText(buf: Uint8Array, spans: FieldSpans, f: number, quote: number): string {
  const s = spans.starts[f];
  const e = spans.ends[f];
  let text: string;
  if (e - s <= 24) {
    // short ASCII fields (ids) are faster through fromCharCode than through TextDecoder
    let ascii = true;
    for (let k = s; k < e; k++) if (buf[k] >= 128) { ascii = false; break; }
    if (ascii) {
      text = '';
      for (let k = s; k < e; k++) text += String.fromCharCode(buf[k]);
    } else text = decoder.decode(buf.subarray(s, e));
  } else text = decoder.decode(buf.subarray(s, e));
  if (spans.quoted[f] === 1) {
    const q = String.fromCharCode(quote);
    text = text.split(q + q).join(q);
  }
  return text;
}

/**
 * A canonical decimal integer (optional '-', no '+', no leading zeros, at most 15 digits so it is exact) parsed
 * from bytes, or NaN. "007", "1.0", "1e3" and " 1" are not canonical: they stay text when read as ids, so an id
 * never changes its spelling by being parsed.
 */
export function parseCanonicalInt(buf: Uint8Array, s: number, e: number): number {
  let p = s;
  let neg = false;
  if (p < e && buf[p] === MINUS) {
    neg = true;
    p++;
  }
  const digits = e - p;
  if (digits <= 0 || digits > 15) return NaN;
  if (buf[p] === ZERO && digits > 1) return NaN;
  if (neg && digits === 1 && buf[p] === ZERO) return NaN; // "-0"
  let v = 0;
  for (; p < e; p++) {
    const d = buf[p] - ZERO;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A finite decimal number (integers straight from bytes; decimals and exponents through Number after a strict
 * syntax check, so "0x10", "Infinity", "" and "1,5" are rejected instead of misread). NaN when invalid.
 */
export function parseNumber(buf: Uint8Array, s: number, e: number): number {
  // fast path: plain integers (ratings, Unix timestamps)
  let p = s;
  let neg = false;
  if (p < e && (buf[p] === MINUS || buf[p] === 43)) {
    neg = buf[p] === MINUS;
    p++;
  }
  if (p < e && e - p <= 15) {
    let v = 0;
    let q = p;
    for (; q < e; q++) {
      const d = buf[q] - ZERO;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
    }
    if (q === e) return neg ? -v : v;
  }
  let text = '';
  for (let k = s; k < e; k++) text += String.fromCharCode(buf[k]);
  if (!DECIMAL.test(text)) return NaN;
  const v = Number(text);
  return Number.isFinite(v) ? v : NaN;
}

/** Same as {@link parseNumber} for a string (JSONL values given as text, quoted CSV fields). */
export function parseNumberText(text: string): number {
  if (!DECIMAL.test(text)) return NaN;
  const v = Number(text);
  return Number.isFinite(v) ? v : NaN;
}

/** Same as {@link parseCanonicalInt} for a string. */
export function canonicalIntText(text: string): number {
  if (!/^-?(0|[1-9]\d{0,14})$/.test(text) || text === '-0') return NaN;
  return Number(text);
}

/** Output of {@link scanNumericLines}: parallel columns written at `[n, limit)`. */
export interface NumericSink {
  users: Float64Array;
  items: Float64Array;
  /** Unused (may be empty) when the weight column is -1. */
  weights: Float64Array;
  /** Unused (may be empty) when the timestamp column is -1. */
  timestamps: Float64Array;
  n: number;
  /** Lines consumed by the last call. */
  lines: number;
}

/**
 * The fast path for plain numeric delimited text (one-byte delimiter, no quotes): one pass over the bytes per
 * line, ids parsed as canonical integers and values as numbers in place, no field table and no strings.
 * Stops at the first line it cannot take as is (a non-integer id, a bad or missing field, a blank line, an
 * incomplete last line) or when `limit` rows are written, and returns that line's start; the caller's general
 * path then decides about it.
 */
export function scanNumericLines(
  buf: Uint8Array, pos: number, end: number, delim: number,
  cu: number, ci: number, cw: number, ct: number, sink: NumericSink, limit: number,
): number {
  const maxCol = Math.max(cu, ci, cw, ct);
  const U = sink.users, I = sink.items, W = sink.weights, T = sink.timestamps;
  let n = sink.n;
  let lines = 0;
  while (n < limit) {
    let f = 0;
    let fs = pos;
    let p = pos;
    let u = NaN, it = NaN, w = 1, t = 0;
    // one pass: digits accumulate into v as they are scanned; nd counts other bytes in the field
    let v = 0;
    let nd = 0;
    for (; p < end; p++) {
      const b = buf[p];
      const dg = b - ZERO;
      if (dg >= 0 && dg <= 9) {
        v = v * 10 + dg;
        continue;
      }
      if (b !== delim && b !== LF) {
        nd++;
        continue;
      }
      let fe = p;
      if (b === LF && fe > fs && buf[fe - 1] === CR) {
        fe--;
        nd--;
      }
      const len = fe - fs;
      if (f === cu || f === ci) {
        const id = nd === 0 && len >= 1 && len <= 15 && !(len > 1 && buf[fs] === ZERO) ? v : NaN;
        if (f === cu) u = id;
        else it = id;
      } else if (f === cw) w = nd === 0 && len >= 1 && len <= 15 ? v : parseNumber(buf, fs, fe);
      else if (f === ct) t = nd === 0 && len >= 1 && len <= 15 ? v : parseNumber(buf, fs, fe);
      f++;
      if (b === LF) break;
      fs = p + 1;
      v = 0;
      nd = 0;
    }
    // weights beyond the float32 range they are stored in go to the general path, which reports the line
    if (!(p < end && f > maxCol && u === u && it === it && w <= 3.4028234663852886e38 && w >= -3.4028234663852886e38 && t === t)) break;
    U[n] = u;
    I[n] = it;
    if (cw >= 0) W[n] = w;
    if (ct >= 0) T[n] = t;
    n++;
    lines++;
    pos = p + 1;
  }
  sink.n = n;
  sink.lines = lines;
  return pos;
}
