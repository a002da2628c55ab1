/**
 * NumPy .npz archives: a ZIP of `<key>.npy` members (np.savez stores them, np.savez_compressed deflates them).
 * Reading checks the archive directory and every member header before allocating arrays; writing produces a stored
 * archive that `np.load` reads without pickle.
 */
import { InteropError } from '../errors.ts';
import { encodeNpy, parseNpy, type NdArray, type NpyValue } from './npy.ts';
import { readZipDirectory, readZipEntry, writeZipStored } from './zip.ts';

/** Where interop readers take bytes from: the bytes themselves, or a path (Node, Deno, Bun). */
export type InteropSource = Uint8Array | ArrayBuffer | string;

/**
 * Read every array of an .npz archive, keyed by name without the `.npy` suffix. `file` names the archive in errors.
 *
 * @example
 * ```ts
 * const arrays = await readNpz(bytes, 'model.npz');
 * arrays.item_factors.shape; // [nItems, factors]
 * const big = await readNpz(await readFile('model.npz'), 'model.npz', { owned: true }); // no copy of stored arrays
 * ```
 */
export async function readNpz(bytes: Uint8Array, file = 'archive.npz', options: ReadNpzOptions = {}): Promise<Record<string, NdArray>> {
  const out: Record<string, NdArray> = {};
  for (const entry of readZipDirectory(bytes, file)) {
    if (entry.name.endsWith('/')) continue;
    if (!entry.name.endsWith('.npy')) throw new InteropError('NPZ_INVALID', file, entry.name, entry.name, 'an .npz member that is not an .npy array');
    const data = await readZipEntry(bytes, entry, file);
    // inflated members are fresh bytes of our own: their arrays are views of them, never a second copy
    out[entry.name.slice(0, -4)] = parseNpy(data, `${file}:${entry.name}`, { owned: options.owned || data.buffer !== bytes.buffer });
  }
  return out;
}

/** Options of {@link readNpz}. */
export interface ReadNpzOptions {
  /**
   * The archive's bytes are the caller's to give away (e.g. a file it just read): arrays of stored members are views
   * of them (see parseNpy's `owned`) and the bytes may be overwritten. Default false.
   */
  owned?: boolean;
}

/**
 * An .npz archive (stored members, .npy 1.0 headers) that `np.load(path)` reads with `allow_pickle=False`.
 *
 * @example
 * ```ts
 * const bytes = writeNpz({ item_factors: { data: itemFactors, shape: [nItems, d] }, factors: d });
 * ```
 */
export function writeNpz(arrays: Record<string, NpyValue>): Uint8Array<ArrayBuffer> {
  return writeZipStored(Object.entries(arrays).map(([name, v]) => ({ name: `${name}.npy`, data: encodeNpy(v) })));
}
