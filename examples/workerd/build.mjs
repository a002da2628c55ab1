#!/usr/bin/env node
// Build the workerd example into examples/workerd/build/: the tiny example model, the worker bundle ('recwise'
// resolved through package.json's `workerd` condition, as Wrangler resolves it) and the kernels Wasm module.
//
//   node scripts/build.mjs && node examples/workerd/build.mjs
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(here, 'build');
mkdirSync(out, { recursive: true });
if (!existsSync(join(root, 'dist/esm/edge/default.js'))) throw new Error('dist/esm/edge/default.js is missing: run `node scripts/build.mjs` first');

// 1. The model: a separate process, so the kernel worker threads of training end with it.
const { execFileSync } = await import('node:child_process');
execFileSync(process.execPath, [join(root, 'examples/make-model.mjs'), out], { stdio: 'inherit' });

// 2. The worker bundle. The package's own `exports[…].workerd` names each entry's file, as for an installed package.
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const workerdEntry = (specifier) => join(root, pkg.exports[specifier === 'recwise' ? '.' : `./${specifier.slice('recwise/'.length)}`].workerd);
await build({
  entryPoints: [join(here, 'worker.mjs')],
  outfile: join(out, 'worker.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  conditions: ['workerd', 'worker', 'browser'],
  mainFields: ['module', 'main'],
  external: ['webgpu'],
  logLevel: 'warning',
  plugins: [
    {
      name: 'recwise-workerd',
      setup(b) {
        b.onResolve({ filter: /^recwise(\/[a-z]+)?$/ }, (args) => ({ path: workerdEntry(args.path) }));
        // The kernels and the model stay imports: config.capnp provides them as Wasm and data modules beside the
        // worker (the package's `../kernels/wasm/kernels.wasm` becomes `./kernels.wasm`, as Wrangler renames it).
        b.onResolve({ filter: /\.wasm$/ }, () => ({ path: './kernels.wasm', external: true }));
        b.onResolve({ filter: /\.recwise$/ }, (args) => ({ path: args.path, external: true }));
      },
    },
  ],
});
copyFileSync(join(root, 'dist/esm/kernels/wasm/kernels.wasm'), join(out, 'kernels.wasm'));
console.log(`built ${out}: worker.mjs, kernels.wasm, model.recwise`);
