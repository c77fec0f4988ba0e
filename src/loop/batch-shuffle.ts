// The seeded shuffle of `new EventLoop({ shuffle: seed })`: each ready batch runs in an
// order drawn from a small PRNG (mulberry32) on the host, so a seed gives the same order
// on both cores and in every engine. Trio's idea (its scheduler randomises each batch) to
// flush out tests that lean on an order asyncio does not promise.
import type { SchedulerCore } from "../core/types.js";

/** @internal A batch's ids in a seeded random order. */
export class BatchShuffle {
  /** The seed the loop was given (what a failing test prints). */
  readonly seed: number;
  #state: number;
  /** The batch's ids, copied out of the core to be permuted (grown, never shrunk). */
  #ids = new Int32Array(64);

  constructor(seed: number) {
    this.seed = seed;
    // Seeds past 32 bits still differ: their high word is folded in.
    this.#state = (seed ^ Math.floor(seed / 0x100000000)) >>> 0;
  }

  /** mulberry32: a uniform 32-bit integer. */
  #next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** The `n` ids of the core's current batch, Fisher-Yates shuffled: valid until the next call. */
  batch(core: SchedulerCore, n: number): Int32Array {
    if (this.#ids.length < n) this.#ids = new Int32Array(Math.max(n, this.#ids.length * 2));
    const ids = this.#ids;
    for (let i = 0; i < n; i++) ids[i] = core.batchAt(i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.#next() % (i + 1);
      const t = ids[i];
      ids[i] = ids[j];
      ids[j] = t;
    }
    return ids;
  }
}
