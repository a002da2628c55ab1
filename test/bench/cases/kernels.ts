/** Kernel speed, js vs wasm backends in one run (issue 3). Cross-runtime version: test/bench/kernels-runtimes.mjs. */
import * as recwise from 'recwise';
import type { BenchCase } from '../case.ts';
import { benchKernels } from '../kernels-core.ts';

export const cases: BenchCase[] = [
  {
    name: 'kernels',
    run: () => benchKernels(recwise, { log: (l) => process.stderr.write(`${l}\n`) }),
  },
];
