#!/usr/bin/env node
// The examples that look like users' problems (issue 20), run as a user runs them, after `node scripts/build.mjs`
// ('recwise' and 'recwise/report' resolve to the built package by self-reference):
//  - examples/movielens/ml-100k.mjs on the original MovieLens files in ../shared/data/ml-100k (never shipped):
//    exit 0, the personalised models beat popularity, the report and model files are written, and the served
//    answer (HTTP, after saving and loading the model) has 5 titled movies.
//
//   node test/runners/examples.mjs
//
// Prints each failure, then `examples: N passed, M failed`; exit 1 on failures, 2 when the data is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const data = join(root, '..', 'shared', 'data', 'ml-100k');
const out = join(root, 'test/.out/examples/ml-100k');
const results = [];
const check = (name, cond, error) => results.push({ name: `examples: ${name}`, ok: !!cond, ...(cond ? {} : { error: String(error) }) });

if (!existsSync(join(data, 'u.data'))) {
  console.error(`examples: cannot start: ${data}/u.data not found (the MovieLens files live in ../shared/data, beside the repository)`);
  console.log('examples: could not start');
  process.exit(2);
}
if (!existsSync(join(root, 'dist/esm/report/index.js'))) check('the package is built', false, 'run `node scripts/build.mjs` first');
else {
  rmSync(out, { recursive: true, force: true });
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const p = spawnSync(process.execPath, ['examples/movielens/ml-100k.mjs', data, out, '--json'], { cwd: root, env, encoding: 'utf8', timeout: 600_000, maxBuffer: 1 << 26 });
  let j;
  try {
    j = JSON.parse(p.stdout.trim().split('\n').pop());
  } catch {
    /* reported below */
  }
  check('ml-100k example runs (exit 0, one JSON line, nothing on stderr)', p.status === 0 && j && p.stderr.trim() === '', `exit ${p.status}\n${p.stdout.slice(-2000)}\n${p.stderr.slice(-2000)}`);
  if (j) {
    check('ml-100k: likes are the ratings >= 4 of all 100,000', j.dataset.ratings === 100_000 && j.dataset.likes > 50_000 && j.dataset.likes < 60_000, JSON.stringify(j.dataset));
    const m = j.metrics;
    check('ml-100k: ALS and LightFM (genre features) beat popularity on NDCG@10 and coverage', m.als.ndcg > m.popularity.ndcg * 1.2 && m.lightfm.ndcg > m.popularity.ndcg * 1.2 && m.als.coverage > m.popularity.coverage && m.lightfm.coverage > m.popularity.coverage, JSON.stringify(m));
    check('ml-100k: report written with the three models and movie titles', existsSync(j.report) && /data-chart="compare-ndcg"/.test(readFileSync(j.report, 'utf8')) && readFileSync(j.report, 'utf8').includes('Star Wars (1977)'), j.report);
    check('ml-100k: model saved and served: 5 titled movies over HTTP', existsSync(j.model) && j.served.items.length === 5 && j.served.items.every((i) => typeof i.title === 'string' && i.title !== String(i.item)), JSON.stringify(j.served));
  }
}
const failed = results.filter((r) => !r.ok);
for (const f of failed) console.log(`✗ ${f.name}\n    ${f.error.replace(/\n/g, '\n    ')}`);
console.log(`examples: ${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
