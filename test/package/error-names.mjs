// Every error class the installed package exports, constructed and described (issue 15: the minified bundle named
// them 'b', 'Ie', 'V'). Run by test/package/run.mjs under node, deno and bun; prints one JSON line.
import * as R from 'recwise';

// One-element arrays pass for every constructor's arguments (strings in messages, lists where one is mapped).
const errors = [];
for (const [key, value] of Object.entries(R)) {
  if (typeof value !== 'function' || !(value.prototype instanceof Error)) continue;
  try {
    const e = new value(['a'], ['b'], ['c'], ['d'], ['e'], ['f']);
    errors.push({ key, name: e.name, string: String(e), stack: String(e.stack).split('\n')[0] });
  } catch (x) {
    errors.push({ key, name: `(the constructor threw ${x})` });
  }
}

console.log(JSON.stringify(errors));
