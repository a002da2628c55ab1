/**
 * `recwise/interop`: models from implicit, LightFM and Spark ALS in, `.npz` and Spark ALSModel out, and the NumPy
 * readers/writers behind them. Spark's Parquet needs the optional `hyparquet` / `hyparquet-writer` packages.
 *
 * @module recwise/interop
 */
import './setup.ts';

// Interop: implicit / LightFM / Spark ALS models in, .npz and Spark ALSModel out
export { InteropError } from '../errors.ts';
export { importImplicit, exportNpz, importSpark, exportSpark, importLightFm, readNpz, writeNpz, parseNpy, encodeNpy, parseIdList } from '../interop/index.ts';
export type {
  InteropSource, NdArray, NdData, NpyValue, ImportImplicitOptions, ImplicitKind, ImplicitModel, ExportNpzOptions, ImportSparkOptions, SparkFiles,
  ImportLightFmOptions, LightFmMapping, LightFmSource, SeenRecord, ParseNpyOptions, ReadNpzOptions,
} from '../interop/index.ts';

