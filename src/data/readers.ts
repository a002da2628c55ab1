/**
 * Streaming readers for interaction files: CSV, TSV, JSONL and the MovieLens formats (`u.data`: tab separated, no
 * header; `ratings.dat`: `::` separated, no header), from a file path (Node, Deno, Bun), a URL, a Response, a
 * ReadableStream, bytes or text. Input is consumed chunk by chunk (bounded memory besides the parsed columns), and
 * nothing is silently misread: a malformed line throws a {@link DataFormatError} naming the source, the 1-based line
 * and the field, or, with `onBadLine: 'skip'`, is skipped and counted (issue 4).
 *
 * Numeric ids: a delimited column whose every value is a canonical integer ("12", "-3"; not "012", "1.0" or
 * "1e3") gives number ids; if any value in the column is not, every id of that column is the text as written. The
 * decision is per column over the whole input, so one file never mixes `12` and `"12"` for the same kind of id, and
 * the protocol's numeric id sort applies to MovieLens and the shared splits. `ids: 'string'` or `'number'` forces
 * a choice. JSONL ids keep their JSON type (numbers stay numbers, strings stay strings).
 */
import { AbortError, DataFormatError, InvalidArgumentError } from '../errors.ts';
import { fileStream } from '../runtime/files.ts';
import type { LongRunOptions } from '../models/progress.ts';
import { DatasetBuilder, type DatasetBuilderOptions } from './dataset.ts';
import type { Interactions } from './interactions.ts';
import type { Id } from './vocabulary.ts';
import { FieldSpans, SplitResult, canonicalIntText, fieldText, parseCanonicalInt, parseNumber, parseNumberText, scanNumericLines, splitRecord, type NumericSink } from './csv.ts';

/**
 * Where to read from. A string is a file path, or a URL when it starts with `http:`, `https:` or `data:`;
 * text content goes in `{ text }`.
 */
export type InteractionSource =
  | string
  | URL
  | Response
  | ReadableStream<Uint8Array>
  | Uint8Array
  | ArrayBuffer
  | { text: string; name?: string };

/** File formats the readers know. */
export type InteractionFormat = 'csv' | 'tsv' | 'jsonl' | 'ml-100k' | 'ml-1m';

/** Which column holds what: a header name or a 0-based index (`null`: none). */
export interface ColumnMapping {
  user?: string | number;
  item?: string | number;
  weight?: string | number | null;
  timestamp?: string | number | null;
}

/** Options of {@link readRecords} and {@link readInteractions}. */
export interface ReadOptions extends LongRunOptions {
  /** Default: from the name (`.csv`, `.tsv`/`.tab`, `.jsonl`/`.ndjson`, `u.data`/`.data`, `ratings.dat`/`.dat`), else sniffed from the first line. */
  format?: InteractionFormat;
  /** Field separator (overrides the format's: `,` csv, tab tsv and ml-100k, `::` ml-1m). One or two characters. */
  delimiter?: string;
  /** Whether the first line names the columns (default true for csv/tsv, false for MovieLens), or the names to use. */
  header?: boolean | string[];
  /**
   * Columns by header name or 0-based index. Defaults: the first header names matching user/user_id/userId/uid,
   * item/item_id/itemId/movie_id/movieId/iid, weight/rating/score/value/count, timestamp/time/ts; without a
   * header, columns 0, 1, 2, 3 (weight and timestamp only when present on the first data line).
   */
  columns?: ColumnMapping;
  /** Id typing: `'auto'` (default, see the module notes), `'string'` or `'number'` (any finite number; else a bad line). */
  ids?: 'auto' | 'string' | 'number';
  /** `'error'` (default) throws DataFormatError on the first malformed line; `'skip'` skips and counts it. */
  onBadLine?: 'error' | 'skip';
  /** Quote character of delimited formats (default `"`); null turns quoting off. */
  quote?: string | null;
  /** Name used in error messages (default: the path, URL, or "input"). */
  name?: string;
}

/** A skipped line, as reported with `onBadLine: 'skip'` (the first 100 are kept). */
export interface BadLine {
  readonly line: number;
  readonly field: string;
  readonly reason: string;
}

