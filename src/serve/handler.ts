/**
 * `createHandler(model, options)`: a recwise model behind a Fetch-API handler, `(request: Request) =>
 * Promise<Response>`, the one signature shared by Cloudflare Workers (workerd), Deno.serve, Bun.serve, service workers
 * and (through src/runtime/server.ts) node:http. No runtime specifics here (issue 10).
 *
 * Routes and the JSON schema are documented in src/serve/README.md. Rules: bad input is always a 4xx with
 * `{"error": {"code", "message", "field"}}`, never a 500 (typed model errors are mapped, not rethrown); a 500 means a
 * bug in recwise and says so without leaking internals.
 */
import { checkOptionKeys, optionKeys } from '../options-check.ts';
import { RecwiseError } from '../errors.ts';
import type { Id, Vocabulary } from '../data/vocabulary.ts';
import { Interactions } from '../data/interactions.ts';
import { Recommender, type Recommendation, type RecommendOptions } from '../models/recommender.ts';
import { PopularityRecommender } from '../models/baseline/popularity.ts';
import { MODEL_FORMAT_VERSION } from '../io/index.ts';
import { VERSION } from '../version.ts';
import {
  HttpError, bearerChecker, corsHeaders, errorAnswer, excerpt, isJsonContentType, jsonAnswer, parseJsonObject, preflightHeaders, readBodyText,
  type CorsOptions,
} from './http.ts';
import { lazyModel, type ServedModelSource } from './model-source.ts';
import { PLAIN_HANDLER, toResponse, type PlainRequest, type PlainResponse } from '../runtime/plain.ts';

/** Options of {@link createHandler}. Every limit has a safe default; auth and CORS are off by default. */
export interface HandlerOptions {
  /** Largest request body accepted, in bytes (default 1 MiB); larger → 413. */
  maxBodyBytes?: number;
  /** Largest k accepted (default 1000); larger → 400. */
  maxK?: number;
  /** Most users in one batch request (default 1000); more → 400. */
  maxBatch?: number;
  /** Most ids in one include/exclude/userItems/items list (default 10000); more → 400. */
  maxListLength?: number;
  /** k when a request names none (default 10). */
  defaultK?: number;
  /**
   * For users the model never saw (and who send no `userItems`): `'popularity'` answers the most popular items of
   * the model's own training data; a model answers from that model (fold-in with no items when it does not know the
   * user). Unset (default): 404 UNKNOWN_USER.
   */
  fallback?: 'popularity' | Recommender;
  /** Require `Authorization: Bearer <token>` on every route except /health and CORS preflights (401 otherwise). */
  token?: string;
  /** Answer cross-origin requests: `true` for any origin, or settings. Off by default. */
  cors?: boolean | CorsOptions;
  /** A path prefix the routes live under, e.g. `'/api'` (default none). */
  basePath?: string;
}

/** The handler: a Fetch-API function plus model control for hosts that reload models. */
export interface RecwiseHandler {
  (request: Request): Promise<Response>;
  /** Swap the served model atomically: requests already running finish on the old one, new ones get this one. */
  setModel(model: Recommender): void;
  /** The model (loading it if no request has yet). */
  model(): Promise<Recommender>;
}

/** One recommendation list (answer of /recommend). */
export interface RecommendResponse {
  user: Id;
  items: Recommendation[];
  /** Present when the list came from the fallback because the model does not know the user. */
  fallback?: 'popularity' | 'model';
}

const HANDLER_KEYS = optionKeys<HandlerOptions>({
  maxBodyBytes: true, maxK: true, maxBatch: true, maxListLength: true, defaultK: true, fallback: true, token: true, cors: true, basePath: true,
});

const DEFAULTS = { maxBodyBytes: 1 << 20, maxK: 1000, maxBatch: 1000, maxListLength: 10_000, defaultK: 10 };

