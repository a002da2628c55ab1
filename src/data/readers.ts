/**
 * Streaming readers for interaction files as users have them (issues 4 and 16): CSV, TSV, JSONL, the MovieLens
 * formats (`u.data`: tab, no header; `ratings.dat`: `::`; `ratings.csv` of 20M/25M/32M), Last.fm 1K/360K TSV,
 * Amazon/Goodreads/Yelp-style CSV and JSONL, from a path, URL, Response, Blob/File, Web or Node stream, async
 * iterable of lines or records, array of records, bytes or text; gzip by magic bytes; UTF-8 or windows-1252; LF,
 * CRLF or CR line ends. Input is consumed chunk by chunk (bounded memory besides the parsed columns).
 *
 * What is not given is decided from a bounded prefix (src/data/sniff.ts) and reported in `decisions`; explicit
 * options always win. Nothing is silently misread: a malformed line throws a {@link DataFormatError} naming the
 * source, the 1-based line and the field, or, with `onBadLine: 'skip'`, is skipped and counted; a line 1 that
 * could be a header or data is an error showing both readings; zero usable rows is an error naming the source.
 *
 * Numeric ids: a delimited column whose every value is a canonical integer ("12", "-3"; not "012", "1.0" or
 * "1e3") gives number ids; if any value in the column is not, every id of that column is the text as written. The
 * decision is per column over the whole input, so one file never mixes `12` and `"12"` for the same kind of id, and
 * the protocol's numeric id sort applies to MovieLens and the shared splits. `ids: 'string'` or `'number'` forces
 * a choice. JSONL ids keep their JSON type (numbers stay numbers, strings stay strings).
 */
import { AbortError, DataFormatError, InvalidArgumentError, RecwiseError } from '../errors.ts';
import { DatasetBuilder, type DatasetBuilderOptions } from './dataset.ts';
import type { Interactions } from './interactions.ts';
import type { Id } from './vocabulary.ts';
import { FieldSpans, SplitResult, canonicalIntText, fieldText, parseCanonicalInt, parseNumber, parseNumberText, scanNumericLines, splitRecord, type NumericSink } from './csv.ts';
import { openSource, sourceName, type InteractionSource } from './sources.ts';
import { cp1252ToUtf8, crToLf, encodingOf, firstHighByte, gunzip, isGzip, lineEndingOf, looksUtf8, unsupportedEncoding, type TextEncodingName } from './decode.ts';
import { ALIASES, SNIFF_BYTES, aliasKey, parseIsoDate, sampleRecords, sniffDelimiter, sniffHeader, sniffLayout } from './sniff.ts';
import { BUILDER_OPTION_KEYS, FIELDS, PRESETS, READ_OPTION_KEYS, checkOptions, formatFromName, resolveColumns, type BadLine, type Field, type InteractionFormat, type Preset, type ReadDecisions, type ReadOptions } from './read-options.ts';
import { IdColumn, NumColumn, keepAtLeast } from './read-columns.ts';

export type { InteractionSource } from './sources.ts';
export type { TextEncodingName } from './decode.ts';
export { describeDecisions, READ_OPTION_KEYS } from './read-options.ts';
export type { InteractionFormat, ColumnMapping, ReadOptions, BadLine, ReadDecisions } from './read-options.ts';

/** Parsed columns, ready for {@link DatasetBuilder.addColumns}. */
export interface ReadRecordsResult {
  readonly source: string;
  readonly users: ArrayLike<Id>;
  readonly items: ArrayLike<Id>;
  readonly weights?: Float64Array;
  readonly timestamps?: Float64Array;
  /** Records kept. */
  readonly rows: number;
  /** Lines skipped as malformed (onBadLine: 'skip'). */
  readonly skipped: number;
  /** Rows dropped because their weight was below `minRating`. */
  readonly belowMinRating: number;
  readonly badLines: readonly BadLine[];
  readonly decisions: ReadDecisions;
}

const F32_MAX = 3.4028234663852886e38;
/** A line longer than this is refused (a binary file or a file without line breaks, not a table). */
const MAX_LINE_BYTES = 16 << 20;

async function* prepend(first: Uint8Array[], rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* first;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    yield r.value;
  }
}

