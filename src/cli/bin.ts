/** Entry of the `recwise` executable (bundled to dist/cli.mjs with a `#!/usr/bin/env node` banner). */
import { main } from './main.ts';
import { hostProcess } from '../runtime/process.ts';
import { shutdown } from '../kernels/registry.ts';
import { setDefaultWasmSources, decodeBase64, unshareMemoryImport } from '../runtime/wasm-source.ts';
import { KERNELS_THREADS_BASE64 } from '../kernels/wasm/embedded.gen.ts';

// Same embedded kernels as the default package entry (src/entry/default.ts), so the CLI is one self-contained file.
setDefaultWasmSources({
  single: () => unshareMemoryImport(decodeBase64(KERNELS_THREADS_BASE64)),
  threads: () => decodeBase64(KERNELS_THREADS_BASE64),
});

const io = hostProcess();
const code = await main(io);
await shutdown(); // stop worker threads so the process can end
io.exit(code);
