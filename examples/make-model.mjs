#!/usr/bin/env node
// A tiny synthetic dataset and an ALS model trained on it, for the examples and their CI run (no MovieLens in the
// repository): 60 users in three taste groups, 45 items (m0..m44, 15 per group), 8 interactions per user.
//
//   node scripts/build.mjs && node examples/make-model.mjs OUT_DIR     → OUT_DIR/tiny.tsv, OUT_DIR/model.recwise
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlsRecommender, readInteractions, saveModel, shutdown } from 'recwise';

/** The dataset as TSV text (user, item, weight), the same on every run. */
export function tinyDataset() {
  let s = 1;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines = ['user\titem\tweight'];
  for (let u = 1; u <= 60; u++) {
    const group = u % 3;
    for (let j = 0; j < 8; j++) lines.push(`${u}\tm${group * 15 + Math.floor(rand() * 15)}\t1`);
  }
  return lines.join('\n') + '\n';
}

/** Train the example model on {@link tinyDataset}; returns { text, model, bytes }. */
export async function tinyModel() {
  const text = tinyDataset();
  const { interactions } = await readInteractions({ text, name: 'tiny.tsv' }, { binary: true });
  const model = await new AlsRecommender({ factors: 8, iterations: 10, regularization: 0.05, seed: 7 }).fit(interactions);
  return { text, model, bytes: await saveModel(model) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2] ?? 'examples/build';
  mkdirSync(out, { recursive: true });
  const { text, model, bytes } = await tinyModel();
  writeFileSync(join(out, 'tiny.tsv'), text);
  writeFileSync(join(out, 'model.recwise'), bytes);
  console.log(`wrote ${join(out, 'tiny.tsv')} and ${join(out, 'model.recwise')} (${model.kind}, ${model.userIds.length} users, ${model.itemIds.length} items, ${bytes.length} bytes)`);
  await shutdown(); // stop the kernel worker threads so the process can end
}
