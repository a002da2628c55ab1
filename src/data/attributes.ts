/**
 * Features from attribute tables (issue 16): a CSV/TSV/`|` table of items or users (MovieLens u.item with its
 * latin-1 titles and 19 genre flags, u.user demographics, any export) turned into `{ id, features }` rows for
 * {@link buildFeatures} / LightFM, with the feature vocabulary inspectable. Kinds of column, after LightFM's
 * advice (Kula 2015; LightFM docs: discretise numerical side features):
 * - `name` — categorical: one feature `name:value`;
 * - `name:multi` — several values in one field (`Action|Comedy`, `a,b`): one feature per value;
 * - `name:bucketN` — numeric, cut into N quantile buckets (a value with a 4-digit year, `01-Jan-1995`, counts as the year): `name:lo..hi`;
 * - `name:flag` or `a..b:flag` (a range of columns) — 0/1 columns: the column's name when the value is non-zero.
 * Columns are header names or 0-based indices; features are named by the header (or `cN` without one).
 */
import { DataFormatError, InvalidArgumentError } from '../errors.ts';
import { FieldSpans, SplitResult, fieldText, splitRecord } from './csv.ts';
import { openSource, sourceName, type InteractionSource } from './sources.ts';
import { cp1252ToUtf8, crToLf, encodingOf, gunzip, isGzip, lineEndingOf, looksUtf8, unsupportedEncoding } from './decode.ts';
import { ALIASES, aliasKey, sniffDelimiter, sniffHeader } from './sniff.ts';
import { checkOptionKeys } from './option-keys.ts';
import type { Id } from './vocabulary.ts';

/** Options of {@link readAttributes}. */
export interface ReadAttributesOptions {
  /** The feature columns: specs such as `'genres:multi'`, `'year:bucket10'`, `'occupation'`, `'5..23:flag'`. */
  columns: readonly string[];
  /** The id column, by header name or 0-based index (default: a column named id/item/movieId/…, else column 0). */
  id?: string | number;
  /** Field separator (default sniffed: tab, `::`, `,`, `;`, `|`). */
  delimiter?: string;
  /** Whether line 1 names the columns, or the names (default sniffed). */
  header?: boolean | string[];
  /** `'utf-8'` or `'latin1'`/`'windows-1252'` (default: utf-8 unless the text is not valid utf-8). */
  encoding?: string;
  /** Separator of `:multi` values (default `|` when a value holds one and the delimiter is not `|`, else `,`). */
  multiSeparator?: string;
  /** Name used in error messages. */
  name?: string;
}

/** Features per entity, ready for `buildFeatures(vocab, table.rows)` or LightFM's `withFeatures`. */
export interface AttributeTable {
  readonly rows: Array<{ id: Id; features: string[] }>;
  /** Every feature name, sorted, with how many entities have it. */
  readonly vocabulary: ReadonlyArray<{ feature: string; count: number }>;
}

const ID_NAMES: readonly string[] = ['id', ...ALIASES.item, ...ALIASES.user];
const KEYS = ['columns', 'id', 'delimiter', 'header', 'encoding', 'multiSeparator', 'name'];

interface Spec {
  cols: number[];
  kind: 'categorical' | 'multi' | 'bucket' | 'flag';
  buckets: number;
}

/** All of a source's bytes as UTF-8 with LF line ends (attribute tables are small; interactions stream instead). */
async function readText(source: InteractionSource, name: string, encoding: string | undefined): Promise<Uint8Array> {
  const input = await openSource(source, name);
  if (!input.chunks) throw new InvalidArgumentError('source', source, 'a file, URL, stream or bytes of a table');
  const parts: Uint8Array[] = [];
  let it = input.chunks;
  let first = await it.next();
  if (!first.done && isGzip(first.value)) {
    const rest = it;
    const head = first.value;
    it = gunzip((async function* () {
      yield head;
      for (let r = await rest.next(); !r.done; r = await rest.next()) yield r.value;
    })());
    first = await it.next();
  }
  for (let r = first; !r.done; r = await it.next()) parts.push(r.value);
  let bytes: Uint8Array = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.length;
  }
  const refused = unsupportedEncoding(bytes);
  if (refused) throw new DataFormatError(name, 1, 'encoding', refused, `encoding not supported: ${refused}`, 'convert the file to UTF-8 (e.g. iconv -f UTF-16 -t UTF-8).');
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  const enc = encoding ? encodingOf(encoding) : looksUtf8(bytes, false) ? 'utf-8' : 'windows-1252';
  if (!enc) throw new InvalidArgumentError('encoding', encoding, "'utf-8' or 'latin1'");
  if (enc === 'windows-1252') bytes = cp1252ToUtf8(bytes);
  return lineEndingOf(bytes) === 'CR' ? crToLf(bytes) : bytes;
}

