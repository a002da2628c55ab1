// Node's HTTP adapter (src/runtime/server.ts, issue 22): handlers with a plain form (createHandler's) are answered
// without Fetch objects; any other Fetch handler still works through a Request and its Response, bytes and repeated
// headers intact; every answer is reported to onResponse (the access log of `recwise serve`).
import { afterEach, expect, test } from 'vitest';
import { startServer, PLAIN_HANDLER, type ResponseInfo, type RunningServer } from '../../src/runtime/server.ts';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

test('a Fetch handler without a plain form: request headers (repeated ones joined), body bytes and status pass through', async () => {
  const seen: ResponseInfo[] = [];
  const bytes = Uint8Array.of(0, 255, 128, 10);
  server = await startServer(
    async (request) => new Response(bytes, { status: 201, headers: { 'x-echo': request.headers.get('x-tag') ?? '', 'x-method': request.method } }),
    { port: 0, onResponse: (r) => seen.push(r) },
  );
  const r = await fetch(`http://127.0.0.1:${server.port}/any/path?q=1`, { method: 'POST', body: 'hello', headers: [['x-tag', 'a'], ['x-tag', 'b']] });
  expect(r.status).toBe(201);
  expect(r.headers.get('x-echo')).toBe('a, b');
  expect(r.headers.get('x-method')).toBe('POST');
  expect(new Uint8Array(await r.arrayBuffer())).toEqual(bytes);
  expect(seen.map(({ method, path, status }) => ({ method, path, status }))).toEqual([{ method: 'POST', path: '/any/path', status: 201 }]);
});

test('a handler with a plain form is called in that form: no Request is built, the answer is written as given', async () => {
  const seen: ResponseInfo[] = [];
  let fetchCalls = 0;
  const handler = Object.assign(async () => (fetchCalls++, new Response('fetch form')), {
    [PLAIN_HANDLER]: async (r: { method: string; url: string; headers: { get(n: string): string | null } }) => ({
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: `${r.method} ${r.url} ${r.headers.get('X-Tag')} é`,
    }),
  });
  server = await startServer(handler, { port: 0, onResponse: (r) => seen.push(r) });
  const r = await fetch(`http://127.0.0.1:${server.port}/p?x=é`, { headers: { 'x-tag': 't' } });
  expect(await r.text()).toBe(`GET http://127.0.0.1:${server.port}/p?x=%C3%A9 t é`);
  expect(r.headers.get('content-length')).toBe(String(new TextEncoder().encode(`GET http://127.0.0.1:${server.port}/p?x=%C3%A9 t é`).length));
  expect(fetchCalls).toBe(0);
  expect(seen).toHaveLength(1);
  expect(seen[0]).toMatchObject({ method: 'GET', path: '/p', status: 200 });
  expect(seen[0].ms).toBeGreaterThanOrEqual(0);
});
