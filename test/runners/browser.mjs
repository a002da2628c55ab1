#!/usr/bin/env node
// The conformance suite in headless Chromium (runtimes.md §2): bundle test/runners/browser-entry.ts with esbuild
// ('recwise' → src/entry/default.ts), serve it from 127.0.0.1 with COOP/COEP (so the page is cross-origin isolated
// and the worker-thread kernels get shared memory), drive /usr/bin/chromium with playwright-core, report.
//
//   node test/runners/browser.mjs [--filter <substring>]      env: CHROMIUM_PATH (default /usr/bin/chromium)
//
// Prints each failure, then `chromium: N passed, M failed`. Exit 0 when all passed, 1 on failures,
// 2 when the browser could not be started (with what to install).
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { ChromiumUnavailable, INSTALL_HINT, launchChromium } from './chromium.mjs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const filterArg = process.argv.indexOf('--filter');
const filter = filterArg > 0 ? process.argv[filterArg + 1] : undefined;
const TIMEOUT_MS = Number(process.env.RECWISE_BROWSER_TIMEOUT_MS) || 180_000;

const cleanups = [];
function cannotStart(why) {
  for (const f of cleanups) f();
  console.error(`chromium: cannot start: ${why}\n  ${INSTALL_HINT}`);
  console.log('chromium: could not start');
  process.exit(2);
}


// 1. Bundle.
const bundle = await build({
  entryPoints: [join(root, 'test/runners/browser-entry.ts')],
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  alias: {
    recwise: join(root, 'src/entry/default.ts'),
    ...Object.fromEntries(['nn', 'retrieval', 'serve', 'interop', 'webgpu', 'testing', 'tune'].map((e) => [`recwise/${e}`, join(root, `src/entry/${e}.ts`)])),
  },
  external: ['webgpu'],
  sourcemap: 'inline',
  // package.json's "sideEffects" covers the package only; the case files register themselves on import.
  ignoreAnnotations: true,
  logLevel: 'warning',
});
const js = bundle.outputFiles[0].contents;
const html = '<!doctype html><meta charset="utf-8"><title>recwise conformance</title><link rel="icon" href="data:,"><script type="module" src="/entry.js"></script>';

// 2. Serve, cross-origin isolated.
const server = createServer((req, res) => {
  const headers = {
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
  const path = new URL(req.url, 'http://x').pathname;
  if (path === '/') res.writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8' }).end(html);
  else if (path === '/entry.js') res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript; charset=utf-8' }).end(js);
  // The kernel asset beside the bundle, where its `new URL('./kernels-mt.wasm', import.meta.url)` points
  // (src/kernels/wasm/asset.ts), as an application copies it when its bundler has no asset handling.
  else if (path === '/kernels-mt.wasm') res.writeHead(200, { ...headers, 'Content-Type': 'application/wasm' }).end(readFileSync(join(root, 'src/kernels/wasm/kernels-mt.wasm')));
  else res.writeHead(404, headers).end('not found');
});
await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
// The page cannot read CI=true; pass it on, so WebGPU cases fail (not just expect the typed error) without an adapter.
const params = new URLSearchParams();
if (filter) params.set('filter', filter);
if (process.env.CI === 'true') params.set('requireGpu', '1');
const url = `http://127.0.0.1:${server.address().port}/${params.size ? `?${params}` : ''}`;

// 3. Browse.
const userDataDir = mkdtempSync(join(tmpdir(), 'recwise-chromium-'));
cleanups.push(() => server.close(), () => rmSync(userDataDir, { recursive: true, force: true }));
let context;
let exitCode = 0;
try {
  try {
    context = await launchChromium(userDataDir, { webgpu: true });
  } catch (e) {
    if (!(e instanceof ChromiumUnavailable)) throw e;
    cannotStart(e.message);
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.stack ?? e.message}`));
  const consoleLog = [];
  page.on('console', (m) => {
    consoleLog.push(`console.${m.type()}: ${m.text()}`);
    if (m.type() === 'error') pageErrors.push(`console.error: ${m.text()}`);
  });
  await page.goto(url);
  let report;
  try {
    await page.waitForFunction(() => window.__recwise?.done === true, null, { timeout: TIMEOUT_MS, polling: 100 });
    report = await page.evaluate(() => window.__recwise);
  } catch (e) {
    report = { results: [], fatal: `the page did not finish within ${TIMEOUT_MS} ms: ${e.message.split('\n')[0]}` };
  }

  // Checks of the page itself, counted like cases.
  const checks = [];
  const check = (name, cond, error) => checks.push({ name, ok: !!cond, ...(cond ? {} : { error }) });
  if (!report.fatal) {
    const caps = report.init?.capabilities ?? {};
    check('chromium: page is cross-origin isolated (COOP/COEP)', report.crossOriginIsolated, 'crossOriginIsolated is false');
    check(
      'chromium: shared memory and worker threads are used',
      caps.sharedMemory === true && caps.maxThreads > 1 && report.init.threads > 1,
      `capabilities.sharedMemory=${caps.sharedMemory}, maxThreads=${caps.maxThreads}, init().threads=${report.init?.threads}`,
    );
    check('chromium: wasm backend is active', report.init?.backend === 'wasm', `init().backend=${report.init?.backend}`);
    // A guest prints nothing unless asked (issue 15): init() with backend 'auto' probed WebGPU, and Chromium logged
    // "No available adapters"; the page brackets init() and a CPU fit with two markers (browser-entry.ts).
    const start = consoleLog.findIndex((l) => l.endsWith('[recwise-test] quiet: start'));
    const end = consoleLog.findIndex((l) => l.endsWith('[recwise-test] quiet: end'));
    const between = consoleLog.slice(start + 1, end);
    check(
      'chromium: init() and a CPU fit log nothing to the console',
      start >= 0 && end > start && between.length === 0,
      start < 0 || end < 0 ? `markers not seen (console: ${consoleLog.slice(0, 5).join(' | ')})` : `logged: ${between.join(' | ')}`,
    );
  }
  const results = [...checks, ...report.results];
  if (report.fatal) results.push({ name: 'chromium: page ran the suite', ok: false, error: report.fatal });
  const failed = results.filter((r) => !r.ok);
  for (const f of failed) console.log(`✗ chromium › ${f.name}\n    ${String(f.error).replace(/\n/g, '\n    ')}`);
  if (failed.length && pageErrors.length) console.log(`page errors:\n  ${pageErrors.join('\n  ')}`);
  if (process.env.RECWISE_VERBOSE) console.log(JSON.stringify(report.init));
  console.log(`chromium: ${results.length - failed.length} passed, ${failed.length} failed`);
  exitCode = failed.length ? 1 : 0;
} finally {
  await context?.close().catch(() => {});
  server.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(exitCode);
