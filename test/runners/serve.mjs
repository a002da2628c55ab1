#!/usr/bin/env node
// The "runtime" section of CI (issue 10): real servers on loopback, answers compared with the Node API.
//
//   node scripts/build.mjs && node test/runners/serve.mjs [--only node,deno,bun,deno-example,bun-example,workerd,browser]
//
// - `recwise serve` (dist/cli.mjs) on Node, Deno and Bun: the request suite (every route, the bad-request cases),
//   reload on file change without failed requests (an invalid file keeps the old model), SIGHUP reload, graceful
//   shutdown with a request in flight;
// - examples/deno/serve.ts, examples/bun/serve.ts and the workerd example (examples/workerd, built by its build.mjs):
//   the request suite (they configure the popularity fallback); workerd's cold start is printed;
// - examples/browser/index.html in headless Chromium: pick the tiny file, train, recommend; equal to Node's model.
//
// Everything listens on 127.0.0.1 with a free port; requests are few and every wait is bounded. Prints failures,
// then `runtime: N passed, M failed`. Exit 0 all passed, 1 failures, 2 could not start (dist missing).
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { connect, createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchChromium } from './chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'test/.out/runtime');
const bin = (n) => join(root, 'node_modules/.bin', n);
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg > 0 ? process.argv[onlyArg + 1].split(',') : undefined;
const want = (name) => !only || only.includes(name);

for (const f of ['dist/cli.mjs', 'dist/esm/entry/default.js', 'dist/esm/edge/default.js']) {
  if (!existsSync(join(root, f))) {
    console.error(`runtime: cannot start: ${f} is missing; run \`node scripts/build.mjs\` first`);
    console.log('runtime: could not start');
    process.exit(2);
  }
}

const recwise = await import(pathToFileURL(join(root, 'dist/esm/entry/default.js')).href);
const { tinyModel } = await import(pathToFileURL(join(root, 'examples/make-model.mjs')).href);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const { text: tinyText, model, bytes } = await tinyModel();
const modelFile = join(out, 'model.recwise');
writeFileSync(modelFile, bytes);
writeFileSync(join(out, 'tiny.tsv'), tinyText);
const { interactions } = await recwise.readInteractions({ text: tinyText, name: 'tiny.tsv' }, { binary: true });
const popularityBytes = await recwise.saveModel(await new recwise.PopularityRecommender().fit(interactions));
const hostileBytes = (() => {
  const { file: _info, ...state } = recwise.decodeModelState(bytes);
  return recwise.encodeModelState({ ...state, kind: 'autoencoder', params: { hiddenLayers: [1 << 24] } });
})();

const results = [];
async function check(name, fn) {
  try {
    await fn();
    results.push({ name, ok: true });
  } catch (e) {
    results.push({ name, ok: false, error: String(e?.stack ?? e) });
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = netServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

/** Start a server process; resolves when its stdout says `listening on http://…` (30 s at most). */
function startServer(cmd, args, name) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const proc = { child, stdout: '', stderr: '', exit: null, startMs: 0 };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name}: no "listening on" within 30 s\n${proc.stdout}\n${proc.stderr}`));
    }, 30_000);
    proc.exited = new Promise((r) => child.on('exit', (code, signal) => r((proc.exit = { code, signal }))));
    child.stderr.on('data', (d) => (proc.stderr += d));
    child.stdout.on('data', (d) => {
      proc.stdout += d;
      const m = /listening on (http:\/\/[^\s)]+)/.exec(proc.stdout);
      if (m && !proc.url) {
        clearTimeout(timer);
        proc.url = m[1];
        proc.startMs = performance.now() - t0;
        resolve(proc);
      }
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${name}: ${e.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!proc.url) reject(new Error(`${name}: exited (${code ?? signal}) before listening\n${proc.stdout}\n${proc.stderr}`));
    });
  });
}

async function stopServer(proc) {
  if (!proc || proc.exit) return;
  proc.child.kill('SIGTERM');
  const t = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
  await proc.exited;
  clearTimeout(t);
}

async function request(base, method, path, body, headers = {}) {
  const init = { method, headers: { ...headers }, signal: AbortSignal.timeout(30_000) }; // a hang guard, not a speed check
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
    if (!('content-type' in init.headers)) init.headers['content-type'] = 'application/json';
  }
  const r = await fetch(base + path, init);
  const text = await r.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, json, text, headers: r.headers };
}

/**
 * Send raw bytes (requests fetch cannot make: TRACE, `OPTIONS *`, absolute-form targets) and read until the server
 * closes; resolves { status, head, body } or { reset } (10 s hang guard).
 */
function rawRequest(base, text) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let data = '';
    const done = (extra) => {
      clearTimeout(timer);
      socket.destroy();
      const [head, ...rest] = data.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1] ?? NaN);
      resolve({ status, head, body: rest.join('\r\n\r\n'), ...extra });
    };
    const timer = setTimeout(() => done({ hung: true }), 10_000);
    socket.setEncoding('latin1');
    socket.on('data', (d) => (data += d));
    socket.on('end', () => done({}));
    socket.on('error', (e) => done({ reset: e.code ?? e.message }));
    socket.write(text);
  });
}

const plain = (v) => JSON.parse(JSON.stringify(v));
function sameList(actual, expected, what) {
  assert(Array.isArray(actual), `${what}: expected a list, got ${JSON.stringify(actual)?.slice(0, 200)}`);
  assert(actual.length === expected.length, `${what}: ${actual.length} items, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    assert(actual[i].item === expected[i].item, `${what}: item ${i} is ${JSON.stringify(actual[i].item)}, expected ${JSON.stringify(expected[i].item)}`);
    assert(Math.abs(actual[i].score - expected[i].score) <= 1e-5 * Math.max(1, Math.abs(expected[i].score)), `${what}: score ${i} ${actual[i].score} vs ${expected[i].score}`);
  }
}

