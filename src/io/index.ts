// The model file format (see format.ts and README.md). Re-exports only.
export { encodeModelState, decodeModelState, MODEL_FORMAT_VERSION } from './format.ts';
export type { DecodedModelState, EncodeOptions, ModelFileInfo } from './format.ts';
export { saveModel, loadModel, readModelState } from './model.ts';
export { DEFAULT_LOAD_BUDGET } from './layout.ts';
export type { SaveOptions, LoadOptions, ModelClass } from './model.ts';
export type { ModelSource } from './source.ts';
