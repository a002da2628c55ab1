#!/usr/bin/env node
// The API docs site (issue 20): `npm run docs` (typedoc, typedoc.json: the `recwise` and `recwise/report` entries,
// landing page docs-src/index.md) must build with 0 warnings, and every link in the generated site must resolve:
// local files exist and #fragments name an id on the target page; the site links nothing outside itself (so the
// check needs no network and nothing can rot). The core classes must carry their documentation and an example.
//
//   node test/runners/docs.mjs
//
// Prints each failure, then `docs: N passed, M failed`; exit 1 on failures, 2 when typedoc is not installed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const docs = join(root, 'docs');
const typedoc = join(root, 'node_modules/.bin/typedoc');
const results = [];
const check = (name, cond, error) => results.push({ name: `docs: ${name}`, ok: !!cond, ...(cond ? {} : { error: String(error) }) });

if (!existsSync(typedoc)) {
  console.error('docs: cannot start: typedoc is not installed; run `npm install` (it is a devDependency)');
  console.log('docs: could not start');
  process.exit(2);
}
const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
delete env.NODE_OPTIONS;
const run = spawnSync(typedoc, [], { cwd: root, env, encoding: 'utf8', timeout: 600_000, maxBuffer: 1 << 26 });
const output = `${run.stdout}\n${run.stderr}`;
const warnings = output.split('\n').filter((l) => /\[(warning|error)\]/.test(l) && !/Found \d+ errors and \d+ warnings/.test(l));
console.log(`docs: typedoc exit ${run.status}, ${warnings.length} warnings`);
check('npm run docs (typedoc) builds with 0 warnings and 0 errors', run.status === 0 && warnings.length === 0, `exit ${run.status}\n${warnings.slice(0, 30).join('\n') || output.slice(-3000)}`);

const pages = [];
const walk = (d) => {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.html')) pages.push(p);
  }
};
if (existsSync(docs)) walk(docs);
check('the site has a landing page and a page per core class', ['index.html', 'classes/recwise.Recommender.html', 'classes/recwise.FactorRecommender.html', 'classes/recwise.Interactions.html', 'classes/recwise.Vocabulary.html'].every((f) => existsSync(join(docs, f))), `pages: ${pages.length}`);

// Links: every href/src in every page.
const ids = new Map();
const idsOf = (file) => {
  if (!ids.has(file)) ids.set(file, new Set([...readFileSync(file, 'utf8').matchAll(/\b(?:id|name)="([^"]+)"/g)].map((m) => m[1])));
  return ids.get(file);
};
const broken = [];
const external = [];
let links = 0;
for (const page of pages) {
  const html = readFileSync(page, 'utf8');
  for (const m of html.matchAll(/\b(?:href|src)="([^"]*)"/g)) {
    const link = m[1].replace(/&amp;/g, '&');
    if (/^(data|javascript):/.test(link)) continue;
    links++;
    if (/^[a-z]+:/i.test(link) || link.startsWith('//')) {
      external.push(`${relative(docs, page)} → ${link}`);
      continue;
    }
    const [path, fragment] = link.split('#');
    const target = path ? resolve(dirname(page), decodeURIComponent(path.split('?')[0])) : page;
    if (!existsSync(target)) broken.push(`${relative(docs, page)} → ${link} (no such file)`);
    else if (fragment && target.endsWith('.html') && !idsOf(target).has(decodeURIComponent(fragment))) broken.push(`${relative(docs, page)} → ${link} (no #${fragment})`);
  }
}
console.log(`docs: ${pages.length} pages, ${links} links, ${broken.length} broken, ${external.length} external`);
check(`every link in the site resolves (${links} links in ${pages.length} pages)`, pages.length > 0 && broken.length === 0, broken.slice(0, 30).join('\n'));
check('the site links nothing outside itself', external.length === 0, external.slice(0, 30).join('\n'));

// The landing page: what recwise is, install, an example per runtime, the models, coming from implicit / LightFM.
const landing = existsSync(join(docs, 'index.html')) ? readFileSync(join(docs, 'index.html'), 'utf8') : '';
for (const heading of ['Install', 'Ten lines per runtime', 'Models', 'Coming from implicit', 'Coming from LightFM']) {
  check(`landing page has "${heading}"`, landing.includes(`>${heading}`), 'missing');
}
for (const cls of ['Recommender', 'FactorRecommender', 'Interactions', 'Vocabulary']) {
  const file = join(docs, `classes/recwise.${cls}.html`);
  const html = existsSync(file) ? readFileSync(file, 'utf8') : '';
  // the class's own comment: the first comment panel of the page, before any member
  const start = html.indexOf('<section class="tsd-panel tsd-comment">');
  const summary = start < 0 ? '' : html.slice(start, html.indexOf('</section>', start));
  check(`${cls} is documented, with an example`, summary.replace(/<[^>]+>/g, '').trim().length > 200 && summary.includes('id="example"'), `${file}: ${summary.slice(0, 300)}`);
}

const failed = results.filter((r) => !r.ok);
for (const f of failed) console.log(`✗ ${f.name}\n    ${f.error.replace(/\n/g, '\n    ')}`);
console.log(`docs: ${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
