/** Argument checks of Backend.rankMetrics, shared by the js and wasm backends (the Wasm kernel trusts its input). */
import { DimensionMismatchError, InvalidArgumentError } from '../errors.ts';
import type { CsrArrays } from './types.ts';
import { checkCsr, checkK, checkScores } from './validate.ts';

/** Block-local CSR with nRows rows and strictly increasing columns in [0, nCols) within each row. */
function checkSortedRows(csr: CsrArrays, nRows: number, nCols: number, field: string): void {
  const rows = checkCsr(csr, nCols);
  if (rows !== nRows) throw new DimensionMismatchError(`${field}.indptr.length`, csr.indptr.length, nRows + 1, `pass one ${field} row per score row.`);
  const { indptr, indices } = csr;
  for (let r = 0; r < rows; r++) {
    for (let e = indptr[r] + 1; e < indptr[r + 1]; e++) {
      if (!(indices[e] > indices[e - 1])) {
        throw new InvalidArgumentError(`${field}.indices[${e}]`, indices[e], `columns sorted ascending without repeats within row ${r}`, 'build the rows with Interactions (its CSR is sorted and merged).');
      }
    }
  }
}

/** Checks of rankMetrics (and of rankMetricsScored, whose scores are computed: `scores` undefined). */
export function checkRankMetrics(scores: Float32Array | undefined, nRows: number, nCols: number, train: CsrArrays, test: CsrArrays, k: number): void {
  if (scores !== undefined) checkScores(scores, nRows, nCols);
  checkK(k);
  checkSortedRows(train, nRows, nCols, 'train');
  checkSortedRows(test, nRows, nCols, 'test');
}
