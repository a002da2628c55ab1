// Interop with other libraries' model files (issue 11): NumPy .npz/.npy, implicit, Spark ALSModel, LightFM.
// Re-exports only; see the module docs for formats.
export { readNpz, writeNpz } from './npz.ts';
export type { InteropSource, ReadNpzOptions } from './npz.ts';
export { parseNpy, encodeNpy } from './npy.ts';
export type { NdArray, NdData, NpyValue, ParseNpyOptions } from './npy.ts';
export { importImplicit, exportNpz } from './implicit.ts';
export type { ImportImplicitOptions, ImplicitKind, ImplicitModel, ExportNpzOptions } from './implicit.ts';
export { importSpark, exportSpark } from './spark.ts';
export type { ImportSparkOptions, SparkFiles } from './spark.ts';
export { importLightFm } from './lightfm.ts';
export type { ImportLightFmOptions, LightFmMapping, LightFmSource } from './lightfm.ts';
export { parseIdList } from './source.ts';
export type { SeenRecord } from './source.ts';
