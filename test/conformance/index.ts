// Every conformance case file, in order. Runners import this and iterate `cases`.
import './kernels.cases.ts';
import './als.cases.ts';
import './sgd.cases.ts';
import './implicit-contract.cases.ts';
import './io.cases.ts';
import './lightfm.cases.ts';
import './itemknn.cases.ts';
import './data.cases.ts';
import './metrics.cases.ts';
import './popularity.cases.ts';
import './serve.cases.ts';
import './webgpu.cases.ts';
import './interop.cases.ts';
import './retrieval.cases.ts';
import './pipeline.cases.ts';
import './nn-seq.cases.ts';
import './nn.cases.ts';
export { cases, runAll } from './harness.ts';
