/**
 * `recwise serve`: a model file behind {@link createHandler} on the runtime's native HTTP server (Node, Deno, Bun).
 * Graceful shutdown on SIGINT/SIGTERM (requests in flight finish), one access-log line per request on stderr, and
 * reload when the model file changes or on SIGHUP: the new file is loaded beside the old model and swapped in
 * atomically; an invalid file is logged and the old model keeps serving (issue 10).
 */
import type { Command } from './command.ts';
import type { FlagSpec } from './args.ts';
import { UsageError } from './args.ts';
import { requireFile } from './data.ts';
import { loadModel } from '../io/model.ts';
import { DEFAULT_LOAD_BUDGET } from '../io/layout.ts';
import { createHandler } from '../serve/handler.ts';
import { CONNECTION_DEFAULTS, onSignals, startServer, watchFile } from '../runtime/server.ts';
import type { Recommender } from '../models/recommender.ts';

const FLAGS: FlagSpec[] = [
  { name: 'model-file', type: 'string', meta: 'FILE', required: true, help: 'a model saved by recwise fit' },
  { name: 'port', type: 'int', min: 0, default: 8080, help: 'TCP port (0: a free one, printed at start)' },
  { name: 'host', type: 'string', meta: 'ADDR', default: '127.0.0.1', help: 'interface to listen on (0.0.0.0 for every interface)' },
  { name: 'max-k', type: 'int', min: 1, default: 1000, help: 'largest k a request may ask for' },
  { name: 'max-batch', type: 'int', min: 1, default: 1000, help: 'most users in one batch request' },
  { name: 'max-body-bytes', type: 'int', min: 1, default: 1 << 20, help: 'largest request body' },
  { name: 'fallback', type: 'enum', values: ['none', 'popularity'], default: 'none', help: 'answer unknown users from item popularity instead of 404' },
  { name: 'token-env', type: 'string', meta: 'NAME', help: 'require Authorization: Bearer <token>, the token read from this environment variable' },
  { name: 'cors', type: 'boolean', help: 'answer cross-origin requests from any origin' },
  { name: 'watch', type: 'boolean', default: true, help: 'reload the model when the file changes (--watch=false to turn off; SIGHUP always reloads)' },
  { name: 'access-log', type: 'boolean', default: true, help: 'one line per request on stderr: method, path, status, milliseconds' },
  // limits for a public endpoint (issue 22): slow clients, connection count, model files from strangers
  { name: 'header-timeout-ms', type: 'int', min: 1, default: CONNECTION_DEFAULTS.headersTimeoutMs, help: 'time a client has to send the request headers (then 408 and close)' },
  { name: 'request-timeout-ms', type: 'int', min: 1, default: CONNECTION_DEFAULTS.requestTimeoutMs, help: 'time a client has to send the whole request, body included' },
  { name: 'max-connections', type: 'int', min: 1, default: CONNECTION_DEFAULTS.maxConnections, help: 'most open connections (Node; more are closed)' },
  { name: 'max-model-bytes', type: 'int', min: 1, default: DEFAULT_LOAD_BUDGET, help: 'memory budget of loading a model file (larger files and params are refused)' },
];

const describe = (m: Recommender) => `${m.kind}, ${m.trainingIndex.users.size} users, ${m.trainingIndex.items.size} items`;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'answer recommendation requests over HTTP from a saved model',
  description:
    'Serve a model file over HTTP (routes /recommend, /similar, /predict, /info, /health; requests and answers in the README, "Serving over HTTP"). ' +
    'Stops gracefully on SIGINT/SIGTERM; reloads the model when the file changes or on SIGHUP, keeping the old one if the new file is invalid.',
  flags: FLAGS,
  examples: ['recwise serve --model-file model.recwise --port 8080', 'curl "http://127.0.0.1:8080/recommend?user=42&k=5"'],
  async run(ctx) {
    const f = ctx.flags;
    const { io } = ctx;
    const path = f['model-file'] as string;
    await requireFile('model-file', path);
    let token: string | undefined;
    if (f['token-env'] !== undefined) {
      token = io.env(f['token-env'] as string);
      if (!token) throw new UsageError('--token-env', f['token-env'], 'names an unset or empty environment variable', 'export the variable with the token before starting.');
    }
    const loadOptions = { maxBytes: f['max-model-bytes'] as number };
    const model = await loadModel(path, loadOptions);
    const handler = createHandler(model, {
      maxK: f['max-k'] as number,
      maxBatch: f['max-batch'] as number,
      maxBodyBytes: f['max-body-bytes'] as number,
      fallback: f.fallback === 'popularity' ? 'popularity' : undefined,
      token,
      cors: f.cors === true,
    });

    // Access log lines are buffered and written every 100 ms: one write per request would cost more than the request.
    let pendingLog = '';
    const flushLog = async () => {
      if (!pendingLog) return;
      const text = pendingLog;
      pendingLog = '';
      await io.stderr(text);
    };
    const logTimer = setInterval(() => void flushLog(), 100);
    const log = (line: string) => {
      pendingLog += line + '\n';
      if (pendingLog.length > 1 << 16) void flushLog();
    };
    const accessLog = f['access-log'] !== false;

    let reloading: Promise<void> | undefined;
    let again = false;
    const reload = () => {
      if (reloading) {
        again = true;
        return;
      }
      reloading = (async () => {
        do {
          again = false;
          try {
            const next = await loadModel(path, loadOptions);
            handler.setModel(next);
            log(`recwise serve: reloaded ${path} (${describe(next)})`);
          } catch (e) {
            log(`recwise serve: reload of ${path} failed, still serving the previous model: ${(e as Error)?.message ?? e}`);
          }
        } while (again);
        reloading = undefined;
      })();
    };

    const server = await startServer(handler, {
      onResponse: accessLog ? (r) => log(`${r.method} ${r.path} ${r.status} ${r.ms.toFixed(2)}ms`) : undefined,
      port: f.port as number, hostname: f.host as string,
      headersTimeoutMs: f['header-timeout-ms'] as number, requestTimeoutMs: f['request-timeout-ms'] as number, maxConnections: f['max-connections'] as number,
    });
    const stopWatching = f.watch !== false ? await watchFile(path, reload) : () => undefined;
    const url = `http://${server.hostname.includes(':') ? `[${server.hostname}]` : server.hostname}:${server.port}`;
    if (f.json) await ctx.printJson({ listening: url, port: server.port, model: { kind: model.kind, users: model.trainingIndex.users.size, items: model.trainingIndex.items.size } });
    else await ctx.print(`recwise serve: listening on ${url} (${describe(model)})`);

    const signal = await new Promise<string>((resolve) => {
      void onSignals(resolve, reload);
    });
    log(`recwise serve: ${signal}, finishing requests in flight`);
    stopWatching();
    await server.close();
    await reloading;
    clearInterval(logTimer);
    log('recwise serve: stopped');
    await flushLog();
    return 0;
  },
};
