/**
 * Allocation of Wasm linear memory, done on the JS side: the kernels never allocate, so one module instance per
 * thread can share one memory without an allocator inside Wasm. First-fit free list with coalescing; 16-byte
 * alignment keeps v128 loads aligned. Views are made fresh after each allocation because growing a non-shared
 * memory detaches its old ArrayBuffer.
 */
const ALIGN = 16;
const PAGE = 65536;

interface Block {
  start: number;
  size: number;
}

export class WasmHeap {
  private free: Block[] = [];
  private live = new Map<number, number>();
  private end: number;
  private used = 0;
  private peak = 0;

  constructor(readonly memory: WebAssembly.Memory, heapBase: number, private readonly maxPages: number) {
    this.end = Math.ceil(heapBase / ALIGN) * ALIGN;
    const top = memory.buffer.byteLength;
    if (top > this.end) this.free.push({ start: this.end, size: top - this.end });
    this.end = top;
  }

  /** The most bytes this memory can grow to (the module's declared maximum). */
  get limitBytes(): number {
    return this.maxPages * PAGE;
  }

  /** Bytes in use by live allocations. */
  get usedBytes(): number {
    return this.used;
  }

  /**
   * Most bytes in use at once since the last {@link resetPeak} (or since creation): what a fit really held, to check
   * its memory estimate against (src/models/fit-memory.ts, the scale bench).
   */
  get peakUsedBytes(): number {
    return this.peak;
  }

  /** Start a new peak measurement from the bytes in use now. */
  resetPeak(): void {
    this.peak = this.used;
  }

  alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i];
      if (b.size >= size) {
        const ptr = b.start;
        if (b.size === size) this.free.splice(i, 1);
        else {
          b.start += size;
          b.size -= size;
        }
        this.live.set(ptr, size);
        this.used += size;
        if (this.used > this.peak) this.peak = this.used;
        return ptr;
      }
    }
    // Grow: extend the last free block if it touches the end, else start a new one at the end.
    const last = this.free[this.free.length - 1];
    const tail = last && last.start + last.size === this.end ? last.size : 0;
    const pages = Math.ceil((size - tail) / PAGE);
    const current = this.memory.buffer.byteLength / PAGE;
    if (current + pages > this.maxPages) {
      throw new RangeError(
        `recwise: Wasm memory limit reached (${(this.maxPages * PAGE) / 2 ** 20} MiB) while allocating ${(bytes / 2 ** 20).toFixed(1)} MiB; ` +
          'free models you no longer need (dispose()), score in smaller blocks, or use the js backend.',
      );
    }
    this.memory.grow(pages);
    const newEnd = this.memory.buffer.byteLength;
    if (tail) last.size += newEnd - this.end;
    else this.free.push({ start: this.end, size: newEnd - this.end });
    this.end = newEnd;
    return this.alloc(bytes);
  }

  release(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) return; // double free or foreign pointer: ignore rather than corrupt
    this.live.delete(ptr);
    this.used -= size;
    // insert sorted, then coalesce with neighbours
    let i = 0;
    while (i < this.free.length && this.free[i].start < ptr) i++;
    this.free.splice(i, 0, { start: ptr, size });
    const next = this.free[i + 1];
    if (next && ptr + size === next.start) {
      this.free[i].size += next.size;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.start + prev.size === ptr) {
      prev.size += this.free[i].size;
      this.free.splice(i, 1);
    }
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }

  u32(ptr: number, length: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, ptr, length);
  }

  /** Allocate and copy a typed array in; returns the pointer. */
  put(src: Float32Array | Int32Array): number {
    const ptr = this.alloc(src.byteLength);
    (src instanceof Float32Array ? this.f32(ptr, src.length) : this.i32(ptr, src.length)).set(src);
    return ptr;
  }
}
