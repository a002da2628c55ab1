/**
 * Reading interaction files for the CLI. One set of reader flags (format, delimiter, header, columns, encoding,
 * minimum rating, duplicates), with one help text each, shared by every command that reads data (issue 16), and
 * a line on stderr saying what the reader decided. Train and test follow the benchmark protocol
 * (../shared/bench/anchors.md §Protocol): dense ids from train only, raw ids sorted numerically; test rows whose
 * user or item is not in train are dropped and counted; `--binary` stores every interaction with weight 1.
 */
import { UsageError, type FlagSpec, type FlagValues } from './args.ts';
import { fileInfo } from '../runtime/files.ts';
import { readInteractions, describeDecisions, type ColumnMapping, type InteractionFormat, type ReadInteractionsOptions, type ReadInteractionsResult } from '../data/readers.ts';
import type { Interactions } from '../data/interactions.ts';
import type { Progress } from '../models/progress.ts';
import { fmtNumber } from './format.ts';

const FORMATS: InteractionFormat[] = ['csv', 'tsv', 'jsonl', 'ml-100k', 'ml-1m', 'ml-10m', 'ml-20m', 'ml-25m', 'ml-32m', 'lastfm-1k', 'lastfm-360k'];

/** What an interactions file may look like, for the help of --train/--test/--input. */
export const DATA_FILE_HELP =
  'interactions: CSV/TSV/JSONL (any delimiter, header or not, gzip, utf-8 or latin-1), MovieLens u.data/ratings.dat/ratings.csv, Last.fm 1K/360K TSV; layout is sniffed and printed';

/** The reader flags, shared by fit, eval and split. */
export const DATA_FLAGS: readonly FlagSpec[] = [
  { name: 'format', type: 'enum', values: FORMATS, help: 'file format preset (default: sniffed from the content)' },
  { name: 'delimiter', type: 'string', meta: 'SEP', help: "field separator: ',', ';', '|', '::', tab (default: sniffed)" },
  { name: 'header', type: 'boolean', help: 'line 1 names the columns (default: sniffed; never guessed when unclear)' },
  { name: 'no-header', type: 'boolean', help: 'line 1 is data' },
  { name: 'columns', type: 'string', meta: 'MAP', help: 'which column is which, by header name or 0-based index, - for none: user=userId,item=movieId,weight=rating,timestamp=-' },
  { name: 'encoding', type: 'string', meta: 'NAME', help: 'text encoding: utf-8 or latin1 (windows-1252) (default: utf-8 unless the file is not valid utf-8)' },
  { name: 'min-rating', type: 'number', meta: 'R', help: 'keep only rows whose rating (weight) is at least R, e.g. 4 for explicit → implicit' },
  { name: 'duplicates', type: 'enum', values: ['sum', 'max', 'last'], default: 'sum', help: 'how repeated (user, item) rows merge: add weights, keep the largest, or keep the latest' },
];

const DELIMITER_NAMES: Record<string, string> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', pipe: '|', space: ' ' };

function parseColumns(raw: string): ColumnMapping {
  const out: Record<string, string | number | null> = {};
  for (const part of raw.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (eq < 0 || !['user', 'item', 'weight', 'timestamp'].includes(key) || value === '') {
      throw new UsageError('--columns', raw, `expected field=column pairs for user, item, weight, timestamp (bad part ${JSON.stringify(part)})`, 'pass e.g. --columns user=userId,item=movieId,weight=rating (names or 0-based indices; - for none).');
    }
    out[key] = value === '-' || value === 'none' ? null : /^\d+$/.test(value) ? Number(value) : value;
  }
  return out as ColumnMapping;
}

