// The Fetch-API serving handler (issue 10): every route against the model API, the bad-request suite (documented 4xx,
// never 500), fallback, auth, CORS and lazy loading. Pure Fetch, so the same cases run on all five runtimes.
import { AlsRecommender, PopularityRecommender, DatasetBuilder, saveModel, readModelState, type Recommender, type Interactions } from 'recwise';
import { createHandler } from 'recwise/serve';
import { test } from './harness.ts';
import { deepEqual, equal, ok } from './assert.ts';
import { checkerboard } from './fixtures.ts';

const BASE = 'http://recwise.test';

let alsPromise: Promise<Recommender> | undefined;
/** ALS on the checkerboard fixture (string ids u0..u19, i0..i19), trained once for all cases. */
function als(): Promise<Recommender> {
  alsPromise ??= new AlsRecommender({ factors: 4, regularization: 0.1, iterations: 10, alpha: 10 }).fit(checkerboard());
  return alsPromise;
}

/** Numeric user ids and a mix of numeric and string item ids, to test query-string id resolution. */
async function numericData(): Promise<Interactions> {
  const b = new DatasetBuilder({ binary: true });
  const users: number[] = [];
  const items: (number | string)[] = [];
  for (let u = 1; u <= 12; u++) {
    for (let j = 0; j < 5; j++) {
      users.push(u);
      const i = (u * 3 + j * 5) % 14;
      items.push(i % 2 ? i : `s${i}`);
    }
  }
  b.addColumns({ users, items });
  return b.build();
}

const get = (h: (r: Request) => Promise<Response>, path: string, headers: Record<string, string> = {}) => h(new Request(BASE + path, { headers }));
const post = (h: (r: Request) => Promise<Response>, path: string, body: unknown, headers: Record<string, string> = {}) =>
  h(new Request(BASE + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) }));

async function json(r: Response, status: number, what: string): Promise<any> {
  const text = await r.text();
  equal(r.status, status, `${what}: status (body ${text.slice(0, 200)})`);
  ok((r.headers.get('content-type') ?? '').startsWith('application/json'), `${what}: JSON content type`);
  return JSON.parse(text);
}

/** An error answer: status, code and field as documented. */
async function expectError(r: Response, status: number, code: string, field: string | undefined, what: string): Promise<void> {
  const body = await json(r, status, what);
  equal(body.error?.code, code, `${what}: error.code`);
  equal(body.error?.field, field, `${what}: error.field`);
  ok(typeof body.error.message === 'string' && body.error.message.length > 10, `${what}: a message`);
}

test('serve: GET and POST /recommend answer exactly model.recommend (k, exclude, include, filterSeen)', async () => {
  const model = await als();
  const h = createHandler(model);
  deepEqual(await json(await get(h, '/recommend?user=u3&k=4'), 200, 'GET'), { user: 'u3', items: model.recommend('u3', { k: 4 }) });
  deepEqual(await json(await get(h, '/recommend?user=u3'), 200, 'default k'), { user: 'u3', items: model.recommend('u3', { k: 10 }) });
  deepEqual(await json(await get(h, '/recommend?user=u12&k=3&exclude=i10,i11'), 200, 'exclude'), { user: 'u12', items: model.recommend('u12', { k: 3, exclude: ['i10', 'i11'] }) });
  deepEqual(await json(await get(h, '/recommend?user=u1&k=3&include=i0,i15,i17'), 200, 'include'), { user: 'u1', items: model.recommend('u1', { k: 3, include: ['i0', 'i15', 'i17'] }) });
  deepEqual(await json(await get(h, '/recommend?user=u1&k=5&filterSeen=false'), 200, 'filterSeen'), { user: 'u1', items: model.recommend('u1', { k: 5, filterSeen: false }) });
  deepEqual(await json(await post(h, '/recommend', { user: 'u7', k: 2, exclude: ['i7'] }), 200, 'POST'), { user: 'u7', items: model.recommend('u7', { k: 2, exclude: ['i7'] }) });
  // the planted missing item of u3 is i3: the checkerboard's answer, not only self-consistency
  equal((await json(await get(h, '/recommend?user=u3&k=1'), 200, 'top1')).items[0].item, 'i3');
});

