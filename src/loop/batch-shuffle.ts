// The seeded shuffle of `new EventLoop({ shuffle: seed })`: the task steps of each ready
// batch run in an order drawn from a small PRNG (mulberry32) on the host, so a seed gives
// the same order on both cores and in every engine. Trio's idea (its scheduler randomises
// each batch of runnable tasks) to flush out tests that lean on an order asyncio does not
// promise. Callbacks and timers keep their places: asyncio promises call_soon's FIFO order
// (and timers' by deadline), and transports rely on it (one callback per chunk of data).
import type { SchedulerCore } from "../core/types.js";
import { TASK } from "./slot-table.js";

/** @internal A batch's ids in a seeded random order. */
export class BatchShuffle {
  /** The seed the loop was given (what a failing test prints). */
  readonly seed: number;
  #state: number;
  /** The batch's ids, copied out of the core to be permuted (grown, never shrunk). */
  #ids = new Int32Array(64);
  /** Where in the batch the task steps are. */
  #places = new Int32Array(64);

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

  /**
   * The `n` ids of the core's current batch with its task steps Fisher-Yates shuffled
   * among the places task steps hold (`state`: the slot states): valid until the next call.
   */
  batch(core: SchedulerCore, n: number, state: Uint8Array): Int32Array {
    if (this.#ids.length < n) {
      this.#ids = new Int32Array(Math.max(n, this.#ids.length * 2));
      this.#places = new Int32Array(this.#ids.length);
    }
    const ids = this.#ids, places = this.#places;
    let tasks = 0;
    for (let i = 0; i < n; i++) {
      const id = (ids[i] = core.batchAt(i));
      if (state[id] >= TASK) places[tasks++] = i;
    }
    for (let k = tasks - 1; k > 0; k--) {
      const a = places[k], b = places[this.#next() % (k + 1)];
      const t = ids[a];
      ids[a] = ids[b];
      ids[b] = t;
    }
    return ids;
  }
}
