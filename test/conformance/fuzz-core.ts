// The fuzz suite of issue 22, runtime-agnostic: model files of every kind and precision, mutated as an attacker
// would, and hostile HTTP requests against createHandler. Conformance runs a bounded number of cases on every runtime
// (fuzz.cases.ts); `npm run fuzz -- --mutants 50000` runs the long mode (test/fuzz/run.ts) and prints the figures.
//
// Properties, checked per case (structure, not wall-clock: times are only reported):
// - a model file loads, or fails with a typed RecwiseError that names a field, never an engine message;
// - a model that loads answers finite scores;
// - nothing is built beyond the load budget: every load runs with a small `maxBytes`, which the loader enforces
//   before allocating (src/io/layout.ts), so a mutant implying more is refused with MODEL_FILE_BUDGET;
// - an HTTP request gets a status below 500, JSON with nosniff, and an error body that is short and holds no markup.
import { createHandler } from 'recwise/serve';
import {
  encodeModelState, decodeModelState, loadModel, saveModel, RecwiseError, type ModelState, type Recommender,
} from 'recwise';
import { prng, resign } from './model-bytes.ts';
import { KINDS, tinyModels, type FixtureKind } from './untrusted-fixtures.ts';

/** Engine messages that must never reach a user: a check is missing where they appear. */
const ENGINE = /is not iterable|Invalid typed array length|is not a function|Cannot read propert|Maximum call stack|Array buffer allocation failed|out of memory/i;

/** Load budget of fuzzed files: the fixtures are a few KB, so anything a mutant makes the loader build is capped here. */
export const FUZZ_BUDGET = 8 << 20;

export interface FuzzReport {
  mutants: number;
  /** Outcome classes: `loaded`, or the error code (e.g. `MODEL_FILE_INVALID`), or `refused-by-writer` (fell back to bytes). */
  outcomes: Record<string, number>;
  /** Property violations (empty when the suite passes). */
  failures: string[];
  worstLoadMs: number;
  worstLoad: string;
}

const PRECISIONS = [{}, { precision: 'f16' as const }, { precision: 'int8' as const }, { profile: 'resumable' as const }];

const HOSTILE_NUMBERS = [0, -1, 1.5, 3, 2 ** 16, 2 ** 20, 2 ** 24, 2 ** 28, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, 1e308, -1e308, -(2 ** 31)];
const HOSTILE_VALUES: unknown[] = [...HOSTILE_NUMBERS, '', 'x', 'i:0', null, true, false, [], [2 ** 20], [0], [-1], [1.5], {}, { cols: 2 ** 28 }, [[[]]], ['a', 'b'], Array.from({ length: 50 }, (_, i) => i)];

type Rand = () => number;
const pick = <T>(r: Rand, a: readonly T[]): T => a[Math.floor(r() * a.length)];
/** A fresh copy of a hostile value: a shared one, mutated in place later, could end up containing itself. */
const hostile = (r: Rand): unknown => structuredClone(pick(r, HOSTILE_VALUES));
const int = (r: Rand, n: number) => Math.floor(r() * n);

/** Every [container, key] of a params tree (nested maps and arrays included). */
function paramSlots(v: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []): typeof out {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push([v, i]), paramSlots(x, out)));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push([v as Record<string, unknown>, k]), paramSlots(x, out);
  return out;
}

type Arrays = Record<string, Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array>;

/** Every tensor of a state with a setter, so one mutation can touch model, optimizer and seen arrays alike. */
function tensorSlots(s: ModelState): { name: string; get: () => Arrays[string]; set: (a: Arrays[string]) => void; shapes?: Record<string, number[]> }[] {
  const slots = [];
  for (const [group, shapes] of [[s.tensors, s.shapes], [s.training?.tensors, s.training?.shapes]] as [Arrays | undefined, Record<string, number[]> | undefined][]) {
    for (const name of Object.keys(group ?? {})) slots.push({ name, get: () => group![name], set: (a: Arrays[string]) => void (group![name] = a), shapes });
  }
  for (const k of ['indptr', 'indices', 'data'] as const) {
    slots.push({ name: `seen.${k}`, get: () => s.seen[k], set: (a: Arrays[string]) => void ((s.seen as Record<string, unknown>)[k] = a) });
  }
  return slots;
}

