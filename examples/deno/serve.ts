// A recwise model on Deno.serve: the Fetch-API handler is all Deno needs.
//
//   deno run --allow-read --allow-net --allow-env examples/deno/serve.ts MODEL_FILE [PORT]
//   curl "http://127.0.0.1:8000/recommend?user=1&k=5"
//
// (In this repository deno.json maps 'recwise' to the sources; in an app: `deno add npm:recwise`.)
import { createHandler } from 'recwise/serve';
import { loadModel } from 'recwise';

const [path, port = '8000'] = Deno.args;
if (!path) {
  console.error('usage: deno run --allow-read --allow-net examples/deno/serve.ts MODEL_FILE [PORT]');
  Deno.exit(2);
}
const handler = createHandler(await loadModel(path), { fallback: 'popularity' });
const server = Deno.serve(
  { hostname: '127.0.0.1', port: Number(port), onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}`) },
  handler,
);
// Finish requests in flight, then exit.
Deno.addSignalListener('SIGTERM', () => void server.shutdown());
Deno.addSignalListener('SIGINT', () => void server.shutdown());
await server.finished;
