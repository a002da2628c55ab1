/**
 * Typed errors. Every error names what was wrong (field and value) and how to fix it, so a message read in a log
 * is enough to act on (design.md §1.7, after web-llm's error classes).
 */

/**
 * Names an error class on its prototype, as the engine's and the DOM's errors are named (`AbortError` included):
 * a class's own name does not survive minifiers, ours or the application's (`e.name` read `'Ie'`, issue 15).
 * Every error class calls it in a static block; `name` stays writable like `Error.prototype.name`.
 */
export function nameErrorClass(cls: abstract new (...args: never[]) => Error, name: string): void {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true, enumerable: false });
}

/** Base class of every error recwise throws on purpose. `code` is stable across versions; match on it. */
export class RecwiseError extends Error {
  static {
    nameErrorClass(this, 'RecwiseError');
  }

  /** Stable machine-readable code, e.g. `INVALID_ARGUMENT`. */
  readonly code: string;
  /** The option, argument or file field at fault, when there is one. */
  readonly field?: string;
  /** The offending value (truncated in the message). */
  readonly value?: unknown;
  /** What to do about it. */
  readonly fix?: string;

  constructor(code: string, message: string, details: { field?: string; value?: unknown; fix?: string } = {}) {
    const parts = [message];
    if (details.fix) parts.push(`Fix: ${details.fix}`);
    super(parts.join(' '));
    this.code = code;
    this.field = details.field;
    this.value = details.value;
    this.fix = details.fix;
  }
}

/** Render a value for an error message without dumping huge arrays. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? value.slice(0, 77) + '...' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as { length: number }).length})`;
  if (Array.isArray(value)) return `array(${value.length})`;
  if (typeof value === 'function') return 'function';
  try {
    const s = JSON.stringify(value);
    return s.length > 80 ? s.slice(0, 77) + '...' : s;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** An argument or option has a wrong type or value. */
export class InvalidArgumentError extends RecwiseError {
  static {
    nameErrorClass(this, 'InvalidArgumentError');
  }

  constructor(field: string, value: unknown, expected: string, fix?: string) {
    super('INVALID_ARGUMENT', `Invalid ${field}: got ${describeValue(value)}, expected ${expected}.`, {
      field,
      value,
      fix: fix ?? `pass ${field} as ${expected}.`,
    });
  }
}

/**
 * An options object has a key this call does not know (a typo, or an option of another call or library). Unknown
 * keys are never ignored: `new AlsRecommender({ factor: 8 })` would otherwise train with the default 100 factors.
 */
export class UnknownOptionError extends RecwiseError {
  static {
    nameErrorClass(this, 'UnknownOptionError');
  }

  /** The call whose options were wrong, e.g. `AlsRecommender options`. */
  readonly where: string;
  /** The closest known key, when one is close. */
  readonly suggestion?: string;
  /** Every key the call accepts. */
  readonly known: readonly string[];
  constructor(where: string, key: string, value: unknown, known: readonly string[], suggestion?: string) {
    super('UNKNOWN_OPTION', `Unknown option \`${key}\` in ${where} (got ${describeValue(value)}).`, {
      field: key,
      value,
      fix: suggestion
        ? `did you mean \`${suggestion}\`? Known options: ${known.join(', ')}.`
        : known.length ? `remove it; known options: ${known.join(', ')}.` : 'remove it; this call takes no options.',
    });
    this.where = where;
    this.suggestion = suggestion;
    this.known = known;
  }
}

/** Two arrays that must agree in size do not (e.g. user and item vector dimensions). */
export class DimensionMismatchError extends RecwiseError {
  static {
    nameErrorClass(this, 'DimensionMismatchError');
  }

  constructor(field: string, value: number, expected: number, fix: string) {
    super('DIMENSION_MISMATCH', `Dimension mismatch in ${field}: got ${value}, expected ${expected}.`, { field, value, fix });
  }
}

/** A backend name that is not registered. */
export class UnknownBackendError extends RecwiseError {
  static {
    nameErrorClass(this, 'UnknownBackendError');
  }

  constructor(value: unknown, known: readonly string[]) {
    super('UNKNOWN_BACKEND', `Unknown backend ${describeValue(value)}.`, {
      field: 'backend',
      value,
      fix: `use one of ${['auto', ...known].map((k) => `'${k}'`).join(', ')}.`,
    });
  }
}

/** A backend was asked for by name but cannot run here. */
export class BackendUnavailableError extends RecwiseError {
  static {
    nameErrorClass(this, 'BackendUnavailableError');
  }

  constructor(backend: string, reason: string, fix: string) {
    super('BACKEND_UNAVAILABLE', `Backend '${backend}' is not available: ${reason}.`, { field: 'backend', value: backend, fix });
  }
}

/** A WebAssembly module passed to init() is not recwise's kernel module (or is from another version). */
export class WasmModuleMismatchError extends RecwiseError {
  static {
    nameErrorClass(this, 'WasmModuleMismatchError');
  }