function concat(parts: Uint8Array[], n: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Read interaction records as columns, without mapping ids (feed them to a {@link DatasetBuilder} with the
 * vocabulary you want). `decisions` says how the input was read.
 *
 * @example
 * ```ts
 * const rec = await readRecords('ratings.csv', { onBadLine: 'skip' });
 * console.log(describeDecisions(rec.decisions)); // "delimited, ','-separated, header (userId, movieId, rating, timestamp), …"
 * const b = new DatasetBuilder({ users: train.users, items: train.items });
 * b.addColumns(rec);
 * ```
 */
export async function readRecords(source: InteractionSource, options: ReadOptions = {}): Promise<ReadRecordsResult> {
  checkOptions(options, READ_OPTION_KEYS, 'readRecords');
  return readChecked(source, options);
}

async function readChecked(source: InteractionSource, options: ReadOptions): Promise<ReadRecordsResult> {
  const name = sourceName(source, options.name);
  const input = await openSource(source, name);
  const onBad = options.onBadLine ?? 'error';
  const idMode = options.ids ?? 'auto';
  const signal = options.signal;

  let format: InteractionFormat | undefined = options.format ?? formatFromName(name);
  const preset: Preset = format ? PRESETS[format] : {};
  let delim: Uint8Array | undefined;
  let delimText = '';
  let quote = -1;
  let headerNames: string[] | undefined = Array.isArray(options.header) ? options.header : undefined;
  let expectHeader = false;
  let layout: Record<Field, number> | undefined;
  let layoutName: string | undefined;
  let cols: Record<Field, number> | undefined;
  let encoding: TextEncodingName = 'utf-8';
  let lineEnding: ReadDecisions['lineEnding'] = 'none';
  let compression: ReadDecisions['compression'] = 'none';
  const sniffed: string[] = [];
  let prefixForHints: Uint8Array = new Uint8Array(0);

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

  /** What to suggest when the delimiter does not split the lines: the sniffed one, if any. */
  const suggestDelimiter = (): string => {
    const g = sniffDelimiter(prefixForHints, quote, true);
    if (g && g.delimiter !== delimText) return `pass delimiter: '${g.delimiter === '\t' ? '\\t' : g.delimiter}' (CLI --delimiter ${g.delimiter === '\t' ? 'tab' : `'${g.delimiter}'`}): the lines split into ${g.fields} fields with it.`;
    return "pass the delimiter (delimiter: ';', CLI --delimiter ';') or a format (e.g. format: 'ml-100k').";
  };

  /** Decide delimiter, header and layout from the (decoded) prefix. */
  const setup = (prefix: Uint8Array, atEof: boolean): void => {
    prefixForHints = prefix;
    if (!format) {
      let p = 0;
      while (p < prefix.length && (prefix[p] === 32 || prefix[p] === 10 || prefix[p] === 13 || prefix[p] === 9)) p++;
      if (prefix[p] === 123 /* { */ || prefix[p] === 91 /* [ */) {
        format = 'jsonl';
        sniffed.push('format');
      }
    }
    if (format === 'jsonl') return;
    const q = options.quote === undefined ? '"' : options.quote;
    quote = q === null ? -1 : q.charCodeAt(0);
    delimText = options.delimiter ?? preset.delimiter ?? '';
    if (!delimText) {
      const g = sniffDelimiter(prefix, quote, atEof);
      delimText = g?.delimiter ?? ',';
      sniffed.push('delimiter');
    }
    delim = new TextEncoder().encode(delimText);
    const sample = sampleRecords(prefix, delimText, quote, atEof);
    if (sample.length > 0 && sample.every((r) => r.length < 2)) {
      const shown = delimText === '\t' ? 'tab' : `'${delimText}'`;
      throw new InvalidArgumentError('delimiter', delimText, `a delimiter that splits ${name}'s lines (with ${shown} they have 1 field)`, suggestDelimiter());
    }
    const header = options.header ?? preset.header ?? (options.columns && FIELDS.some((f) => typeof options.columns![f] === 'string') ? true : undefined);
    if (header === undefined) {
      sniffed.push('header');
      const verdict = sniffHeader(sample);
      if (verdict === 'ambiguous') {
        const first = sample[0];
        throw new DataFormatError(
          name, 1, 'header', first.join(delimText),
          `line 1 could be a header (columns ${first.map((v) => JSON.stringify(v)).join(', ')}) or the first record (user ${JSON.stringify(first[0])}, item ${JSON.stringify(first[1] ?? '')}); the reader does not guess`,
          'pass header: true or header: false (CLI --header or --no-header).',
        );
      }
      expectHeader = verdict === 'header';
    } else expectHeader = header === true;
    if (!expectHeader && !headerNames) {
      if (preset.columns) layout = preset.columns;
      else if (!options.columns) {
        const counts = sample.map((r) => r.length);
        const fields = counts.length ? Math.max(...counts) : 0;
        const l = sniffLayout(sample, delimText, fields);
        layout = l.columns;
        layoutName = l.name;
        sniffed.push('layout');
      }
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
    if (text.includes('\uFFFD') && !looksUtf8(buf.subarray(s, e), false)) {
      bad(ln, field, text, "not valid UTF-8 (pass encoding: 'latin1' if the file is latin-1/windows-1252; CLI --encoding latin1)");
      return false;
    }
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

  const takeNum = (buf: Uint8Array, f: number, ln: number, field: Field): number => {
    let v = spans.quoted[f] === 0 ? parseNumber(buf, spans.starts[f], spans.ends[f]) : parseNumberText(fieldText(buf, spans, f, quote).trim());
    if (v !== v && field === 'timestamp') v = parseIsoDate(fieldText(buf, spans, f, quote).trim());
    if (v !== v) bad(ln, field, fieldText(buf, spans, f, quote), field === 'timestamp' ? 'not a number or an ISO 8601 date' : 'not a finite number');
    else if (field === 'weight' && !(v <= F32_MAX && v >= -F32_MAX)) {
      bad(ln, field, fieldText(buf, spans, f, quote), 'out of the range weights are stored in (32-bit floats, ±3.4e38)');
      return NaN;
    }
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
    cols ??= resolveColumns(options.columns, headerNames, layout, spans.count, name, delimText, suggestDelimiter);
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

  // ---- JSONL and record objects ------------------------------------------------------------------------------
  const decoder = new TextDecoder();
  let objectKeys: Partial<Record<Field, string | number>> | undefined;
  const keyOf = (obj: object, first: object): void => {
    objectKeys = {};
    const keys = Array.isArray(first) ? undefined : Object.keys(first);
    const lower = keys?.map(aliasKey);
    for (const f of FIELDS) {
      const given = options.columns?.[f];
      if (given === null) continue;
      if (given !== undefined) objectKeys[f] = given;
      else if (keys) {
        for (const a of ALIASES[f]) {
          const k = lower!.indexOf(a);
          if (k >= 0 && !Object.values(objectKeys).includes(keys[k])) {
            objectKeys[f] = keys[k];
            break;
          }
        }
      } else if (FIELDS.indexOf(f) < (obj as unknown[]).length) objectKeys[f] = FIELDS.indexOf(f);
    }
    if (objectKeys.user === undefined || objectKeys.item === undefined) {
      throw new InvalidArgumentError('columns', keys ?? obj, 'user and item keys', `name them, e.g. columns: { user: '${keys?.[0] ?? 0}', item: '${keys?.[1] ?? 1}' } (reading ${name}).`);
    }
  };
  const objectRecord = (obj: unknown, ln: number, text: unknown): void => {
    if (obj === null || typeof obj !== 'object') {
      bad(ln, 'record', text, 'not an object or array');
      return;
    }
    if (!objectKeys) keyOf(obj, obj);
    const get = (f: Field): unknown => {
      const key = objectKeys![f];
      return key === undefined ? undefined : (obj as Record<string | number, unknown>)[key];
    };
    const vals: Partial<Record<Field, number>> = {};
    for (const f of ['weight', 'timestamp'] as const) {
      if (objectKeys![f] === undefined) continue;
      const v = get(f);
      let num = typeof v === 'number' ? v : typeof v === 'string' ? parseNumberText(v.trim()) : f === 'timestamp' && v instanceof Date ? v.getTime() / 1000 : NaN;
      if (num !== num && f === 'timestamp' && typeof v === 'string') num = parseIsoDate(v.trim());
      if (!Number.isFinite(num)) {
        bad(ln, f, v, f === 'timestamp' ? 'not a number or an ISO 8601 date' : 'not a finite number');
        return;
      }
      if (f === 'weight' && !(num <= F32_MAX && num >= -F32_MAX)) {
        bad(ln, f, v, 'out of the range weights are stored in (32-bit floats, ±3.4e38)');
        return;
      }
      vals[f] = num;
    }
    const ids: Id[] = [];
    for (const f of ['user', 'item'] as const) {
      const v = get(f);
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
    if (objectKeys!.weight !== undefined) weights.push(vals.weight!);
    if (objectKeys!.timestamp !== undefined) timestamps.push(vals.timestamp!);
    rows++;
  };
  const jsonRecord = (bytes: Uint8Array, ln: number): void => {
    let text: string;
    try {
      text = utf8Strict.decode(bytes);
    } catch {
      bad(ln, 'json', decoder.decode(bytes), "not valid UTF-8 (pass encoding: 'latin1' if the file is latin-1/windows-1252)");
      return;
    }
    if (text.trim() === '') return;
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      bad(ln, 'json', text, `invalid JSON (${(e as Error).message})`);
      return;
    }
    objectRecord(obj, ln, text);
  };
  const jsonl = (buf: Uint8Array, atEof: boolean): number => {
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) {
        if (!atEof) return pos;
        if (pos < buf.length) jsonRecord(buf.subarray(pos), line);
        return buf.length;
      }
      jsonRecord(buf.subarray(pos, nl), line);
      line++;
      pos = nl + 1;
    }
  };

  // ---- drive -------------------------------------------------------------------------------------------------
  let carry: Uint8Array | undefined;
  // chunks without a line break wait here, so a long line arriving in small chunks is copied once, not per chunk
  const pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const consume = (chunk: Uint8Array, atEof: boolean): void => {
    if (!atEof && chunk.indexOf(10) < 0) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes + (carry?.length ?? 0) <= MAX_LINE_BYTES) return;
    }
    let buf = chunk;
    if (pending.length || (carry && carry.length)) {
      if (pending[pending.length - 1] !== chunk) {
        pending.push(chunk);
        pendingBytes += chunk.length;
      }
      if (carry?.length) {
        pending.unshift(carry);
        pendingBytes += carry.length;
      }
      buf = concat(pending, pendingBytes);
      pending.length = 0;
      pendingBytes = 0;
    }
    const rest = format === 'jsonl' ? jsonl(buf, atEof) : delimited(buf, atEof);
    carry = rest < buf.length ? buf.slice(rest) : undefined;
    if (carry && carry.length > MAX_LINE_BYTES) {
      throw new DataFormatError(name, line, 'record', new TextDecoder().decode(carry.subarray(0, 80)), `a line longer than ${MAX_LINE_BYTES >> 20} MiB without a line break`, 'check that the input is a text table (CSV, TSV, JSONL) and not binary or compressed in another format than gzip.');
    }
  };
  const report = () => options.onProgress?.({ phase: 'read', done: bytesDone, total: input.total, info: { rows, skipped } });
  const checkAbort = () => {
    if (signal?.aborted) throw new AbortError(`reading ${name}`);
  };

  if (input.records) {
    format = undefined;
    const it = input.records;
    let n = 0;
    try {
      for (;;) {
        checkAbort();
        const r = await it.next();
        if (r.done) break;
        objectRecord(r.value, ++n, r.value);
        if ((n & 0xffff) === 0) report();
      }
    } finally {
      await (it as AsyncIterator<unknown>).return?.();
    }
    line = n + 1;
  } else {
    // raw bytes are counted for progress before any decompression
    const raw = input.chunks!;
    const counted: AsyncIterator<Uint8Array> = {
      next: async () => {
        checkAbort();
        const r = await raw.next();
        if (!r.done) {
          if (!(r.value instanceof Uint8Array)) throw new InvalidArgumentError('source', r.value, 'a stream of Uint8Array chunks');
          bytesDone += r.value.length;
        }
        return r;
      },
      return: async () => (await raw.return?.()) ?? { done: true, value: undefined },
    };
    let chunks: AsyncIterator<Uint8Array> = counted;
    try {
      let r = await chunks.next();
      // gzip by magic bytes, whatever the name says
      if (!r.done && r.value.length < 2) {
        const more = await chunks.next();
        if (!more.done) r = { done: false, value: concat([r.value, more.value], r.value.length + more.value.length) };
      }
      if (!r.done && isGzip(r.value)) {
        compression = 'gzip';
        chunks = gunzip(prepend([r.value], counted));
        r = await chunks.next();
      }
      // a bounded prefix, extended only as far as the first line break (so line 1 is whole when sniffed)
      const parts: Uint8Array[] = [];
      let n = 0;
      let eof = false;
      const hasBreak = () => parts.some((p) => p.indexOf(10) >= 0 || p.indexOf(13) >= 0);
      while (!r.done) {
        parts.push(r.value);
        n += r.value.length;
        report();
        if (n >= SNIFF_BYTES && (hasBreak() || n > MAX_LINE_BYTES)) break;
        r = await chunks.next();
      }
      if (r.done) eof = true;
      let prefix = concat(parts, n);
      const refused = unsupportedEncoding(prefix);
      if (refused) {
        throw new DataFormatError(name, 1, 'encoding', refused, `encoding not supported: ${refused}`, "convert the file to UTF-8 (e.g. iconv -f UTF-16 -t UTF-8 in.csv > out.csv); UTF-8 and windows-1252/latin-1 (encoding: 'latin1') are read.");
      }
      if (prefix[0] === 0xef && prefix[1] === 0xbb && prefix[2] === 0xbf) prefix = prefix.subarray(3);
      // The encoding is decided at the first non-ASCII byte, from a bounded window there: bytes before it read
      // the same in UTF-8 and windows-1252, so a latin-1 file whose first accent is far in (u.item) is still caught.
      let undecided = false;
      const decideAt = (b: Uint8Array): void => {
        const hi = firstHighByte(b);
        if (hi < 0) return;
        undecided = false;
        if (!looksUtf8(b.subarray(hi, hi + SNIFF_BYTES))) {
          encoding = 'windows-1252';
          sniffed.push('encoding');
        }
      };
      if (options.encoding) encoding = encodingOf(options.encoding)!;
      else if (preset.encoding) encoding = preset.encoding;
      else {
        undecided = true;
        decideAt(prefix);
      }
      lineEnding = lineEndingOf(prefix);
      const crOnly = lineEnding === 'CR';
      const transform = (b: Uint8Array): Uint8Array => {
        if (undecided) decideAt(b);
        if (encoding === 'windows-1252') b = cp1252ToUtf8(b);
        return crOnly ? crToLf(b) : b;
      };
      const first = transform(prefix);
      setup(first, eof);
      consume(first, eof);
      report();
      if (!eof) {
        for (;;) {
          const c = await chunks.next();
          if (c.done) break;
          consume(transform(c.value), false);
          report();
        }
        consume(new Uint8Array(0), true);
      }
    } catch (e) {
      await chunks.return?.(undefined).catch(() => undefined);
      if (e instanceof RecwiseError) throw e;
      // a corrupt gzip stream, a network error mid-body: name the source and the line reached
      throw new DataFormatError(name, line, 'input', (e as Error)?.message ?? e, `could not read past this line (${(e as Error)?.name ?? 'error'}: ${(e as Error)?.message ?? e})`, 'check that the file is complete (a truncated download or gzip file) and readable.');
    }
  }
  report();

  const hasWeight = rows > 0 && (cols ? cols.weight >= 0 : objectKeys?.weight !== undefined);
  const hasTime = rows > 0 && (cols ? cols.timestamp >= 0 : objectKeys?.timestamp !== undefined);
  let belowMinRating = 0;
  if (options.minRating !== undefined && rows > 0) {
    if (!hasWeight) throw new InvalidArgumentError('minRating', options.minRating, `a rating column in ${name} (none was found)`, 'map it with columns: { weight: … } (CLI --columns weight=rating).');
    belowMinRating = keepAtLeast(options.minRating, rows, users, items, weights, hasTime ? timestamps : undefined);
    rows -= belowMinRating;
  }
  const decisions = decide();
  if (rows === 0) {
    const why = belowMinRating > 0
      ? `all ${belowMinRating} rows are below minRating ${options.minRating}`
      : skipped > 0
        ? `all ${skipped} data lines were skipped as malformed`
        : headerNames && !Array.isArray(options.header) ? 'it holds only a header' : 'it is empty';
    throw new DataFormatError(name, line, 'rows', 0, `no usable rows: ${why}`, 'check the file (an interrupted download or export?), the columns and minRating.');
  }
  return {
    source: name,
    users: users.values(),
    items: items.values(),
    weights: hasWeight ? weights.vals.subarray(0, rows) : undefined,
    timestamps: hasTime ? timestamps.vals.subarray(0, rows) : undefined,
    rows,
    skipped,
    belowMinRating,
    badLines,
    decisions,
  };

  function decide(): ReadDecisions {
    const columns = {} as Record<Field, string | number | null>;
    for (const f of FIELDS) {
      if (cols) columns[f] = cols[f] < 0 ? null : headerNames ? headerNames[cols[f]] ?? cols[f] : cols[f];
      else columns[f] = objectKeys?.[f] ?? null;
    }
    return {
      format: input.records ? 'records' : format === 'jsonl' ? 'jsonl' : format && format !== 'csv' && format !== 'tsv' ? format : 'delimited',
      layout: layoutName,
      delimiter: cols || (format !== 'jsonl' && !input.records) ? delimText || undefined : undefined,
      header: headerNames ?? false,
      columns,
      encoding,
      lineEnding,
      compression,
      sniffed,
    };
  }
}


