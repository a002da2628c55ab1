#!/usr/bin/env node
// Packaging test: what `npm install recwise` gives a user, after `node scripts/build.mjs`.
//  - `npm pack` the project, check the tarball's file list, extract it to test/.out/pkg/node_modules/recwise
//    (with the runtime dependencies beside it);
//  - run test/package/smoke.mjs there under node, deno and bun: exit 0, empty stderr, one JSON line with ok: true,
//    backend 'wasm', and 'recwise' resolved to the extracted package (never to src/);
//  - entries (issue 18): each subpath entry imports, exports its API and does one small thing (entries.mjs);
//  - size: each entry, and representative applications, bundled from the installed package with esbuild (minify,
//    gzip) must stay within the budgets written in CONTRIBUTING.md ("Size budget:" lines).
// Each check counts as a test. Prints failures, then `package: N passed, M failed`; exit 1 on failure.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'test/.out/pkg');
const pkgDir = join(out, 'node_modules/recwise');
const bin = (n) => join(root, 'node_modules/.bin', n);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const results = [];
const check = (name, fn) => {
  try {
    fn();
    results.push({ name, ok: true });
  } catch (e) {
    results.push({ name, ok: false, error: e.message });
  }
};
const sh = (cmd, args, opts = {}) => spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 120_000, ...opts });
const fail = (msg) => {
  throw new Error(msg);
};

