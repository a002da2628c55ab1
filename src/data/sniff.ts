/**
 * Deciding how a delimited file is laid out from a bounded prefix (issue 16): the delimiter, whether line 1 is a
 * header, and which columns hold what for the known header-less layouts. Every decision is reported back, and a
 * header is only taken as one when the prefix proves it: a data row is never swallowed silently.
 */
import { FieldSpans, SplitResult, fieldText, splitRecord } from './csv.ts';

/** Bytes of the input the sniffers look at (the rest is parsed with what they decided). */
export const SNIFF_BYTES = 1 << 16;
/** Lines of the prefix the sniffers weigh. */
const SNIFF_LINES = 64;

/** Delimiters tried, in order of preference when two fit equally well (`::` is MovieLens 1M/10M's). */
export const DELIMITER_CANDIDATES = ['\t', '::', ',', ';', '|'] as const;

/** Header names recognised per field (lower case, spaces and dashes as `_`), in order of preference. */
export const ALIASES = {
  user: ['user', 'user_id', 'userid', 'uid', 'users', 'reviewerid', 'reviewer_id', 'customer_id', 'customerid', 'visitorid', 'usersha1', 'member_id', 'profile_id', 'customer', 'reviewer', 'member'],
  item: [
    'item', 'item_id', 'itemid', 'movie_id', 'movieid', 'iid', 'items', 'asin', 'parent_asin', 'product_id', 'productid', 'book_id', 'bookid',
    'isbn', 'business_id', 'track_id', 'trackid', 'traid', 'artist_id', 'artistid', 'song_id', 'recipe_id', 'anime_id', 'game_id', 'artist_name', 'artname', 'product', 'sku', 'movie', 'book', 'artist', 'track', 'song',
  ],
  weight: ['weight', 'rating', 'score', 'value', 'count', 'weights', 'overall', 'stars', 'plays', 'playcount', 'play_count', 'star_rating', 'book_rating', 'ratings'],
  timestamp: ['timestamp', 'time', 'ts', 'datetime', 'timestamps', 'unixreviewtime', 'unix_review_time', 'date', 'review_date', 'created_at'],
} as const;

/** Normal form of a header name for alias matching. */
export function aliasKey(name: string): string {
  return name.trim().toLowerCase().replace(/[\s-]/g, '_');
}

/** Whether any header name is a known alias. */
function namesAField(names: readonly string[]): boolean {
  return names.some((n) => Object.values(ALIASES).some((list) => (list as readonly string[]).includes(aliasKey(n))));
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * An ISO 8601 date or date-time (`2009-05-04T23:08:57Z`, Yelp's `2016-03-09 00:44:33`, `2020-01-31`) as Unix
 * seconds, UTC when no offset is given; NaN otherwise.
 */
export function parseIsoDate(text: string): number {
  const m = ISO_DATE.exec(text);
  if (!m) return NaN;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], m[4] ? +m[4] : 0, m[5] ? +m[5] : 0, m[6] ? +m[6] : 0, m[7] ? Math.round(+m[7] * 1000) : 0);
  let off = 0;
  const z = m[8];
  if (z && z !== 'Z') {
    const d = z.replace(':', '');
    off = (d[0] === '-' ? -1 : 1) * (+d.slice(1, 3) * 60 + +d.slice(3, 5));
  }
  const s = ms / 1000 - off * 60;
  return Number.isFinite(s) && +m[2] >= 1 && +m[2] <= 12 && +m[3] >= 1 && +m[3] <= 31 ? s : NaN;
}

type Kind = 'empty' | 'number' | 'date' | 'text';

function kindOf(v: string): Kind {
  if (v === '') return 'empty';
  if (NUMBER.test(v)) return 'number';
  if (ISO_DATE.test(v)) return 'date';
  return 'text';
}

/** Up to {@link SNIFF_LINES} non-blank records of the prefix split by `delim` (complete records only unless at EOF). */
export function sampleRecords(buf: Uint8Array, delim: string, quote: number, atEof: boolean): string[][] {
  const d = new TextEncoder().encode(delim);
  const spans = new FieldSpans();
  const out = { next: 0, lines: 1 };
  const rows: string[][] = [];
  let pos = 0;
  while (pos < buf.length && rows.length < SNIFF_LINES) {
    if (splitRecord(buf, pos, buf.length, d, quote, spans, atEof, out) === SplitResult.Incomplete) break;
    if (!atEof && out.next >= buf.length && buf[buf.length - 1] !== 10) break; // a last line cut by the prefix
    const fields: string[] = [];
    for (let f = 0; f < spans.count; f++) fields.push(fieldText(buf, spans, f, quote));
    if (!(fields.length === 1 && fields[0] === '')) rows.push(fields);
    pos = out.next;
  }
  return rows;
}

