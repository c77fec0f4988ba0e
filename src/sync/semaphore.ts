// Semaphore and BoundedSemaphore: asyncio's, with 3.12's FIFO rule. A unit is handed to
// the woken waiter at once (the counter drops when it is woken); a new acquire() waits
// while anyone is queued, even if the counter is above zero.
import type { EventLoop } from "../base-loop.js";
import type { Coroutine } from "../events.js";
import type { Future } from "../future.js";
import { LoopBinding } from "./loop-bound.js";
import { _Operation } from "../operation.js";
import { WaitQueue } from "./wait-queue.js";
import { checkSemaphoreValue } from "../checks.js";

/**
 * A counter of free units (asyncio.Semaphore): `acquire()` takes one, waiting while there
 * are none; `release()` gives one back. FIFO-fair among waiters.
 * @example
 * const sem = new Semaphore(2)      // at most two downloads at a time
 * function* download(url: string) {
 *   yield* sem.acquire()
 *   try { yield* fetchIt(url) } finally { sem.release() }
 * }
 */
export class Semaphore {
  readonly #binding = new LoopBinding(this);
  #value: number;
  #waiters = new WaitQueue<true>();

  /**
   * A semaphore with `value` free units.
   * @param value the initial number of free units (default 1); a negative or non-integer
   *   value throws `RangeError`
   */
  constructor(value: number = 1) {
    this.#value = checkSemaphoreValue(`new ${new.target.name}()`, value);
  }

  /**
   * Whether `acquire()` would wait: no unit is free, or tasks are queued before it.
   * @example
   * if (sem.locked()) console.log("busy")
   */
  locked(): boolean {
    if (this.#value === 0) return true;
    return !this.#waiters.allCancelled();
  }

  /**
   * Takes a unit: a Future of `true`, done at once if one is free and nobody waits.
   * Cancelling the waiting task gives up its place; a unit it was handed goes to the next.
   * @example
   * yield* sem.acquire()      // in a task; or `await sem.acquire()`
   */
  acquire(): Future<true> {
    if (!this.locked()) {
      this.#value--;
      return this.#binding.doneTrue();
    }
    const loop = this.#binding.getLoop();
    return new _Operation(loop, this.#acquireSlow(loop));
  }

  *#acquireSlow(loop: EventLoop): Coroutine<true> {
    try {
      yield* this.#waiters.wait(loop, (woken) => {
        // Woken (handed a unit) but cancelled before running: give the unit back.
        if (woken) this.#value++;
      });
    } finally {
      // Waiters may have queued behind us while units were free: wake all the counter allows.
      while (this.#value > 0) if (!this.#wakeUpNext()) break;
    }
    return true;
  }

  /**
   * Gives a unit back and wakes the first waiter.
   * @example
   * sem.release()
   */
  release(): void {
    this.#value++;
    this.#wakeUpNext();
  }

  /** @internal The number of free units (asyncio's `_value`). */
  get _value(): number {
    return this.#value;
  }

  #wakeUpNext(): boolean {
    if (this.#waiters.length === 0) return false;
    // The unit goes with the wake-up: the counter drops now, not when the waiter runs.
    this.#value--;
    if (this.#waiters.unpark(1, true) === 1) return true;
    this.#value++;
    return false;
  }

  /**
   * The semaphore as asyncio's repr shows it: locked or the free units, and the waiters.
   * @example
   * String(new Semaphore(2))   // "<Semaphore [unlocked, value:2]>"
   */
  toString(): string {
    const waiters = this.#waiters.length;
    const state = this.locked() ? "locked" : `unlocked, value:${this.#value}`;
    return `<${this.constructor.name} [${state}${waiters ? `, waiters:${waiters}` : ""}]>`;
  }
}

/**
 * A Semaphore that cannot be released above its initial value (asyncio.BoundedSemaphore):
 * an extra `release()` throws `RangeError: BoundedSemaphore released too many times`.
 * @example
 * const sem = new BoundedSemaphore(1)
 * yield* sem.acquire(); sem.release()
 * sem.release()   // RangeError: BoundedSemaphore released too many times
 */
export class BoundedSemaphore extends Semaphore {
  #bound: number;

  /**
   * A semaphore that `release()` may not raise above `value`.
   * @param value the initial and largest number of free units (default 1)
   */
  constructor(value: number = 1) {
    super(value);
    this.#bound = this._value;
  }

  /**
   * Gives a unit back; throws `RangeError` if that would exceed the initial value.
   * @example
   * sem.release()
   */
  override release(): void {
    if (this._value >= this.#bound) throw new RangeError("BoundedSemaphore released too many times");
    super.release();
  }
}
