// The conformance suite under `bun test`.
// @ts-ignore: bun:test types are not installed; the module exists under Bun.
import { afterAll, test } from 'bun:test';
import { cases } from '../conformance/index.ts';
import { shutdown } from 'recwise';

for (const c of cases) test(c.name, c.fn, 60_000);
afterAll(() => shutdown());
