/**
 * What the interaction readers can be told (issue 16): formats and their presets, options and their checks, the
 * column mapping, and the decisions a read reports. Parsing itself is in readers.ts.
 */
import { InvalidArgumentError } from '../errors.ts';
import type { LongRunOptions } from '../models/progress.ts';
import { ENCODING_LABELS, encodingOf, type TextEncodingName } from './decode.ts';
import { ALIASES, aliasKey } from './sniff.ts';
import { checkOptionKeys } from './option-keys.ts';

/**
 * File formats the readers know. Presets fix the delimiter, the header and the columns: `ml-100k` (tab, no
 * header), `ml-1m`/`ml-10m` (`::`, no header), `ml-20m`/`ml-25m`/`ml-32m` (`ratings.csv` with its header),
 * `lastfm-1k` (item = artist name, timestamp = the ISO date), `lastfm-360k` (item = artist name, weight = plays).
 * `csv` and `tsv` fix only the delimiter.
 */
export type InteractionFormat = 'csv' | 'tsv' | 'jsonl' | 'ml-100k' | 'ml-1m' | 'ml-10m' | 'ml-20m' | 'ml-25m' | 'ml-32m' | 'lastfm-1k' | 'lastfm-360k';

export interface Preset {
  delimiter?: string;
  header?: boolean;
  columns?: Record<Field, number>;
  encoding?: TextEncodingName;
}
const ML_COLUMNS = { user: 0, item: 1, weight: 2, timestamp: 3 };
const ML_CSV: Preset = { delimiter: ',', header: true };
/** MovieLens text files before 20M are latin-1 (u.item titles); their ratings are ASCII either way. */
export const PRESETS: Record<InteractionFormat, Preset> = {
  csv: { delimiter: ',' },
  tsv: { delimiter: '\t' },
  jsonl: {},
  'ml-100k': { delimiter: '\t', header: false, columns: ML_COLUMNS, encoding: 'windows-1252' },
  'ml-1m': { delimiter: '::', header: false, columns: ML_COLUMNS, encoding: 'windows-1252' },
  'ml-10m': { delimiter: '::', header: false, columns: ML_COLUMNS, encoding: 'windows-1252' },
  'ml-20m': ML_CSV,
  'ml-25m': ML_CSV,
  'ml-32m': ML_CSV,
  'lastfm-1k': { delimiter: '\t', header: false, columns: { user: 0, item: 3, weight: -1, timestamp: 1 } },
  'lastfm-360k': { delimiter: '\t', header: false, columns: { user: 0, item: 2, weight: 3, timestamp: -1 } },
};
export const FORMATS = Object.keys(PRESETS) as InteractionFormat[];

/** Which column holds what: a header name or a 0-based index (`null`: none). */
export interface ColumnMapping {
  user?: string | number;
  item?: string | number;
  weight?: string | number | null;
  timestamp?: string | number | null;
}

/** Options of {@link readRecords} and {@link readInteractions}. */
export interface ReadOptions extends LongRunOptions {
  /** Default: from the name (`.jsonl`/`.ndjson`, `u.data`/`.data` → ml-100k, `.dat` → ml-1m), else sniffed (delimiter, header, layout). */
  format?: InteractionFormat;
  /** Field separator, one or two bytes (default: the format's, else sniffed among tab, `::`, `,`, `;`, `|`). */
  delimiter?: string;
  /** Whether the first line names the columns, or the names to use (default: the format's, else sniffed; never guessed when unclear). */
  header?: boolean | string[];
  /**
   * Columns by header name or 0-based index. Defaults: the header names matching user/user_id/userId/reviewerID/…,
   * item/movieId/asin/book_id/…, weight/rating/stars/plays/…, timestamp/time/date/…; without a header, the
   * layout's (columns 0, 1, 2, 3 unless a known layout such as Last.fm 1K is recognised).
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
  /**
   * Text encoding: `'utf-8'` or `'windows-1252'` (`'latin1'`, `'iso-8859-1'` name it too). Default: the format's,
   * else UTF-8 unless the prefix is not valid UTF-8 (then windows-1252, reported in `decisions`). UTF-16 is refused.
   */
  encoding?: string;
  /** Keep only rows whose weight (rating) is at least this (the usual explicit → implicit step); dropped rows are counted. */
  minRating?: number;
}