/** Parsed columns, ready for {@link DatasetBuilder.addColumns}. */
export interface ReadRecordsResult {
  readonly source: string;
  readonly users: ArrayLike<Id>;
  readonly items: ArrayLike<Id>;
  readonly weights?: Float64Array;
  readonly timestamps?: Float64Array;
  /** Records read. */
  readonly rows: number;
  /** Lines skipped as malformed (onBadLine: 'skip'). */
  readonly skipped: number;
  readonly badLines: readonly BadLine[];
}

const ALIASES: Record<keyof ColumnMapping, string[]> = {
  user: ['user', 'user_id', 'userid', 'uid', 'users'],
  item: ['item', 'item_id', 'itemid', 'movie_id', 'movieid', 'iid', 'items'],
  weight: ['weight', 'rating', 'score', 'value', 'count', 'weights'],
  timestamp: ['timestamp', 'time', 'ts', 'datetime', 'timestamps'],
};
const FIELDS = ['user', 'item', 'weight', 'timestamp'] as const;
type Field = (typeof FIELDS)[number];

/** A growable id column: numbers while every value is a canonical integer, text from the first one that is not. */
class IdColumn {
  nums = new Float64Array(4096);
  strs?: string[];
  n = 0;
  constructor(readonly mode: 'auto' | 'string' | 'number') {}
  pushNumber(v: number): void {
    if (this.strs) {
      this.strs.push(String(v));
    } else {
      if (this.n === this.nums.length) {
        const b = new Float64Array(this.n * 2);
        b.set(this.nums);
        this.nums = b;
      }
      this.nums[this.n] = v;
    }
    this.n++;
  }
  reserve(n: number): void {
    if (this.nums.length < n) {
      const b = new Float64Array(Math.max(n, this.nums.length * 2));
      b.set(this.nums.subarray(0, this.n));
      this.nums = b;
    }
  }
  pushText(t: string): void {
    if (!this.strs) {
      const s = new Array<string>(this.n);
      for (let k = 0; k < this.n; k++) s[k] = String(this.nums[k]);
      this.strs = s;
    }
    this.strs.push(t);
    this.n++;
  }
  values(): ArrayLike<Id> {
    return this.strs ?? this.nums.subarray(0, this.n);
  }
}

class NumColumn {
  vals = new Float64Array(4096);
  n = 0;
  reserve(n: number): void {
    if (this.vals.length < n) {
      const b = new Float64Array(Math.max(n, this.vals.length * 2));
      b.set(this.vals.subarray(0, this.n));
      this.vals = b;
    }
  }
  push(v: number): void {
    if (this.n === this.vals.length) {
      const b = new Float64Array(this.n * 2);
      b.set(this.vals);
      this.vals = b;
    }
    this.vals[this.n++] = v;
  }
}

interface Chunks {
  name: string;
  total: number;
  stream: ReadableStream<Uint8Array> | undefined;
  bytes: Uint8Array | undefined;
}

function nameOf(source: InteractionSource, options: ReadOptions): string {
  if (options.name) return options.name;
  if (typeof source === 'string') return source.startsWith('data:') ? 'data URL' : source;
  if (source instanceof URL) return source.href;
  if (typeof Response !== 'undefined' && source instanceof Response) return source.url || 'response';
  if (source && typeof source === 'object' && 'text' in source && typeof source.text === 'string') return (source as { name?: string }).name ?? 'input';
  return 'input';
}

