/** Argument checks shared by every backend, so each rejects bad input the same way before touching memory. */
import { DimensionMismatchError, InvalidArgumentError } from '../errors.ts';
import type { SparseRows, AlsSolveOptions, Csr, CsrArrays, DenseMatrix, DuplicatePolicy, RowMask, SparseMatrix } from './types.ts';

export function checkCount(field: string, value: number, min = 0): void {
  if (!Number.isInteger(value) || value < min) throw new InvalidArgumentError(field, value, `an integer >= ${min}`);
}

export function checkMatrixData(data: Float32Array, rows: number, cols: number): void {
  if (!(data instanceof Float32Array)) throw new InvalidArgumentError('data', data, 'a Float32Array');
  checkCount('rows', rows);
  checkCount('cols', cols, 1);
  if (data.length !== rows * cols) throw new DimensionMismatchError('data.length', data.length, rows * cols, `pass rows × cols = ${rows} × ${cols} values.`);
}

export function checkQueries(queries: Float32Array, nQueries: number, items: DenseMatrix): void {
  if (!(queries instanceof Float32Array)) throw new InvalidArgumentError('queries', queries, 'a Float32Array');
  checkCount('nQueries', nQueries);
  if (queries.length !== nQueries * items.cols) {
    throw new DimensionMismatchError(
      'queries.length',
      queries.length,
      nQueries * items.cols,
      `user vectors must have the item vectors' dimension (${items.cols}); got ${nQueries} queries of ${queries.length / Math.max(nQueries, 1)} values.`,
    );
  }
}

export function checkK(k: number): void {
  checkCount('k', k);
}

export function checkMask(mask: RowMask | undefined, nQueries: number): void {
  if (!mask) return;
  checkCount('mask.firstRow', mask.firstRow);
  if (mask.firstRow + nQueries > mask.rows.rows) {
    throw new DimensionMismatchError('mask rows', mask.rows.rows, mask.firstRow + nQueries, 'the mask needs one row per query, starting at firstRow.');
  }
}

export function checkCsr(csr: CsrArrays, nCols?: number): number {
  const { indptr, indices } = csr;
  if (!(indptr instanceof Int32Array) || indptr.length < 1) throw new InvalidArgumentError('indptr', indptr, 'an Int32Array of rows + 1 offsets');
  if (!(indices instanceof Int32Array)) throw new InvalidArgumentError('indices', indices, 'an Int32Array');
  const rows = indptr.length - 1;
  if (indptr[0] !== 0 || indptr[rows] !== indices.length) throw new InvalidArgumentError('indptr', indptr, `offsets from 0 to indices.length (${indices.length})`);
  for (let r = 0; r < rows; r++) if (indptr[r + 1] < indptr[r]) throw new InvalidArgumentError(`indptr[${r + 1}]`, indptr[r + 1], 'non-decreasing offsets');
  if (nCols !== undefined) {
    for (let j = 0; j < indices.length; j++) {
      if (!(indices[j] >= 0 && indices[j] < nCols)) throw new InvalidArgumentError(`indices[${j}]`, indices[j], `a column in [0, ${nCols})`);
    }
  }
  return rows;
}

export function checkCoo(rows: Int32Array, cols: Int32Array, vals: Float32Array, nRows: number, nCols: number): void {
  checkCount('nRows', nRows);
  checkCount('nCols', nCols);
  if (!(rows instanceof Int32Array)) throw new InvalidArgumentError('rows', rows, 'an Int32Array');
  if (!(cols instanceof Int32Array)) throw new InvalidArgumentError('cols', cols, 'an Int32Array');
  if (!(vals instanceof Float32Array)) throw new InvalidArgumentError('vals', vals, 'a Float32Array');
  if (cols.length !== rows.length) throw new DimensionMismatchError('cols.length', cols.length, rows.length, 'pass one column per row entry.');
  if (vals.length !== rows.length) throw new DimensionMismatchError('vals.length', vals.length, rows.length, 'pass one value per row entry.');
  for (let i = 0; i < rows.length; i++) {
    if (!(rows[i] >= 0 && rows[i] < nRows)) throw new InvalidArgumentError(`rows[${i}]`, rows[i], `a row in [0, ${nRows})`);
    if (!(cols[i] >= 0 && cols[i] < nCols)) throw new InvalidArgumentError(`cols[${i}]`, cols[i], `a column in [0, ${nCols})`);
  }
}

const POLICIES: Record<DuplicatePolicy, number> = { sum: 0, max: 1, last: 2, keep: -1 };

export function policyCode(policy: DuplicatePolicy): number {
  const code = POLICIES[policy];
  if (code === undefined) throw new InvalidArgumentError('duplicates', policy, "'sum', 'max', 'last' or 'keep'");
  return code;
}

export function checkScores(scores: Float32Array, nRows: number, nCols: number): void {
  if (!(scores instanceof Float32Array)) throw new InvalidArgumentError('scores', scores, 'a Float32Array');
  checkCount('nRows', nRows);
  checkCount('nCols', nCols);
  if (scores.length !== nRows * nCols) throw new DimensionMismatchError('scores.length', scores.length, nRows * nCols, `pass nRows × nCols = ${nRows} × ${nCols} scores.`);
}