test('serve: POST /recommend batches equal recommendBatch; fold-in (userItems) equals model.recommend', async () => {
  const model = await als();
  const h = createHandler(model);
  const users = ['u0', 'u19', 'u5'];
  const lists = await model.recommendBatch(users, { k: 3 });
  deepEqual(await json(await post(h, '/recommend', { users, k: 3 }), 200, 'batch'), { results: users.map((user, i) => ({ user, items: lists[i] })) });
  const fold = await json(await post(h, '/recommend', { user: 'newcomer', userItems: ['i10', 'i11', 'i12'], k: 3 }), 200, 'fold-in');
  deepEqual(fold, { user: 'newcomer', items: model.recommend('newcomer', { userItems: ['i10', 'i11', 'i12'], k: 3 }) });
  ok(fold.items.every((r: { item: string }) => Number(r.item.slice(1)) >= 10), 'fold-in of group-2 items recommends group-2 items');
  await expectError(await post(h, '/recommend', { users: ['u0', 'nobody'] }), 404, 'UNKNOWN_USER', 'user', 'unknown user in a batch');
});

test('serve: query-string ids are numbers when the model knows the number, else strings (the CLI rule)', async () => {
  const model = await new AlsRecommender({ factors: 3, iterations: 3 }).fit(await numericData());
  const h = createHandler(model);
  const a = await json(await get(h, '/recommend?user=4&k=3&exclude=s2,3'), 200, 'numeric user');
  equal(a.user, 4);
  deepEqual(a.items, model.recommend(4, { k: 3, exclude: ['s2', 3] }));
  const s = await json(await get(h, '/similar?item=5&k=2'), 200, 'numeric item');
  deepEqual(s, { item: 5, items: model.similarItems(5, { k: 2 }) });
  await expectError(await post(h, '/recommend', { user: '4' }), 404, 'UNKNOWN_USER', 'user', 'JSON ids keep their type: "4" is not 4');
});

test('serve: /similar (GET, POST), /predict, /info and /health answer as the model does', async () => {
  const model = await als();
  const h = createHandler(model);
  deepEqual(await json(await get(h, '/similar?item=i4&k=3'), 200, 'similar GET'), { item: 'i4', items: model.similarItems('i4', { k: 3 }) });
  deepEqual(await json(await post(h, '/similar', { item: 'i14', k: 2 }), 200, 'similar POST'), { item: 'i14', items: model.similarItems('i14', { k: 2 }) });
  const scores = model.score('u2', ['i2', 'i15']);
  deepEqual(await json(await post(h, '/predict', { user: 'u2', items: ['i2', 'i15'] }), 200, 'predict'), { user: 'u2', scores: [{ item: 'i2', score: scores[0] }, { item: 'i15', score: scores[1] }] });
  const info = await json(await get(h, '/info'), 200, 'info');
  equal(info.kind, 'als');
  equal(info.users, 20);
  equal(info.items, 20);
  equal(info.interactions, 180);
  equal(info.formatVersion, 1);
  deepEqual(info.params, model.params);
  deepEqual(await json(await get(h, '/health'), 200, 'health'), { status: 'ok', model: 'loaded' });
  const under = createHandler(model, { basePath: '/api/' });
  equal((await json(await get(under, '/api/recommend?user=u0&k=1'), 200, 'basePath')).items.length, 1);
  await expectError(await get(under, '/recommend?user=u0'), 404, 'NOT_FOUND', 'path', 'outside basePath');
});