/** The request suite: routes against the Node API, then the bad requests. `fallback`: the server answers unknown users from popularity. */
/**
 * The request suite. `fallback`: the server answers unknown users from popularity. `nodeHttp`: recwise's own node:http
 * adapter parses the requests (src/runtime/server.ts); Deno.serve, Bun.serve and workerd parse them in the runtime.
 */
async function requestSuite(base, label, { fallback, nodeHttp = false }) {
  const rec = (u, o) => plain(model.recommend(u, o));
  const cases = [
    ['GET /recommend', async () => {
      const r = await request(base, 'GET', '/recommend?user=1&k=5');
      assert(r.status === 200 && r.json.user === 1, `status ${r.status} ${r.text.slice(0, 200)}`);
      sameList(r.json.items, rec(1, { k: 5 }), 'user 1');
      const e = await request(base, 'GET', '/recommend?user=7&k=3&exclude=m3,m4');
      sameList(e.json.items, rec(7, { k: 3, exclude: ['m3', 'm4'] }), 'exclude');
    }],
    ['POST /recommend (one, include, batch, fold-in)', async () => {
      const one = await request(base, 'POST', '/recommend', { user: 2, k: 4, include: ['m1', 'm2', 'm20', 'm40', 'm44'] });
      sameList(one.json.items, rec(2, { k: 4, include: ['m1', 'm2', 'm20', 'm40', 'm44'] }), 'include');
      const batch = await request(base, 'POST', '/recommend', { users: [1, 2, 3], k: 3 });
      const lists = plain(await model.recommendBatch([1, 2, 3], { k: 3 }));
      assert(batch.status === 200 && batch.json.results.length === 3, `batch: ${batch.text.slice(0, 200)}`);
      batch.json.results.forEach((r, i) => sameList(r.items, lists[i], `batch ${i}`));
      const fold = await request(base, 'POST', '/recommend', { user: 'newcomer', userItems: ['m1', 'm2', 'm3'], k: 3 });
      sameList(fold.json.items, rec('newcomer', { userItems: ['m1', 'm2', 'm3'], k: 3 }), 'fold-in');
    }],
    ['/similar, /predict, /info, /health', async () => {
      const s = await request(base, 'GET', '/similar?item=m5&k=3');
      sameList(s.json.items, plain(model.similarItems('m5', { k: 3 })), 'similar');
      const p = await request(base, 'POST', '/predict', { user: 3, items: ['m1', 'm30'] });
      const want = model.score(3, ['m1', 'm30']);
      assert(p.status === 200 && p.json.scores.every((x, i) => Math.abs(x.score - want[i]) <= 1e-5), `predict: ${p.text.slice(0, 200)}`);
      const info = await request(base, 'GET', '/info');
      assert(info.json.kind === 'als' && info.json.users === 60 && info.json.items === model.itemIds.length, `info: ${info.text.slice(0, 300)}`);
      const h = await request(base, 'GET', '/health');
      assert(h.status === 200 && h.json.status === 'ok', `health: ${h.text}`);
    }],
    ['bad requests answer the documented 4xx', async () => {
      const big = new Uint8Array(2 << 20).fill(32);
      const bad = [
        ['GET', '/recommend?user=99999', undefined, {}, fallback ? 200 : 404],
        ['GET', '/recommend?user=1&k=0', undefined, {}, 400],
        ['GET', '/recommend?user=1&k=-1', undefined, {}, 400],
        ['GET', '/recommend?user=1&k=100000000', undefined, {}, 400],
        ['GET', '/recommend?user=1&k=2.5', undefined, {}, 400],
        ['POST', '/recommend', '{"user": 1,', {}, 400],
        ['POST', '/recommend', { user: [1] }, {}, 400],
        ['POST', '/recommend', { user: 1, include: ['m1'], exclude: ['m2'] }, {}, 400],
        ['POST', '/recommend', big, {}, 413],
        ['POST', '/recommend', '{"user":1}', { 'content-type': 'text/plain' }, 415],
        ['DELETE', '/recommend', undefined, {}, 405],
        ['GET', '/similar?item=nope', undefined, {}, 404],
        ['GET', '/nowhere', undefined, {}, 404],
      ];
      for (const [method, path, body, headers, status] of bad) {
        const r = await request(base, method, path, body, headers);
        const what = `${method} ${path} ${typeof body === 'string' ? body : body instanceof Uint8Array ? `(${body.length} bytes)` : JSON.stringify(body) ?? ''}`;
        assert(r.status === status, `${what}: status ${r.status}, expected ${status}: ${r.text.slice(0, 200)}`);
        if (status >= 400) assert(typeof r.json?.error?.code === 'string', `${what}: no error body: ${r.text.slice(0, 200)}`);
        else assert(r.json.fallback === 'popularity', `${what}: expected the popularity fallback`);
      }
      const after = await request(base, 'GET', '/recommend?user=1&k=2');
      sameList(after.json.items, rec(1, { k: 2 }), 'after the bad requests');
    }],
    // Issue 22: malformed requests are a 4xx, never a 5xx or a reset; request values come back only as a bounded,
    // escaped excerpt, with nosniff.
    ['hostile requests: deep JSON, TRACE, OPTIONS *, absolute-form targets, a 100 KB query, markup in ids', async () => {
      const { host } = new URL(base);
      const deep = await request(base, 'POST', '/recommend', `{"user":1,"k":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
      assert(deep.status === 400, `k nested 100,000 deep: ${deep.status} ${deep.text.slice(0, 200)}`);
      assert(deep.headers.get('x-content-type-options') === 'nosniff', 'nosniff on errors');
      const raws = [
        ['TRACE', `TRACE /recommend HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, [400, 405]],
        ['OPTIONS *', `OPTIONS * HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, [200, 204, 400, 404, 405]],
        ['absolute-form', `GET http://${host}/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, [200, 400]],
        ['absolute-form with userinfo', `GET http://user:secret@${host}/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, [200, 400]],
        ['100 KB query string', `GET /recommend?user=1&pad=${'a'.repeat(100_000)} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, [400, 414, 431]],
      ];
      for (const [what, text, statuses] of raws) {
        const r = await rawRequest(base, text);
        // Oversized request heads never reach a handler: Deno's and Bun's servers answer 431 and close while the
        // client may still be writing, which the client can see as a reset (the race of issue 14, in code recwise
        // does not run). recwise's own node:http adapter reads them to the end and answers, always.
        if (r.reset && what === '100 KB query string' && !nodeHttp) continue;
        assert(!r.reset && !r.hung, `${what}: ${r.reset ? `connection reset (${r.reset})` : 'no answer in 10 s'} instead of an HTTP answer`);
        assert(statuses.includes(r.status), `${what}: status ${r.status}, expected one of ${statuses}: ${r.head?.slice(0, 200)}`);
      }
      const evil = `<script>alert(1)</script>${'x'.repeat(5000)}`;
      for (const r of [
        await request(base, 'GET', `/recommend?user=${encodeURIComponent(evil)}`),
        await request(base, 'POST', '/recommend', { user: 1, [evil]: 1 }),
        await request(base, 'GET', `/${encodeURIComponent(evil)}`),
      ]) {
        assert(r.status >= 200 && r.status < 500, `markup in a request: status ${r.status}`);
        assert(r.headers.get('x-content-type-options') === 'nosniff', 'nosniff');
        assert(!r.text.includes('<script>'), `markup in the answer: ${r.text.slice(0, 300)}`);
        // an answer names the user it is for (escaped); an error only ever quotes a short excerpt
        if (r.status >= 400) assert(!r.text.includes('x'.repeat(1000)), `the error echoes the request verbatim: ${r.text.slice(0, 300)}`);
      }
    }],
    // Issue 14: answering 413 while the client still writes loses to a reset in some runtimes, depending on timing.
    // Several tries per kind make the race show; a reset is what a user's client would see, so it fails the case.
    ['oversized bodies (declared and streamed without Content-Length) answer 413, never a reset', async () => {
      const chunk = new Uint8Array(64 << 10).fill(32);
      const streamed = () =>
        new ReadableStream({
          start(c) {
            for (let j = 0; j < 32; j++) c.enqueue(chunk);
            c.close();
          },
        });
      for (let i = 0; i < 16; i++) {
        for (const kind of ['declared', 'streamed']) {
          const init = { method: 'POST', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(30_000) };
          if (kind === 'declared') init.body = new Uint8Array(2 << 20).fill(32);
          else Object.assign(init, { body: streamed(), duplex: 'half' });
          let r;
          try {
            r = await fetch(base + '/recommend', init);
          } catch (e) {
            throw new Error(`${kind} 2 MiB body, try ${i + 1}: ${e.message} (${e.cause?.code ?? e.cause?.message ?? 'no cause'}) instead of a 413`);
          }
          const text = await r.text();
          assert(r.status === 413 && JSON.parse(text).error.code === 'PAYLOAD_TOO_LARGE', `${kind} body: ${r.status} ${text.slice(0, 200)}`);
        }
      }
    }],
  ];
  for (const [name, fn] of cases) await check(`${label}: ${name}`, fn);
}