/** One state-level mutation (params, tensor values, tensor structure, vocabularies). */
function mutateState(s: ModelState, r: Rand): string {
  const op = int(r, 10);
  if (op < 4) {
    const slots = paramSlots(s.params);
    if (!slots.length || r() < 0.1) {
      const key = pick(r, ['factors', 'hiddenLayers', 'hidden', 'userBuckets', 'itemBuckets', 'features', 'featureNames', 'mode', 'tied', 'k']);
      s.params[key] = hostile(r);
      return `params.${key}`;
    }
    const [obj, key] = pick(r, slots);
    if (r() < 0.1 && !Array.isArray(obj)) delete (obj as Record<string, unknown>)[key as string];
    else (obj as Record<string | number, unknown>)[key] = hostile(r);
    return `params…${String(key)}`;
  }
  const slots = tensorSlots(s);
  const slot = pick(r, slots);
  const a = slot.get();
  if (op < 7) {
    if (!a.length) return 'noop';
    if (r() < 0.15 && (a instanceof Float32Array || a instanceof Float64Array)) {
      a.fill(pick(r, [3e38, -3e38, 1e20, 65504])); // a whole table of huge (finite) values: sums and products overflow
      return `${slot.name} filled`;
    }
    const i = int(r, a.length);
    if (a instanceof Float32Array || a instanceof Float64Array) a[i] = pick(r, [NaN, Infinity, -Infinity, 3e38, -0, 1e-45]);
    else a[i] = pick(r, [-1, 2 ** 31 - 1, -(2 ** 31), a.length, a.length + 1, int(r, 1000), 0]);
    return `${slot.name}[i]`;
  }
  if (op < 9) {
    const n = int(r, a.length + 1);
    const cut = a.subarray(0, n) as Arrays[string];
    slot.set(cut.slice() as Arrays[string]);
    if (slot.shapes) slot.shapes[slot.name] = [cut.length];
    return `${slot.name} truncated`;
  }
  if (r() < 0.5) s.users = s.users.slice(0, Math.max(0, s.users.length - 1 - int(r, 3)));
  else s.items = [...s.items, `extra-${int(r, 1e6)}`];
  return 'vocabulary';
}

/** One byte-level mutation of a file, checksums recomputed half the time so edits reach the decoder. */
function mutateBytes(f: Uint8Array, r: Rand): Uint8Array {
  const g = f.slice();
  for (let e = 1 + int(r, 4); e > 0; e--) {
    if (r() < 0.5) g[32 + int(r, g.length - 32)] ^= 1 << int(r, 8);
    else g[32 + int(r, g.length - 32)] = int(r, 256);
  }
  return r() < 0.5 ? resign(g) : g;
}

/** The seed files: every fixture kind in every precision and profile. */
async function seedFiles(): Promise<{ kind: FixtureKind; label: string; bytes: Uint8Array; model: Recommender }[]> {
  const models = await tinyModels();
  const out = [];
  for (const kind of KINDS) {
    for (const p of PRECISIONS) out.push({ kind, label: `${kind} ${JSON.stringify(p)}`, bytes: await saveModel(models[kind], undefined, p), model: models[kind] });
  }
  return out;
}