  constructor(missing: readonly string[]) {
    super('WASM_MODULE_MISMATCH', `The wasmModule passed to init() lacks the kernel exports ${missing.join(', ')}.`, {
      field: 'wasmModule',
      value: missing,
      fix: "pass the module compiled from this package's own 'recwise/kernels.wasm' (same version), or omit wasmModule.",
    });
  }
}

/** A least-squares system had no unique solution (a singular matrix). */
export class NotPositiveDefiniteError extends RecwiseError {
  static {
    nameErrorClass(this, 'NotPositiveDefiniteError');
  }

  constructor(row: number) {
    super('NOT_POSITIVE_DEFINITE', `The least-squares system of row ${row} is not positive definite.`, {
      field: 'regularization',
      value: row,
      fix: 'use regularization > 0 (e.g. 0.01), or the cg solver.',
    });
  }
}

/**
 * Training diverged: after an epoch, not every estimated parameter is finite (LightFM raises the same). Thrown at the
 * first such epoch, so the model is left as it was before fit (an unfitted model stays unfitted).
 */
export class TrainingDivergedError extends RecwiseError {
  static {
    nameErrorClass(this, 'TrainingDivergedError');
  }

  /** 1-based epoch (iteration) after which non-finite parameters were found. */
  readonly epoch: number;
  /** The model kind, e.g. `lightfm`. */
  readonly model: string;
  constructor(model: string, epoch: number, fix: string) {
    super('DIVERGED', `Not all estimated parameters are finite after epoch ${epoch} of the ${model} fit: the model diverged.`, { field: 'epoch', value: epoch, fix });
    this.epoch = epoch;
    this.model = model;
  }
}

/** The run was stopped through an AbortSignal. */
export class AbortError extends RecwiseError {
  static {
    nameErrorClass(this, 'AbortError');
  }

  constructor(what: string) {
    super('ABORTED', `${what} was aborted.`, { fix: 'nothing to fix: the AbortSignal passed in was triggered.' });
  }
}

/** The ids a model knows (what the unknown-id errors consult for their id-type hint). */
export interface KnownIds {
  has(id: string | number): boolean;
}

/**
 * When `id` is unknown only because of its type ("196" vs 196, the usual slip after reading ids from a query string or
 * a JSON file), the hint that says so; else undefined.
 */
export function idTypeHint(id: unknown, known: KnownIds | undefined): string | undefined {
  if (!known) return undefined;
  if (typeof id === 'string' && id.trim() !== '' && Number.isFinite(Number(id)) && known.has(Number(id))) {
    return `ids are numbers in this model; did you mean ${Number(id)} (a number, not the string ${JSON.stringify(id)})?`;
  }
  if (typeof id === 'number' && known.has(String(id))) return `ids are strings in this model; did you mean ${JSON.stringify(String(id))}?`;
  return undefined;
}

/** A user id the model has not seen in training, with no history to fold in. */
export class UnknownUserError extends RecwiseError {
  static {
    nameErrorClass(this, 'UnknownUserError');
  }

    constructor(user: unknown, known?: KnownIds) {
    const hint = idTypeHint(user, known);
    super('UNKNOWN_USER', `Unknown user ${describeValue(user)}: the model was not trained on this id${hint ? `; ${hint.split(';')[0]}` : ''}.`, {
      field: 'user',
      value: user,
      fix: hint
        ? `pass the id with the model's id type: ${hint.split('; ')[1]}`
        : 'pass the user\'s items as userItems to fold them in, or recommend from a popularity model for new users.',
    });
  }
}

/** An item id the model does not know. */
export class UnknownItemError extends RecwiseError {
  static {
    nameErrorClass(this, 'UnknownItemError');
  }

    constructor(item: unknown, field = 'item', known?: KnownIds) {
    const hint = idTypeHint(item, known);
    super('UNKNOWN_ITEM', `Unknown item ${describeValue(item)} in ${field}: the model was not trained on this id${hint ? `; ${hint.split(';')[0]}` : ''}.`, {
      field,
      value: item,
      fix: hint ? `pass the id with the model's id type: ${hint.split('; ')[1]}` : 'use ids that occur in the training data (numeric and string ids differ: 1 is not "1").',
    });
  }
}

/** A method the model family does not support (e.g. fold-in on a model without user factors). */
export class NotSupportedError extends RecwiseError {
  static {
    nameErrorClass(this, 'NotSupportedError');
  }

  constructor(what: string, model: string, fix: string) {
    super('NOT_SUPPORTED', `${what} is not supported by the ${model} model.`, { field: what, value: model, fix });
  }
}

/** A model was used before fit() or load(). */
export class NotFittedError extends RecwiseError {
  static {
    nameErrorClass(this, 'NotFittedError');
  }

  constructor(model: string) {
    super('NOT_FITTED', `The ${model} model has not been fitted.`, { fix: 'call await model.fit(interactions) or load a saved model first.' });
  }
}

/** A line of an input file (CSV, TSV, JSONL, MovieLens) could not be read; names the source, line and field. */
export class DataFormatError extends RecwiseError {
  static {
    nameErrorClass(this, 'DataFormatError');
  }