/** Bytes are UTF-8 by the time lines are decoded (windows-1252 input is transcoded first); invalid ones are a bad line. */
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Options of {@link readInteractions}: reader options plus the builder's (duplicates, binary, sortIds, vocabularies). */
export interface ReadInteractionsOptions extends ReadOptions, DatasetBuilderOptions {}

/** Result of {@link readInteractions}. */
export interface ReadInteractionsResult {
  readonly interactions: Interactions;
  /** Records read from the source (after minRating). */
  readonly rows: number;
  /** Malformed lines skipped (onBadLine: 'skip'). */
  readonly skipped: number;
  readonly badLines: readonly BadLine[];
  /** Rows dropped because their weight was below `minRating`. */
  readonly belowMinRating: number;
  /** Rows dropped because their user or item was not in a given vocabulary. */
  readonly droppedRows: number;
  /** Rows merged into an earlier row of the same (user, item) pair by the duplicates policy. */
  readonly mergedRows: number;
  /** How the input was read (delimiter, header, columns, encoding, …); {@link describeDecisions} prints it. */
  readonly decisions: ReadDecisions;
}

/**
 * Read a file, URL, stream, records or bytes into {@link Interactions}.
 *
 * @example
 * ```ts
 * import { readInteractions } from 'recwise';
 * // the benchmark protocol: binary weights, dense ids from train sorted numerically, test mapped into train
 * const { interactions: train } = await readInteractions('../shared/data/splits/ml-100k/train.tsv', { binary: true, sortIds: true });
 * const { interactions: test, droppedRows } = await readInteractions('../shared/data/splits/ml-100k/test.tsv',
 *   { binary: true, users: train.users, items: train.items });
 * // as users have them: MovieLens originals, CSV exports, ratings ≥ 4 only
 * await readInteractions('ml-100k/u.data');                                   // tab, no header: sniffed
 * await readInteractions('ml-25m/ratings.csv', { minRating: 4 });             // userId,movieId,rating,timestamp
 * await readInteractions(fs.createReadStream('export.csv.gz'), { encoding: 'latin1', duplicates: 'max' });
 * ```
 */
export async function readInteractions(source: InteractionSource, options: ReadInteractionsOptions = {}): Promise<ReadInteractionsResult> {
  checkOptions(options, [...READ_OPTION_KEYS, ...BUILDER_OPTION_KEYS], 'readInteractions');
  const rec = await readChecked(source, options);
  const builder = new DatasetBuilder({
    duplicates: options.duplicates, binary: options.binary, sortIds: options.sortIds, users: options.users, items: options.items,
    unknownUsers: options.unknownUsers, unknownItems: options.unknownItems,
  });
  builder.addColumns(rec);
  const interactions = await builder.build();
  const s = builder.stats;
  return {
    interactions, rows: rec.rows, skipped: rec.skipped, badLines: rec.badLines, belowMinRating: rec.belowMinRating,
    droppedRows: s.droppedUnknownUser + s.droppedUnknownItem, mergedRows: s.keptRows - s.pairs, decisions: rec.decisions,
  };
}