export function checkRowsWrite(data: Float32Array, firstRow: number, rows: number, cols: number): void {
  if (!(data instanceof Float32Array)) throw new InvalidArgumentError('data', data, 'a Float32Array');
  checkCount('firstRow', firstRow);
  if (data.length % cols !== 0 || firstRow + data.length / cols > rows) {
    throw new DimensionMismatchError('data.length', data.length, cols * (rows - firstRow), `write whole rows of ${cols} values inside the ${rows}-row matrix.`);
  }
}

export function checkValues(csr: Csr): void {
  if (!(csr.data instanceof Float32Array) || csr.data.length !== csr.indices.length) {
    throw new InvalidArgumentError('data', csr.data, `a Float32Array with one value per entry (${csr.indices.length})`);
  }
  for (let j = 0; j < csr.data.length; j++) {
    if (!Number.isFinite(csr.data[j])) throw new InvalidArgumentError(`data[${j}]`, csr.data[j], 'a finite number');
  }
}

export function checkAls(target: DenseMatrix, confidence: SparseMatrix, other: DenseMatrix, gram: Float32Array, options: AlsSolveOptions): void {
  const d = target.cols;
  if (other.cols !== d) throw new DimensionMismatchError('other.cols', other.cols, d, 'user and item factors need the same number of factors.');
  if (confidence.rows !== target.rows) throw new DimensionMismatchError('confidence.rows', confidence.rows, target.rows, 'one confidence row per target row.');
  if (confidence.cols !== other.rows) throw new DimensionMismatchError('confidence.cols', confidence.cols, other.rows, 'one confidence column per row of the other factors.');
  if (!(gram instanceof Float32Array) || gram.length !== d * d) throw new DimensionMismatchError('gram.length', gram?.length ?? 0, d * d, 'pass backend.gram(other, regularization).');
  if (options.solver !== 'cg' && options.solver !== 'cholesky') throw new InvalidArgumentError('solver', options.solver, "'cg' or 'cholesky'");
  if (options.solver === 'cg') checkCount('cgSteps', options.cgSteps, 1);
  const reg = options.rowRegularization;
  if (reg !== undefined) {
    if (!(reg instanceof Float32Array) || reg.length !== target.rows) throw new DimensionMismatchError('rowRegularization.length', reg?.length ?? 0, target.rows, 'one value per target row.');
    for (let r = 0; r < reg.length; r++) if (!(reg[r] >= 0 && reg[r] < Infinity)) throw new InvalidArgumentError('rowRegularization', reg[r], `a finite number >= 0 (row ${r})`);
  }
}

export function checkSgd(x: DenseMatrix, y: DenseMatrix, c: SparseMatrix & SparseRows, samples: number, g?: DenseMatrix): void {
  checkCount('samples', samples);
  if (y.cols !== x.cols) throw new DimensionMismatchError('items.cols', y.cols, x.cols, 'user and item factors need the same number of columns.');
  if (c.rows !== x.rows) throw new DimensionMismatchError('interactions.rows', c.rows, x.rows, 'one interaction row per factor row.');
  if (c.cols !== y.rows) throw new DimensionMismatchError('interactions.cols', c.cols, y.rows, 'one interaction column per row of the other factors.');
  if (g && (g.rows !== x.rows || g.cols !== x.cols)) throw new DimensionMismatchError('gradSq.rows', g.rows, x.rows, 'gradSq must have the target\'s shape.');
}

/** Operands of {@link Backend.productTopk}: two weighted CSRs whose inner dimensions agree. */
export function checkProduct(a: Csr, b: Csr, k: number): void {
  checkCsr(a, a.cols);
  checkCsr(b, b.cols);
  checkValues(a);
  checkValues(b);
  checkK(k);
  if (a.indptr.length - 1 !== a.rows) throw new DimensionMismatchError('a.rows', a.rows, a.indptr.length - 1, 'a.indptr needs rows + 1 offsets.');
  if (b.indptr.length - 1 !== b.rows) throw new DimensionMismatchError('b.rows', b.rows, b.indptr.length - 1, 'b.indptr needs rows + 1 offsets.');
  if (a.cols !== b.rows) throw new DimensionMismatchError('b.rows', b.rows, a.cols, 'the product a·b needs a.cols = b.rows.');
}

/** Operands of {@link Backend.sparseGram}: X (byUser) and its transpose (byItem), weighted. */
export function checkGram(byItem: Csr, byUser: Csr, regularization: number): void {
  checkCsr(byItem, byUser.rows);
  checkCsr(byUser, byItem.rows);
  checkValues(byItem);
  checkValues(byUser);
  if (byItem.indices.length !== byUser.indices.length) throw new DimensionMismatchError('byUser.nnz', byUser.indices.length, byItem.indices.length, 'byUser must be the transpose of byItem.');
  if (!Number.isFinite(regularization)) throw new InvalidArgumentError('regularization', regularization, 'a finite number');
}

/** Operand of {@link Backend.spdInverse}: an n × n Float32Array. */
export function checkSquare(a: Float32Array, n: number): void {
  checkCount('n', n);
  if (!(a instanceof Float32Array) || a.length !== n * n) throw new DimensionMismatchError('a.length', a?.length ?? 0, n * n, 'pass an n × n row-major Float32Array.');
}
