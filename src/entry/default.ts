/**
 * The root entry, `recwise`: data, the core models, evaluation, tuning and model files (src/index.ts). The kernels
 * load from the `kernels-mt.wasm` asset beside the modules (./setup.ts); `recwise/inline` embeds them instead.
 *
 * @module recwise
 */
import './setup.ts';

export * from '../index.ts';
