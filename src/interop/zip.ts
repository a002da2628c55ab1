/**
 * ZIP containers (PKWARE APPNOTE 6.3.10), enough for NumPy's .npz: read stored (method 0) and deflated (method 8)
 * entries, ZIP64 included (NumPy writes every member with `force_zip64=True`, so local headers carry 0xFFFFFFFF
 * sizes and the real ones sit in a ZIP64 extra field); write stored entries. Sizes come from the central directory,
 * which is checked against the buffer before anything is allocated. Inflate is one `node:zlib` call into one buffer
 * where the runtime has it (Node, Deno, Bun), else the `DecompressionStream('deflate-raw')` Web API (browsers,
 * workerd), so no inflate code here.
 */
import { InteropError } from '../errors.ts';
import { crc32, fastCrc32 } from '../io/crc32.ts';
import { nodeZlib } from '../runtime/zlib.ts';

/** One member of a ZIP archive, as its central directory describes it. */
export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflate. */
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Offset of the member's local header. */
  readonly localOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** Deflate cannot expand data more than ~1032:1 (RFC 1951's longest match per bit), so larger claims are lies. */
const MAX_INFLATE_RATIO = 1100;

function u64(view: DataView, at: number): number {
  const lo = view.getUint32(at, true);
  const hi = view.getUint32(at + 4, true);
  return hi * 2 ** 32 + lo;
}

/**
 * The central directory of a ZIP archive. Throws {@link InteropError} naming `file` when the archive is truncated,
 * not a ZIP, or declares members outside the buffer.
 */
export function readZipDirectory(bytes: Uint8Array, file: string): ZipEntry[] {
  const bad = (field: string, value: unknown, reason: string) => new InteropError('ZIP_INVALID', file, field, value, reason);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  if (n < 22) throw bad('length', n, 'too short for a ZIP archive (truncated?)');
  let eocd = -1;
  for (let p = n - 22; p >= Math.max(0, n - 22 - 0xffff); p--) {
    if (view.getUint32(p, true) === EOCD) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) throw bad('endOfCentralDirectory', n, 'no end-of-central-directory record: the file is truncated or not a ZIP/.npz archive');
  let count = view.getUint16(eocd + 10, true);
  let dirSize = view.getUint32(eocd + 12, true);
  let dirOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || view.getUint32(loc, true) !== ZIP64_LOCATOR) throw bad('zip64Locator', eocd, 'ZIP64 fields without a ZIP64 locator');
    const at = u64(view, loc + 8);
    if (at + 56 > n || view.getUint32(at, true) !== ZIP64_EOCD) throw bad('zip64EndOfCentralDirectory', at, 'outside the file or wrong signature');
    count = u64(view, at + 32);
    dirSize = u64(view, at + 40);
    dirOffset = u64(view, at + 48);
  }
  if (dirOffset + dirSize > n) throw bad('centralDirectory', dirOffset + dirSize, `ends past the end of the file (${n} bytes): truncated`);
  if (count > dirSize / 46) throw bad('entries', count, `more entries than a ${dirSize}-byte central directory can hold`);
  const entries: ZipEntry[] = [];
  const decoder = new TextDecoder();
  let p = dirOffset;
  for (let e = 0; e < count; e++) {
    if (p + 46 > dirOffset + dirSize || view.getUint32(p, true) !== CENTRAL) throw bad(`centralDirectory[${e}]`, p, 'bad central directory header');
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let localOffset = view.getUint32(p + 42, true);
    if (p + 46 + nameLen + extraLen + commentLen > dirOffset + dirSize) throw bad(`centralDirectory[${e}]`, p, 'entry runs past the central directory');
    const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    if (flags & 1) throw new InteropError('ZIP_UNSUPPORTED', file, name, 'encrypted', 'encrypted members are not supported', 'save the archive without encryption (np.savez does).');
    // ZIP64 extended information (header id 1): only the fields whose 32-bit value is 0xFFFFFFFF, in this order.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = view.getUint16(x, true);
      const len = view.getUint16(x + 2, true);
      if (id === 1) {
        let q = x + 4;
        if (size === 0xffffffff && q + 8 <= x + 4 + len) (size = u64(view, q)), (q += 8);
        if (compressedSize === 0xffffffff && q + 8 <= x + 4 + len) (compressedSize = u64(view, q)), (q += 8);
        if (localOffset === 0xffffffff && q + 8 <= x + 4 + len) localOffset = u64(view, q);
      }
      x += 4 + len;
    }
    if (localOffset + 30 + compressedSize > n) throw bad(name, localOffset + 30 + compressedSize, `member data ends past the end of the file (${n} bytes): truncated`);
    entries.push({ name, method, crc, compressedSize, size, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** The still-compressed bytes of a member (after its local header). */
function memberBytes(bytes: Uint8Array, entry: ZipEntry, file: string): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const p = entry.localOffset;
  if (view.getUint32(p, true) !== LOCAL) throw new InteropError('ZIP_INVALID', file, entry.name, p, 'bad local header signature');
  const start = p + 30 + view.getUint16(p + 26, true) + view.getUint16(p + 28, true);
  if (start + entry.compressedSize > bytes.length) throw new InteropError('ZIP_INVALID', file, entry.name, start + entry.compressedSize, `member data ends past the end of the file (${bytes.length} bytes): truncated`);
  return bytes.subarray(start, start + entry.compressedSize);
}

/** Inflate raw deflate data into exactly `size` bytes (more or fewer is an error). */
async function inflateRaw(data: Uint8Array, size: number, file: string, name: string): Promise<Uint8Array> {
  const zlib = await nodeZlib();
  if (zlib) {
    // one native call into one buffer of the declared size (+1 byte, to see a longer stream): no 16 KB stream chunks
    // copied one by one (a third of a 256 MB member's inflate, issue 23)
    const out = await new Promise<Uint8Array | Error>((resolve) => zlib.inflateRaw(data, { chunkSize: Math.max(64, size + 1), maxOutputLength: size + 1 }, (e, r) => resolve(e ?? r)));
    if (out instanceof Error) {
      if ((out as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new InteropError('ZIP_INVALID', file, name, size + 1, `inflates to more than the declared ${size} bytes`);
      throw new InteropError('ZIP_INVALID', file, name, data.length, `deflate data is corrupt or truncated (${out.message})`);
    }
    if (out.length !== size) throw new InteropError('ZIP_INVALID', file, name, out.length, `inflates to ${out.length} bytes, the directory says ${size}: truncated`);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  }
  if (typeof DecompressionStream === 'undefined') {
    throw new InteropError('ZIP_UNSUPPORTED', file, name, 'deflate', 'this runtime has no DecompressionStream', 'save the archive uncompressed (np.savez instead of np.savez_compressed).');
  }
  const out = new Uint8Array(size);
  const ds = new DecompressionStream('deflate-raw');
  const writer = ds.writable.getWriter();
  const written = writer.write(data as Uint8Array<ArrayBuffer>).then(() => writer.close());
  written.catch(() => undefined);
  const reader = ds.readable.getReader();
  let at = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (at + value.length > size) {
        await reader.cancel();
        throw new InteropError('ZIP_INVALID', file, name, at + value.length, `inflates to more than the declared ${size} bytes`);
      }
      out.set(value, at);
      at += value.length;
    }
    await written;
  } catch (e) {
    if (e instanceof InteropError) throw e;
    throw new InteropError('ZIP_INVALID', file, name, data.length, `deflate data is corrupt or truncated (${(e as Error)?.message ?? e})`);
  }
  if (at !== size) throw new InteropError('ZIP_INVALID', file, name, at, `inflates to ${at} bytes, the directory says ${size}: truncated`);
  return out;
}

/** A member's uncompressed bytes, CRC-checked. */
export async function readZipEntry(bytes: Uint8Array, entry: ZipEntry, file: string): Promise<Uint8Array> {
  const raw = memberBytes(bytes, entry, file);
  let data: Uint8Array;
  if (entry.method === 0) {
    if (entry.size !== entry.compressedSize) throw new InteropError('ZIP_INVALID', file, entry.name, entry.size, `a stored member's size differs from its stored size ${entry.compressedSize}`);
    data = raw;
  } else if (entry.method === 8) {
    if (entry.size > Math.max(1024, entry.compressedSize * MAX_INFLATE_RATIO)) throw new InteropError('ZIP_INVALID', file, entry.name, entry.size, `declared size is impossible for ${entry.compressedSize} deflated bytes`);
    data = await inflateRaw(raw, entry.size, file, entry.name);
  } else {
    throw new InteropError('ZIP_UNSUPPORTED', file, entry.name, entry.method, 'compression method not supported (only stored and deflate)', 'save with np.savez or np.savez_compressed.');
  }
  if ((await fastCrc32())(data) !== entry.crc) throw new InteropError('ZIP_CRC', file, entry.name, entry.crc, 'CRC-32 mismatch: the member is damaged');
  return data;
}

/**
 * A ZIP archive of stored (uncompressed) members, as `np.savez` writes: readable by Python's zipfile, NumPy and
 * any unzip. Timestamps are fixed (1980-01-01) so the same arrays give the same bytes.
 */
export function writeZipStored(members: readonly { name: string; data: Uint8Array }[]): Uint8Array<ArrayBuffer> {
  const enc = new TextEncoder();
  const names = members.map((m) => enc.encode(m.name));
  let total = 22;
  members.forEach((m, i) => (total += 30 + names[i].length + m.data.length + 46 + names[i].length));
  if (total > 0xffffffff) throw new InteropError('ZIP_TOO_LARGE', 'archive', 'size', total, 'over 4 GiB (ZIP64 writing is not implemented)', 'export fewer or smaller arrays.');
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
  let p = 0;
  const offsets: number[] = [];
  const crcs: number[] = [];
  members.forEach((m, i) => {
    offsets.push(p);
    const crc = crc32(m.data);
    crcs.push(crc);
    view.setUint32(p, LOCAL, true);
    view.setUint16(p + 4, 20, true);
    view.setUint16(p + 6, 0x0800, true); // UTF-8 names
    view.setUint16(p + 8, 0, true);
    view.setUint16(p + 10, 0, true);
    view.setUint16(p + 12, DOS_DATE, true);
    view.setUint32(p + 14, crc, true);
    view.setUint32(p + 18, m.data.length, true);
    view.setUint32(p + 22, m.data.length, true);
    view.setUint16(p + 26, names[i].length, true);
    view.setUint16(p + 28, 0, true);
    out.set(names[i], p + 30);
    out.set(m.data, p + 30 + names[i].length);
    p += 30 + names[i].length + m.data.length;
  });
  const dirStart = p;
  members.forEach((m, i) => {
    view.setUint32(p, CENTRAL, true);
    view.setUint16(p + 4, 20, true);
    view.setUint16(p + 6, 20, true);
    view.setUint16(p + 8, 0x0800, true);
    view.setUint16(p + 10, 0, true);
    view.setUint16(p + 12, 0, true);
    view.setUint16(p + 14, DOS_DATE, true);
    view.setUint32(p + 16, crcs[i], true);
    view.setUint32(p + 20, m.data.length, true);
    view.setUint32(p + 24, m.data.length, true);
    view.setUint16(p + 28, names[i].length, true);
    view.setUint32(p + 38, 0o100644 * 65536, true); // external attributes: a regular file, rw-r--r--
    view.setUint32(p + 42, offsets[i], true);
    out.set(names[i], p + 46);
    p += 46 + names[i].length;
  });
  view.setUint32(p, EOCD, true);
  view.setUint16(p + 8, members.length, true);
  view.setUint16(p + 10, members.length, true);
  view.setUint32(p + 12, p - dirStart, true);
  view.setUint32(p + 16, dirStart, true);
  return out;
}
