// The conformance suite under `deno test`.
import { cases } from '../conformance/index.ts';
import { shutdown } from 'recwise';

declare const Deno: { test(def: { name: string; fn: () => unknown; sanitizeResources?: boolean; sanitizeOps?: boolean }): void };

for (const c of cases) Deno.test({ name: c.name, fn: c.fn, sanitizeResources: false, sanitizeOps: false });
Deno.test({ name: 'zz: shutdown', fn: () => shutdown(), sanitizeResources: false, sanitizeOps: false });
