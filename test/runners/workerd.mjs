#!/usr/bin/env node
// The conformance suite on workerd (Cloudflare Workers' runtime, npm `workerd`; runtimes.md §7), against the built
// package: 'recwise' (and each subpath entry) resolves through package.json's `workerd` export condition to
// dist/esm/edge/*.js, whose kernel import (dist/esm/entry/workerd.js: `import … from '../kernels/wasm/kernels.wasm'`)
// becomes a `wasm = embed` module in the generated config.capnp, exactly as Wrangler does.
//
//   node scripts/build.mjs && node test/runners/workerd.mjs [--filter <substring>]
//
// Prints each failure, then `workerd: N passed, M failed`. Exit 0 when all passed, 1 on failures,
// 2 when workerd could not be started.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'test/.out/workerd');
const workerdBin = join(root, 'node_modules/.bin/workerd');
const filterArg = process.argv.indexOf('--filter');
const filter = filterArg > 0 ? process.argv[filterArg + 1] : undefined;
const TIMEOUT_MS = Number(process.env.RECWISE_WORKERD_TIMEOUT_MS) || 180_000;

function cannotStart(why, hint = 'run `npm install` (the `workerd` devDependency ships the binary)') {
  console.error(`workerd: cannot start: ${why}\n  ${hint}`);
  console.log('workerd: could not start');
  process.exit(2);
}

for (const f of ['dist/esm/edge/default.js', 'dist/esm/kernels/wasm/kernels.wasm']) {
  if (!existsSync(join(root, f))) cannotStart(`${f} is missing`, 'run `node scripts/build.mjs` first');
}
if (!existsSync(workerdBin)) cannotStart(`${workerdBin} not found`);