// 1. Pack and extract.
let packed = false;
let tarballFiles = [];
check('package: npm pack gives a tarball with the entries, types and kernels, and no sources', () => {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(pkgDir, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const p = sh(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', out], { cwd: root });
  if (p.status !== 0) fail(`npm pack exited ${p.status}: ${p.stderr}`);
  const [info] = JSON.parse(p.stdout);
  const files = info.files.map((f) => f.path);
  tarballFiles = files;
  // Every file package.json "exports" names, under every condition, and the CLI.
  const targets = (v) => (typeof v === 'string' ? [v] : Object.values(v).flatMap(targets));
  const want = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/cli.mjs', pkg.types, ...targets(pkg.exports)].map((f) => f.replace(/^\.\//, ''));
  const missing = [...new Set(want)].filter((f) => !files.includes(f));
  if (missing.length) fail(`missing from the tarball: ${missing.join(', ')}`);
  const stray = files.filter((f) => /^(src|test|assembly|scripts|build|node_modules)\//.test(f) || f.endsWith('.map') || f.endsWith('.ts') && !f.endsWith('.d.ts'));
  if (stray.length) fail(`unexpected files in the tarball (sources, source maps): ${stray.slice(0, 10).join(', ')}`);
  // One copy of each kernel build (the default entries read the asset; only recwise/inline embeds base64).
  const wasm = files.filter((f) => f.endsWith('.wasm'));
  if (wasm.length !== 2) fail(`expected 2 .wasm files in the tarball, found ${wasm.join(', ')}`);
  // No runtime dependency: the MessagePack codec is bundled, Parquet (Spark interop) is an optional peer.
  if (Object.keys(pkg.dependencies ?? {}).length) fail(`package.json has runtime dependencies: ${Object.keys(pkg.dependencies).join(', ')}`);
  for (const peer of ['hyparquet', 'hyparquet-writer']) if (pkg.peerDependenciesMeta?.[peer]?.optional !== true) fail(`${peer} is not an optional peer dependency`);
  const x = sh('tar', ['-xzf', join(out, info.filename), '-C', pkgDir, '--strip-components=1']);
  if (x.status !== 0) fail(`tar exited ${x.status}: ${x.stderr}`);
  // Runtime dependencies, as npm would install them (they have no dependencies of their own today).
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    const src = join(root, 'node_modules', dep);
    if (!existsSync(src)) fail(`dependency ${dep} is not installed; run \`npm install\``);
    cpSync(src, join(out, 'node_modules', dep), { recursive: true });
  }
  // A project of its own: no deno.json/tsconfig.json "recwise" → src/ mapping from the repo above applies here.
  writeFileSync(join(out, 'package.json'), JSON.stringify({ name: 'recwise-package-smoke', private: true, type: 'module', dependencies: { recwise: pkg.version, ...pkg.dependencies } }, null, 2));
  writeFileSync(join(out, 'deno.json'), JSON.stringify({ nodeModulesDir: 'manual' }));
  writeFileSync(join(out, 'tsconfig.json'), JSON.stringify({ compilerOptions: {} }));
  for (const f of ['smoke.mjs', 'guest.mjs', 'error-names.mjs', 'consumer.ts', 'report-smoke.mjs', 'entries.mjs']) cpSync(join(root, 'test/package', f), join(out, f));
  writeFileSync(join(out, 'throws.mjs'), "import { init } from 'recwise';\nawait init({ threads: 0 });\n");
  packed = true;
});

// 2. Smoke under each runtime.
const runtimes = [
  { name: 'node', cmd: process.execPath, args: ['smoke.mjs'] },
  { name: 'deno', cmd: bin('deno'), args: ['run', '--allow-read', '--allow-env', '--config', 'deno.json', 'smoke.mjs'] },
  { name: 'bun', cmd: bin('bun'), args: ['smoke.mjs'] },
];
const expectedEntry = pathToFileURL(join(pkgDir, 'dist/esm/entry/default.js')).href;
for (const r of runtimes) {
  check(`package: ${r.name} imports the installed package and selfCheck() passes on wasm`, () => {
    if (!packed) fail('no package (see the npm pack failure)');
    if (!existsSync(r.cmd)) fail(`${r.cmd} not found; run \`npm install\``);
    const env = { ...process.env, NO_COLOR: '1' };
    delete env.NODE_OPTIONS;
    const p = sh(r.cmd, r.args, { cwd: out, env, timeout: 60_000 });
    if (p.error) fail(`could not run ${r.cmd}: ${p.error.message}`);
    const where = `\n  exit ${p.status}${p.signal ? ` (${p.signal})` : ''}\n  stdout: ${p.stdout.trim()}\n  stderr: ${p.stderr.trim()}`;
    if (p.status !== 0) fail(`non-zero exit${where}`);
    if (p.stderr.trim() !== '') fail(`wrote to stderr${where}`);
    const line = p.stdout.trim().split('\n').pop();
    let report;
    try {
      report = JSON.parse(line);
    } catch {
      fail(`no JSON line${where}`);
    }
    if (report.resolved !== expectedEntry) fail(`'recwise' resolved to ${report.resolved}, expected ${expectedEntry}`);
    if (report.ok !== true || report.backend !== 'wasm') fail(`selfCheck: ok=${report.ok}, backend=${report.backend}${where}`);
    if (process.env.RECWISE_VERBOSE) console.log(`${r.name}: ${line}`);
  });
}

// 2b. The `recwise/report` entry (issue 20), outside the default bundle: it must share the installed recwise.
const expectedReport = pathToFileURL(join(pkgDir, 'dist/esm/report/index.js')).href;
for (const r of runtimes) {
  check(`package: ${r.name} imports recwise/report from the installed package and renders a report`, () => {
    if (!packed) fail('no package (see the npm pack failure)');
    const env = { ...process.env, NO_COLOR: '1' };
    delete env.NODE_OPTIONS;
    const p = sh(r.cmd, [...r.args.slice(0, -1), 'report-smoke.mjs'], { cwd: out, env, timeout: 60_000 });
    const where = `\n  exit ${p.status}${p.signal ? ` (${p.signal})` : ''}\n  stdout: ${p.stdout?.trim()}\n  stderr: ${p.stderr?.trim()}`;
    if (p.error || p.status !== 0 || p.stderr.trim() !== '') fail(`failed${where}`);
    const line = JSON.parse(p.stdout.trim().split('\n').pop());
    if (line.resolved !== expectedReport) fail(`'recwise/report' resolved to ${line.resolved}, expected ${expectedReport}`);
    if (line.ok !== true) fail(`no report page${where}`);
  });
}

// 2c. Every subpath entry (issue 18): imports from the installed package, exports its API (and the root none of the
//     others'), does one small thing; the kernels come from the .wasm asset.
for (const r of runtimes) {
  check(`package: ${r.name} imports every entry of the installed package, checks its exports and uses it`, () => {
    if (!packed) fail('no package (see the npm pack failure)');
    const env = { ...process.env, NO_COLOR: '1' };
    delete env.NODE_OPTIONS;
    const p = sh(r.cmd, [...r.args.slice(0, -1), 'entries.mjs'], { cwd: out, env, timeout: 60_000 });
    const where = `\n  exit ${p.status}${p.signal ? ` (${p.signal})` : ''}\n  stdout: ${p.stdout?.trim()}\n  stderr: ${p.stderr?.trim()}`;
    if (p.error || p.status !== 0 || p.stderr.trim() !== '') fail(`failed${where}`);
    const line = JSON.parse(p.stdout.trim().split('\n').pop());
    if (!line.ok) fail(line.failures.join('\n'));
    const stray = Object.entries(line.resolved).filter(([, url]) => !url.startsWith(pathToFileURL(join(pkgDir, 'dist/esm/')).href));
    if (stray.length) fail(`resolved outside the installed package: ${stray.map(([e, u]) => `${e} → ${u}`).join(', ')}`);
  });
}

// 2d. The same entries in Chromium from the installed package, as a page imports it without a bundler: a plain
//     <script type="module"> with an import map naming each entry's file; the kernels come from the .wasm asset
//     over HTTP.
const chromiumEntries = async () => {
  const { launchChromium } = await import('../runners/chromium.mjs');
  const { createServer } = await import('node:http');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const imports = Object.fromEntries(Object.entries(pkg.exports).filter(([k, v]) => typeof v === 'object').map(([k, v]) => [k === '.' ? 'recwise' : `recwise/${k.slice(2)}`, `/node_modules/recwise/${v.default.replace(/^\.\//, '')}`]));
  const html = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="importmap">${JSON.stringify({ imports })}</script><script type="module" src="/entries.mjs"></script>`;
  const types = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/') return res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
    const file = join(out, path);
    const type = types[path.slice(path.lastIndexOf('.'))];
    if (!file.startsWith(out) || !type || !existsSync(file)) return res.writeHead(404).end('not found');
    res.writeHead(200, { 'Content-Type': type }).end(readFileSync(file));
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const userDataDir = mkdtempSync(join(tmpdir(), 'recwise-package-chromium-'));
  let context;
  try {
    context = await launchChromium(userDataDir);
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.stack ?? e.message}`));
    const origin = `http://127.0.0.1:${server.address().port}`;
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => typeof window.__recwiseEntries === 'string', null, { timeout: 60_000, polling: 100 }).catch((e) => errors.push(`no result within 60 s: ${e.message.split('\n')[0]}`));
    const line = await page.evaluate(() => window.__recwiseEntries);
    return { line: line ? JSON.parse(line) : undefined, errors, base: `${origin}/node_modules/recwise/dist/esm/` };
  } finally {
    await context?.close();
    server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
};
const chromiumReport = packed ? await chromiumEntries().catch((e) => ({ errors: [String(e?.stack ?? e)] })) : undefined;
check('package: chromium imports every entry of the installed package through an import map, checks its exports and uses it', () => {
  if (!packed) fail('no package (see the npm pack failure)');
  const { line, errors, base } = chromiumReport;
  if (errors.length || !line) fail(errors.join('\n') || 'no result');
  if (!line.ok) fail(line.failures.join('\n'));
  const stray = Object.entries(line.resolved).filter(([, url]) => !url.startsWith(base));
  if (stray.length) fail(`resolved outside the installed package: ${stray.map(([e, u]) => `${e} → ${u}`).join(', ')}`);
});

