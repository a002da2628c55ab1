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

/** Lower the positive i32 at `slot` to `value` if it is 0 or larger (atomically in the threads build). */
// @ts-ignore: decorator
@inline export function claimMin(slot: usize, value: i32): void {
  if (ASC_FEATURE_THREADS) {
    let cur = atomic.load<i32>(slot);
    while (cur == 0 || value < cur) {
      const seen = atomic.cmpxchg<i32>(slot, cur, value);
      if (seen == cur) break;
      cur = seen;
    }
    return;
  }
  const cur = load<i32>(slot);
  if (cur == 0 || value < cur) store<i32>(slot, value);
}