async function open(source: InteractionSource, name: string): Promise<Chunks> {
  if (source instanceof Uint8Array) return { name, total: source.length, stream: undefined, bytes: source };
  if (source instanceof ArrayBuffer) return { name, total: source.byteLength, stream: undefined, bytes: new Uint8Array(source) };
  if (typeof source === 'object' && source !== null && 'text' in source && typeof (source as { text: unknown }).text === 'string') {
    const bytes = new TextEncoder().encode((source as { text: string }).text);
    return { name, total: bytes.length, stream: undefined, bytes };
  }
  if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) return { name, total: 0, stream: source, bytes: undefined };
  let response: Response | undefined;
  if (typeof Response !== 'undefined' && source instanceof Response) response = source;
  else if (source instanceof URL || (typeof source === 'string' && /^(https?|data):/i.test(source))) {
    if (source instanceof URL && source.protocol === 'file:') {
      return { name, total: 0, stream: await fileStream(decodeURIComponent(source.pathname)), bytes: undefined };
    }
    response = await fetch(source);
  } else if (typeof source === 'string') {
    return { name, total: 0, stream: await fileStream(source), bytes: undefined };
  } else {
    throw new InvalidArgumentError('source', source, 'a path, URL, Response, ReadableStream, Uint8Array, ArrayBuffer or { text }');
  }
  if (!response.ok) throw new InvalidArgumentError('source', name, `a readable resource (HTTP ${response.status} ${response.statusText})`, 'check the URL.');
  const len = Number(response.headers.get('content-length'));
  if (!response.body) return { name, total: 0, stream: undefined, bytes: new Uint8Array(await response.arrayBuffer()) };
  return { name, total: Number.isFinite(len) ? len : 0, stream: response.body, bytes: undefined };
}