const ROUTES: Record<string, readonly string[]> = {
  '/recommend': ['GET', 'POST'],
  '/similar': ['GET', 'POST'],
  '/predict': ['POST'],
  '/info': ['GET'],
  '/health': ['GET'],
};

const bad = (field: string, message: string) => new HttpError(400, 'INVALID_ARGUMENT', message, field);

/** Status of a typed model error: the id or option at fault, never a server failure. */
function fromModelError(e: RecwiseError): HttpError {
  const status =
    e.code === 'UNKNOWN_USER' || e.code === 'UNKNOWN_ITEM' ? 404 : e.code === 'NOT_SUPPORTED' ? 422 : e.code === 'NOT_FITTED' || e.code.startsWith('MODEL_') ? 503 : 400;
  return new HttpError(status, e.code, e.message, e.field);
}

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new HttpError(400, 'UNKNOWN_FIELD', `Unknown ${where} ${excerpt(key)}; expected one of ${allowed.join(', ')}.`, key);
  }
}

/** An id from JSON: a string or a finite number (types matter: 1 is not "1"). */
function jsonId(value: unknown, field: string): Id {
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return value;
  throw bad(field, `${field} must be a string or a number id.`);
}

/**
 * An id from a query string: the number when the vocabulary knows that number (ids read from text files are numbers
 * when their whole column was numeric), else the text — the CLI's rule (src/cli/recommend.ts).
 */
function queryId(raw: string, vocab: Vocabulary): Id {
  const n = raw.trim() === '' ? NaN : Number(raw);
  if (Number.isFinite(n) && vocab.has(n)) return n;
  if (vocab.has(raw)) return raw;
  return Number.isFinite(n) && String(n) === raw ? n : raw;
}

class Limits {
  constructor(readonly o: typeof DEFAULTS) {}

  k(value: unknown): number {
    if (value === undefined) return this.o.defaultK;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw bad('k', `k must be an integer >= 1 (got ${excerpt(value)}).`);
    if (value > this.o.maxK) throw new HttpError(400, 'LIMIT_EXCEEDED', `k must be at most ${this.o.maxK} (got ${value}).`, 'k');
    return value;
  }

  list(value: unknown, field: string): Id[] {
    if (!Array.isArray(value)) throw bad(field, `${field} must be an array of item ids.`);
    if (value.length > this.o.maxListLength) throw new HttpError(400, 'LIMIT_EXCEEDED', `${field} may hold at most ${this.o.maxListLength} ids (got ${value.length}).`, field);
    return value.map((v, i) => jsonId(v, `${field}[${i}]`));
  }
}

function queryK(raw: string | null): unknown {
  if (raw === null) return undefined;
  return /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
}

function queryBool(raw: string | null, field: string): boolean | undefined {
  if (raw === null) return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw bad(field, `${field} must be true or false.`);
}

function queryList(raw: string | null, vocab: Vocabulary): Id[] | undefined {
  if (raw === null) return undefined;
  return raw.split(',').filter((s) => s !== '').map((s) => queryId(s, vocab));
}

/** Options of one recommend request, checked. */
interface RecommendParams {
  k: number;
  exclude?: Id[];
  include?: Id[];
  userItems?: Id[];
  filterSeen?: boolean;
}

function recommendParams(src: Record<string, unknown>, limits: Limits): RecommendParams {
  const p: RecommendParams = { k: limits.k(src.k) };
  if (src.exclude !== undefined) p.exclude = limits.list(src.exclude, 'exclude');
  if (src.include !== undefined) p.include = limits.list(src.include, 'include');
  if (src.userItems !== undefined) p.userItems = limits.list(src.userItems, 'userItems');
  if (src.filterSeen !== undefined) {
    if (typeof src.filterSeen !== 'boolean') throw bad('filterSeen', 'filterSeen must be true or false.');
    p.filterSeen = src.filterSeen;
  }
  if (p.include && p.exclude) throw bad('include', 'Pass include (rank only these items) or exclude (never return these), not both.');
  return p;
}

