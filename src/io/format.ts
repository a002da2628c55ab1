/**
 * The recwise model file: one format for every model family (issue 4, "Model files").
 *
 * Layout: a fixed 32-byte prelude (header.ts: magic `RECWISE\0`, format version, flags, header length, payload
 * length, payload CRC-32, header CRC-32), then one MessagePack map (payload.ts: kind, profile, params, creation info,
 * id vocabularies, the seen-items CSR, tensors as little-endian binary, optional training state). See
 * src/io/README.md for the full description.
 *
 * Reading untrusted bytes: magic, version, header checksum and declared lengths are checked against the buffer
 * before the payload is touched; the payload checksum before it is decoded; the msgpack decoder checks every
 * declared length against the bytes left, so no declared count can make it allocate more than the file holds; and
 * every tensor's dtype, shape and byte length, the vocabulary sizes and the CSR invariants are checked before the
 * state is returned. Every failure is a {@link ModelFileError}.
 *
 * Writing is deterministic: sorted map keys, no time or runtime unless asked for, so the same state gives the same
 * bytes on Node, Deno, Bun, browsers and workerd.
 */
import { decodeMsgpack, encodeMsgpack } from './msgpack.ts';
import type { ModelState } from '../models/registry.ts';
import { InvalidArgumentError, ModelFileError, RecwiseError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { checkedPayload, FLAG_F16, FLAG_RESUMABLE, PRELUDE_BYTES, readPrelude, writePrelude } from './header.ts';
import { payloadToState, stateToPayload, type EncodeOptions, type ModelFileInfo } from './payload.ts';

export { MODEL_FORMAT_VERSION } from './header.ts';
export type { EncodeOptions, ModelFileInfo } from './payload.ts';

/** A state read from a file, with what the file says about itself. */
export type DecodedModelState = ModelState & { readonly file: ModelFileInfo };

/**
 * Encode a model state as model-file bytes (pure; no file system).
 *
 * @example
 * ```ts
 * const bytes = encodeModelState(model.toState(), { precision: 'f16' });
 * const state = decodeModelState(bytes);
 * ```
 */
export function encodeModelState(state: ModelState, options: EncodeOptions = {}): Uint8Array<ArrayBuffer> {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', options, "an object such as { precision: 'f32' }");
  const { payload, resumable, f16 } = stateToPayload(state, options, VERSION);
  let body: Uint8Array;
  try {
    body = encodeMsgpack(payload);
  } catch (e) {
    throw new InvalidArgumentError('state.params', state.params, `values MessagePack can encode (${(e as Error).message})`);
  }
  const prelude = writePrelude((resumable ? FLAG_RESUMABLE : 0) | (f16 ? FLAG_F16 : 0), body);
  const out = new Uint8Array(PRELUDE_BYTES + body.length);
  out.set(prelude, 0);
  out.set(body, PRELUDE_BYTES);
  return out;
}

/** View any binary input as bytes. */
export function asBytes(input: Uint8Array | ArrayBuffer | ArrayBufferView, field = 'bytes'): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new InvalidArgumentError(field, input, 'a Uint8Array or an ArrayBuffer');
}

/**
 * Decode and check model-file bytes into a state (pure; the model is not built). Throws {@link ModelFileError}
 * (or its subclass {@link IncompatibleModelFileError}) for anything wrong with the bytes.
 *
 * @example
 * ```ts
 * const state = decodeModelState(bytes);
 * console.log(state.kind, state.users.length, state.file.library);
 * ```
 */
export function decodeModelState(input: Uint8Array | ArrayBuffer): DecodedModelState {
  const bytes = asBytes(input);
  const prelude = readPrelude(bytes);
  const payload = checkedPayload(bytes, prelude);
  const n = payload.length;
  let decoded: unknown;
  try {
    // Every length and count the payload declares is checked against the bytes left before anything is allocated
    // (msgpack.ts), so a crafted count cannot make the decoder allocate beyond the file.
    decoded = decodeMsgpack(payload);
  } catch (e) {
    if (e instanceof RecwiseError) throw e;
    throw new ModelFileError('MODEL_FILE_PAYLOAD', 'payload', n, `not valid MessagePack (${String((e as Error)?.message ?? e).slice(0, 200)})`);
  }
  try {
    return payloadToState(decoded, { resumable: (prelude.flags & FLAG_RESUMABLE) !== 0, f16: (prelude.flags & FLAG_F16) !== 0 }, prelude.version);
  } catch (e) {
    if (e instanceof RecwiseError) throw e;
    // A defect in the checks themselves must still surface as a typed error, never as a crash.
    throw new ModelFileError('MODEL_FILE_INVALID', 'payload', n, `could not be read (${String((e as Error)?.message ?? e).slice(0, 200)})`);
  }
}
