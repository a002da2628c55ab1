/**
 * The kernel families (./family.ts): each is a group of backend methods with its `js` (TS reference) and `wasm`
 * implementations. The modules that call them load them with `useKernels(…)`: the ALS, BPR/LMF, LightFM, kNN/RP3beta
 * and EASE models, evaluation, and the neural stack. The core every backend has (resident matrices, scoring, top-k,
 * fused recommend, CSR building) is not a family.
 */
import type { KernelFamily } from './family.ts';
import { jsAlsKernels, jsGruKernels, jsHybridKernels, jsKnnKernels, jsMetricsKernels, jsNnKernels, jsSgdKernels, jsSpdKernels } from './js/families.ts';
import { wasmAlsKernels } from './wasm/als.ts';
import { wasmSgdKernels } from './wasm/sgd.ts';
import { wasmKnnKernels } from './wasm/knn.ts';
import { wasmMetricsKernels } from './wasm/metrics.ts';
import { createWasmSpd } from './wasm/spd.ts';
import { createWasmHybridSession } from './wasm/lightfm.ts';
import { wasmGruBackward, wasmGruForward } from './wasm/gru.ts';
import { wasmEmbeddingBag, wasmNnKernels } from './wasm/nn.ts';
import { embeddingBagRef } from './reference/nn.ts';

/** ALS: `gram`, `alsSolve`. */
export const ALS_KERNELS: KernelFamily<'gram' | 'alsSolve'> = { methods: ['gram', 'alsSolve'], js: jsAlsKernels, wasm: wasmAlsKernels };

/** BPR and LMF: `bprEpoch`, `lmfEpoch`. */
export const SGD_KERNELS: KernelFamily<'bprEpoch' | 'lmfEpoch'> = { methods: ['bprEpoch', 'lmfEpoch'], js: jsSgdKernels, wasm: wasmSgdKernels };

/** Sparse products (item-kNN, RP3beta): `productTopk`, `productRecommend`. */
export const KNN_KERNELS: KernelFamily<'productTopk' | 'productRecommend'> = { methods: ['productTopk', 'productRecommend'], js: jsKnnKernels, wasm: wasmKnnKernels };

/** EASE's closed form: `sparseGram`, `spdInverse`. */
export const SPD_KERNELS: KernelFamily<'sparseGram' | 'spdInverse'> = {
  methods: ['sparseGram', 'spdInverse'],
  js: jsSpdKernels,
  wasm: ({ heap, x, pool }) => createWasmSpd(heap, x, pool),
};

/** LightFM: `hybridSession`. */
export const HYBRID_KERNELS: KernelFamily<'hybridSession'> = {
  methods: ['hybridSession'],
  js: jsHybridKernels,
  wasm: ({ heap, x, pool }) => ({ hybridSession: (params, data, settings) => createWasmHybridSession(heap, x, pool, params, data, settings) }),
};

/** Evaluation's ranking facts: `rankMetrics`, `rankMetricsScored`. */
export const METRICS_KERNELS: KernelFamily<'rankMetrics' | 'rankMetricsScored'> = { methods: ['rankMetrics', 'rankMetricsScored'], js: jsMetricsKernels, wasm: wasmMetricsKernels };

/** The GRU layer: `gruForward`, `gruBackward`. */
export const GRU_KERNELS: KernelFamily<'gruForward' | 'gruBackward'> = {
  methods: ['gruForward', 'gruBackward'],
  js: jsGruKernels,
  wasm: ({ heap, x }) => ({
    gruForward: (w, xs, mask, steps, batch, h0) => wasmGruForward(heap, x, w, xs, mask, steps, batch, h0),
    gruBackward: (w, grads, xs, mask, steps, batch, h0, fwd, dhs) => wasmGruBackward(heap, x, w, grads, xs, mask, steps, batch, h0, fwd, dhs),
  }),
};

/** The neural core's hot loops: `nn` (gemm, activations, softmax, embedding bags). */
export const NN_KERNELS: KernelFamily<'nn'> = { methods: ['nn'], js: jsNnKernels, wasm: ({ heap, x }) => ({ nn: wasmNnKernels(heap, x) }) };

/** The embedding bag alone (an internal method, family.ts): EASE's dense scoring, without the rest of `nn`. */
export const EMBEDDING_BAG_KERNELS: KernelFamily<'embeddingBag'> = {
  methods: ['embeddingBag'],
  js: () => ({ embeddingBag: embeddingBagRef }),
  wasm: ({ heap, x }) => ({ embeddingBag: wasmEmbeddingBag(heap, x) }),
};
