/**
 * Feature files for `--user-features` / `--item-features` (issue 5): TSV lines `id<TAB>feature[<TAB>weight]`, an
 * optional header starting with `id`, '#' comments; or, with `--item-feature-columns` (issue 16), any attribute
 * table (CSV/TSV/`|`, e.g. MovieLens u.item) whose columns become features (see src/data/attributes.ts). Read when
 * the model is fitted, so ids are matched against the training vocabulary: an id that is a number there is read
 * as a number, ids not in training are skipped.
 */
import type { Vocabulary, Id } from '../data/vocabulary.ts';
import type { FeatureRecords } from '../models/factorization/lightfm.ts';
import type { FeatureSpec } from '../data/dataset.ts';
import { readFileBytes } from '../runtime/files.ts';
import { UsageError } from './args.ts';
import { requireFile } from './data.ts';
import { readAttributes } from '../data/attributes.ts';

/** A loader of feature records from a TSV file, resolved against the vocabulary at fit time. */
export function featureFile(flag: string, path: string, columns?: string): (vocab: Vocabulary) => Promise<FeatureRecords> {
  return async (vocab) => {
    await requireFile(flag, path);
    if (columns !== undefined) {
      const table = await readAttributes(path, { columns: columns.split(',').map((c) => c.trim()).filter(Boolean) });
      const known = (id: Id): Id | undefined => (vocab.has(id) ? id : vocab.has(String(id)) ? String(id) : typeof id === 'string' && vocab.has(Number(id)) ? Number(id) : undefined);
      const rows = table.rows.flatMap((r) => {
        const id = known(r.id);
        return id === undefined || r.features.length === 0 ? [] : [{ id, features: r.features }];
      });
      return { rows };
    }
    const text = new TextDecoder().decode(await readFileBytes(path));
    const byId = new Map<Id, FeatureSpec[]>();
    const lines = text.split(/\r?\n/);
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n];
      if (!line.trim() || line.startsWith('#') || (n === 0 && /^id\t/i.test(line))) continue;
      const [raw, feature, w] = line.split('\t');
      if (feature === undefined || feature === '') throw new UsageError(`--${flag}`, path, `line ${n + 1} has no feature column`, 'write `id<TAB>feature[<TAB>weight]` per line.');
      const weight = w === undefined || w === '' ? 1 : Number(w);
      if (!Number.isFinite(weight)) throw new UsageError(`--${flag}`, path, `line ${n + 1} has weight ${JSON.stringify(w)}`, 'weights must be numbers.');
      const num = Number(raw);
      const id: Id | undefined = raw !== '' && vocab.has(num) ? num : vocab.has(raw) ? raw : undefined;
      if (id === undefined) continue;
      (byId.get(id) ?? byId.set(id, []).get(id)!).push([feature, weight]);
    }
    return { rows: [...byId].map(([id, features]) => ({ id, features })) };
  };
}