function writeAtomic(path, data) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

// Waits are hang guards sized for a busy 2-core CI machine (issue 14), never speed checks.
async function until(what, fn, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const RUNTIMES = {
  node: [process.execPath, [join(root, 'dist/cli.mjs')]],
  deno: [bin('deno'), ['run', '-A', join(root, 'dist/cli.mjs')]],
  bun: [bin('bun'), [join(root, 'dist/cli.mjs')]],
};

for (const [rt, [cmd, pre]] of Object.entries(RUNTIMES)) {
  if (!want(rt)) continue;
  const label = `${rt} recwise serve`;
  const dir = join(out, rt);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'model.recwise');
  copyFileSync(modelFile, file);
  let proc;
  try {
    proc = await startServer(cmd, [...pre, 'serve', '--model-file', file, '--port', '0', ...(rt === 'node' ? ['--header-timeout-ms', '1000'] : [])], label);
  } catch (e) {
    await check(`${label}: starts`, () => Promise.reject(e));
    continue;
  }
  await check(`${label}: starts on 127.0.0.1 and logs requests`, async () => {
    assert(proc.url.startsWith('http://127.0.0.1:'), `listening on ${proc.url}`);
  });
  await requestSuite(proc.url, label, { fallback: false, nodeHttp: rt === 'node' });
  if (rt === 'node') {
    await check(`${label}: 40 slow clients trickling headers are closed by the header timeout (1 s configured)`, async () => {
      const { hostname, port } = new URL(proc.url);
      const sockets = Array.from({ length: 40 }, () => {
        const s = connect(Number(port), hostname);
        const state = { closed: false };
        s.on('close', () => (state.closed = true));
        s.on('error', () => undefined);
        s.resume(); // read the 408, so the close comes through
        s.write('GET /health HTTP/1.1\r\n');
        const t = setInterval(() => !state.closed && s.write('X-Slow: 1\r\n'), 200);
        s.on('close', () => clearInterval(t));
        return { s, state, t };
      });
      try {
        await until('every slow client to be closed', () => sockets.every((x) => x.state.closed), 15_000);
      } finally {
        for (const x of sockets) clearInterval(x.t), x.s.destroy();
      }
      const h = await request(proc.url, 'GET', '/health');
      assert(h.status === 200, 'the server still answers');
    });
  }
  await check(`${label}: access log line per request (method, path, status, ms)`, async () => {
    await until('the access log', () => /GET \/recommend 200 \d+\.\d+ms/.test(proc.stderr) && /POST \/recommend 413 /.test(proc.stderr));
  });
  await check(`${label}: reloads a changed model file with no failed request; keeps the old model when the new file is invalid`, async () => {
    let failures = 0;
    let sent = 0;
    let stop = false;
    const load = (async () => {
      while (!stop && sent < 2000) {
        sent++;
        const r = await request(proc.url, 'GET', '/recommend?user=1&k=3').catch((e) => ({ status: String(e) }));
        if (r.status !== 200) failures++;
      }
    })();
    writeAtomic(file, popularityBytes);
    await until('the popularity model to be served', async () => (await request(proc.url, 'GET', '/info')).json?.kind === 'popularity');
    writeAtomic(file, new Uint8Array([1, 2, 3, 4]));
    await until('"reload … failed" in the log', () => /reload of .* failed/.test(proc.stderr));
    const still = await request(proc.url, 'GET', '/info');
    assert(still.json.kind === 'popularity', `after an invalid file: ${still.text.slice(0, 200)}`);
    // issue 22: a hostile file with valid checksums whose params imply gigabytes (hiddenLayers [2^24]) stalled the
    // server; now it is refused before anything is built and requests keep being answered meanwhile
    writeAtomic(file, hostileBytes);
    await until('the hostile file to be refused', () => /reload of .* failed.*params\.hiddenLayers/.test(proc.stderr), 15_000);
    assert((await request(proc.url, 'GET', '/info')).json.kind === 'popularity', 'still the previous model');
    stop = true;
    await load;
    assert(failures === 0, `${failures} of ${sent} requests failed during reloads`);
    assert(sent > 0, 'no request was sent during the reload');
  });
  await stopServer(proc);

  // SIGHUP reload and graceful shutdown, on a second server that does not watch the file.
  copyFileSync(modelFile, file);
  try {
    proc = await startServer(cmd, [...pre, 'serve', '--model-file', file, '--port', '0', '--watch=false'], label);
  } catch (e) {
    await check(`${label}: starts with --watch=false`, () => Promise.reject(e));
    continue;
  }
  await check(`${label}: SIGHUP reloads the model file`, async () => {
    writeAtomic(file, popularityBytes);
    await sleep(700); // longer than a watcher's poll: it must not reload by itself
    assert((await request(proc.url, 'GET', '/info')).json.kind === 'als', 'reloaded without SIGHUP although --watch=false');
    proc.child.kill('SIGHUP');
    await until('the popularity model after SIGHUP', async () => (await request(proc.url, 'GET', '/info')).json?.kind === 'popularity');
  });
  await check(`${label}: SIGTERM finishes the request in flight, then exits 0`, async () => {
    // A POST whose body arrives in two parts: SIGTERM lands between them. Before the signal, the server must have the
    // request: the client has started sending it, and a later request on another connection has been answered (so
    // the server's event loop has run past the first one's arrival). A fixed sleep alone loses on a busy machine.
    let release;
    let sending;
    const gate = new Promise((r) => (release = r));
    const started = new Promise((r) => (sending = r));
    const enc = new TextEncoder();
    const body = new ReadableStream({
      async start(c) {
        c.enqueue(enc.encode('{"user": 1, '));
        sending();
        await gate;
        c.enqueue(enc.encode('"k": 2}'));
        c.close();
      },
    });
    const pending = fetch(proc.url + '/recommend', { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half', signal: AbortSignal.timeout(60_000) });
    await started;
    await sleep(200);
    assert((await request(proc.url, 'GET', '/health')).status === 200, 'the server did not answer /health');
    proc.child.kill('SIGTERM');
    await sleep(300);
    assert(!proc.exit, `exited (${JSON.stringify(proc.exit)}) with a request in flight`);
    release();
    const r = await pending;
    const json = await r.json();
    assert(r.status === 200 && json.items.length === 2, `in-flight request: ${r.status} ${JSON.stringify(json).slice(0, 200)}`);
    const t = setTimeout(() => proc.child.kill('SIGKILL'), 30_000);
    const exit = await proc.exited;
    clearTimeout(t);
    assert(exit.code === 0, `exit ${JSON.stringify(exit)}\n${proc.stderr.slice(-500)}`);
    assert(/SIGTERM, finishing requests in flight/.test(proc.stderr) && /stopped/.test(proc.stderr), `log: ${proc.stderr.slice(-300)}`);
  });
  await stopServer(proc);
}

// The Deno and Bun example scripts (popularity fallback configured).
const EXAMPLES = {
  'deno-example': [bin('deno'), ['run', '--allow-read', '--allow-net', '--allow-env', 'examples/deno/serve.ts', modelFile, '0']],
  'bun-example': [bin('bun'), ['examples/bun/serve.ts', modelFile, '0']],
};
for (const [name, [cmd, args]] of Object.entries(EXAMPLES)) {
  if (!want(name)) continue;
  let proc;
  try {
    proc = await startServer(cmd, args, name);
  } catch (e) {
    await check(`${name}: starts`, () => Promise.reject(e));
    continue;
  }
  await requestSuite(proc.url, name, { fallback: true });
  await stopServer(proc);
}

// The workerd example: build it (model + bundle), serve on a free port, the same suite; cold start printed.
const notes = [];
if (want('workerd')) {
  await check('workerd example: builds (examples/workerd/build.mjs)', async () => {
    const r = await new Promise((resolve) => {
      const c = spawn(process.execPath, ['examples/workerd/build.mjs'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let log = '';
      c.stdout.on('data', (d) => (log += d));
      c.stderr.on('data', (d) => (log += d));
      c.on('exit', (code) => resolve({ code, log }));
    });
    assert(r.code === 0, `build failed:\n${r.log}`);
    const built = readFileSync(join(root, 'examples/workerd/build/model.recwise'));
    assert(Buffer.compare(built, Buffer.from(bytes)) === 0, 'the example model differs from the one the suite expects');
  });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child = spawn(bin('workerd'), ['serve', 'examples/workerd/config.capnp', '--socket-addr', `http=127.0.0.1:${port}`], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  let exited = false;
  child.on('exit', () => (exited = true));
  let first;
  await check('workerd example: answers its first request (cold start)', async () => {
    const deadline = Date.now() + 20_000;
    while (!first && !exited && Date.now() < deadline) {
      try {
        const r = await request(base, 'GET', '/recommend?user=1&k=5');
        if (r.status === 200) first = r;
      } catch {
        await sleep(5);
      }
    }
    assert(first, `no answer (${exited ? 'workerd exited' : 'timeout'})\n${log}`);
    sameList(first.json.items, plain(model.recommend(1, { k: 5 })), 'first answer');
  });
  if (first) {
    notes.push(`workerd example: process start → first /recommend answer ${(performance.now() - t0).toFixed(0)} ms (includes process start and polling)`);
    await requestSuite(base, 'workerd example', { fallback: true });
  }
  if (!exited) child.kill('SIGTERM');
}

// The browser example in headless Chromium: pick the tiny file, train, recommend, compare with Node.
if (want('browser')) {
  await check('browser example: trains on a picked file and shows the same recommendations as Node', async () => {
    const types = { '.html': 'text/html; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.map': 'application/json' };
    const server = createServer((req, res) => {
      let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      if (path.endsWith('/')) path += 'index.html';
      const file = join(root, path);
      const allowed = file.startsWith(join(root, 'examples') + '/') || file.startsWith(join(root, 'dist') + '/');
      if (!allowed || !existsSync(file)) return res.writeHead(404).end('not found');
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(readFileSync(file));
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const userDataDir = mkdtempSync(join(tmpdir(), 'recwise-example-'));
    let context;
    try {
      context = await launchChromium(userDataDir);
      const page = context.pages()[0] ?? (await context.newPage());
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`http://127.0.0.1:${server.address().port}/examples/browser/`);
      await page.setInputFiles('#file', { name: 'tiny.tsv', mimeType: 'text/tab-separated-values', buffer: Buffer.from(tinyText) });
      await page.click('#train');
      await page.waitForFunction(() => window.__example.trained || window.__example.error, null, { timeout: 60_000 });
      const err = await page.evaluate(() => window.__example.error);
      assert(!err, `page error: ${err}`);
      await page.selectOption('#user', '1');
      await page.fill('#k', '5');
      await page.click('#recommend');
      await page.waitForFunction(() => window.__example.recommended > 0, null, { timeout: 60_000 });
      const shown = await page.$$eval('#recs li', (lis) => lis.map((li) => ({ item: JSON.parse(li.dataset.item), score: Number(li.dataset.score) })));
      sameList(shown, plain(model.recommend(1, { k: 5 })), 'browser recommendations');
      assert(errors.length === 0, `page errors: ${errors.join('; ')}`);
    } finally {
      await context?.close();
      server.close();
      rmSync(userDataDir, { recursive: true, force: true });
    }
  });
}

await recwise.shutdown();
const failed = results.filter((r) => !r.ok);
for (const f of failed) console.log(`✗ runtime › ${f.name}\n    ${String(f.error).replace(/\n/g, '\n    ')}`);
for (const n of notes) process.stderr.write(n + '\n');
if (process.env.RECWISE_VERBOSE) for (const r of results) if (r.ok) console.log(`✓ runtime › ${r.name}`);
console.log(`runtime: ${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