// 1. A scratch node_modules holding the package as it would be installed (package.json + dist).
rmSync(out, { recursive: true, force: true });
const pkgDir = join(out, 'node_modules/recwise');
mkdirSync(pkgDir, { recursive: true });
cpSync(join(root, 'package.json'), join(pkgDir, 'package.json'));
cpSync(join(root, 'dist'), join(pkgDir, 'dist'), { recursive: true });
// Its own package.json, so that 'recwise' is not a self-reference to the repo's package.json.
writeFileSync(join(out, 'package.json'), JSON.stringify({ name: 'recwise-workerd-conformance', private: true, type: 'module' }));
// The repo's tsconfig.json maps 'recwise' to src/ (for editors and bun); the worker bundle must not see that.
writeFileSync(join(out, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', verbatimModuleSyntax: true } }));

// 2. Bundle the worker; 'recwise' resolves to the scratch package under the workerd condition.
const wasmModules = new Map(); // import specifier in the bundle → file to embed
const result = await build({
  entryPoints: [join(root, 'test/runners/workerd-entry.ts')],
  outfile: join(out, 'worker.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  conditions: ['workerd', 'worker', 'browser'],
  mainFields: ['module', 'main'],
  nodePaths: [join(out, 'node_modules')],
  absWorkingDir: root,
  tsconfig: join(out, 'tsconfig.json'),
  ignoreAnnotations: true, // the case files register themselves on import
  external: ['webgpu'],
  metafile: true,
  logLevel: 'warning',
  plugins: [
    {
      name: 'recwise-scratch-package',
      setup(b) {
        // Never let 'recwise' fall back to a source alias: it must come from the scratch package.
        b.onResolve({ filter: /^recwise(\/[a-z]+)?$/ }, async (args) => {
          if (args.pluginData?.inner) return undefined;
          const r = await b.resolve(args.path, { kind: args.kind, resolveDir: out, pluginData: { inner: true } });
          if (r.errors.length) return { errors: r.errors };
          if (!r.path.startsWith(join(pkgDir, 'dist/esm/'))) return { errors: [{ text: `'${args.path}' resolved to ${r.path}, expected the scratch package` }] };
          return r;
        });
        // Wasm stays an import, renamed to a module beside the worker (as Wrangler does); workerd provides it.
        b.onResolve({ filter: /\.wasm$/ }, (args) => {
          const file = join(args.resolveDir, args.path);
          const name = basename(file);
          wasmModules.set(`./${name}`, { file, name });
          return { path: `./${name}`, external: true };
        });
      },
    },
  ],
}).catch((e) => cannotStart(`bundling the worker failed: ${e.message}`, 'see the esbuild errors above'));
if (!Object.keys(result.metafile.inputs).some((p) => p.endsWith('node_modules/recwise/dist/esm/edge/default.js'))) {
  cannotStart('the worker bundle does not contain dist/esm/edge/default.js', 'check package.json "exports" → "workerd"');
}
if (wasmModules.size === 0) cannotStart('dist/esm/entry/workerd.js imports no .wasm module', 'check src/entry/workerd.ts');

// 3. config.capnp, on a free loopback port.
const port = await new Promise((resolve, reject) => {
  const s = createServer().once('error', reject);
  s.listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
// The binary's own date (npm version 1.YYYYMMDD.N) is the newest compatibility date it accepts.
const workerdVersion = JSON.parse(readFileSync(join(root, 'node_modules/workerd/package.json'), 'utf8')).version;
const compatibilityDate = /^1\.(\d{4})(\d{2})(\d{2})\./.exec(workerdVersion)?.slice(1).join('-') ?? '2025-01-01';
const modules = [`(name = "worker", esModule = embed "worker.mjs")`];
for (const [spec, { file, name }] of wasmModules) {
  cpSync(file, join(out, name));
  modules.push(`(name = ${JSON.stringify(spec)}, wasm = embed ${JSON.stringify(name)})`);
}
writeFileSync(
  join(out, 'config.capnp'),
  `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .conformance)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);

const conformance :Workerd.Worker = (
  modules = [
    ${modules.join(',\n    ')},
  ],
  compatibilityDate = "${compatibilityDate}",
);
`,
);

// 4. Serve, ask, stop.
const child = spawn(workerdBin, ['serve', 'config.capnp', '--verbose'], { cwd: out, stdio: ['ignore', 'pipe', 'pipe'] });
let log = '';
child.stdout.on('data', (d) => (log += d));
child.stderr.on('data', (d) => (log += d));
let exited = null;
child.on('exit', (code, signal) => (exited = { code, signal }));
child.on('error', (e) => (exited = { error: e.message }));
const stop = () => {
  if (!exited) child.kill('SIGTERM');
};
const stopped = () =>
  exited ? Promise.resolve() : new Promise((r) => { child.once('exit', r); setTimeout(() => { child.kill('SIGKILL'); r(); }, 5000).unref(); });
process.on('exit', stop);

const url = `http://127.0.0.1:${port}/${filter ? `?filter=${encodeURIComponent(filter)}` : ''}`;
const deadline = Date.now() + 20_000;
let up = false;
while (!up && !exited && Date.now() < deadline) {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/__ping_unknown__?filter=%00none%00`, { signal: AbortSignal.timeout(2000) });
    await r.arrayBuffer();
    up = true;
  } catch {
    await new Promise((r) => setTimeout(r, 100));
  }
}
if (!up) {
  stop();
  cannotStart(`workerd did not answer on 127.0.0.1:${port} (${exited ? `exited ${JSON.stringify(exited)}` : 'timeout'})\n${log}`, 'see the workerd log above');
}

let report;
try {
  const r = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await r.text();
  try {
    report = JSON.parse(text);
  } catch {
    report = { results: [], fatal: `HTTP ${r.status}: ${text.slice(0, 2000)}` };
  }
} catch (e) {
  report = { results: [], fatal: `request failed: ${e.message}` };
}
stop();
await stopped();

const results = report.results;
if (report.fatal) results.push({ name: 'workerd: worker ran the suite', ok: false, error: `${report.fatal}\n${log}` });
const failed = results.filter((r) => !r.ok);
for (const f of failed) console.log(`✗ workerd › ${f.name}\n    ${String(f.error).replace(/\n/g, '\n    ')}`);
if (process.env.RECWISE_VERBOSE) console.log(JSON.stringify(report.init));
console.log(`workerd: ${results.length - failed.length} passed, ${failed.length} failed`);
process.exitCode = failed.length ? 1 : 0;
