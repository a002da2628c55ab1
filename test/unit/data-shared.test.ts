// Reading the shared MovieLens splits (Node only: ../shared sits beside the repository, never in the package).
// Counts are those of ../shared/data/splits/*/STATS.md and ../shared/bench/anchors.md.
import { afterAll, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { init, readInteractions, randomSplit, temporalSplit, shutdown } from 'recwise';

const SPLITS = '../shared/data/splits';

function stat(name: string, key: string): number {
  const text = readFileSync(`${SPLITS}/${name}/STATS.md`, 'utf8');
  const m = new RegExp(`^${key}: (\\d+)`, 'm').exec(text);
  if (!m) throw new Error(`${key} not in ${name}/STATS.md`);
  return Number(m[1]);
}

afterAll(() => shutdown());

test('ml-100k train.tsv: users, items and rows as in STATS.md; ids numeric and sorted', async () => {
  await init();
  const { interactions: train, rows, skipped } = await readInteractions(`${SPLITS}/ml-100k/train.tsv`, { binary: true, sortIds: true });
  expect(skipped).toBe(0);
  expect(rows).toBe(stat('ml-100k', 'train rows'));
  expect(rows).toBe(44_286);
  expect(train.nUsers).toBe(stat('ml-100k', 'users'));
  expect(train.nUsers).toBe(938);
  expect(train.nItems).toBe(stat('ml-100k', 'items'));
  expect(train.nItems).toBe(1414);
  expect(train.nnz).toBe(44_286); // no repeated pairs in the split
  const ids = train.items.ids();
  expect(ids.every((id) => typeof id === 'number')).toBe(true);
  for (let k = 1; k < ids.length; k++) expect((ids[k] as number) > (ids[k - 1] as number)).toBe(true);
  expect(Array.from(train.byUser.data).every((w) => w === 1)).toBe(true);

  const { interactions: test, rows: testRows, droppedRows } = await readInteractions(`${SPLITS}/ml-100k/test.tsv`, {
    binary: true,
    users: train.users,
    items: train.items,
  });
  expect(testRows).toBe(stat('ml-100k', 'test rows'));
  expect(droppedRows).toBe(0); // the split already dropped its cold test rows
  let testUsers = 0;
  for (let u = 0; u < test.nUsers; u++) if (test.itemsOf(u).length) testUsers++;
  expect(testUsers).toBe(stat('ml-100k', 'test users'));
});

test('ml-100k-temporal: the temporal split of train ∪ test by our splitter reproduces the shared test set', async () => {
  // The shared temporal split holds each user's latest positive out (ties → higher item id). Re-splitting the
  // union of its train and (non-dropped) test rows with testCount 1 must give back exactly its test rows, except
  // for users whose test row was dropped as cold (their latest train row then goes to test).
  const dir = `${SPLITS}/ml-100k-temporal`;
  const all = await readInteractions({ text: readFileSync(`${dir}/train.tsv`, 'utf8') + readFileSync(`${dir}/test.tsv`, 'utf8').split('\n').slice(1).join('\n'), name: 'union.tsv' }, { sortIds: true });
  const shared = await readInteractions(`${dir}/test.tsv`, { users: all.interactions.users, items: all.interactions.items });
  const ours = temporalSplit(all.interactions, { testCount: 1 });
  let same = 0;
  let usersWithSharedTest = 0;
  for (let u = 0; u < shared.interactions.nUsers; u++) {
    const s = shared.interactions.itemsOf(u);
    if (!s.length) continue;
    usersWithSharedTest++;
    if (ours.test.itemsOf(u)[0] === s[0]) same++;
  }
  expect(usersWithSharedTest).toBe(stat('ml-100k-temporal', 'test users'));
  expect(same).toBe(usersWithSharedTest);
  const r = randomSplit(all.interactions, { testFraction: 0.2, seed: 42 });
  expect(r.train.nnz + r.test.nnz).toBe(all.interactions.nnz);
});

test('ml-1m: train and test map as the anchors say (3,583 items, 164,814 test rows, 34 dropped)', async () => {
  const train = await readInteractions(`${SPLITS}/ml-1m/train.tsv`, { binary: true, sortIds: true });
  expect(train.rows).toBe(590_733);
  expect(train.interactions.nUsers).toBe(6039);
  expect(train.interactions.nItems).toBe(3583);
  const test = await readInteractions(`${SPLITS}/ml-1m/test.tsv`, { binary: true, users: train.interactions.users, items: train.interactions.items });
  expect(test.rows).toBe(164_848);
  expect(test.droppedRows).toBe(34);
  expect(test.interactions.nnz).toBe(164_814);
});