test('serve: the bad-request suite answers the documented 4xx, never 500', async () => {
  const model = await als();
  const h = createHandler(model, { maxK: 50, maxBatch: 3, maxBodyBytes: 2048, maxListLength: 5 });
  const cases: [string, () => Promise<Response>, number, string, string | undefined][] = [
    ['malformed JSON', () => post(h, '/recommend', '{"user": "u1", "k": '), 400, 'BAD_JSON', 'body'],
    ['empty body', () => post(h, '/recommend', ''), 400, 'BAD_JSON', 'body'],
    ['JSON array body', () => post(h, '/recommend', '[1, 2]'), 400, 'BAD_JSON', 'body'],
    ['JSON null body', () => post(h, '/recommend', 'null'), 400, 'BAD_JSON', 'body'],
    ['deeply nested JSON', () => post(h, '/recommend', '['.repeat(1000) + ']'.repeat(1000)), 400, 'BAD_JSON', 'body'],
    ['huge body (declared)', () => post(h, '/recommend', JSON.stringify({ user: 'u1', pad: 'x'.repeat(5000) })), 413, 'PAYLOAD_TOO_LARGE', 'body'],
    ['huge body (streamed, no length)', () => {
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent > 1 << 20) return c.close(); // the handler must stop long before this
          sent += 1024;
          c.enqueue(new Uint8Array(1024).fill(32));
        },
      });
      return h(new Request(BASE + '/recommend', { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit));
    }, 413, 'PAYLOAD_TOO_LARGE', 'body'],
    ['user of wrong type', () => post(h, '/recommend', { user: { id: 1 } }), 400, 'INVALID_ARGUMENT', 'user'],
    ['user null', () => post(h, '/recommend', { user: null }), 400, 'INVALID_ARGUMENT', 'user'],
    ['no user', () => post(h, '/recommend', { k: 3 }), 400, 'INVALID_ARGUMENT', 'user'],
    ['no user in query', () => get(h, '/recommend?k=3'), 400, 'INVALID_ARGUMENT', 'user'],
    ['users not an array', () => post(h, '/recommend', { users: 'u1' }), 400, 'INVALID_ARGUMENT', 'users'],
    ['users of wrong type', () => post(h, '/recommend', { users: ['u1', true] }), 400, 'INVALID_ARGUMENT', 'users[1]'],
    ['batch too large', () => post(h, '/recommend', { users: ['u1', 'u2', 'u3', 'u4'] }), 400, 'LIMIT_EXCEEDED', 'users'],
    ['exclude not an array', () => post(h, '/recommend', { user: 'u1', exclude: 'i1' }), 400, 'INVALID_ARGUMENT', 'exclude'],
    ['list too long', () => post(h, '/recommend', { user: 'u1', exclude: ['i1', 'i2', 'i3', 'i4', 'i5', 'i6'] }), 400, 'LIMIT_EXCEEDED', 'exclude'],
    ['filterSeen not boolean', () => post(h, '/recommend', { user: 'u1', filterSeen: 'no' }), 400, 'INVALID_ARGUMENT', 'filterSeen'],
    ['filterSeen query not boolean', () => get(h, '/recommend?user=u1&filterSeen=maybe'), 400, 'INVALID_ARGUMENT', 'filterSeen'],
    ['unknown field', () => post(h, '/recommend', { user: 'u1', kk: 3 }), 400, 'UNKNOWN_FIELD', 'kk'],
    ['unknown query parameter', () => get(h, '/recommend?user=u1&top=3'), 400, 'UNKNOWN_FIELD', 'top'],
    ['unknown user', () => get(h, '/recommend?user=nobody'), 404, 'UNKNOWN_USER', 'user'],
    ['unknown user (POST)', () => post(h, '/recommend', { user: 12345 }), 404, 'UNKNOWN_USER', 'user'],
    ['unknown item in include', () => post(h, '/recommend', { user: 'u1', include: ['nope'] }), 404, 'UNKNOWN_ITEM', 'include'],
    ['unknown item in /similar', () => get(h, '/similar?item=nope'), 404, 'UNKNOWN_ITEM', 'item'],
    ['unknown item in /predict', () => post(h, '/predict', { user: 'u1', items: ['i1', 'nope'] }), 404, 'UNKNOWN_ITEM', 'items'],
    ['unknown user in /predict', () => post(h, '/predict', { user: 'nobody', items: ['i1'] }), 404, 'UNKNOWN_USER', 'user'],
    ['predict items missing', () => post(h, '/predict', { user: 'u1' }), 400, 'INVALID_ARGUMENT', 'items'],
    ['k = 0', () => get(h, '/recommend?user=u1&k=0'), 400, 'INVALID_ARGUMENT', 'k'],
    ['k negative', () => get(h, '/recommend?user=u1&k=-3'), 400, 'INVALID_ARGUMENT', 'k'],
    ['k huge', () => get(h, '/recommend?user=u1&k=1000000000000'), 400, 'LIMIT_EXCEEDED', 'k'],
    ['k over maxK', () => post(h, '/recommend', { user: 'u1', k: 51 }), 400, 'LIMIT_EXCEEDED', 'k'],
    ['k non-integer', () => post(h, '/recommend', { user: 'u1', k: 2.5 }), 400, 'INVALID_ARGUMENT', 'k'],
    ['k as text', () => get(h, '/recommend?user=u1&k=ten'), 400, 'INVALID_ARGUMENT', 'k'],
    ['k as JSON string', () => post(h, '/recommend', { user: 'u1', k: '5' }), 400, 'INVALID_ARGUMENT', 'k'],
    ['k on /similar', () => get(h, '/similar?item=i1&k=0'), 400, 'INVALID_ARGUMENT', 'k'],
    ['include and exclude together', () => post(h, '/recommend', { user: 'u1', include: ['i1'], exclude: ['i2'] }), 400, 'INVALID_ARGUMENT', 'include'],
    ['include and exclude together (query)', () => get(h, '/recommend?user=u1&include=i1&exclude=i2'), 400, 'INVALID_ARGUMENT', 'include'],
    ['wrong method', () => h(new Request(BASE + '/recommend', { method: 'DELETE' })), 405, 'METHOD_NOT_ALLOWED', 'method'],
    ['GET on /predict', () => get(h, '/predict'), 405, 'METHOD_NOT_ALLOWED', 'method'],
    ['OPTIONS without CORS', () => h(new Request(BASE + '/recommend', { method: 'OPTIONS' })), 405, 'METHOD_NOT_ALLOWED', 'method'],
    ['wrong content type', () => h(new Request(BASE + '/recommend', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"user":"u1"}' })), 415, 'UNSUPPORTED_MEDIA_TYPE', 'content-type'],
    ['no content type', () => h(new Request(BASE + '/recommend', { method: 'POST', body: new Uint8Array([123, 125]) })), 415, 'UNSUPPORTED_MEDIA_TYPE', 'content-type'],
    ['invalid UTF-8', () => h(new Request(BASE + '/recommend', { method: 'POST', headers: { 'content-type': 'application/json' }, body: new Uint8Array([123, 0xff, 0xfe, 125]) })), 400, 'BAD_JSON', 'body'],
    ['unknown route', () => get(h, '/recommendations'), 404, 'NOT_FOUND', 'path'],
  ];
  for (const [what, send, status, code, field] of cases) await expectError(await send(), status, code, field, what);
  // the same handler still answers correctly after all of that
  deepEqual(await json(await get(h, '/recommend?user=u1&k=2'), 200, 'after the suite'), { user: 'u1', items: model.recommend('u1', { k: 2 }) });
  const allow = (await get(h, '/predict')).headers.get('allow');
  equal(allow, 'POST', '405 names the allowed methods');
});