/** The most frequent value and the share of rows that have it. */
function modeOf(counts: number[]): { value: number; share: number } {
  const freq = new Map<number, number>();
  for (const c of counts) freq.set(c, (freq.get(c) ?? 0) + 1);
  let value = 0;
  let best = 0;
  for (const [v, f] of freq) if (f > best || (f === best && v > value)) [value, best] = [v, f];
  return { value, share: counts.length ? best / counts.length : 0 };
}

/** A delimiter guess: the candidate whose field count is the most consistent over the prefix (at least 2 fields). */
export interface DelimiterGuess {
  readonly delimiter: string;
  readonly fields: number;
  /** Share of the sampled lines with that field count. */
  readonly consistency: number;
}

/** Guess the delimiter; undefined when no candidate splits the lines into 2 or more fields. */
export function sniffDelimiter(buf: Uint8Array, quote: number, atEof: boolean, candidates: readonly string[] = DELIMITER_CANDIDATES): DelimiterGuess | undefined {
  let best: DelimiterGuess | undefined;
  for (const delimiter of candidates) {
    const rows = sampleRecords(buf, delimiter, quote, atEof);
    const { value, share } = modeOf(rows.map((r) => r.length));
    if (value < 2) continue;
    // strictly better consistency wins; ties keep the earlier (preferred) candidate
    if (!best || share > best.consistency + 1e-9) best = { delimiter, fields: value, consistency: share };
  }
  return best;
}

/** What line 1 is: a header, data, or unclear (then the reader reports both readings instead of guessing). */
export type HeaderVerdict = 'header' | 'data' | 'ambiguous';

/**
 * Decide whether the first record names the columns. Columns whose values below line 1 are all numbers (or all
 * dates) are the evidence: line 1 is a header when it holds text in every such column, data when it matches them
 * in every one; with no such column, a line 1 that uses a known column name (user, item, rating, …) is a header.
 * Everything else is ambiguous.
 */
export function sniffHeader(rows: readonly string[][]): HeaderVerdict {
  if (rows.length === 0) return 'data';
  const first = rows[0];
  const rest = rows.slice(1);
  let typed = 0;
  let matches = 0;
  for (let c = 0; c < first.length; c++) {
    const kinds = new Set<Kind>();
    for (const r of rest) if (c < r.length) kinds.add(kindOf(r[c]));
    kinds.delete('empty');
    if (kinds.size !== 1 || kinds.has('text')) continue;
    const want = [...kinds][0];
    typed++;
    const k = kindOf(first[c]);
    if (k === want || k === 'empty') matches++;
    else if (k !== 'text') matches++; // a number where dates are (or the reverse) is data-like, not a name
  }
  if (typed > 0 && matches === typed) return 'data';
  if (typed > 0 && matches === 0) return 'header';
  if (typed > 0) return 'ambiguous';
  // no typed column below line 1 (or line 1 is all there is)
  if (first.some((v) => kindOf(v) === 'number' || kindOf(v) === 'date')) return 'data';
  return namesAField(first) ? 'header' : 'ambiguous';
}

/** Known header-less layouts recognised by shape, with their column mapping. */
export interface Layout {
  readonly name: string;
  readonly columns: { user: number; item: number; weight: number; timestamp: number };
}

const HEX40 = /^[0-9a-f]{40}$/;

/**
 * A header-less layout from the shape of the sampled rows: Last.fm 1K (`userid \t timestamp \t artid \t artname \t
 * traid \t traname`: item = artist name, since the MusicBrainz ids are often empty), Last.fm 360K (`usersha1 \t
 * artmbid \t artname \t plays`: item = artist name, weight = plays), else user, item, weight, timestamp in that
 * order (weight and timestamp only where the sample holds numbers, or dates for the timestamp).
 */
export function sniffLayout(rows: readonly string[][], delimiter: string, fields: number): Layout {
  const all = (c: number, test: (v: string) => boolean) => rows.length > 0 && rows.every((r) => c < r.length && test(r[c]));
  if (delimiter === '\t' && fields === 6 && all(1, (v) => ISO_DATE.test(v))) {
    return { name: 'lastfm-1k', columns: { user: 0, item: 3, weight: -1, timestamp: 1 } };
  }
  if (delimiter === '\t' && fields === 4 && all(0, (v) => HEX40.test(v)) && all(3, (v) => NUMBER.test(v))) {
    return { name: 'lastfm-360k', columns: { user: 0, item: 2, weight: 3, timestamp: -1 } };
  }
  const numeric = (v: string) => NUMBER.test(v);
  return {
    name: 'generic',
    columns: { user: 0, item: 1, weight: fields > 2 && all(2, numeric) ? 2 : -1, timestamp: fields > 3 && all(3, (v) => numeric(v) || ISO_DATE.test(v)) ? 3 : -1 },
  };
}
