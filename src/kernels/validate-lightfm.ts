/** Argument checks of hybrid (LightFM) training sessions, shared by every backend so each rejects bad input alike. */
import { DimensionMismatchError, InvalidArgumentError } from '../errors.ts';
import type { HybridCsr, HybridData, HybridParams, HybridSettings, HybridTable } from './reference/lightfm.ts';

function checkTable(name: string, t: HybridTable, length: number): void {
  for (const k of ['weights', 'accum', 'momentum'] as const) {
    if (!(t?.[k] instanceof Float32Array)) throw new InvalidArgumentError(`${name}.${k}`, t?.[k], 'a Float32Array');
    if (t[k].length !== length) throw new DimensionMismatchError(`${name}.${k}.length`, t[k].length, length, 'pass one value per feature (× factors for embeddings).');
  }
}

function checkCsr(name: string, m: HybridCsr, rows: number, cols: number, values: boolean): void {
  if (!(m?.indptr instanceof Int32Array) || !(m.indices instanceof Int32Array)) throw new InvalidArgumentError(name, m, 'a CSR with Int32Array indptr and indices');
  if (m.indptr.length !== rows + 1) throw new DimensionMismatchError(`${name}.indptr.length`, m.indptr.length, rows + 1, 'pass one row per user (item) plus one.');
  if (m.indptr[0] !== 0 || m.indptr[rows] !== m.indices.length) throw new InvalidArgumentError(`${name}.indptr`, m.indptr, `0 … ${m.indices.length}`);
  for (let r = 0; r < rows; r++) if (m.indptr[r + 1] < m.indptr[r]) throw new InvalidArgumentError(`${name}.indptr`, m.indptr, 'non-decreasing offsets');
  for (let i = 0; i < m.indices.length; i++) {
    if (!(m.indices[i] >= 0 && m.indices[i] < cols)) throw new InvalidArgumentError(`${name}.indices[${i}]`, m.indices[i], `a column in [0, ${cols})`);
  }
  if (values && (!(m.data instanceof Float32Array) || m.data.length !== m.indices.length)) {
    throw new DimensionMismatchError(`${name}.data.length`, m.data?.length ?? 0, m.indices.length, 'pass one value per stored entry.');
  }
}

export function checkHybrid(p: HybridParams, data: HybridData, s: HybridSettings): void {
  const d = p?.factors;
  if (!(Number.isInteger(d) && d >= 1)) throw new InvalidArgumentError('factors', d, 'an integer >= 1');
  const nUF = p.userBiases?.weights?.length ?? -1;
  const nIF = p.itemBiases?.weights?.length ?? -1;
  checkTable('userBiases', p.userBiases, nUF);
  checkTable('itemBiases', p.itemBiases, nIF);
  checkTable('userEmbeddings', p.userEmbeddings, nUF * d);
  checkTable('itemEmbeddings', p.itemEmbeddings, nIF * d);
  const nUsers = data.userFeatures.indptr.length - 1;
  const nItems = data.itemFeatures.indptr.length - 1;
  checkCsr('userFeatures', data.userFeatures, nUsers, nUF, true);
  checkCsr('itemFeatures', data.itemFeatures, nItems, nIF, true);
  checkCsr('positives', data.positives as HybridCsr, nUsers, nItems, false);
  const n = data.users.length;
  for (const k of ['items', 'labels', 'weights'] as const) if (data[k].length !== n) throw new DimensionMismatchError(`${k}.length`, data[k].length, n, 'pass one value per example.');
  for (let e = 0; e < n; e++) {
    if (!(data.users[e] >= 0 && data.users[e] < nUsers)) throw new InvalidArgumentError(`users[${e}]`, data.users[e], `a user in [0, ${nUsers})`);
    if (!(data.items[e] >= 0 && data.items[e] < nItems)) throw new InvalidArgumentError(`items[${e}]`, data.items[e], `an item in [0, ${nItems})`);
  }
  if (!['logistic', 'bpr', 'warp', 'warp-kos'].includes(s.loss)) throw new InvalidArgumentError('loss', s.loss, "'logistic', 'bpr', 'warp' or 'warp-kos'");
  if (s.alphaDecay !== undefined && s.alphaDecay !== 'lightfm' && s.alphaDecay !== 'updated') throw new InvalidArgumentError('alphaDecay', s.alphaDecay, "'lightfm' or 'updated'");
  for (const k of ['maxSampled', 'k', 'n'] as const) if (!(Number.isInteger(s[k]) && s[k] >= 1)) throw new InvalidArgumentError(k, s[k], 'an integer >= 1');
}

/** An epoch's order must index examples. */
export function checkOrder(order: Int32Array, data: HybridData, s: HybridSettings): void {
  const n = data.users.length;
  if (!(order instanceof Int32Array)) throw new InvalidArgumentError('order', order, 'an Int32Array');
  for (let i = 0; i < order.length; i++) if (!(order[i] >= 0 && order[i] < n)) throw new InvalidArgumentError(`order[${i}]`, order[i], `an index in [0, ${n})`);
}