test('serve: unknown users get 404 unless a popularity (or model) fallback is configured', async () => {
  const model = await als();
  const data = checkerboard();
  const popularity = await new PopularityRecommender().fit(data);
  const h = createHandler(model, { fallback: 'popularity' });
  const body = await json(await get(h, '/recommend?user=stranger&k=5&exclude=i0'), 200, 'fallback');
  deepEqual(body, { user: 'stranger', items: popularity.recommend('u0', { userItems: [], k: 5, exclude: ['i0'] }), fallback: 'popularity' });
  const batch = await json(await post(h, '/recommend', { users: ['u3', 'stranger'], k: 2 }), 200, 'mixed batch');
  deepEqual(batch.results[0], { user: 'u3', items: model.recommend('u3', { k: 2 }) });
  equal(batch.results[1].fallback, 'popularity');
  equal(batch.results[1].items.length, 2);
  const viaModel = createHandler(model, { fallback: popularity });
  equal((await json(await get(viaModel, '/recommend?user=stranger&k=1'), 200, 'model fallback')).fallback, 'model');
  // known users never take the fallback
  deepEqual(await json(await get(h, '/recommend?user=u4&k=3'), 200, 'known'), { user: 'u4', items: model.recommend('u4', { k: 3 }) });
  // a popularity model has no item similarity: 422, not 500
  await expectError(await get(createHandler(popularity), '/similar?item=i1'), 422, 'NOT_SUPPORTED', 'similarItems', 'similar on popularity');
});