/** Reader options from the data flags. */
export function readerOptions(f: FlagValues): ReadInteractionsOptions {
  if (f.header && f['no-header']) throw new UsageError('--header', undefined, 'given with --no-header', 'pass one of them.');
  const o: ReadInteractionsOptions = {};
  if (f.format !== undefined) o.format = f.format as InteractionFormat;
  if (f.delimiter !== undefined) o.delimiter = DELIMITER_NAMES[(f.delimiter as string).toLowerCase()] ?? (f.delimiter as string);
  if (f.header) o.header = true;
  if (f['no-header']) o.header = false;
  if (f.columns !== undefined) o.columns = parseColumns(f.columns as string);
  if (f.encoding !== undefined) o.encoding = f.encoding as string;
  if (f['min-rating'] !== undefined) o.minRating = f['min-rating'] as number;
  if (f.duplicates !== undefined) o.duplicates = f.duplicates as 'sum' | 'max' | 'last';
  return o;
}

/** Fail with exit code 2 when a path flag names no file (or a directory). */
export async function requireFile(flag: string, path: string): Promise<void> {
  const info = await fileInfo(path);
  if (!info) throw new UsageError(`--${flag}`, path, 'file not found', `pass the path of an existing file to --${flag}.`);
  if (info.directory) throw new UsageError(`--${flag}`, path, 'is a directory', `pass a file inside it, e.g. --${flag} ${path.replace(/\/$/, '')}/u.data.`);
}

/** The stderr line saying how a file was read and what was kept. */
export function readSummary(label: string, path: string, r: ReadInteractionsResult): string {
  const dropped = [
    r.belowMinRating ? `${fmtNumber(r.belowMinRating)} below --min-rating` : '',
    r.skipped ? `${fmtNumber(r.skipped)} malformed` : '',
    r.droppedRows ? `${fmtNumber(r.droppedRows)} with users/items not in train` : '',
    r.mergedRows ? `${fmtNumber(r.mergedRows)} repeated pairs merged` : '',
  ].filter(Boolean);
  return `recwise: ${label} ${path}: ${describeDecisions(r.decisions)}; ${fmtNumber(r.rows - r.droppedRows)} rows kept${dropped.length ? `, ${dropped.join(', ')}` : ''}\n`;
}

export interface TrainData {
  readonly train: Interactions;
  readonly rows: number;
  readonly summary: string;
}

export async function readTrain(path: string, binary: boolean, flags: FlagValues, onProgress?: (p: Progress) => void): Promise<TrainData> {
  await requireFile('train', path);
  const r = await readInteractions(path, { ...readerOptions(flags), binary, sortIds: true, onProgress });
  return { train: r.interactions, rows: r.rows, summary: readSummary('read train', path, r) };
}

export interface TestData {
  readonly test: Interactions;
  /** Rows kept (user and item known in train), after merging repeated pairs. */
  readonly rows: number;
  /** Rows dropped because the user or item never occurs in train. */
  readonly dropped: number;
  /** Users with at least one kept test row. */
  readonly users: number;
  readonly summary: string;
}

/** Users with at least one row. */
export function activeUsers(t: Interactions): number {
  let users = 0;
  for (let u = 0; u < t.nUsers; u++) if (t.byUser.indptr[u + 1] > t.byUser.indptr[u]) users++;
  return users;
}

export async function readTest(path: string, trainPath: string, train: Interactions, binary: boolean, flags: FlagValues, onProgress?: (p: Progress) => void): Promise<TestData> {
  await requireFile('test', path);
  const r = await readInteractions(path, { ...readerOptions(flags), binary, users: train.users, items: train.items, onProgress });
  const t = r.interactions;
  if (t.nnz === 0) {
    throw new UsageError(
      '--test', path,
      `none of its ${fmtNumber(r.rows)} rows has a user and an item that occur in --train ${trainPath}`,
      `check that both files use the same ids and columns (it was read as: ${describeDecisions(r.decisions)}).`,
    );
  }
  return { test: t, rows: t.nnz, dropped: r.droppedRows, users: activeUsers(t), summary: readSummary('read test', path, r) };
}
