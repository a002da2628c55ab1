// The import fast paths of issue 23 against the generic code they shortcut: .npy arrays as views of bytes given away
// (aligned in place when they are not), 64-bit ids read as two 32-bit halves instead of BigInts, the Set-free
// duplicate check for increasing ids, Vocabulary.from's one-copy path for consecutive ids, and the runtime's native
// CRC-32 against the table one, and native inflate (one call into one buffer) on good and bad deflated members.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { encodeNpy, importImplicit, InteropError, parseNpy, readNpz, writeNpz } from 'recwise/interop';
import { Vocabulary } from 'recwise';
import { crc32, fastCrc32 } from '../../src/io/crc32.ts';
import { repeatsAnId } from '../../src/interop/source.ts';

let seed = 5;
const next = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;

/** `bytes` copied into a fresh buffer at byte offset `at` (so the data inside sit at every alignment). */
function placed(bytes: Uint8Array, at: number): Uint8Array {
  const out = new Uint8Array(new ArrayBuffer(at + bytes.length + 3), at, bytes.length);
  out.set(bytes);
  return out;
}

describe('parseNpy owned: views instead of copies', () => {
  const arrays = [
    { data: Float32Array.from({ length: 24 }, next), shape: [6, 4] },
    { data: Float64Array.from({ length: 10 }, next), shape: [10] },
    { data: Int32Array.from({ length: 9 }, () => Math.round(next() * 2 ** 31)), shape: [3, 3] },
  ];
  for (const a of arrays) {
    it(`${a.data.constructor.name}: same values at every offset, a view of the bytes, untouched bytes when not owned`, () => {
      for (let at = 0; at < 8; at++) {
        const bytes = placed(encodeNpy(a), at);
        const before = bytes.slice();
        const copy = parseNpy(bytes, 'x.npy');
        expect(bytes).toEqual(before); // not owned: left alone
        expect((copy.data as Float32Array).buffer).not.toBe(bytes.buffer);
        const owned = parseNpy(bytes, 'x.npy', { owned: true });
        expect((owned.data as Float32Array).buffer, `offset ${at}`).toBe(bytes.buffer);
        expect(owned.shape).toEqual(a.shape);
        expect(Array.from(owned.data as Float32Array)).toEqual(Array.from(a.data));
        expect(Array.from(copy.data as Float32Array)).toEqual(Array.from(a.data));
      }
    });
  }

  it('Fortran order, big-endian and bool arrays are still decoded (copied) when owned', () => {
    const be = encodeNpy({ data: Float32Array.of(1.5, -2, 3), shape: [3] });
    const text = new TextDecoder('latin1').decode(be).replace("'<f4'", "'>f4'");
    const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
    new DataView(bytes.buffer).setFloat32(bytes.length - 12, 1.5, false);
    new DataView(bytes.buffer).setFloat32(bytes.length - 8, -2, false);
    new DataView(bytes.buffer).setFloat32(bytes.length - 4, 3, false);
    expect(Array.from(parseNpy(bytes, 'be.npy', { owned: true }).data as Float32Array)).toEqual([1.5, -2, 3]);
    const fortran = new TextDecoder('latin1').decode(encodeNpy({ data: Float32Array.of(1, 2, 3, 4, 5, 6), shape: [2, 3] })).replace("'fortran_order': False", "'fortran_order': True ");
    const f = parseNpy(Uint8Array.from(fortran, (c) => c.charCodeAt(0)), 'f.npy', { owned: true });
    expect(Array.from(f.data as Float32Array)).toEqual([1, 3, 5, 2, 4, 6]);
  });

  it('importImplicit from a path (bytes of its own) gives the bytes-source model; the caller\'s bytes stay as they were', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recwise-owned-'));
    try {
      // member names of several lengths put the factor data at different alignments inside the archive
      for (const pad of ['', 'x', 'xy', 'xyz']) {
        const users = 7;
        const items = 5;
        const uf = Float32Array.from({ length: users * 3 }, next);
        const itf = Float32Array.from({ length: items * 3 }, next);
        const npz = writeNpz({ [`a${pad}`]: 1, user_factors: { data: uf, shape: [users, 3] }, item_factors: { data: itf, shape: [items, 3] }, factors: 3, alpha: 2.5 });
        const path = join(dir, `m${pad}.npz`);
        writeFileSync(path, npz);
        const before = npz.slice();
        const fromBytes = await importImplicit(npz);
        expect(npz).toEqual(before);
        const fromPath = await importImplicit(path);
        expect(Array.from(fromPath.userFactors)).toEqual(Array.from(uf));
        expect(Array.from(fromPath.itemFactors)).toEqual(Array.from(itf));
        expect(Array.from(fromBytes.userFactors)).toEqual(Array.from(uf));
        expect(fromPath.recommend(3, { k: 3 })).toEqual(fromBytes.recommend(3, { k: 3 }));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a damaged stored member is caught by the CRC before anything is moved', async () => {
    const npz = writeNpz({ user_factors: { data: Float32Array.of(1, 2, 3, 4), shape: [2, 2] } });
    const bad = npz.slice();
    bad[bad.length - 120] ^= 1; // inside the member's data (the central directory is the last ~100 bytes)
    const e = await readNpz(bad, 'bad.npz', { owned: true }).catch((x) => x);
    expect(e).toBeInstanceOf(InteropError);
    expect(e.code).toBe('ZIP_CRC');
  });
});

describe('64-bit integers: two 32-bit halves against BigInt', () => {
  const i64 = (values: bigint[], little: boolean, unsigned = false) => {
    const body = new Uint8Array(values.length * 8);
    const view = new DataView(body.buffer);
    values.forEach((v, i) => (unsigned ? view.setBigUint64(i * 8, v, little) : view.setBigInt64(i * 8, v, little)));
    const header = `{'descr': '${little ? '<' : '>'}${unsigned ? 'u' : 'i'}8', 'fortran_order': False, 'shape': (${values.length},), }`.padEnd(117) + '\n';
    const out = new Uint8Array(10 + header.length + body.length);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(out.buffer).setUint16(8, header.length, true);
    for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
    out.set(body, 10 + header.length);
    return out;
  };
  const safe = 2n ** 53n - 1n;
  const values = [0n, -1n, 1n, 2n ** 31n - 1n, -(2n ** 31n), 2n ** 31n, -(2n ** 31n) - 1n, 2n ** 32n, 2n ** 40n + 5n, -(2n ** 40n) - 7n, safe, -safe, -(2n ** 52n) + 1n];
  for (const little of [true, false]) {
    it(`${little ? 'little' : 'big'}-endian: every safe value exact, ±2^53 refused`, () => {
      const a = parseNpy(i64(values, little), 'ids.npy');
      expect(a.data).toBeInstanceOf(Float64Array);
      expect(Array.from(a.data as Float64Array)).toEqual(values.map(Number));
      const small = parseNpy(i64([0n, -5n, 2n ** 31n - 1n, -(2n ** 31n)], little), 'ids.npy');
      expect(small.data).toBeInstanceOf(Int32Array);
      expect(Array.from(small.data as Int32Array)).toEqual([0, -5, 2 ** 31 - 1, -(2 ** 31)]);
      for (const bad of [safe + 1n, -safe - 1n, 2n ** 62n, -(2n ** 63n)]) {
        const e = (() => {
          try {
            parseNpy(i64([3n, bad], little), 'ids.npy');
          } catch (x) {
            return x as InteropError;
          }
        })();
        expect(e, String(bad)).toBeInstanceOf(InteropError);
        expect(e!.code).toBe('NPY_RANGE');
        expect(e!.message).toContain(String(bad));
        expect(e!.message).toContain('data[1]');
      }
      const u = parseNpy(i64([0n, safe, 7n], little, true), 'ids.npy');
      expect(Array.from(u.data as Float64Array)).toEqual([0, Number(safe), 7]);
      expect(() => parseNpy(i64([2n ** 63n], little, true), 'ids.npy')).toThrow(/beyond/);
    });
  }
});

describe('ids: duplicates and vocabularies', () => {
  it('repeatsAnId agrees with a Set on increasing, unordered, string and mixed lists', () => {
    const cases: (readonly (string | number)[])[] = [
      [], [4], ['a'], [1, 2, 3, 10], [1, 2, 2, 3], [3, 2, 1], [3, 1, 3], ['a', 'b', 'a'], [1, '1'], [1, 2, '2', 2], [0, 1, Number.NaN], [-5, -1, 0, 7],
      Int32Array.from({ length: 1000 }, (_, i) => i * 3) as unknown as number[], [...Array.from({ length: 500 }, (_, i) => i), 17],
    ];
    for (const ids of cases) expect(repeatsAnId(ids), JSON.stringify(Array.from(ids).slice(0, 8))).toBe(new Set(Array.from(ids)).size !== ids.length);
  });

  it('importImplicit refuses repeated ids on either path', async () => {
    const npz = writeNpz({ user_factors: { data: new Float32Array(6), shape: [3, 2] }, item_factors: { data: new Float32Array(4), shape: [2, 2] }, factors: 2, alpha: 1 });
    for (const users of [[1, 2, 2], ['a', 'b', 'a'], [5, 6, 5]]) {
      const e = await importImplicit(npz, { users }).catch((x) => x);
      expect(e).toBeInstanceOf(InteropError);
      expect(e.code).toBe('IDS_INVALID');
    }
  });

  it('Vocabulary.from on consecutive integers behaves as one add() per id', () => {
    for (const ids of [[0, 1, 2, 3], [10, 11, 12], [-3, -2, -1, 0]]) {
      const fast = Vocabulary.from(ids);
      const slow = new Vocabulary();
      ids.forEach((id) => slow.add(id));
      expect(fast.ids()).toEqual(slow.ids());
      for (const probe of [...ids, ids[0] - 1, ids.at(-1)! + 1, '1', 1.5]) expect(fast.indexOf(probe as number)).toBe(slow.indexOf(probe as number));
      // growing afterwards: the next consecutive id, an old one, then a gap (the map takes over)
      for (const id of [ids.at(-1)! + 1, ids[1], 1000, 'x', ids[0]]) expect(fast.add(id)).toBe(slow.add(id));
      expect(fast.ids()).toEqual(slow.ids());
      const size = fast.size;
      ids.push(99); // the vocabulary holds its own copy of the list
      expect(fast.size).toBe(size);
      expect(fast.has(99)).toBe(false);
    }
    expect(() => Vocabulary.from([1, 2, 1])).toThrow(/unique/);
    const unsafe = Vocabulary.from([2 ** 53 - 1, 2 ** 53]);
    expect(unsafe.indexOf(2 ** 53)).toBe(1);
  });
});

describe('CRC-32', () => {
  it('the runtime\'s native CRC gives the table CRC on every length and offset', async () => {
    const fast = await fastCrc32();
    if (typeof (zlib as { crc32?: unknown }).crc32 === 'function') expect(fast).not.toBe(crc32); // Node ≥ 20.15 has one
    const bytes = Uint8Array.from({ length: 70_000 }, () => Math.floor((next() + 0.5) * 256));
    for (const [at, n] of [[0, 0], [0, 1], [1, 7], [3, 8], [5, 63], [0, 4096], [7, 65_537], [0, 70_000]]) {
      const part = bytes.subarray(at, at + n);
      expect(fast(part), `${at}+${n}`).toBe(crc32(part));
    }
    expect(fast(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

/** A ZIP of deflated members (as np.savez_compressed writes), with optional lies in the declared sizes. */
function deflatedZip(members: { name: string; data: Uint8Array; declared?: number; damage?: boolean }[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let at = 0;
  for (const m of members) {
    const name = enc.encode(m.name);
    const packed = new Uint8Array(zlib.deflateRawSync(m.data));
    if (m.damage) packed.fill(0xff, 2, Math.min(packed.length, 40));
    const crc = crc32(m.data);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, 8, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, packed.length, true);
    lv.setUint32(22, m.declared ?? m.data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const dir = new Uint8Array(46 + name.length);
    const dv = new DataView(dir.buffer);
    dv.setUint32(0, 0x02014b50, true);
    dv.setUint16(4, 20, true);
    dv.setUint16(6, 20, true);
    dv.setUint16(10, 8, true);
    dv.setUint32(16, crc, true);
    dv.setUint32(20, packed.length, true);
    dv.setUint32(24, m.declared ?? m.data.length, true);
    dv.setUint16(28, name.length, true);
    dv.setUint32(42, at, true);
    dir.set(name, 46);
    parts.push(local, packed);
    central.push(dir);
    at += local.length + packed.length;
  }
  const dirSize = central.reduce((a, c) => a + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, members.length, true);
  ev.setUint16(10, members.length, true);
  ev.setUint32(12, dirSize, true);
  ev.setUint32(16, at, true);
  const out = new Uint8Array(at + dirSize + 22);
  let p = 0;
  for (const x of [...parts, ...central, end]) {
    out.set(x, p);
    p += x.length;
  }
  return out;
}

describe('deflated members', () => {
  const factors = encodeNpy({ data: Float32Array.from({ length: 3000 }, next), shape: [1000, 3] });
  const ids = encodeNpy({ data: Int32Array.from({ length: 1000 }, (_, i) => i * 2), shape: [1000] });

  it('inflate gives the stored archive\'s arrays; arrays are views of the inflated bytes', async () => {
    const z = await readNpz(deflatedZip([{ name: 'user_factors.npy', data: factors }, { name: 'ids.npy', data: ids }]), 'z.npz');
    expect(z.user_factors).toEqual(parseNpy(factors, 'f.npy'));
    expect(z.ids).toEqual(parseNpy(ids, 'ids.npy'));
    expect((z.user_factors.data as Float32Array).byteOffset % 4).toBe(0);
    expect((z.user_factors.data as Float32Array).buffer.byteLength).toBeLessThan(factors.length + 2048); // no second copy
  });

  it('a member that inflates to more or fewer bytes than declared, or does not inflate, is a ZIP_INVALID naming it', async () => {
    for (const [member, reason] of [
      [{ name: 'a.npy', data: factors, declared: factors.length - 100 }, /a\.npy.*inflates to more than the declared/],
      [{ name: 'b.npy', data: factors, declared: factors.length + 100 }, /b\.npy.*inflates to \d+ bytes, the directory says \d+: truncated/],
      [{ name: 'c.npy', data: factors, damage: true }, /c\.npy.*deflate data is corrupt or truncated/],
    ] as const) {
      const e = await readNpz(deflatedZip([member]), 'bad.npz').catch((x) => x);
      expect(e).toBeInstanceOf(InteropError);
      expect(e.code).toBe('ZIP_INVALID');
      expect(e.message).toMatch(/^bad\.npz/);
      expect(e.message).toMatch(reason);
    }
  });
});