function parseSpec(spec: string, names: string[] | undefined, width: number, source: string): Spec {
  const m = /^(.*?)(?::(multi|flag|bucket(\d+)))?$/.exec(spec.trim())!;
  const col = (ref: string): number => {
    if (/^\d+$/.test(ref)) return Number(ref);
    const k = names ? names.findIndex((n) => n.trim().toLowerCase() === ref.toLowerCase()) : -1;
    if (k < 0) throw new InvalidArgumentError('columns', spec, names ? `a column of ${source} (${names.join(', ')})` : `a 0-based column index (${source} has no header)`);
    return k;
  };
  const range = /^(\w+)\.\.(\w+)$/.exec(m[1]);
  const cols = range ? Array.from({ length: col(range[2]) - col(range[1]) + 1 }, (_, j) => col(range[1]) + j) : [col(m[1])];
  for (const c of cols) if (c >= width) throw new InvalidArgumentError('columns', spec, `columns below ${width} (the table's width)`);
  if (cols.length === 0 || (cols.length > 1 && m[2] !== 'flag')) throw new InvalidArgumentError('columns', spec, 'a range a..b only with :flag');
  const kind = m[2] === undefined ? 'categorical' : m[2].startsWith('bucket') ? 'bucket' : (m[2] as 'multi' | 'flag');
  const buckets = m[3] ? Number(m[3]) : 0;
  if (kind === 'bucket' && !(buckets >= 2 && buckets <= 1000)) throw new InvalidArgumentError('columns', spec, 'bucketN with 2 ≤ N ≤ 1000');
  return { cols, kind, buckets };
}

/** A number, or the 4-digit year inside a date such as `01-Jan-1995`; NaN when neither. */
function numeric(v: string): number {
  const t = v.trim();
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  const y = /(?:^|\D)(\d{4})(?:\D|$)/.exec(t);
  return y ? Number(y[1]) : NaN;
}

/** Bucket edges at the quantiles of the values (duplicates merged, so a bucket is never empty). */
function quantileEdges(values: number[], n: number): number[] {
  const sorted = values.slice().sort((a, b) => a - b);
  const edges: number[] = [];
  for (let q = 1; q < n; q++) {
    const e = sorted[Math.min(sorted.length - 1, Math.floor((q * sorted.length) / n))];
    if (e !== undefined && e !== edges[edges.length - 1] && e > sorted[0]) edges.push(e);
  }
  return edges;
}

/**
 * Read an attribute table into feature rows.
 *
 * @example
 * ```ts
 * import { readAttributes, LightFmRecommender } from 'recwise';
 * const genres = ['unknown', 'Action', 'Adventure', …];                   // u.genre
 * const items = await readAttributes('ml-100k/u.item', {
 *   header: ['id', 'title', 'date', 'video', 'url', ...genres], columns: ['date:bucket10', 'unknown..Western:flag'],
 * });
 * items.vocabulary;  // [{ feature: 'Action', count: 251 }, …, { feature: 'date:1995..1996', count: … }, …]
 * const model = new LightFmRecommender().withFeatures({ itemFeatures: { rows: items.rows } });
 * ```
 */
