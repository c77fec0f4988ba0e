// Barrier: asyncio.Barrier (3.11+), built as asyncio builds it on a Condition. Its state
// goes filling -> draining (the last party arrived; the others leave) -> filling, or to
// resetting (reset() while tasks wait: they get BrokenBarrierError) or broken (abort()).
import type { Coroutine } from "../events.js";
import { BrokenBarrierError } from "../errors.js";
import type { Future } from "../future.js";
import { Condition } from "./condition.js";
import { LoopBinding } from "./loop-bound.js";
import { _Operation } from "../operation.js";
import { checkParties } from "../checks.js";

type BarrierState = "filling" | "draining" | "resetting" | "broken";

/**
 * Lets a fixed number of tasks meet (asyncio.Barrier): each `wait()` blocks until `parties`
 * tasks wait, then all go on. `wait()` gives each an arrival index, 0 to `parties - 1`.
 * @example
 * const barrier = new Barrier(3)
 * function* worker(name: string) {
 *   yield* sleep(Math.random() * 100)
 *   const index = yield* barrier.wait()   // all three continue together
 *   if (index === 0) console.log("first to arrive:", name)
 * }
 */
export class Barrier {
  readonly #binding = new LoopBinding(this);
  #cond = new Condition();
  #parties: number;
  #state: BarrierState = "filling";
  #count = 0;

  /**
   * A barrier for `parties` tasks.
   * @param parties how many tasks must wait to trip the barrier (an integer >= 1)
   */
  constructor(parties: number) {
    this.#parties = checkParties("new Barrier()", parties);
  }

  /** The number of tasks needed to trip the barrier. */
  get parties(): number {
    return this.#parties;
  }

  /** The number of tasks waiting while the barrier fills (0 while it drains or resets). */
  get nWaiting(): number {
    return this.#state === "filling" ? this.#count : 0;
  }

  /** Whether the barrier is broken (`abort()`); `reset()` repairs it. */
  get broken(): boolean {
    return this.#state === "broken";
  }

  /**
   * Waits until `parties` tasks wait: a Future of this task's arrival index (0 to
   * `parties - 1`). Throws `BrokenBarrierError` if the barrier is aborted or reset while
   * waiting, or is broken. Tasks arriving while it drains wait for the next round.
   * @example
   * const index = yield* barrier.wait()
   */
  wait(): Future<number> {
    return new _Operation(this.#binding.anyLoop(), this.#waitBody());
  }

  *#waitBody(): Coroutine<number> {
    const cond = this.#cond;
    yield* cond.acquire();
    try {
      // Block while the barrier drains or resets.
      yield* cond.waitFor(() => this.#state !== "draining" && this.#state !== "resetting");
      if (this.#state === "broken") throw new BrokenBarrierError("Barrier aborted");
      try {
        const index = this.#count++;
        if (index + 1 === this.#parties) {
          // The last party: trip the barrier.
          this.#state = "draining";
          cond.notifyAll();
        } else {
          yield* cond.waitFor(() => this.#state !== "filling");
          const state = this.#state as BarrierState; // changed by other tasks meanwhile
          if (state === "broken" || state === "resetting") {
            throw new BrokenBarrierError("Abort or reset of barrier");
          }
        }
        return index;
      } finally {
        this.#count--;
        this.#exit();
      }
    } finally {
      cond.release();
    }
  }

  // The last task to leave a draining or resetting barrier refills it.
  #exit(): void {
    if (this.#count !== 0) return;
    if (this.#state === "resetting" || this.#state === "draining") this.#state = "filling";
    this.#cond.notifyAll();
  }

  /**
   * Returns the barrier to its initial, filling state (a Future, done at once unless the
   * barrier's lock is busy). Tasks waiting on it get `BrokenBarrierError`.
   * @example
   * yield* barrier.reset()
   */
  reset(): Future<void> {
    return new _Operation(this.#binding.anyLoop(), this.#resetBody());
  }

  *#resetBody(): Coroutine<void> {
    const cond = this.#cond;
    yield* cond.acquire();
    try {
      if (this.#count > 0) {
        if (this.#state !== "resetting") this.#state = "resetting";
      } else {
        this.#state = "filling";
      }
      cond.notifyAll();
    } finally {
      cond.release();
    }
  }

  /**
   * Breaks the barrier (a Future, done at once unless the barrier's lock is busy): tasks
   * waiting and tasks that call `wait()` later get `BrokenBarrierError`, until `reset()`.
   * @example
   * yield* barrier.abort()
   */
  abort(): Future<void> {
    return new _Operation(this.#binding.anyLoop(), this.#abortBody());
  }

  *#abortBody(): Coroutine<void> {
    const cond = this.#cond;
    yield* cond.acquire();
    try {
      this.#state = "broken";
      cond.notifyAll();
    } finally {
      cond.release();
    }
  }

  /**
   * The barrier as asyncio's repr shows it: state, waiters, parties.
   * @example
   * String(new Barrier(3))   // "<Barrier [filling, waiters:0/3]>"
   */
  toString(): string {
    const extra = this.#state === "broken" ? "" : `, waiters:${this.nWaiting}/${this.#parties}`;
    return `<Barrier [${this.#state}${extra}]>`;
  }
}
