/**
 * Reading train/test files for the CLI exactly as the benchmark protocol does (../shared/bench/anchors.md
 * §Protocol): dense ids from train only, raw ids sorted numerically; test rows whose user or item is not in train
 * are dropped and counted; `--binary` stores every interaction with weight 1.
 */
import { UsageError } from './args.ts';
import { fileExists } from '../runtime/files.ts';
import { readInteractions } from '../data/readers.ts';
import type { Interactions } from '../data/interactions.ts';
import type { Progress } from '../models/progress.ts';

/** Fail with exit code 2 when a path flag names no file. */
export async function requireFile(flag: string, path: string): Promise<void> {
  if (!(await fileExists(path))) throw new UsageError(`--${flag}`, path, 'file not found', `pass the path of an existing file to --${flag}.`);
}

export interface TrainData {
  readonly train: Interactions;
  readonly rows: number;
}

export async function readTrain(path: string, binary: boolean, onProgress?: (p: Progress) => void): Promise<TrainData> {
  await requireFile('train', path);
  const r = await readInteractions(path, { binary, sortIds: true, onProgress });
  return { train: r.interactions, rows: r.rows };
}

export interface TestData {
  readonly test: Interactions;
  /** Rows kept (user and item known in train), after merging repeated pairs. */
  readonly rows: number;
  /** Rows dropped because the user or item never occurs in train. */
  readonly dropped: number;
  /** Users with at least one kept test row. */
  readonly users: number;
}

export async function readTest(path: string, train: Interactions, binary: boolean, onProgress?: (p: Progress) => void): Promise<TestData> {
  await requireFile('test', path);
  const r = await readInteractions(path, { binary, users: train.users, items: train.items, onProgress });
  const t = r.interactions;
  let users = 0;
  for (let u = 0; u < t.nUsers; u++) if (t.byUser.indptr[u + 1] > t.byUser.indptr[u]) users++;
  return { test: t, rows: t.nnz, dropped: r.droppedRows, users };
}