/** The popularity fallback of a model: counts of users per item in its own training data. */
async function popularityOf(model: Recommender): Promise<Recommender> {
  const { users, items, seen } = model.trainingIndex;
  const data = seen.data ?? new Float32Array(seen.indices.length).fill(1);
  return new PopularityRecommender().fit(new Interactions(users, items, { ...seen, data, rows: users.size, cols: items.size }));
}

/**
 * Serve a model over HTTP with the Fetch API. `model` is a model, a promise of one, a function that makes one, or
 * any {@link ServedModelSource} (bytes, URL, Response, `{ kv, key }`): it is loaded on the first request that needs
 * it and kept (once per isolate). Routes: `GET|POST /recommend`, `GET|POST /similar`, `POST /predict`, `GET /info`,
 * `GET /health`; schema in src/serve/README.md.
 *
 * @example
 * ```ts
 * import { createHandler } from 'recwise/serve';
 * const handler = createHandler(new URL('./model.recwise', import.meta.url), { fallback: 'popularity' });
 * Deno.serve(handler);                                 // or: export default { fetch: handler } (workerd), Bun.serve({ fetch: handler })
 * // GET /recommend?user=42&k=5 → {"user": 42, "items": [{"item": 318, "score": 1.93}, ...]}
 * ```
 */
