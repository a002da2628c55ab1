// A TypeScript consumer of the installed package, type-checked by test/package/run.mjs with the oldest supported
// TypeScript (the "typescript-5.0" devDependency) and the current one, without skipLibCheck: the declarations
// must compile for every user from TypeScript 5.0 on (issue 15: 5.0–5.6 rejected `Uint8Array<ArrayBuffer>`).
import { AlsRecommender, DatasetBuilder, init, InvalidArgumentError, saveModel } from 'recwise';
const info = await init();
const b = new DatasetBuilder();
b.add({ user: 1, item: 2 });
const m = await new AlsRecommender({ factors: 4 }).fit(await b.build());
const r: { item: unknown; score: number }[] = m.recommend(1, { k: 2 });
const e: Error = new InvalidArgumentError('x', 1, 'y');
const bytes: Uint8Array = await saveModel(m);
// `await using` (TypeScript 5.2+ syntax, so spelled out here): models and init() results are AsyncDisposable.
const disposers: (() => Promise<void>)[] = [() => m[Symbol.asyncDispose](), () => info[Symbol.asyncDispose]()];
console.log(info.threads, r, e, bytes, disposers.length);