function formatFromName(name: string): InteractionFormat | undefined {
  const n = name.toLowerCase().replace(/[?#].*$/, '').replace(/\.(gz|bz2|xz)$/, '');
  if (n.endsWith('.csv')) return 'csv';
  if (n.endsWith('.tsv') || n.endsWith('.tab')) return 'tsv';
  if (n.endsWith('.jsonl') || n.endsWith('.ndjson')) return 'jsonl';
  if (n.endsWith('.data')) return 'ml-100k';
  if (n.endsWith('.dat')) return 'ml-1m';
  return undefined;
}

function sniff(first: Uint8Array): InteractionFormat {
  let p = 0;
  while (p < first.length && (first[p] === 32 || first[p] === 10 || first[p] === 13 || first[p] === 9)) p++;
  if (first[p] === 123 /* { */ || first[p] === 91 /* [ */) return 'jsonl';
  const line = new TextDecoder().decode(first.subarray(0, Math.min(first.length, 4096))).split('\n')[0];
  if (line.includes('\t')) return 'tsv';
  if (line.includes('::')) return 'ml-1m';
  return 'csv';
}

function checkOptions(o: ReadOptions): void {
  if (o === null || typeof o !== 'object') throw new InvalidArgumentError('options', o, 'an object');
  if (o.format !== undefined && !['csv', 'tsv', 'jsonl', 'ml-100k', 'ml-1m'].includes(o.format)) throw new InvalidArgumentError('format', o.format, "'csv', 'tsv', 'jsonl', 'ml-100k' or 'ml-1m'");
  if (o.delimiter !== undefined && !(typeof o.delimiter === 'string' && new TextEncoder().encode(o.delimiter).length >= 1 && new TextEncoder().encode(o.delimiter).length <= 2)) {
    throw new InvalidArgumentError('delimiter', o.delimiter, 'a one- or two-byte string such as "," or "::"');
  }
  if (o.onBadLine !== undefined && o.onBadLine !== 'error' && o.onBadLine !== 'skip') throw new InvalidArgumentError('onBadLine', o.onBadLine, "'error' or 'skip'");
  if (o.ids !== undefined && !['auto', 'string', 'number'].includes(o.ids)) throw new InvalidArgumentError('ids', o.ids, "'auto', 'string' or 'number'");
  if (o.quote !== undefined && o.quote !== null && !(typeof o.quote === 'string' && o.quote.length === 1 && o.quote.charCodeAt(0) < 128)) {
    throw new InvalidArgumentError('quote', o.quote, 'one ASCII character, or null');
  }
  if (o.header !== undefined && typeof o.header !== 'boolean' && !(Array.isArray(o.header) && o.header.every((h) => typeof h === 'string'))) {
    throw new InvalidArgumentError('header', o.header, 'true, false or an array of column names');
  }
}

/** Resolve the column mapping against the header names (or the first line's field count). */
function resolveColumns(mapping: ColumnMapping | undefined, names: string[] | undefined, fieldCount: number, source: string): Record<Field, number> {
  const out = { user: -1, item: -1, weight: -1, timestamp: -1 } as Record<Field, number>;
  const lower = names?.map((n) => n.trim().toLowerCase());
  for (const f of FIELDS) {
    const given = mapping?.[f];
    if (given === null) continue;
    if (typeof given === 'number') {
      if (!(Number.isInteger(given) && given >= 0)) throw new InvalidArgumentError(`columns.${f}`, given, 'a 0-based column index or a header name');
      out[f] = given;
    } else if (typeof given === 'string') {
      if (!names) throw new InvalidArgumentError(`columns.${f}`, given, 'a column index (the input has no header)', 'pass header: true, or name the column by its 0-based index.');
      let k = names.indexOf(given);
      if (k < 0) k = lower!.indexOf(given.toLowerCase());
      if (k < 0) throw new InvalidArgumentError(`columns.${f}`, given, `one of the header's columns (${names.join(', ')})`);
      out[f] = k;
    } else if (given !== undefined) {
      throw new InvalidArgumentError(`columns.${f}`, given, 'a header name, a 0-based index or null');
    } else if (lower) {
      out[f] = lower.findIndex((n) => ALIASES[f].includes(n.replace(/[\s-]/g, '_')));
    } else {
      const pos = FIELDS.indexOf(f);
      out[f] = pos < fieldCount ? pos : -1;
    }
  }
  if (out.user < 0 || out.item < 0) {
    throw new InvalidArgumentError('columns', names ?? `${fieldCount} unnamed fields`, 'user and item columns', `name them, e.g. columns: { user: 'customer', item: 'product' } (reading ${source}).`);
  }
  return out;
}

/**
 * Read interaction records as columns, without mapping ids (feed them to a {@link DatasetBuilder} with the
 * vocabulary you want).
 *
 * @example
 * ```ts
 * const rec = await readRecords('ratings.csv', { onBadLine: 'skip' });
 * const b = new DatasetBuilder({ users: train.users, items: train.items });
 * b.addColumns(rec);
 * ```
 */
export async function readRecords(source: InteractionSource, options: ReadOptions = {}): Promise<ReadRecordsResult> {
  checkOptions(options);
  const name = nameOf(source, options);
  const input = await open(source, name);
  const onBad = options.onBadLine ?? 'error';
  const idMode = options.ids ?? 'auto';
  const signal = options.signal;

  let format: InteractionFormat | undefined = options.format ?? formatFromName(name);
  let delim: Uint8Array | undefined;
  let quote = -1;
  let headerNames: string[] | undefined = Array.isArray(options.header) ? options.header : undefined;
  let expectHeader = false;
  let cols: Record<Field, number> | undefined;

  const users = new IdColumn(idMode);
  const items = new IdColumn(idMode);
  const weights = new NumColumn();
  const timestamps = new NumColumn();
  let rows = 0;
  let skipped = 0;
  const badLines: BadLine[] = [];
  let line = 1;
  let bytesDone = 0;

  const bad = (ln: number, field: string, value: unknown, reason: string): void => {
    if (onBad === 'error') throw new DataFormatError(name, ln, field, value, reason);
    skipped++;
    if (badLines.length < 100) badLines.push({ line: ln, field, reason });
  };

  const setup = (first: Uint8Array): void => {
    format ??= sniff(first);
    if (format !== 'jsonl') {
      const d = options.delimiter ?? (format === 'csv' ? ',' : format === 'ml-1m' ? '::' : '\t');
      delim = new TextEncoder().encode(d);
      const q = options.quote === undefined ? '"' : options.quote;
      quote = q === null ? -1 : q.charCodeAt(0);
      expectHeader = options.header === undefined ? format === 'csv' || format === 'tsv' : options.header === true;
    }
  };

  const spans = new FieldSpans();
  const res = { next: 0, lines: 1 };

  // ---- delimited records ---------------------------------------------------------------------------------
  const takeId = (col: IdColumn, buf: Uint8Array, f: number, ln: number, field: string): boolean => {
    const s = spans.starts[f];
    const e = spans.ends[f];
    if (e <= s) {
      bad(ln, field, '', 'empty id');
      return false;
    }
    if (col.mode !== 'string' && spans.quoted[f] === 0) {
      const v = parseCanonicalInt(buf, s, e);
      if (v === v) {
        col.pushNumber(v);
        return true;
      }
    }
    if (col.mode === 'number') {
      const v = spans.quoted[f] === 0 ? parseNumber(buf, s, e) : parseNumberText(fieldText(buf, spans, f, quote));
      if (v !== v) {
        bad(ln, field, fieldText(buf, spans, f, quote), 'not a number (ids: "number")');
        return false;
      }
      col.pushNumber(v);
      return true;
    }
    const text = fieldText(buf, spans, f, quote);
    if (col.mode === 'auto' && spans.quoted[f] !== 0) {
      const v = canonicalIntText(text);
      if (v === v) {
        col.pushNumber(v);
        return true;
      }
    }
    col.pushText(text);
    return true;
  };

  const takeNum = (buf: Uint8Array, f: number, ln: number, field: string): number => {
    const v = spans.quoted[f] === 0 ? parseNumber(buf, spans.starts[f], spans.ends[f]) : parseNumberText(fieldText(buf, spans, f, quote).trim());
    if (v !== v) bad(ln, field, fieldText(buf, spans, f, quote), 'not a finite number');
    return v;
  };

  const record = (buf: Uint8Array, ln: number): void => {
    if (spans.count === 1 && spans.ends[0] === spans.starts[0] && spans.quoted[0] === 0) return; // blank line
    if (expectHeader && !headerNames) {
      headerNames = [];
      for (let f = 0; f < spans.count; f++) headerNames.push(fieldText(buf, spans, f, quote));
      expectHeader = false;
      return;
    }
    cols ??= resolveColumns(options.columns, headerNames, spans.count, name);
    for (const f of FIELDS) {
      if (cols[f] >= spans.count) {
        bad(ln, f, spans.count, `missing: the line has ${spans.count} field${spans.count === 1 ? '' : 's'}, ${f} is column ${cols[f] + 1}`);
        return;
      }
    }
    let w = 1;
    let t = 0;
    if (cols.weight >= 0) {
      w = takeNum(buf, cols.weight, ln, 'weight');
      if (w !== w) return;
    }
    if (cols.timestamp >= 0) {
      t = takeNum(buf, cols.timestamp, ln, 'timestamp');
      if (t !== t) return;
    }
    const un = users.n;
    if (!takeId(users, buf, cols.user, ln, 'user')) return;
    if (!takeId(items, buf, cols.item, ln, 'item')) {
      // roll the user back so the columns stay aligned
      users.n = un;
      if (users.strs) users.strs.length = un;
      return;
    }
    if (cols.weight >= 0) weights.push(w);
    if (cols.timestamp >= 0) timestamps.push(t);
    rows++;
  };

  /**
   * Fast path for the common case (numeric ids and values, one-byte delimiter, no quote byte in the chunk): see
   * scanNumericLines. Lines it cannot take as is go to the general path, which decides about them.
   */
  const sink: NumericSink = { users: users.nums, items: items.nums, weights: weights.vals, timestamps: timestamps.vals, n: 0, lines: 0 };
  const fastDelimited = (buf: Uint8Array, pos: number, end: number): number => {
    const c = cols!;
    if (users.strs || items.strs) return pos;
    for (;;) {
      // room for every line the rest of the buffer could hold (a line has at least 2 bytes per field)
      const need = rows + Math.ceil((end - pos) / 4) + 1;
      users.reserve(need);
      items.reserve(need);
      if (c.weight >= 0) weights.reserve(need);
      if (c.timestamp >= 0) timestamps.reserve(need);
      sink.users = users.nums;
      sink.items = items.nums;
      sink.weights = weights.vals;
      sink.timestamps = timestamps.vals;
      sink.n = rows;
      const next = scanNumericLines(buf, pos, end, delim![0], c.user, c.item, c.weight, c.timestamp, sink, need);
      rows = sink.n;
      users.n = items.n = rows;
      if (c.weight >= 0) weights.n = rows;
      if (c.timestamp >= 0) timestamps.n = rows;
      line += sink.lines;
      if (next === pos || sink.n < need) return next;
      pos = next;
    }
  };

  /** Parse every complete record of buf; returns where the incomplete rest starts. */
  const delimited = (buf: Uint8Array, atEof: boolean): number => {
    let pos = 0;
    const end = buf.length;
    const fast = delim!.length === 1 && delim![0] !== 32 && idMode !== 'string' && (quote < 0 || buf.indexOf(quote) < 0);
    while (pos < end) {
      if (fast && cols) {
        pos = fastDelimited(buf, pos, end);
        if (pos >= end) break;
      }
      const r = splitRecord(buf, pos, end, delim!, quote, spans, atEof, res);
      if (r === SplitResult.Incomplete) {
        if (!atEof) return pos;
        bad(line, 'record', new TextDecoder().decode(buf.subarray(pos, Math.min(end, pos + 80))), 'unterminated quoted field');
        return end;
      }
      record(buf, line);
      line += res.lines;
      pos = res.next;
    }
    return end;
  };

  // ---- JSONL -------------------------------------------------------------------------------------------------
  const decoder = new TextDecoder();
  const jsonField = (obj: unknown, f: Field): unknown => {
    const key = jsonKeys![f];
    if (key === undefined) return undefined;
    return (obj as Record<string | number, unknown>)[key];
  };
  let jsonKeys: Partial<Record<Field, string | number>> | undefined;
  const jsonRecord = (text: string, ln: number): void => {
    if (text.trim() === '') return;
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      bad(ln, 'json', text, `invalid JSON (${(e as Error).message})`);
      return;
    }
    if (obj === null || typeof obj !== 'object') {
      bad(ln, 'json', text, 'not an object or array');
      return;
    }
    if (!jsonKeys) {
      jsonKeys = {};
      const keys = Array.isArray(obj) ? undefined : Object.keys(obj);
      for (const f of FIELDS) {
        const given = options.columns?.[f];
        if (given === null) continue;
        if (given !== undefined) jsonKeys[f] = given;
        else if (keys) {
          const k = keys.find((n) => ALIASES[f].includes(n.toLowerCase()));
          if (k !== undefined) jsonKeys[f] = k;
        } else if (FIELDS.indexOf(f) < (obj as unknown[]).length) jsonKeys[f] = FIELDS.indexOf(f);
      }
      if (jsonKeys.user === undefined || jsonKeys.item === undefined) {
        throw new InvalidArgumentError('columns', keys ?? obj, 'user and item keys', `name them, e.g. columns: { user: 'customer', item: 'product' } (reading ${name}).`);
      }
    }
    const vals: Partial<Record<Field, number>> = {};
    for (const f of ['weight', 'timestamp'] as const) {
      if (jsonKeys[f] === undefined) continue;
      const v = jsonField(obj, f);
      const num = typeof v === 'number' ? v : typeof v === 'string' ? parseNumberText(v.trim()) : NaN;
      if (!Number.isFinite(num)) {
        bad(ln, f, v, 'not a finite number');
        return;
      }
      vals[f] = num;
    }
    const ids: Id[] = [];
    for (const f of ['user', 'item'] as const) {
      const v = jsonField(obj, f);
      if (typeof v === 'number' && Number.isFinite(v) && idMode !== 'string') ids.push(v);
      else if (typeof v === 'string' && v !== '' && idMode !== 'number') ids.push(v);
      else if (idMode === 'string' && typeof v === 'number' && Number.isFinite(v)) ids.push(String(v));
      else if (idMode === 'number' && typeof v === 'string' && Number.isFinite(parseNumberText(v))) ids.push(parseNumberText(v));
      else {
        bad(ln, f, v, v === undefined ? 'missing' : 'not an id (a non-empty string or a finite number)');
        return;
      }
    }
    for (const [col, id] of [[users, ids[0]], [items, ids[1]]] as const) {
      if (typeof id === 'number' && !col.strs) col.pushNumber(id);
      else {
        // JSON types are kept: a column holding any string id is stored as values, numbers stay numbers
        if (!col.strs) {
          const s: Id[] = Array.from(col.nums.subarray(0, col.n));
          col.strs = s as string[];
        }
        (col.strs as Id[]).push(id);
        col.n++;
      }
    }
    if (jsonKeys.weight !== undefined) weights.push(vals.weight!);
    if (jsonKeys.timestamp !== undefined) timestamps.push(vals.timestamp!);
    rows++;
  };
  const jsonl = (buf: Uint8Array, atEof: boolean): number => {
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) {
        if (!atEof) return pos;
        if (pos < buf.length) jsonRecord(decoder.decode(buf.subarray(pos)), line);
        return buf.length;
      }
      jsonRecord(decoder.decode(buf.subarray(pos, nl)), line);
      line++;
      pos = nl + 1;
    }
  };

  // ---- drive -------------------------------------------------------------------------------------------------
  let carry: Uint8Array | undefined;
  let started = false;
  const consume = (chunk: Uint8Array, atEof: boolean): void => {
    let buf = chunk;
    if (carry && carry.length) {
      buf = new Uint8Array(carry.length + chunk.length);
      buf.set(carry);
      buf.set(chunk, carry.length);
    }
    if (!started) {
      if (buf.length === 0 && !atEof) return;
      // skip a UTF-8 byte order mark
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
      setup(buf);
      started = true;
    }
    const rest = format === 'jsonl' ? jsonl(buf, atEof) : delimited(buf, atEof);
    carry = rest < buf.length ? buf.slice(rest) : undefined;
  };

  const report = () => options.onProgress?.({ phase: 'read', done: bytesDone, total: input.total, info: { rows, skipped } });
  if (input.bytes) {
    if (signal?.aborted) throw new AbortError(`reading ${name}`);
    bytesDone = input.bytes.length;
    consume(input.bytes, true);
    report();
  } else {
    const reader = input.stream!.getReader();
    try {
      for (;;) {
        if (signal?.aborted) throw new AbortError(`reading ${name}`);
        const { done, value } = await reader.read();
        if (done) break;
        if (!(value instanceof Uint8Array)) throw new InvalidArgumentError('source', value, 'a stream of Uint8Array chunks');
        bytesDone += value.length;
        consume(value, false);
        report();
      }
      consume(new Uint8Array(0), true);
    } catch (e) {
      await reader.cancel().catch(() => undefined);
      throw e;
    } finally {
      reader.releaseLock();
    }
  }
  if (!started) setup(new Uint8Array(0));
  return {
    source: name,
    users: users.values(),
    items: items.values(),
    weights: rows > 0 && (cols ? cols.weight >= 0 : jsonKeys?.weight !== undefined) ? weights.vals.subarray(0, rows) : undefined,
    timestamps: rows > 0 && (cols ? cols.timestamp >= 0 : jsonKeys?.timestamp !== undefined) ? timestamps.vals.subarray(0, rows) : undefined,
    rows,
    skipped,
    badLines,
  };
}