// 3. A guest in the user's process (issue 15): guest.mjs ends without shutdown() and must exit by itself (the 30 s
//    limit is a hang guard); nothing on stderr (Deno's GPU driver printed 'XDG_RUNTIME_DIR is invalid' when `auto`
//    probed WebGPU, so XDG_RUNTIME_DIR is unset here); worker threads start in every module mode (with
//    --input-type=module they fell back to one thread); error classes keep their names through the build.
const guestEnv = () => {
  const env = { ...process.env, NO_COLOR: '1' };
  delete env.NODE_OPTIONS;
  delete env.XDG_RUNTIME_DIR;
  delete env.FORCE_COLOR; // Deno colours stack traces when it is set at all (run-all.mjs sets FORCE_COLOR=0)
  return env;
};
const runGuest = (cmd, args, input) => {
  const p = sh(cmd, args, { cwd: out, env: guestEnv(), timeout: 30_000, input });
  const where = `\n  exit ${p.status}${p.signal ? ` (${p.signal}: still running after 30 s)` : ''}\n  stdout: ${p.stdout?.trim().slice(0, 2000)}\n  stderr: ${p.stderr?.trim().slice(0, 2000)}`;
  if (p.error && !p.signal) fail(`could not run ${cmd}: ${p.error.message}`);
  if (p.status !== 0) fail(`the script did not exit by itself with status 0${where}`);
  if (p.stderr.trim() !== '') fail(`wrote to stderr${where}`);
  try {
    return JSON.parse(p.stdout.trim().split('\n').pop());
  } catch {
    fail(`no JSON line${where}`);
  }
};
const checkThreads = (report) => {
  if (report.maxThreads < 2) fail(`capabilities.maxThreads is ${report.maxThreads}: this check needs 2+ cores, shared memory and workers`);
  if (report.threads !== report.maxThreads) fail(`init() started ${report.threads} thread(s) of ${report.maxThreads}: the worker pool did not start`);
};
const guests = [
  ...runtimes.map((r) => ({ name: r.name, cmd: r.cmd, args: [...r.args.slice(0, -1), 'guest.mjs'] })),
  { name: 'node --input-type=module (stdin)', cmd: process.execPath, args: ['--input-type=module'], input: readFileSync(join(root, 'test/package/guest.mjs'), 'utf8') },
];
for (const g of guests) {
  check(`package: ${g.name}: a script that fits and recommends without shutdown() exits by itself, silent, on worker threads`, () => {
    if (!packed) fail('no package (see the npm pack failure)');
    const report = runGuest(g.cmd, g.args, g.input);
    if (report.recommended !== 3) fail(`recommend gave ${report.recommended} items, expected 3`);
    checkThreads(report);
  });
}
check('package: node, CommonJS require() of the package: the worker pool starts and the process exits by itself', () => {
  if (!packed) fail('no package (see the npm pack failure)');
  if (!process.features.require_module) fail(`this Node (${process.version}) cannot require() an ES module; use Node 20.19+`);
  const script = "require('recwise').init().then((i) => console.log(JSON.stringify({ threads: i.threads, maxThreads: i.capabilities.maxThreads })));";
  checkThreads(runGuest(process.execPath, ['--input-type=commonjs', '-e', script]));
});