export function createHandler(model: ServedModelSource | Promise<Recommender>, options: HandlerOptions = {}): RecwiseHandler {
  checkOptionKeys('createHandler options', options, HANDLER_KEYS);
  const o = { ...DEFAULTS };
  for (const key of ['maxBodyBytes', 'maxK', 'maxBatch', 'maxListLength', 'defaultK'] as const) {
    const v = options[key];
    if (v !== undefined) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`createHandler: ${key} must be an integer >= 1 (got ${String(v)}).`);
      o[key] = v;
    }
  }
  const limits = new Limits(o);
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const cors: CorsOptions | undefined = options.cors === true ? {} : options.cors || undefined;
  const checkToken = options.token !== undefined ? bearerChecker(options.token) : undefined;
  const fallbackOption = options.fallback;
  if (fallbackOption !== undefined && fallbackOption !== 'popularity' && !(fallbackOption instanceof Recommender)) {
    throw new RangeError("createHandler: fallback must be 'popularity' or a fitted model.");
  }

  const load = lazyModel(model instanceof Promise ? () => model : model);
  let current: Recommender | undefined;
  const getModel = async (): Promise<Recommender> => {
    if (current) return current;
    try {
      return (current ??= await load());
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new HttpError(503, 'MODEL_UNAVAILABLE', `The model could not be loaded: ${why.slice(0, 300)}`);
    }
  };
  const fallbacks = new WeakMap<Recommender, Promise<Recommender>>();
  const fallbackFor = (m: Recommender): Promise<Recommender> | undefined => {
    if (fallbackOption === undefined) return undefined;
    if (fallbackOption instanceof Recommender) return Promise.resolve(fallbackOption);
    let f = fallbacks.get(m);
    if (!f) fallbacks.set(m, (f = popularityOf(m)));
    return f;
  };

  async function fallbackList(m: Recommender, user: Id, p: RecommendParams): Promise<RecommendResponse> {
    const f = await fallbackFor(m)!;
    const opts: RecommendOptions = { ...p };
    const items = f.userIds.length && f.trainingIndex.users.has(user) ? f.recommend(user, opts) : f.recommend(user, { ...opts, userItems: [] });
    return { user, items, fallback: fallbackOption === 'popularity' ? 'popularity' : 'model' };
  }

  async function recommendOne(m: Recommender, user: Id, p: RecommendParams): Promise<RecommendResponse> {
    if (!p.userItems && fallbackOption !== undefined && !m.trainingIndex.users.has(user)) return fallbackList(m, user, p);
    return { user, items: m.recommend(user, p) };
  }

  async function recommendRoute(request: PlainRequest, url: URL, m: Recommender): Promise<PlainResponse> {
    if (request.method === 'GET') {
      const q = url.searchParams;
      checkKeys(Object.fromEntries(Array.from(q.keys(), (key) => [key, 1])), ['user', 'k', 'exclude', 'include', 'filterSeen'], 'query parameter');
      const rawUser = q.get('user');
      if (rawUser === null || rawUser === '') throw bad('user', 'The query needs user=ID.');
      const { items } = m.trainingIndex;
      const p = recommendParams(
        { k: queryK(q.get('k')), exclude: queryList(q.get('exclude'), items), include: queryList(q.get('include'), items), filterSeen: queryBool(q.get('filterSeen'), 'filterSeen') },
        limits,
      );
      return jsonAnswer(200, await recommendOne(m, queryId(rawUser, m.trainingIndex.users), p));
    }
    const body = await jsonBody(request);
    if ('users' in body) {
      checkKeys(body, ['users', 'k', 'exclude', 'include', 'filterSeen'], 'field');
      if (!Array.isArray(body.users)) throw bad('users', 'users must be an array of user ids.');
      if (body.users.length > o.maxBatch) throw new HttpError(400, 'LIMIT_EXCEEDED', `A batch may hold at most ${o.maxBatch} users (got ${body.users.length}).`, 'users');
      const users = body.users.map((u, i) => jsonId(u, `users[${i}]`));
      const p = recommendParams(body, limits);
      const known = fallbackOption === undefined ? users : users.filter((u) => m.trainingIndex.users.has(u));
      const lists = await m.recommendBatch(known, { ...p, userItems: undefined });
      let next = 0;
      const results: RecommendResponse[] = [];
      for (const user of users) {
        if (known === users || m.trainingIndex.users.has(user)) results.push({ user, items: lists[next++] });
        else results.push(await fallbackList(m, user, p));
      }
      return jsonAnswer(200, { results });
    }
    checkKeys(body, ['user', 'k', 'exclude', 'include', 'userItems', 'filterSeen'], 'field');
    if (body.user === undefined) throw bad('user', 'The body needs "user" (one id) or "users" (a batch).');
    return jsonAnswer(200, await recommendOne(m, jsonId(body.user, 'user'), recommendParams(body, limits)));
  }

  async function similarRoute(request: PlainRequest, url: URL, m: Recommender): Promise<PlainResponse> {
    let item: Id;
    let k: number;
    if (request.method === 'GET') {
      const q = url.searchParams;
      checkKeys(Object.fromEntries(Array.from(q.keys(), (key) => [key, 1])), ['item', 'k'], 'query parameter');
      const raw = q.get('item');
      if (raw === null || raw === '') throw bad('item', 'The query needs item=ID.');
      item = queryId(raw, m.trainingIndex.items);
      k = limits.k(queryK(q.get('k')));
    } else {
      const body = await jsonBody(request);
      checkKeys(body, ['item', 'k'], 'field');
      if (body.item === undefined) throw bad('item', 'The body needs "item".');
      item = jsonId(body.item, 'item');
      k = limits.k(body.k);
    }
    return jsonAnswer(200, { item, items: m.similarItems(item, { k }) });
  }

  async function predictRoute(request: PlainRequest, m: Recommender): Promise<PlainResponse> {
    const body = await jsonBody(request);
    checkKeys(body, ['user', 'items'], 'field');
    if (body.user === undefined) throw bad('user', 'The body needs "user".');
    if (body.items === undefined) throw bad('items', 'The body needs "items", an array of item ids.');
    const user = jsonId(body.user, 'user');
    const items = limits.list(body.items, 'items');
    const scores = m.score(user, items);
    return jsonAnswer(200, { user, scores: items.map((item, i) => ({ item, score: scores[i] })) });
  }

  async function jsonBody(request: PlainRequest): Promise<Record<string, unknown>> {
    if (!isJsonContentType(request.headers.get('content-type'))) {
      throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'POST bodies must be JSON: send Content-Type: application/json.', 'content-type');
    }
    return parseJsonObject(await readBodyText(request, o.maxBodyBytes));
  }

  async function route(request: PlainRequest): Promise<PlainResponse> {
    // a target that is no URL (workerd passes `OPTIONS *` through as "http://host*") is the client's fault
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      throw new HttpError(400, 'BAD_REQUEST', 'The request target must be a path such as /recommend?user=42.', 'path');
    }
    let path = url.pathname;
    if (basePath) {
      if (path !== basePath && !path.startsWith(basePath + '/')) throw new HttpError(404, 'NOT_FOUND', `No route ${excerpt(path, 100)}; routes live under ${basePath}/.`, 'path');
      path = path.slice(basePath.length) || '/';
    }
    if (path.length > 1) path = path.replace(/\/+$/, '');
    const methods = ROUTES[path];
    if (!methods) throw new HttpError(404, 'NOT_FOUND', `No route ${excerpt(path, 100)}; routes: ${Object.keys(ROUTES).join(', ')}.`, 'path');
    if (request.method === 'OPTIONS' && cors) return { status: 204, headers: preflightHeaders(cors, request.headers.get('origin')), body: null };
    if (!methods.includes(request.method)) {
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${path} answers ${methods.join(' and ')}, not ${excerpt(request.method, 20)}.`, 'method', { allow: methods.join(', ') });
    }
    if (path === '/health') return jsonAnswer(200, { status: 'ok', model: current ? 'loaded' : 'not loaded' });
    if (checkToken && !(await checkToken(request.headers.get('authorization')))) {
      throw new HttpError(401, 'UNAUTHORIZED', 'Send Authorization: Bearer <token>.', 'authorization', { 'www-authenticate': 'Bearer' });
    }
    const m = await getModel();
    try {
      switch (path) {
        case '/recommend':
          return await recommendRoute(request, url, m);
        case '/similar':
          return await similarRoute(request, url, m);
        case '/predict':
          return await predictRoute(request, m);
        default: {
          const idx = m.trainingIndex;
          return jsonAnswer(200, {
            kind: m.kind,
            params: m.params,
            users: idx.users.size,
            items: idx.items.size,
            interactions: idx.seen.indices.length,
            formatVersion: MODEL_FORMAT_VERSION,
            library: VERSION,
            fallback: fallbackOption === undefined ? null : fallbackOption === 'popularity' ? 'popularity' : fallbackOption.kind,
            limits: { maxK: o.maxK, maxBatch: o.maxBatch, maxBodyBytes: o.maxBodyBytes, maxListLength: o.maxListLength, defaultK: o.defaultK },
          });
        }
      }
    } catch (e) {
      if (e instanceof RecwiseError) throw fromModelError(e);
      throw e;
    }
  }

  // The handler in plain form (no Fetch objects): Node's server calls this directly (src/runtime/server.ts).
  const respond = async (request: PlainRequest): Promise<PlainResponse> => {
    let answer: PlainResponse;
    try {
      answer = await route(request);
    } catch (e) {
      const err =
        e instanceof HttpError
          ? e
          : e instanceof RecwiseError
            ? fromModelError(e)
            : new HttpError(500, 'INTERNAL', 'recwise failed on this request (a bug: please report it with the request).');
      answer = errorAnswer(err);
    }
    if (cors) {
      const extra = corsHeaders(cors, request.headers.get('origin'));
      for (const k of Object.keys(extra)) if (!(k in answer.headers)) answer.headers[k] = extra[k];
    }
    return answer;
  };
  const handler = (async (request: Request): Promise<Response> => toResponse(await respond(request))) as RecwiseHandler;
  (handler as { [PLAIN_HANDLER]?: unknown })[PLAIN_HANDLER] = respond;
  handler.setModel = (m: Recommender) => {
    if (!(m instanceof Recommender) || !m.fitted) throw new RangeError('setModel: pass a fitted model.');
    current = m;
  };
  handler.model = getModel;
  return handler;
}