/** A skipped line, as reported with `onBadLine: 'skip'` (the first 100 are kept). */
export interface BadLine {
  readonly line: number;
  readonly field: string;
  readonly reason: string;
}

/** What the reader decided about the input (given by options or sniffed), for logs and the CLI. */
export interface ReadDecisions {
  /** A format preset, or `'delimited'`, `'jsonl'`, `'records'` (objects given directly). */
  readonly format: string;
  /** The recognised header-less layout (`'lastfm-1k'`, `'lastfm-360k'`, `'generic'`), when one was used. */
  readonly layout?: string;
  readonly delimiter?: string;
  /** The header's names, or false when line 1 is data. */
  readonly header: readonly string[] | false;
  /** Where each field was read from: a header name or key, a 0-based index, or null (absent). */
  readonly columns: Readonly<Record<'user' | 'item' | 'weight' | 'timestamp', string | number | null>>;
  readonly encoding: TextEncodingName;
  readonly lineEnding: 'LF' | 'CRLF' | 'CR' | 'none';
  readonly compression: 'gzip' | 'none';
  /** Which of these were sniffed rather than given or implied by the format. */
  readonly sniffed: readonly string[];
}


export const FIELDS = ['user', 'item', 'weight', 'timestamp'] as const;
export type Field = (typeof FIELDS)[number];

/** Every option key of {@link readRecords}. */
export const READ_OPTION_KEYS = ['format', 'delimiter', 'header', 'columns', 'ids', 'onBadLine', 'quote', 'name', 'encoding', 'minRating', 'onProgress', 'signal'] as const;
export const BUILDER_OPTION_KEYS = ['duplicates', 'binary', 'sortIds', 'users', 'items', 'unknownUsers', 'unknownItems'] as const;

/** One line describing the decisions, e.g. `tab-separated, no header, columns user=#1 item=#2 …, utf-8, LF`. */
export function describeDecisions(d: ReadDecisions): string {
  const delim = d.delimiter === undefined ? undefined : d.delimiter === '\t' ? 'tab' : d.delimiter === ' ' ? 'space' : `'${d.delimiter}'`;
  const col = (v: string | number | null) => (v === null ? '-' : typeof v === 'number' ? `#${v + 1}` : v);
  const parts = [
    d.format + (d.layout && d.layout !== 'generic' ? ` (${d.layout} layout)` : ''),
    ...(delim ? [`${delim}-separated`] : []),
    ...(d.format === 'records' || d.format === 'jsonl' ? [] : [d.header ? `header (${d.header.join(', ')})` : 'no header']),
    `columns ${FIELDS.map((f) => `${f}=${col(d.columns[f])}`).join(' ')}`,
    d.encoding,
    ...(d.format === 'records' ? [] : [`${d.lineEnding} line ends`]),
    ...(d.compression === 'gzip' ? ['gzip'] : []),
  ];
  return parts.join(', ') + (d.sniffed.length ? ` (sniffed: ${d.sniffed.join(', ')})` : '');
}

