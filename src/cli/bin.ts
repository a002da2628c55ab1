/** Entry of the `recwise` executable (bundled to dist/cli.mjs with a `#!/usr/bin/env node` banner). */
import { main } from './main.ts';
import { hostProcess } from '../runtime/process.ts';
import { shutdown } from '../kernels/registry.ts';
// The kernels embedded (recwise/inline), so the CLI is one self-contained file; main.ts imports every model kind.
import '../entry/inline.ts';

const io = hostProcess();
const code = await main(io);
await shutdown(); // stop worker threads so the process can end
io.exit(code);