// 4. Error names survive the build (issue 15), and an uncaught library error prints a readable stack (it printed the
//    whole minified 151 KB line to stderr).
for (const r of runtimes) {
  check(`package: ${r.name}: every exported error class is named after itself in the built package`, () => {
    if (!packed) fail('no package (see the npm pack failure)');
    const errors = runGuest(r.cmd, [...r.args.slice(0, -1), 'error-names.mjs']);
    if (errors.length < 15) fail(`only ${errors.length} error classes found among the exports`);
    const wrong = errors.filter((e) => e.name !== e.key || !e.string.startsWith(`${e.key}: `) || !e.stack.startsWith(`${e.key}: `));
    if (wrong.length) fail(`misnamed: ${wrong.map((e) => `${e.key} → name ${JSON.stringify(e.name)}, String ${JSON.stringify(e.string?.slice(0, 40))}, stack ${JSON.stringify(e.stack?.slice(0, 40))}`).join('; ')}`);
  });
}
for (const r of runtimes) {
  check(`package: ${r.name}: an uncaught library error prints a readable stack (named frames, short lines)`, () => {
    if (!packed) fail('no package (see the npm pack failure)');
    const p = sh(r.cmd, [...r.args.slice(0, -1), 'throws.mjs'], { cwd: out, env: guestEnv(), timeout: 30_000 });
    p.stderr = p.stderr.replace(/\x1b\[[0-9;]*m/g, ''); // colours, should a runtime add them anyway
    const where = `\n  exit ${p.status}\n  stderr (${p.stderr.length} chars): ${p.stderr.slice(0, 1500)}`;
    if (p.status === 0) fail(`the script exited 0${where}`);
    if (!p.stderr.includes('InvalidArgumentError')) fail(`stderr does not name InvalidArgumentError${where}`);
    const longest = Math.max(...p.stderr.split('\n').map((l) => l.length));
    if (longest > 400) fail(`a stderr line is ${longest} characters long${where}`);
    if (!/\binit\b.*dist\/esm\/kernels\/registry\.js:\d+/.test(p.stderr)) fail(`no stack frame names init() in dist/esm/kernels/registry.js${where}`);
  });
}

// 5. Types: the declarations compile without skipLibCheck from the oldest supported TypeScript (README, package.json
//    "types@<5.7"/typesVersions → dist/types-ts5.0) to the current one, in each module resolution a user may pick.
const compilers = [
  { name: 'TypeScript 5.0', tsc: join(root, 'node_modules/typescript-5.0/bin/tsc'), resolutions: ['bundler', 'node16', 'node'] },
  { name: `TypeScript ${JSON.parse(readFileSync(join(root, 'node_modules/typescript/package.json'), 'utf8')).version}`, tsc: join(root, 'node_modules/typescript/bin/tsc'), resolutions: ['bundler', 'node16'] },
  // esnext declares Symbol.asyncDispose itself, beside the package's own declaration (src/dispose.ts).
  { name: 'TypeScript (lib esnext)', tsc: join(root, 'node_modules/typescript/bin/tsc'), resolutions: ['bundler'], lib: ['esnext', 'dom'] },
];
for (const c of compilers) {
  check(`package: ${c.name} type-checks a consumer of the package (moduleResolution ${c.resolutions.join(', ')}; no skipLibCheck)`, () => {
    if (!packed) fail('no package (see the npm pack failure)');
    if (!existsSync(c.tsc)) fail(`${c.tsc} not found; run \`npm install\``);
    for (const moduleResolution of c.resolutions) {
      const config = `tsconfig.${moduleResolution}.json`;
      const module = moduleResolution === 'node16' ? 'node16' : 'es2022';
      // es2022 + dom: no esnext.disposable and no @types/node, the least an application may have.
      writeFileSync(join(out, config), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'es2022', module, moduleResolution, lib: c.lib ?? ['es2022', 'dom'], types: [] }, files: ['consumer.ts'] }));
      const p = sh(process.execPath, [c.tsc, '-p', config], { cwd: out });
      if (p.status !== 0) fail(`moduleResolution ${moduleResolution}: tsc exited ${p.status}\n${(p.stdout + p.stderr).trim().slice(0, 3000)}`);
    }
  });
}

