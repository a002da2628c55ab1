/**
 * File access, the only code that touches a file system. Node, Deno and Bun all provide `node:fs`, loaded lazily
 * (specifier in a variable) so bundles for browsers and workerd never pull it in. Elsewhere these throw a typed
 * error that says to pass bytes, a URL, a Response or a stream instead.
 */
import { BackendUnavailableError } from '../errors.ts';
import { detectCapabilities } from './capabilities.ts';
import { importNodeBuiltin } from './node-builtin.ts';

// The parts of `node:fs` used here, typed locally: src is compiled (and its declarations published) without @types/node.
type NodeFs = Record<string, unknown>;
interface NodeFileHandle {
  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesRead: number }>;
  writeFile(data: Uint8Array): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}
interface NodeFsPromises {
  readFile(path: string | URL): Promise<Uint8Array>;
  open(path: string, flags: string): Promise<NodeFileHandle>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: boolean }): Promise<void>;
  stat(path: string): Promise<{ mtimeMs: number; size: number; isDirectory(): boolean }>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string, options: { recursive: boolean }): Promise<unknown>;
  appendFile(path: string, data: string): Promise<void>;
}

let fsModules: Promise<{ fs: NodeFs; fsp: NodeFsPromises }> | undefined;

async function nodeFs(what: string): Promise<{ fs: NodeFs; fsp: NodeFsPromises }> {
  const caps = await detectCapabilities();
  if (!caps.fileSystem) {
    throw new BackendUnavailableError('files', `${what} needs a file system, which this runtime (${caps.runtime}) does not have`, 'pass bytes (Uint8Array), a URL, a Response or a ReadableStream instead of a path.');
  }
  fsModules ??= (async () => {
    return { fs: await importNodeBuiltin('fs'), fsp: await importNodeBuiltin('fs/promises') };
  })();
  return fsModules;
}

/** Whole file as bytes (a path, or a `file:` URL). */
export async function readFileBytes(path: string | URL): Promise<Uint8Array<ArrayBuffer>> {
  const { fsp } = await nodeFs(`reading ${path}`);
  const buf = await fsp.readFile(path);
  return new Uint8Array(buf.buffer as ArrayBuffer, buf.byteOffset, buf.byteLength);
}

/** A file as a stream of byte chunks (bounded memory for large inputs). */
export async function fileStream(path: string, chunkSize = 1 << 20): Promise<ReadableStream<Uint8Array>> {
  const { fsp } = await nodeFs(`reading ${path}`);
  const handle = await fsp.open(path, 'r');
  let closed = false;
  const close = async () => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const buf = new Uint8Array(chunkSize);
      const { bytesRead } = await handle.read(buf, 0, chunkSize, null);
      if (bytesRead === 0) {
        await close();
        controller.close();
      } else controller.enqueue(buf.subarray(0, bytesRead));
    },
    cancel: close,
  });
}

/** A temporary file older than this is stale whoever wrote it: no save takes an hour. */
export const STALE_TEMP_MS = 60 * 60_000;

type ProcessLike = { pid?: number; kill?(pid: number, signal: number): boolean };
const hostProcess = () => (globalThis as { process?: ProcessLike }).process;

/** Whether process `pid` may still be running (true when it cannot be told: only a sure "no such process" is dead). */
function processAlive(pid: number): boolean {
  const proc = hostProcess();
  if (!proc?.kill) return true;
  try {
    proc.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code !== 'ESRCH';
  }
}

/**
 * Remove temporary files an interrupted save of `path` left behind (issue 22: every killed save left one, 13 MB
 * after 120 kills). Only this target's files in recwise's own naming: `<name>.recwise-<pid>-<random>.tmp` whose
 * writer process is gone, or any of them (and the older `<name>.<time><random>.tmp`) past {@link STALE_TEMP_MS}.
 * A live writer's file, ours or another process's, is never touched.
 */
async function removeStaleTemps(fsp: NodeFsPromises, path: string): Promise<void> {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const dir = slash < 0 ? '.' : path.slice(0, slash + 1);
  const base = path.slice(slash + 1);
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return;
  }
  const own = hostProcess()?.pid;
  for (const name of names) {
    if (!name.startsWith(`${base}.`) || !name.endsWith('.tmp')) continue;
    const middle = name.slice(base.length + 1, -4);
    const writer = /^recwise-(\d+)-[0-9a-z]+$/.exec(middle);
    if (!writer && !/^[0-9a-z]{9,14}$/.test(middle)) continue; // not a recwise temp file
    const full = dir === '.' ? name : dir + name;
    try {
      const age = Date.now() - (await fsp.stat(full)).mtimeMs;
      const pid = writer ? Number(writer[1]) : undefined;
      if (age > STALE_TEMP_MS || (pid !== undefined && pid !== own && !processAlive(pid))) await fsp.rm(full, { force: true });
    } catch {
      // gone meanwhile, or not ours to remove: leave it
    }
  }
}

/**
 * Write bytes so that readers never see a half-written file: write a temporary file beside the target, flush it,
 * then rename over the target (rename is atomic on POSIX file systems). Temporary files of earlier saves of the same
 * target that were killed mid-write are removed first (their writer is gone, or they are over an hour old).
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const { fsp } = await nodeFs(`writing ${path}`);
  await removeStaleTemps(fsp, path);
  const tmp = `${path}.recwise-${hostProcess()?.pid ?? 0}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`;
  const handle = await fsp.open(tmp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fsp.rename(tmp, path);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}

/** Whether a path exists. */
export async function fileExists(path: string): Promise<boolean> {
  const { fsp } = await nodeFs(`checking ${path}`);
  try {
    await fsp.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Size and kind of a path, or undefined when nothing is there (progress totals; a directory is refused by name). */
export async function fileInfo(path: string): Promise<{ size: number; directory: boolean } | undefined> {
  const { fsp } = await nodeFs(`checking ${path}`);
  try {
    const st = await fsp.stat(path);
    return { size: st.size, directory: st.isDirectory() };
  } catch {
    return undefined;
  }
}

/** Names of the entries of a directory (not recursive), sorted. */
export async function listDirectory(path: string): Promise<string[]> {
  const { fsp } = await nodeFs(`listing ${path}`);
  return (await fsp.readdir(path)).sort();
}

/** Create a directory and its parents (no error if it exists). */
export async function makeDirectory(path: string): Promise<void> {
  const { fsp } = await nodeFs(`creating ${path}`);
  await fsp.mkdir(path, { recursive: true });
}

/** Append text to a file (created when missing): one whole write per call, for line logs such as tune's JSONL. */
export async function appendTextFile(path: string, text: string): Promise<void> {
  const { fsp } = await nodeFs(`appending to ${path}`);
  await fsp.appendFile(path, text);
}
