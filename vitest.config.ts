import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  // 'recwise' and its subpath entries from src (the packaging test checks the built package).
  resolve: {
    alias: [
      { find: /^recwise$/, replacement: fileURLToPath(new URL('./src/entry/default.ts', import.meta.url)) },
      { find: /^recwise\/report$/, replacement: fileURLToPath(new URL('./src/report/index.ts', import.meta.url)) },
      { find: /^recwise\/(inline|nn|retrieval|serve|interop|webgpu|testing|tune)$/, replacement: fileURLToPath(new URL('./src/entry/$1.ts', import.meta.url)) },
    ],
  },
  test: { include: ['test/unit/**/*.test.ts', 'test/runners/node.test.ts'], testTimeout: 60_000 },
});
