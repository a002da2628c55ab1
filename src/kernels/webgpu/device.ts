/**
 * The WebGPU device as the kernels use it: compiled pipelines (one per WGSL entry point, built on first use),
 * buffer upload/readback, one-submit dispatch, and device loss. Buffer usage flags are numeric (the WebGPU spec
 * values) so nothing depends on `GPUBufferUsage` globals, which Dawn on Node only provides through `globals`.
 */
import type { GpuHandle, GpuInfo } from '../../runtime/gpu.ts';

export const Usage = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
const MAP_READ_MODE = 1;

/** A storage binding: a buffer, or a range of one. */
export type Binding = any | { buffer: any; offset: number; size: number };

/** One compute pass: pipeline + bindings by binding index + workgroup counts. */
export interface Pass {
  readonly shader: string;
  readonly code: string;
  readonly entry?: string;
  readonly bindings: Record<number, Binding>;
  readonly groups: readonly [number, number?];
  /** Buffers to destroy once the work is done (e.g. the pass's uniform parameters). */
  readonly owned?: readonly any[];
}

export class GpuContext {
  readonly device: any;
  readonly info: GpuInfo;
  /** Set when the device was lost; the backend then delegates to Wasm. */
  lost = false;
  private readonly pipelines = new Map<string, any>();
  private readonly dummy: any;
  private keepAlive: readonly unknown[];

  constructor(handle: GpuHandle) {
    this.device = handle.device;
    this.info = handle.info;
    this.keepAlive = handle.keepAlive;
    this.dummy = this.storage(16);
    // design.md §6.4: a lost device (driver reset, GPU removed, destroy()) is reported once; later calls use Wasm.
    void Promise.resolve(this.device.lost)
      .then((why: any) => {
        if (this.lost) return;
        this.lost = true;
        if (why?.reason !== 'destroyed') console.warn(`recwise: the WebGPU device was lost (${why?.message || why?.reason || 'unknown reason'}); running on the wasm backend from now on.`);
      })
      .catch(() => undefined);
  }

  /** An empty storage buffer of `bytes` (rounded up to 4, at least 16). */
  storage(bytes: number, extra = 0): any {
    return this.device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 4) * 4), usage: Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST | extra });
  }

  /** A storage buffer holding `data`. */
  upload(data: Float32Array | Int32Array): any {
    const buf = this.storage(data.byteLength);
    if (data.byteLength) this.device.queue.writeBuffer(buf, 0, data);
    return buf;
  }

  write(buf: any, offsetBytes: number, data: Float32Array | Int32Array): void {
    if (data.byteLength) this.device.queue.writeBuffer(buf, offsetBytes, data);
  }

  /** A uniform buffer of u32/f32 words (`floats` marks the positions written as f32). */
  uniform(words: readonly number[], floats: readonly number[] = []): any {
    const data = new ArrayBuffer(Math.max(16, Math.ceil((words.length * 4) / 16) * 16));
    const u = new Uint32Array(data);
    const f = new Float32Array(data);
    words.forEach((w, i) => (floats.includes(i) ? (f[i] = w) : (u[i] = w >>> 0)));
    const buf = this.device.createBuffer({ size: data.byteLength, usage: Usage.UNIFORM | Usage.COPY_DST });
    this.device.queue.writeBuffer(buf, 0, u);
    return buf;
  }

  /** A 16-byte placeholder for bindings a pass does not use. */
  get empty(): any {
    return this.dummy;
  }

  private pipeline(pass: Pass): any {
    const key = `${pass.shader}:${pass.entry ?? 'main'}`;
    let p = this.pipelines.get(key);
    if (!p) {
      const module = this.device.createShaderModule({ code: pass.code, label: pass.shader });
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: pass.entry ?? 'main' }, label: key });
      this.pipelines.set(key, p);
    }
    return p;
  }

  /** Record passes into one command buffer, then copy `reads` into mappable buffers; resolves their contents. */
  async run(passes: readonly Pass[], reads: readonly { buffer: any; bytes: number; offset?: number }[] = []): Promise<ArrayBuffer[]> {
    const device = this.device;
    device.pushErrorScope('validation');
    const encoder = device.createCommandEncoder();
    for (const pass of passes) {
      const pipeline = this.pipeline(pass);
      const entries = Object.entries(pass.bindings).map(([binding, b]) => ({
        binding: Number(binding),
        resource: b && 'buffer' in b && 'size' in b ? b : { buffer: b },
      }));
      const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
      const cp = encoder.beginComputePass();
      cp.setPipeline(pipeline);
      cp.setBindGroup(0, group);
      cp.dispatchWorkgroups(pass.groups[0], pass.groups[1] ?? 1);
      cp.end();
    }
    const staging = reads.map((r) => {
      const bytes = Math.max(4, Math.ceil(r.bytes / 4) * 4);
      const s = device.createBuffer({ size: bytes, usage: Usage.MAP_READ | Usage.COPY_DST });
      encoder.copyBufferToBuffer(r.buffer, r.offset ?? 0, s, 0, bytes);
      return s;
    });
    device.queue.submit([encoder.finish()]);
    try {
      const error = await device.popErrorScope();
      if (error) throw new Error(`recwise: WebGPU validation error: ${error.message}`);
      const out: ArrayBuffer[] = [];
      for (const s of staging) {
        await s.mapAsync(MAP_READ_MODE);
        out.push(s.getMappedRange().slice(0));
        s.unmap();
      }
      if (!reads.length) await device.queue.onSubmittedWorkDone();
      return out;
    } finally {
      for (const s of staging) s.destroy();
      for (const pass of passes) for (const b of pass.owned ?? []) b.destroy();
    }
  }

  destroy(): void {
    this.lost = true;
    this.dummy.destroy?.();
    this.device.destroy?.();
    this.keepAlive = [];
  }
}

/** Workgroup grid for `n` workgroups: x ≤ 65535 (the default maxComputeWorkgroupsPerDimension), rest in y. */
export function grid(n: number): [number, number] {
  return n <= 65535 ? [Math.max(1, n), 1] : [65535, Math.ceil(n / 65535)];
}
