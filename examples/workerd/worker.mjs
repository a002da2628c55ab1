// A Cloudflare Worker (workerd) answering recommendations from a model bundled with the worker.
//
// 'recwise' resolves through its `workerd` export condition (Wrangler does this by default; build.mjs here does it
// with esbuild); the kernels come in as a Wasm module and the model file as a data module (an ArrayBuffer), both
// declared in config.capnp. The model is decoded on the first request of each isolate, then kept.
import { createHandler } from 'recwise';
import model from './model.recwise';

export default { fetch: createHandler(model, { fallback: 'popularity' }) };