test('serve: bearer token (401 without or with a wrong one; /health open) and CORS (off by default)', async () => {
  const model = await als();
  const h = createHandler(model, { token: 's3cret-token' });
  await expectError(await get(h, '/recommend?user=u1'), 401, 'UNAUTHORIZED', 'authorization', 'no token');
  const wrong = await get(h, '/recommend?user=u1', { authorization: 'Bearer s3cret-tokeN' });
  equal(wrong.headers.get('www-authenticate'), 'Bearer');
  await expectError(wrong, 401, 'UNAUTHORIZED', 'authorization', 'wrong token');
  await expectError(await get(h, '/info', { authorization: 'Bearer s3cret' }), 401, 'UNAUTHORIZED', 'authorization', 'prefix of the token');
  await expectError(await get(h, '/info', { authorization: 's3cret-token' }), 401, 'UNAUTHORIZED', 'authorization', 'no Bearer scheme');
  equal((await get(h, '/recommend?user=u1&k=1', { authorization: 'Bearer s3cret-token' })).status, 200);
  equal((await get(h, '/health')).status, 200);

  const plain = await get(createHandler(model), '/health', { origin: 'https://shop.example' });
  equal(plain.headers.get('access-control-allow-origin'), null, 'no CORS headers by default');
  const open = createHandler(model, { cors: true, token: 't' });
  const pre = await open(new Request(BASE + '/recommend', { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } }));
  equal(pre.status, 204, 'preflight needs no token');
  equal(pre.headers.get('access-control-allow-origin'), '*');
  ok((pre.headers.get('access-control-allow-methods') ?? '').includes('POST'));
  ok((pre.headers.get('access-control-allow-headers') ?? '').includes('authorization'));
  const denied = await get(open, '/info', { origin: 'https://shop.example' });
  equal(denied.status, 401);
  equal(denied.headers.get('access-control-allow-origin'), '*', 'errors carry CORS headers too');
  const listed = createHandler(model, { cors: { origin: ['https://shop.example'] } });
  // Browsers drop a script-set Origin header (a forbidden header name): there the listed origin is simply absent.
  const canSetOrigin = new Request(BASE, { headers: { origin: 'https://shop.example' } }).headers.get('origin') !== null;
  const fromShop = await get(listed, '/health', { origin: 'https://shop.example' });
  equal(fromShop.headers.get('access-control-allow-origin'), canSetOrigin ? 'https://shop.example' : null);
  equal(fromShop.headers.get('vary'), 'Origin');
  equal((await get(listed, '/health', { origin: 'https://evil.example' })).headers.get('access-control-allow-origin'), null);
});

test('serve: models load lazily once from bytes, a Response or a KV store; a failed load is 503 and retried; setModel swaps', async () => {
  const model = await als();
  const bytes = await saveModel(model);
  const expected = { user: 'u9', items: model.recommend('u9', { k: 3 }) };
  let gets = 0;
  let stored: ArrayBuffer | null = null;
  const kv = {
    async get(key: string, type?: string) {
      gets++;
      equal(type, 'arrayBuffer');
      return key === 'model' ? stored : null;
    },
  };
  const h = createHandler({ kv, key: 'model' });
  deepEqual(await json(await get(h, '/health'), 200, 'health before load'), { status: 'ok', model: 'not loaded' });
  equal(gets, 0, 'nothing loaded before a request needs the model');
  await expectError(await get(h, '/recommend?user=u9&k=3'), 503, 'MODEL_UNAVAILABLE', undefined, 'empty store');
  stored = bytes.slice().buffer;
  deepEqual(await json(await get(h, '/recommend?user=u9&k=3'), 200, 'from KV'), expected);
  await Promise.all([get(h, '/info'), get(h, '/info'), get(h, '/recommend?user=u1')]);
  equal(gets, 2, 'one failed and one successful store read, then never again');

  deepEqual(await json(await get(createHandler(bytes.slice().buffer), '/recommend?user=u9&k=3'), 200, 'ArrayBuffer'), expected);
  deepEqual(await json(await get(createHandler(new Response(bytes.slice())), '/recommend?user=u9&k=3'), 200, 'Response'), expected);
  let calls = 0;
  const fromFn = createHandler(async () => (calls++, model));
  await Promise.all([get(fromFn, '/recommend?user=u1'), get(fromFn, '/recommend?user=u2')]);
  equal(calls, 1, 'a loader function runs once');
  await expectError(await get(createHandler(new Uint8Array([1, 2, 3])), '/info'), 503, 'MODEL_UNAVAILABLE', undefined, 'damaged file');

  const other = await new PopularityRecommender().fit(checkerboard());
  fromFn.setModel(other);
  equal((await json(await get(fromFn, '/info'), 200, 'after setModel')).kind, 'popularity');
  equal(await fromFn.model(), other);
});