// 6. Published text points only at what a user has (issue 15: README and --help named ../shared/…, src/io/README.md,
//    src/serve/README.md). Every top-level entry of the repository that is not in the tarball is such a path.
check('package: the packed README, CHANGELOG and every `recwise --help` name no file outside the package', () => {
  if (!packed) fail('no package (see the npm pack failure)');
  const shipped = new Set(tarballFiles.map((f) => f.split('/')[0]));
  const tracked = sh('git', ['ls-files'], { cwd: root }).stdout.split('\n').filter(Boolean);
  const dirs = [...new Set(tracked.filter((f) => f.includes('/')).map((f) => f.split('/')[0]))].filter((n) => !shipped.has(n));
  const files = tracked.filter((f) => !f.includes('/') && !shipped.has(f));
  if (!dirs.includes('src')) fail(`git ls-files gave no repository-only folders (${dirs.join(', ')})`);
  const escape = (n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // `../x`, a repository-only folder followed by a slash (`src/io/README.md`), or a repository-only file name.
  const pattern = new RegExp(`\\.\\./[\\w.-]+|(?<![\\w./-])(?:${dirs.map(escape).join('|')})/[\\w./-]*|(?<![\\w./-])(?:${files.map(escape).join('|')})(?![\\w-])`, 'g');
  const cli = join(pkgDir, 'dist/cli.mjs');
  const commands = [...sh(process.execPath, [cli, '--help'], { cwd: out }).stdout.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]);
  if (commands.length < 5) fail(`recwise --help lists ${commands.length} commands`);
  const texts = [
    ['README.md', readFileSync(join(pkgDir, 'README.md'), 'utf8')],
    ['CHANGELOG.md', readFileSync(join(pkgDir, 'CHANGELOG.md'), 'utf8')],
    ['recwise --help', sh(process.execPath, [cli, '--help'], { cwd: out }).stdout],
    ...commands.map((c) => [`recwise ${c} --help`, sh(process.execPath, [cli, c, '--help'], { cwd: out }).stdout]),
  ];
  const found = texts.flatMap(([name, text]) => [...new Set([...text.matchAll(pattern)].map((m) => m[0]))].map((hit) => `${name}: ${hit}`));
  if (found.length) fail(`paths a package user does not have: ${found.join('; ')}`);
});

