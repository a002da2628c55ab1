// Dynamic scheduling over threads: kernels that split work this way claim indices from one i32 counter in shared
// memory, so a thread that runs slower (or is descheduled) simply claims less instead of holding up the others.

/** Claim `step` indices from the shared counter (atomically in the threads build; one thread otherwise). */
// @ts-ignore: decorator
@inline export function claim(counter: usize, step: i32): i32 {
  if (ASC_FEATURE_THREADS) return atomic.add<i32>(counter, step);
  const v = load<i32>(counter);
  store<i32>(counter, v + step);
  return v;
}
