// A recwise model on Bun.serve: the Fetch-API handler is all Bun needs.
//
//   bun examples/bun/serve.ts MODEL_FILE [PORT]
//   curl "http://127.0.0.1:3000/recommend?user=1&k=5"
//
// (In this repository tsconfig.json maps 'recwise' to the sources; in an app: `bun add recwise`.)
import { createHandler } from 'recwise/serve';
import { loadModel } from 'recwise';

const [path, port = '3000'] = Bun.argv.slice(2);
if (!path) {
  console.error('usage: bun examples/bun/serve.ts MODEL_FILE [PORT]');
  process.exit(2);
}
const server = Bun.serve({ hostname: '127.0.0.1', port: Number(port), fetch: createHandler(await loadModel(path), { fallback: 'popularity' }) });
console.log(`listening on http://127.0.0.1:${server.port}`);
// Stop accepting, let requests in flight finish, then exit.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, async () => {
  await server.stop(false);
  process.exit(0);
});