// 7. Size budgets (issue 18): what an application ships, bundled from the installed package by esbuild (minify,
//    gzip -9), without the .wasm asset (reported beside it). Budgets: CONTRIBUTING.md lines "Size budget: `name` ≤ N
//    KiB gzip", one per entry and per representative application below.
const APPS = {
  'app: PopularityRecommender + loadModel': "import { PopularityRecommender, loadModel } from 'recwise';\nexport const top = async (bytes) => (await loadModel(bytes, PopularityRecommender)).recommend(0, { k: 5 });\n",
  'app: edge ALS (loadModel + createHandler, workerd)': "import { AlsRecommender, loadModel } from 'recwise';\nimport { createHandler } from 'recwise/serve';\nimport model from './model.recwise';\nexport default { fetch: createHandler(loadModel(model, AlsRecommender)) };\n",
};
const ENTRY_NAMES = Object.keys(pkg.exports).filter((k) => k !== './package.json' && !k.endsWith('.wasm')).map((k) => (k === '.' ? 'recwise' : `recwise/${k.slice(2)}`));
const sizes = [];
let sizeError;
const measureSizes = async () => {
  const text = readFileSync(join(root, 'CONTRIBUTING.md'), 'utf8');
  const budgets = new Map([...text.matchAll(/Size budget: `([^`]+)` ≤ (\d+(?:\.\d+)?) KiB gzip/g)].map((m) => [m[1], Number(m[2])]));
  const subjects = [...ENTRY_NAMES.map((e) => [e, `export * from '${e}';\n`, []]), ...Object.entries(APPS).map(([n, code]) => [n, code, n.includes('workerd') ? ['workerd'] : []])];
  const over = [];
  for (const [name, code, conditions] of subjects) {
    if (!budgets.has(name)) fail(`CONTRIBUTING.md has no "Size budget: \`${name}\` ≤ <n> KiB gzip" line`);
    const file = join(out, `size-${sizes.length}.mjs`);
    writeFileSync(file, code);
    const wasm = new Set();
    const r = await build({
      entryPoints: [file], bundle: true, minify: true, write: false, format: 'esm', platform: 'neutral', target: 'es2022', legalComments: 'none',
      mainFields: ['module', 'main'], conditions, absWorkingDir: out, logLevel: 'silent', metafile: true,
      external: ['webgpu', 'hyparquet', 'hyparquet-writer', '*.recwise'],
      plugins: [{ name: 'wasm-asset', setup: (b) => b.onResolve({ filter: /\.wasm$/ }, (a) => (wasm.add(join(a.resolveDir, a.path)), { path: a.path, external: true })) }],
    });
    const inputs = Object.keys(r.metafile.inputs);
    const outside = inputs.filter((f) => !f.startsWith('node_modules/recwise/') && !f.startsWith('size-'));
    if (outside.length) fail(`${name}: bundled files from outside the installed package: ${outside.slice(0, 5).join(', ')}`);
    // The asset the default entries read by URL (src/entry/setup.ts), or the module the workerd entry imports.
    if (wasm.size === 0 && inputs.some((f) => f.endsWith('/entry/setup.js'))) wasm.add(join(pkgDir, 'dist/esm/kernels/wasm/kernels-mt.wasm'));
    if (inputs.some((f) => f.endsWith('kernels/wasm/embedded.gen.js'))) wasm.clear(); // recwise/inline: embedded
    const gz = gzipSync(r.outputFiles[0].contents, { level: 9 }).length / 1024;
    const wasmGz = [...wasm].reduce((sum, f) => sum + gzipSync(readFileSync(f), { level: 9 }).length / 1024, 0);
    sizes.push({ name, kib: gz, wasm: wasmGz, budget: budgets.get(name) });
    if (gz > budgets.get(name)) over.push(`${name}: ${gz.toFixed(1)} KiB gzip > ${budgets.get(name)} KiB`);
  }
  return over;
};
const over = packed ? await measureSizes().catch((e) => ((sizeError = e), [])) : [];
check('package: every entry and representative app, bundled from the installed package and minified, within its gzip budget', () => {
  if (!packed) fail('no package (see the npm pack failure)');
  if (sizeError) throw sizeError;
  if (process.env.RECWISE_VERBOSE || over.length) for (const x of sizes) console.log(`${x.name}: ${x.kib.toFixed(1)} KiB gzip${x.wasm ? ` + ${x.wasm.toFixed(1)} KiB gzip .wasm` : ''} (budget ${x.budget} KiB)`);
  if (over.length) fail(`over budget (shrink it, or raise the budget in CONTRIBUTING.md on purpose): ${over.join('; ')}`);
});

// 7b. A bundled app keeps only the model families it imports (issue 18): loading a file of another family names the
//     import that registers it, instead of an unknown kind.
let kindReport;
if (packed) {
  kindReport = await (async () => {
    writeFileSync(join(out, 'make-als.mjs'), "import { writeFileSync } from 'node:fs';\nimport { AlsRecommender, DatasetBuilder, saveModel, shutdown } from 'recwise';\nconst b = new DatasetBuilder();\nfor (let u = 0; u < 8; u++) for (let i = u % 2; i < 6; i += 2) b.add({ user: `u${u}`, item: `i${i}` });\nconst model = await new AlsRecommender({ factors: 2, iterations: 2 }).fit(await b.build());\nwriteFileSync('als.recwise', await saveModel(model));\nawait shutdown();\n");
    const made = sh(process.execPath, ['make-als.mjs'], { cwd: out, env: guestEnv(), timeout: 60_000 });
    if (made.status !== 0) return { error: `make-als.mjs: exit ${made.status} ${made.stderr}` };
    const runBundled = async (name, code) => {
      writeFileSync(join(out, `${name}.mjs`), code);
      const r = await build({ entryPoints: [join(out, `${name}.mjs`)], outfile: join(out, `${name}.bundle.mjs`), bundle: true, minify: true, format: 'esm', platform: 'node', absWorkingDir: out, logLevel: 'silent', metafile: true, external: ['webgpu', 'hyparquet', 'hyparquet-writer'] });
      const p = sh(process.execPath, [`${name}.bundle.mjs`], { cwd: out, env: guestEnv(), timeout: 60_000 });
      try {
        return { ...JSON.parse(p.stdout.trim().split('\n').pop()), inputs: Object.keys(r.metafile.inputs) };
      } catch {
        return { error: `${name}: exit ${p.status}\n${p.stdout}\n${p.stderr}` };
      }
    };
    // As README says for esbuild (no asset handling): the kernel asset copied beside the bundle.
    cpSync(join(pkgDir, 'dist/esm/kernels/wasm/kernels-mt.wasm'), join(out, 'kernels-mt.wasm'));
    const caught = "catch (e) {\n  console.log(JSON.stringify({ name: e.name, message: e.message }));\n}\n";
    return {
      kind: await runBundled('kind-app', `import { readFileSync } from 'node:fs';\nimport { loadModel } from 'recwise';\ntry {\n  await loadModel(new Uint8Array(readFileSync('als.recwise')));\n  console.log(JSON.stringify({ loaded: true }));\n} ${caught}`),
      knn: await runBundled('knn-app', `import { readFileSync } from 'node:fs';\nimport { AlsRecommender, init, loadModel, shutdown } from 'recwise';\nconst { backend } = await init();\nconst model = await loadModel(new Uint8Array(readFileSync('als.recwise')), AlsRecommender);\ntry {\n  await model.initKnn();\n  console.log(JSON.stringify({ built: true }));\n} catch (e) {\n  console.log(JSON.stringify({ name: e.name, message: e.message, backend }));\n}\nawait shutdown();\n`),
    };
  })().catch((e) => ({ error: String(e?.stack ?? e) }));
}
check('package: a bundled app without AlsRecommender: loadModel of an ALS file throws ModelFileError naming the import', () => {
  if (!packed) fail('no package (see the npm pack failure)');
  const r = kindReport.kind ?? kindReport;
  if (r.error) fail(r.error);
  if (r.loaded) fail('the ALS file loaded: the bundle kept every model family (package.json "sideEffects"?)');
  if (r.name !== 'ModelFileError' || !r.message.includes("import { AlsRecommender } from 'recwise'")) fail(`wrong error: ${r.name}: ${r.message}`);
});
check('package: a bundled app (kernels-mt.wasm beside it) runs on wasm, ships no HNSW without recwise/retrieval, and initKnn() names the entry', () => {
  if (!packed) fail('no package (see the npm pack failure)');
  const r = kindReport.knn ?? kindReport;
  if (r.error) fail(r.error);
  const hnsw = r.inputs.filter((f) => /retrieval\/(hnsw|exact)\.js$/.test(f));
  if (hnsw.length) fail(`the bundle contains ${hnsw.join(', ')}`);
  if (r.built) fail('initKnn() built indexes without recwise/retrieval');
  if (r.name !== 'NotSupportedError' || !r.message.includes("'recwise/retrieval'")) fail(`wrong error: ${r.name}: ${r.message}`);
  if (r.backend !== 'wasm') fail(`the bundle ran on '${r.backend}': it did not find kernels-mt.wasm beside itself`);
});

const failed = results.filter((r) => !r.ok);
for (const f of failed) console.log(`✗ ${f.name}\n    ${String(f.error).replace(/\n/g, '\n    ')}`);
console.log(`package: ${results.length - failed.length} passed, ${failed.length} failed`);
process.exitCode = failed.length ? 1 : 0;