/** Fuzz model files: `mutantsPerKind` mutants of each fixture kind (spread over its precisions). */
export async function fuzzModelFiles(options: { mutantsPerKind: number; seed?: number; onMutant?: (i: number, ms: number) => void }): Promise<FuzzReport> {
  const seeds = await seedFiles();
  const r = prng(options.seed ?? 22);
  const report: FuzzReport = { mutants: 0, outcomes: {}, failures: [], worstLoadMs: 0, worstLoad: '' };
  const count = (k: string) => (report.outcomes[k] = (report.outcomes[k] ?? 0) + 1);
  const perSeed = Math.ceil(options.mutantsPerKind / PRECISIONS.length);
  for (const seed of seeds) {
    for (let m = 0; m < perSeed; m++) {
      let bytes: Uint8Array;
      let what: string;
      if (r() < 0.8) {
        const { file: _file, ...state } = decodeModelState(seed.bytes);
        what = mutateState(state, r);
        if (r() < 0.3) what += ', ' + mutateState(state, r);
        try {
          bytes = encodeModelState(state, { profile: state.training ? 'resumable' : 'inference' });
        } catch {
          count('refused-by-writer');
          bytes = mutateBytes(seed.bytes, r);
          what = 'bytes';
        }
      } else {
        bytes = mutateBytes(seed.bytes, r);
        what = 'bytes';
      }
      const label = `${seed.label} #${m} (${what})`;
      report.mutants++;
      const t0 = performance.now();
      let model: Recommender | undefined;
      try {
        model = await loadModel(bytes, { maxBytes: FUZZ_BUDGET });
        count('loaded');
      } catch (e) {
        if (!(e instanceof RecwiseError)) report.failures.push(`${label}: untyped ${(e as Error)?.name}: ${(e as Error)?.message}`);
        else {
          count(e.code);
          if (!e.field || ENGINE.test(e.message)) report.failures.push(`${label}: ${e.code} without a field or with an engine message: ${e.message}`);
        }
      }
      const ms = performance.now() - t0;
      if (ms > report.worstLoadMs) (report.worstLoadMs = ms), (report.worstLoad = label);
      options.onMutant?.(report.mutants, ms);
      if (model) {
        try {
          const user = model.trainingIndex.users.size ? model.trainingIndex.users.idAt(0) : undefined;
          if (user !== undefined) {
            const recs = model.recommend(user, { k: 5, filterSeen: false });
            if (!recs.every((x) => Number.isFinite(x.score))) report.failures.push(`${label}: loaded and answered a non-finite score ${JSON.stringify(recs)}`);
          }
        } catch (e) {
          if (!(e instanceof RecwiseError)) report.failures.push(`${label}: loaded, then recommend threw an untyped ${(e as Error)?.name}: ${(e as Error)?.message}`);
          else count(`loaded, then ${e.code}`);
        }
      }
    }
  }
  return report;
}

// ---- HTTP ------------------------------------------------------------------------------------------------------

const MARKUP = '<script>alert(1)</script>';

function hostileJson(r: Rand, depth = 0): unknown {
  const op = int(r, depth > 3 ? 6 : 9);
  switch (op) {
    case 0: return pick(r, HOSTILE_NUMBERS);
    case 1: return pick(r, ['', MARKUP, 'x'.repeat(5000), '1', 'u0', 'i1', '\u0000', '\ud800']);
    case 2: return pick(r, [null, true, false]);
    case 3: return pick(r, ['u0', 'u1', 'i0', 'i3']);
    case 4: return int(r, 30);
    case 5: return Array.from({ length: int(r, 4) }, () => pick(r, ['i1', 'i2', 3, MARKUP]));
    case 6: return Array.from({ length: int(r, 4) }, () => hostileJson(r, depth + 1));
    case 7: return Object.fromEntries(Array.from({ length: int(r, 4) }, () => [pick(r, ['user', 'users', 'k', 'item', 'items', 'include', 'exclude', 'userItems', 'filterSeen', MARKUP]), hostileJson(r, depth + 1)]));
    default: {
      const d = pick(r, [10, 1000]); // deeper only as text (hostileBody): JSON.stringify would overflow here
      return JSON.parse(`${'['.repeat(d)}${']'.repeat(d)}`);
    }
  }
}

function hostileBody(r: Rand): string | Uint8Array {
  const op = int(r, 8);
  if (op === 0) return Uint8Array.of(0xff, 0xfe, 0x7b, 0x7d); // not UTF-8
  if (op === 1) return '{"user": 1,';
  if (op === 2) {
    const d = pick(r, [1000, 100_000]);
    return `{"user":"u0","k":${'['.repeat(d)}${']'.repeat(d)}}`;
  }
  if (op === 3) return `{"user":"u0","exclude":[${Array.from({ length: 20_000 }, (_, i) => `"i${i}"`).join(',')}]}`;
  const body: Record<string, unknown> = {};
  for (let n = int(r, 4); n >= 0; n--) body[pick(r, ['user', 'users', 'k', 'item', 'items', 'include', 'exclude', 'userItems', 'filterSeen', MARKUP])] = hostileJson(r);
  return JSON.stringify(body);
}

function hostileQuery(r: Rand): string {
  const parts = [];
  for (let n = int(r, 5); n >= 0; n--) {
    const key = pick(r, ['user', 'k', 'item', 'exclude', 'include', 'filterSeen', 'users', MARKUP, '']);
    const value = pick(r, ['u0', 'i1', '0', '-1', '2.5', '1e308', 'NaN', MARKUP, 'x'.repeat(3000), '', 'i1,i2,,i3', '%ZZ']);
    parts.push(`${encodeURIComponent(key)}=${value === '%ZZ' ? value : encodeURIComponent(value)}`);
  }
  return parts.join('&');
}