export async function readAttributes(source: InteractionSource, options: ReadAttributesOptions): Promise<AttributeTable> {
  if (!options || typeof options !== 'object') throw new InvalidArgumentError('options', options, '{ columns: [...] }');
  checkOptionKeys(options, KEYS, 'readAttributes');
  if (!Array.isArray(options.columns) || options.columns.length === 0 || !options.columns.every((c) => typeof c === 'string')) {
    throw new InvalidArgumentError('columns', options.columns, "feature column specs, e.g. ['genres:multi', 'year:bucket10']");
  }
  const name = sourceName(source, options.name);
  const buf = await readText(source, name, options.encoding);
  const delimiter = options.delimiter ?? sniffDelimiter(buf, 34, true)?.delimiter ?? ',';
  const d = new TextEncoder().encode(delimiter);
  const spans = new FieldSpans();
  const res = { next: 0, lines: 1 };
  const records: Array<{ line: number; fields: string[] }> = [];
  let line = 1;
  for (let pos = 0; pos < buf.length; ) {
    if (splitRecord(buf, pos, buf.length, d, 34, spans, true, res) === SplitResult.Incomplete) {
      throw new DataFormatError(name, line, 'record', '', 'unterminated quoted field');
    }
    const fields: string[] = [];
    for (let f = 0; f < spans.count; f++) fields.push(fieldText(buf, spans, f, 34));
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line, fields });
    line += res.lines;
    pos = res.next;
  }
  let names: string[] | undefined = Array.isArray(options.header) ? options.header : undefined;
  let header = options.header === true;
  if (options.header === undefined) {
    const verdict = sniffHeader(records.slice(0, 64).map((r) => r.fields));
    if (verdict === 'ambiguous') throw new DataFormatError(name, 1, 'header', records[0]?.fields.join(delimiter), 'line 1 could be a header or data', 'pass header: true or header: false.');
    header = verdict === 'header';
  }
  if (header) names = records.shift()?.fields;
  if (records.length === 0) throw new DataFormatError(name, line, 'rows', 0, 'no rows in the attribute table');
  const width = Math.max(names?.length ?? 0, ...records.map((r) => r.fields.length));
  const idCol = typeof options.id === 'number' ? options.id
    : typeof options.id === 'string' ? parseSpec(options.id, names, width, name).cols[0]
    : Math.max(0, names?.findIndex((n) => ID_NAMES.includes(aliasKey(n))) ?? 0);
  const specs = options.columns.map((c) => parseSpec(c, names, width, name));
  const colName = (c: number) => names?.[c]?.trim() || `c${c}`;

  const edges = specs.map((s) => (s.kind === 'bucket' ? quantileEdges(records.map((r) => numeric(r.fields[s.cols[0]] ?? '')).filter((v) => v === v), s.buckets) : []));
  const multiSep = options.multiSeparator ?? (delimiter !== '|' && records.some((r) => specs.some((s) => s.kind === 'multi' && (r.fields[s.cols[0]] ?? '').includes('|'))) ? '|' : ',');
  const allIntIds = records.every((r) => /^-?(0|[1-9]\d{0,14})$/.test(r.fields[idCol] ?? ''));
  const counts = new Map<string, number>();
  const rows = records.map(({ line: ln, fields }) => {
    const raw = fields[idCol] ?? '';
    if (raw === '') throw new DataFormatError(name, ln, 'id', raw, `empty id (column ${idCol + 1})`);
    const features = new Set<string>();
    specs.forEach((s, k) => {
      const c = s.cols[0];
      const v = (fields[c] ?? '').trim();
      if (s.kind === 'flag') {
        for (const fc of s.cols) {
          const x = (fields[fc] ?? '').trim();
          if (x !== '' && x !== '0' && x.toLowerCase() !== 'false') features.add(colName(fc));
        }
      } else if (v === '') return;
      else if (s.kind === 'categorical') features.add(`${colName(c)}:${v}`);
      else if (s.kind === 'multi') for (const part of v.split(multiSep)) { if (part.trim()) features.add(`${colName(c)}:${part.trim()}`); }
      else {
        const x = numeric(v);
        if (x !== x) throw new DataFormatError(name, ln, colName(c), v, 'not a number or a date with a year (for :bucket)');
        const e = edges[k];
        let b = 0;
        while (b < e.length && x >= e[b]) b++;
        features.add(`${colName(c)}:${b === 0 ? '' : e[b - 1]}..${b < e.length ? e[b] : ''}`);
      }
    });
    for (const f of features) counts.set(f, (counts.get(f) ?? 0) + 1);
    return { id: allIntIds ? Number(raw) : raw, features: [...features] };
  });
  const vocabulary = [...counts].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([feature, count]) => ({ feature, count }));
  return { rows, vocabulary };
}
