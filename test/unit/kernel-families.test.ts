// Kernel families (issue 18, src/kernels/family.ts): a backend has only the kernels of the families loaded so far, a
// missing one fails with a typed error naming the import that brings it, and a family loaded later reaches backends
// that already exist. Node-only: it needs a module graph without the models (every runtime's suite loads them all).
import { expect, test } from 'vitest';
import { createJsBackend } from '../../src/kernels/js/backend.ts';
import { useKernels } from '../../src/kernels/family.ts';
import { ALS_KERNELS } from '../../src/kernels/families.ts';
import { BackendUnavailableError } from '../../src/errors.ts';

test('a family loaded after a backend was created reaches it; before that its methods throw a typed error', () => {
  const backend = createJsBackend();
  const m = backend.matrix(Float32Array.of(1, 2, 3, 4), 2, 2);
  let caught: unknown;
  try {
    backend.gram(m, 0);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(BackendUnavailableError);
  expect((caught as Error).message).toMatch(/gram kernel is not loaded/);
  expect((caught as BackendUnavailableError).fix).toMatch(/import AlsRecommender/);
  expect(() => backend.sparseGram).not.toThrow(); // a property read never throws, only a call
  useKernels(ALS_KERNELS);
  useKernels(ALS_KERNELS); // idempotent
  // YᵀY for Y = [[1, 2], [3, 4]]: [[10, 14], [14, 20]]
  expect([...backend.gram(m, 0)]).toEqual([10, 14, 14, 20]);
  expect([...createJsBackend().gram(m, 1)]).toEqual([11, 14, 14, 21]);
  expect(() => backend.sparseGram).not.toThrow();
  const empty = { indptr: Int32Array.of(0), indices: new Int32Array(0), data: new Float32Array(0), rows: 0, cols: 0 };
  expect(() => backend.sparseGram(empty, empty, 1)).toThrow(/EaseRecommender/); // another family: still missing
});
