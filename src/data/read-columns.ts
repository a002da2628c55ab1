/** Growable columns the readers parse into (ids stay numbers while every value is a canonical integer). */
import type { Id } from './vocabulary.ts';

/** A growable id column: numbers while every value is a canonical integer, text from the first one that is not. */
export class IdColumn {
  nums = new Float64Array(4096);
  strs?: string[];
  n = 0;
  constructor(readonly mode: 'auto' | 'string' | 'number') {}
  pushNumber(v: number): void {
    if (this.strs) {
      this.strs.push(String(v));
    } else {
      if (this.n === this.nums.length) {
        const b = new Float64Array(this.n * 2);
        b.set(this.nums);
        this.nums = b;
      }
      this.nums[this.n] = v;
    }
    this.n++;
  }
  reserve(n: number): void {
    if (this.nums.length < n) {
      const b = new Float64Array(Math.max(n, this.nums.length * 2));
      b.set(this.nums.subarray(0, this.n));
      this.nums = b;
    }
  }
  pushText(t: string): void {
    if (!this.strs) {
      const s = new Array<string>(this.n);
      for (let k = 0; k < this.n; k++) s[k] = String(this.nums[k]);
      this.strs = s;
    }
    this.strs.push(t);
    this.n++;
  }
  values(): ArrayLike<Id> {
    return this.strs ?? this.nums.subarray(0, this.n);
  }
}

export class NumColumn {
  vals = new Float64Array(4096);
  n = 0;
  reserve(n: number): void {
    if (this.vals.length < n) {
      const b = new Float64Array(Math.max(n, this.vals.length * 2));
      b.set(this.vals.subarray(0, this.n));
      this.vals = b;
    }
  }
  push(v: number): void {
    if (this.n === this.vals.length) {
      const b = new Float64Array(this.n * 2);
      b.set(this.vals);
      this.vals = b;
    }
    this.vals[this.n++] = v;
  }
}

/** Keep rows whose weight is at least `min`, in place; returns how many were dropped. */
export function keepAtLeast(min: number, n: number, users: IdColumn, items: IdColumn, weights: NumColumn, timestamps: NumColumn | undefined): number {
  let w = 0;
  for (let k = 0; k < n; k++) {
    if (!(weights.vals[k] >= min)) continue;
    if (w !== k) {
      if (users.strs) users.strs[w] = users.strs[k];
      else users.nums[w] = users.nums[k];
      if (items.strs) items.strs[w] = items.strs[k];
      else items.nums[w] = items.nums[k];
      weights.vals[w] = weights.vals[k];
      if (timestamps) timestamps.vals[w] = timestamps.vals[k];
    }
    w++;
  }
  for (const c of [users, items]) {
    c.n = w;
    if (c.strs) c.strs.length = w;
  }
  weights.n = w;
  if (timestamps) timestamps.n = w;
  return n - w;
}