/** Fuzz createHandler with `requests` hostile requests; every answer must be a non-5xx JSON with nosniff. */
export async function fuzzHttp(options: { requests: number; seed?: number }): Promise<FuzzReport & { statuses: Record<string, number> }> {
  const models = await tinyModels();
  const handlers = [
    { base: '', handle: createHandler(models.als) },
    { base: '', handle: createHandler(models.lightfm, { fallback: 'popularity', cors: true, token: 'secret' }) },
    { base: '/api', handle: createHandler(models.popularity, { basePath: '/api' }) },
  ];
  const r = prng(options.seed ?? 2222);
  const report = { mutants: 0, outcomes: {} as Record<string, number>, failures: [] as string[], worstLoadMs: 0, worstLoad: '', statuses: {} as Record<string, number> };
  for (let i = 0; i < options.requests; i++) {
    // mostly real routes (the popularity handler lives under /api), so most requests reach the parameter checks
    const target = pick(r, handlers);
    const route = pick(r, ['/recommend', '/recommend', '/recommend/', '/similar', '/predict', '/predict', '/info', '/health']);
    const path = r() < 0.8 ? target.base + route : pick(r, ['/', '/nowhere', `/${encodeURIComponent(MARKUP)}`, '//recommend', '/recommend/../info']);
    const valid = route.startsWith('/predict') ? ['POST'] : route === '/info' || route === '/health' ? ['GET'] : ['GET', 'POST'];
    const method = r() < 0.8 ? pick(r, valid) : pick(r, ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'FOO']);
    const headers: Record<string, string> = {};
    if (r() < 0.8) headers['content-type'] = pick(r, ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x+json', MARKUP]);
    if (r() < 0.3) headers.authorization = pick(r, ['Bearer secret', 'Bearer wrong', 'Basic x', MARKUP]);
    if (r() < 0.2) headers.origin = pick(r, ['https://a.example', MARKUP]);
    const init: RequestInit = { method, headers };
    const hasBody = method !== 'GET' && method !== 'HEAD' && r() < 0.9;
    const body = hasBody ? hostileBody(r) : undefined;
    if (body !== undefined) init.body = body as BodyInit;
    const url = `http://fuzz.test${path}${r() < 0.7 ? `?${hostileQuery(r)}` : ''}`;
    const label = `${method} ${url.slice(0, 120)} ${typeof body === 'string' ? body.slice(0, 80) : body ? '(bytes)' : ''}`;
    let request: Request;
    try {
      request = new Request(url, init);
    } catch {
      continue; // a method this runtime's Request refuses (workerd: any non-standard one): no server would pass it on
    }
    report.mutants++;
    const t0 = performance.now();
    let res: Response;
    try {
      res = await target.handle(request);
    } catch (e) {
      report.failures.push(`${label}: the handler threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
      continue;
    }
    const text = await res.text();
    const ms = performance.now() - t0;
    if (ms > report.worstLoadMs) (report.worstLoadMs = ms), (report.worstLoad = label);
    report.statuses[res.status] = (report.statuses[res.status] ?? 0) + 1;
    report.outcomes[res.status >= 500 ? '5xx' : res.status >= 400 ? '4xx' : '2xx'] = (report.outcomes[res.status >= 500 ? '5xx' : res.status >= 400 ? '4xx' : '2xx'] ?? 0) + 1;
    if (res.status >= 500) report.failures.push(`${label}: ${res.status} ${text.slice(0, 200)}`);
    if (res.status === 204 || method === 'HEAD') continue;
    if (res.headers.get('x-content-type-options') !== 'nosniff') report.failures.push(`${label}: no nosniff header`);
    if (text.includes('<')) report.failures.push(`${label}: markup in the answer: ${text.slice(0, 200)}`);
    if (res.status >= 400) {
      if (text.length > 1200) report.failures.push(`${label}: an error body of ${text.length} characters`);
      let code: unknown;
      try {
        code = JSON.parse(text).error?.code;
      } catch {
        code = undefined;
      }
      if (typeof code !== 'string') report.failures.push(`${label}: not a JSON error body: ${text.slice(0, 200)}`);
    } else {
      const scores = [...text.matchAll(/"score":([^,}]+)/g)].map((m) => Number(m[1]));
      if (!scores.every(Number.isFinite)) report.failures.push(`${label}: a non-finite score: ${text.slice(0, 200)}`);
    }
  }
  return report;
}