/** Options of {@link readInteractions}: reader options plus the builder's (duplicates, binary, sortIds, vocabularies). */
export interface ReadInteractionsOptions extends ReadOptions, DatasetBuilderOptions {}

/** Result of {@link readInteractions}. */
export interface ReadInteractionsResult {
  readonly interactions: Interactions;
  /** Records read from the source. */
  readonly rows: number;
  /** Malformed lines skipped (onBadLine: 'skip'). */
  readonly skipped: number;
  readonly badLines: readonly BadLine[];
  /** Rows dropped because their user or item was not in a given vocabulary. */
  readonly droppedRows: number;
}

/**
 * Read a file, URL, stream or bytes into {@link Interactions}.
 *
 * @example
 * ```ts
 * import { readInteractions } from 'recwise';
 * // the benchmark protocol: binary weights, dense ids from train sorted numerically, test mapped into train
 * const { interactions: train } = await readInteractions('../shared/data/splits/ml-100k/train.tsv', { binary: true, sortIds: true });
 * const { interactions: test, droppedRows } = await readInteractions('../shared/data/splits/ml-100k/test.tsv',
 *   { binary: true, users: train.users, items: train.items });
 * // MovieLens originals
 * await readInteractions('ml-100k/u.data');                       // tab separated, no header
 * await readInteractions(await fetch(url), { format: 'ml-1m' });  // '::' separated
 * ```
 */
export async function readInteractions(source: InteractionSource, options: ReadInteractionsOptions = {}): Promise<ReadInteractionsResult> {
  const rec = await readRecords(source, options);
  const builder = new DatasetBuilder(options);
  builder.addColumns(rec);
  const interactions = await builder.build();
  const s = builder.stats;
  return { interactions, rows: rec.rows, skipped: rec.skipped, badLines: rec.badLines, droppedRows: s.droppedUnknownUser + s.droppedUnknownItem };
}
