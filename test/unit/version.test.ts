// The version written into model files must be the package's version.
import { expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { VERSION } from '../../src/version.ts';
import { decodeModelState, encodeModelState } from '../../src/index.ts';

test('VERSION equals package.json version and is recorded in model files', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  expect(VERSION).toBe(pkg.version);
  const state = decodeModelState(encodeModelState({
    kind: 'v', params: {}, users: [], items: [], seen: { indptr: Int32Array.of(0), indices: new Int32Array(0), data: new Float32Array(0) }, tensors: {}, shapes: {},
  }));
  expect(state.file.library).toBe(pkg.version);
});