  /** File name, URL or the name given in the reader options. */
  readonly source: string;
  /** 1-based line number (of the line where the record starts). */
  readonly line: number;
  constructor(source: string, line: number, field: string, value: unknown, reason: string, fix?: string) {
    super('BAD_LINE', `${source}:${line}: ${field}: ${reason} (got ${describeValue(value)}).`, {
      field,
      value,
      fix: fix ?? "correct the line, map the columns with the reader's columns option, or pass onBadLine: 'skip' to skip and count bad lines.",
    });
    this.source = source;
    this.line = line;
  }
}

/**
 * A model file (src/io) is damaged, truncated, not a recwise file, or holds an inconsistent state. `field` names the
 * part at fault (e.g. `magic`, `payloadLength`, `tensors.itemFactors.shape`), `value` what was found. Thrown by the
 * loader before it allocates anything sized by the file.
 */
export class ModelFileError extends RecwiseError {
  static {
    nameErrorClass(this, 'ModelFileError');
  }

  constructor(code: string, field: string, value: unknown, reason: string, fix?: string) {
    super(code, `Model file: ${field}: ${reason} (got ${describeValue(value)}).`, {
      field,
      value,
      fix: fix ?? 're-save the model with saveModel(); the file is damaged or was not written by recwise.',
    });
  }
}

/** A model file whose format version this recwise cannot read. */
export class IncompatibleModelFileError extends ModelFileError {
  static {
    nameErrorClass(this, 'IncompatibleModelFileError');
  }

  /** The format version the file declares. */
  readonly fileVersion: number;
  /** Versions this build reads, inclusive. */
  readonly supported: readonly [number, number];
  constructor(fileVersion: number, supported: readonly [number, number]) {
    super(
      'MODEL_FILE_VERSION',
      'formatVersion',
      fileVersion,
      `format version ${fileVersion} is not supported (this recwise reads versions ${supported[0]}–${supported[1]})`,
      fileVersion > supported[1]
        ? 'upgrade recwise to a version that reads this file (npm install recwise@latest), or re-save the model with this version.'
        : 'load the file with the recwise version that wrote it and re-save it with this version.',
    );
    this.fileVersion = fileVersion;
    this.supported = supported;
  }
}

/** Why WebGPU could not be used (see {@link WebGpuUnavailableError}). */
export type WebGpuUnavailableReason = 'no-webgpu' | 'no-adapter' | 'fallback-refused' | 'limits' | 'no-device' | 'device-lost';

/**
 * `init({ backend: 'webgpu' })` could not get a usable GPU device (design.md §6). `reason` says which step failed;
 * the message carries the fix for this runtime. A {@link BackendUnavailableError}, so `backend: 'auto'` demotes past it.
 */
export class WebGpuUnavailableError extends BackendUnavailableError {
  static {
    nameErrorClass(this, 'WebGpuUnavailableError');
  }

  readonly reason: WebGpuUnavailableReason;
  constructor(reason: WebGpuUnavailableReason, detail: string, fix: string) {
    super('webgpu', detail, fix);
    this.reason = reason;
  }
}

/**
 * A file from another library (NumPy .npz/.npy, a Spark ALSModel directory, LightFM arrays) is damaged, truncated or
 * not in the layout the importer expects. `file` names the file (an archive member after a colon), `field`
 * the part at fault. Thrown before anything sized by the file is allocated (src/interop).
 */
export class InteropError extends RecwiseError {
  static {
    nameErrorClass(this, 'InteropError');
  }

  /** The file (path or caller-given name) at fault. */
  readonly file: string;
  constructor(code: string, file: string, field: string, value: unknown, reason: string, fix?: string) {
    super(code, `${file}: ${field}: ${reason} (got ${describeValue(value)}).`, {
      field,
      value,
      fix: fix ?? 're-export the arrays from the source library (np.savez / model.save / ALSModel.save); the file is damaged or in another layout.',
    });
    this.file = file;
  }
}

/** A kNN search on a model whose embedding indexes were not built yet (initKnn). */
export class KnnNotInitializedError extends RecwiseError {
  static {
    nameErrorClass(this, 'KnnNotInitializedError');
  }

  constructor(model: string) {
    super('KNN_NOT_INITIALIZED', `The ${model} model has no kNN index yet.`, { fix: 'call await model.initKnn({ approximate, simType }) first.' });
  }
}

/** A model would need more memory than the runtime allows (checked before allocating, e.g. EASE's items² matrix). */
export class MemoryLimitError extends RecwiseError {
  static {
    nameErrorClass(this, 'MemoryLimitError');
  }

  /** Bytes the work would need (estimate). */
  readonly needed: number;
  /** Bytes allowed, and where that limit comes from. */
  readonly limit: number;
  readonly limitName: string;
  constructor(what: string, needed: number, limit: number, limitName: string, fix: string) {
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
    super('MEMORY_LIMIT', `${what} needs about ${mib(needed)}, over the ${limitName} (${mib(limit)}).`, { field: 'memoryLimit', value: needed, fix });
    this.needed = needed;
    this.limit = limit;
    this.limitName = limitName;
  }
}
