// A Cloudflare Worker (workerd) answering recommendations from a model bundled with the worker.
//
// 'recwise' resolves through its `workerd` export condition (Wrangler does this by default; build.mjs here does it
// with esbuild); the kernels come in as a Wasm module and the model file as a data module (an ArrayBuffer), both
// declared in config.capnp. The model is decoded on the first request of each isolate, then kept.
// Loading it through its class keeps the bundle to that model family: a bundler drops the model modules an app does
// not import (package.json "sideEffects"), and loadModel(model) alone would then not know the kind 'als'.
import { AlsRecommender, loadModel } from 'recwise';
import { createHandler } from 'recwise/serve';
import model from './model.recwise';

export default { fetch: createHandler(() => loadModel(model, AlsRecommender), { fallback: 'popularity' }) };