/** A format implied by the name: only the unambiguous ones (MovieLens originals, JSONL); CSV/TSV names are sniffed. */
export function formatFromName(name: string): InteractionFormat | undefined {
  const n = name.toLowerCase().replace(/[?#].*$/, '').replace(/\.(gz|gzip)$/, '');
  if (n.endsWith('.jsonl') || n.endsWith('.ndjson')) return 'jsonl';
  if (n.endsWith('.data')) return 'ml-100k';
  if (n.endsWith('.dat')) return 'ml-1m';
  return undefined;
}

export function checkOptions(o: ReadOptions, allowed: readonly string[], what: string): void {
  if (o === null || typeof o !== 'object') throw new InvalidArgumentError('options', o, 'an object');
  checkOptionKeys(o, allowed, what);
  if (o.format !== undefined && !FORMATS.includes(o.format)) throw new InvalidArgumentError('format', o.format, `one of ${FORMATS.map((f) => `'${f}'`).join(', ')}`);
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
  if (o.encoding !== undefined && !(typeof o.encoding === 'string' && encodingOf(o.encoding))) {
    throw new InvalidArgumentError('encoding', o.encoding, `one of ${ENCODING_LABELS.map((l) => `'${l}'`).join(', ')}`, 'convert other encodings to UTF-8 first (e.g. iconv -f UTF-16 -t UTF-8).');
  }
  if (o.minRating !== undefined && !(typeof o.minRating === 'number' && Number.isFinite(o.minRating))) throw new InvalidArgumentError('minRating', o.minRating, 'a finite number');
  if (o.columns !== undefined && (o.columns === null || typeof o.columns !== 'object')) throw new InvalidArgumentError('columns', o.columns, 'an object such as { user: 0, item: 1 }');
  if (o.columns) checkOptionKeys(o.columns, FIELDS, 'columns');
}

/** Resolve the column mapping against the header names (or the sniffed layout). */
export function resolveColumns(mapping: ColumnMapping | undefined, names: string[] | undefined, layout: Record<Field, number> | undefined, fieldCount: number, source: string, delimiter: string, suggest: () => string): Record<Field, number> {
  const out = { user: -1, item: -1, weight: -1, timestamp: -1 } as Record<Field, number>;
  const keys = names?.map(aliasKey);
  for (const f of FIELDS) {
    const given = mapping?.[f];
    if (given === null) continue;
    if (typeof given === 'number') {
      if (!(Number.isInteger(given) && given >= 0)) throw new InvalidArgumentError(`columns.${f}`, given, 'a 0-based column index or a header name');
      out[f] = given;
    } else if (typeof given === 'string') {
      if (!names) throw new InvalidArgumentError(`columns.${f}`, given, 'a column index (the input has no header)', 'pass header: true, or name the column by its 0-based index.');
      let k = names.indexOf(given);
      if (k < 0) k = keys!.indexOf(aliasKey(given));
      if (k < 0) throw new InvalidArgumentError(`columns.${f}`, given, `one of the header's columns (${names.join(', ')})`);
      out[f] = k;
    } else if (given !== undefined) {
      throw new InvalidArgumentError(`columns.${f}`, given, 'a header name, a 0-based index or null');
    } else if (keys) {
      for (const a of ALIASES[f]) {
        const k = keys.indexOf(a);
        if (k >= 0 && !Object.values(out).includes(k)) {
          out[f] = k;
          break;
        }
      }
    } else if (layout) out[f] = layout[f] < fieldCount ? layout[f] : -1;
  }
  if (out.user < 0 || out.item < 0) {
    const shown = delimiter === '\t' ? 'tab' : `'${delimiter}'`;
    if (fieldCount < 2) {
      throw new InvalidArgumentError('delimiter', delimiter, `a delimiter that splits ${source}'s lines (with ${shown} they have 1 field)`, suggest());
    }
    throw new InvalidArgumentError(
      'columns',
      names ?? `${fieldCount} unnamed fields`,
      'user and item columns',
      names
        ? `name them, e.g. columns: { user: '${names[0]}', item: '${names[1]}' } (CLI: --columns user=${names[0]},item=${names[1]}), or pass header: false if line 1 of ${source} is data.`
        : `name them by index, e.g. columns: { user: 0, item: 1 } (CLI: --columns user=0,item=1), or pass format (e.g. 'ml-100k') (reading ${source}).`,
    );
  }
  return out;
}