test("serve: int8 model files (precision 'int8', per-row scale) are a quarter of f32 factors and score within the quantisation bound", async () => {
  const model = await als();
  const f32 = await saveModel(model);
  const f16 = await saveModel(model, undefined, { precision: 'f16' });
  const int8 = await saveModel(model, undefined, { precision: 'int8' });
  // 40 rows × 4 factors: f32 640 bytes of factors, f16 320, int8 160 + 40 row scales × 4 = 320; headers etc. equal
  ok(int8.length < f32.length && f16.length < f32.length, `sizes f32 ${f32.length}, f16 ${f16.length}, int8 ${int8.length}`);
  const state = await readModelState(int8);
  const original = model.toState();
  for (const [name, a] of Object.entries(original.tensors)) {
    const b = state.tensors[name] as Float32Array;
    equal(b.constructor, Float32Array, `${name} loads as Float32Array`);
    const shape = original.shapes[name] ?? [a.length];
    const cols = shape.length >= 2 ? a.length / shape[0] : a.length;
    for (let r = 0; r < a.length / cols; r++) {
      let max = 0;
      for (let j = r * cols; j < (r + 1) * cols; j++) max = Math.max(max, Math.abs(a[j] as number));
      const bound = shape.length >= 2 ? max / 127 / 2 + 1e-7 : 0; // 1-D tensors stay f32
      for (let j = r * cols; j < (r + 1) * cols; j++) ok(Math.abs((b[j] as number) - (a[j] as number)) <= bound, `${name}[${j}]: ${b[j]} vs ${a[j]} (bound ${bound})`);
    }
  }
  const served = createHandler(int8);
  const body = await json(await get(served, '/recommend?user=u3&k=1'), 200, 'int8 model served');
  equal(body.items[0].item, 'i3', 'the planted item survives quantisation');
  await expectError(await get(createHandler(int8.slice(0, int8.length - 7)), '/info'), 503, 'MODEL_UNAVAILABLE', undefined, 'truncated int8 file');
});

// The handler's plain form (issue 22): Node's server calls it without building a Request or a Response (undici's
// objects cost more CPU than the answer). It must answer exactly what the Fetch form answers, errors and CORS included.
test('serve: the plain form answers byte for byte what the Fetch form answers', async () => {
  const model = await als();
  const h = createHandler(model, { cors: { origin: ['https://shop.example'] }, token: 'sesame' });
  const plain = (h as unknown as Record<symbol, (r: Request) => Promise<{ status: number; headers: Record<string, string>; body: string | null }>>)[Symbol.for('recwise.plainHandler')];
  ok(typeof plain === 'function', 'createHandler carries its plain form');
  const auth = { authorization: 'Bearer sesame', origin: 'https://shop.example' };
  const requests = () => [
    new Request(`${BASE}/recommend?user=u3&k=4`, { headers: auth }),
    new Request(`${BASE}/recommend?user=u3&k=0`, { headers: auth }),
    new Request(`${BASE}/recommend?user=nobody`, { headers: auth }),
    new Request(`${BASE}/recommend?user=u3`, { headers: { origin: 'https://elsewhere.example' } }),
    new Request(`${BASE}/recommend`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"user": "u7", "k": 2}' }),
    new Request(`${BASE}/recommend`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"user": "<script>"' }),
    new Request(`${BASE}/recommend`, { method: 'OPTIONS', headers: auth }),
    new Request(`${BASE}/predict`, { method: 'GET', headers: auth }),
    new Request(`${BASE}/nowhere`, { headers: auth }),
    new Request(`${BASE}/health`),
  ];
  const fetched = requests();
  const plained = requests();
  for (let i = 0; i < fetched.length; i++) {
    const what = `${fetched[i].method} ${fetched[i].url}`;
    const r = await h(fetched[i]);
    const p = await plain(plained[i]);
    equal(p.status, r.status, `${what}: status`);
    equal(p.body ?? '', await r.text(), `${what}: body`);
    const headers: Record<string, string> = {};
    r.headers.forEach((v, k) => (headers[k] = v));
    deepEqual(Object.entries(p.headers).sort(), Object.entries(headers).sort(), `${what}: headers`);
  }
});
