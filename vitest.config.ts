import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  resolve: { alias: { recwise: fileURLToPath(new URL('./src/entry/default.ts', import.meta.url)) } },
  test: { include: ['test/unit/**/*.test.ts', 'test/runners/node.test.ts'], testTimeout: 60_000 },
});
