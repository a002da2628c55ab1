// The conformance suite under vitest (Node).
import { afterAll, test } from 'vitest';
import { cases } from '../conformance/index.ts';
import { shutdown } from 'recwise';

for (const c of cases) test(c.name, c.fn, 60_000);
afterAll(() => shutdown());
