// Event: asyncio.Event. A waiter's future is returned as is: it resolves with `true` on
// set(), and leaves the queue once done (cancelled or set), as asyncio's wait() does.
import type { Future } from "../future.js";
import { LoopBinding } from "./loop-bound.js";
import { WaitQueue } from "./wait-queue.js";

/**
 * A flag tasks can wait for (asyncio.Event): `set()` wakes every waiter, `clear()` resets
 * the flag.
 * @example
 * const ready = new Event()
 * function* waiter() { yield* ready.wait(); console.log("go") }
 * function* starter() { yield* sleep(10); ready.set() }
 */
export class Event {
  readonly #binding = new LoopBinding(this);
  #value = false;
  #waiters = new WaitQueue<true>();

  /**
   * Whether the flag is set.
   * @example
   * if (!ev.isSet()) yield* ev.wait()
   */
  isSet(): boolean {
    return this.#value;
  }

  /**
   * Sets the flag and wakes every waiting task, in the order they waited. Later `wait()`s
   * return at once until `clear()`.
   * @example
   * ev.set()
   */
  set(): void {
    if (this.#value) return;
    this.#value = true;
    this.#waiters.unparkAll(true);
  }

  /**
   * Resets the flag: later `wait()`s block until the next `set()`.
   * @example
   * ev.clear()
   */
  clear(): void {
    this.#value = false;
  }

  /**
   * Waits until the flag is set: a Future of `true`, done at once if it is set already.
   * @example
   * yield* ev.wait()        // in a task; or `await ev.wait()`
   */
  wait(): Future<true> {
    if (this.#value) return this.#binding.doneTrue();
    return this.#waiters.park(this.#binding.getLoop());
  }

  /**
   * The event as asyncio's repr shows it: set or unset, and the waiters.
   * @example
   * String(new Event())   // "<Event [unset]>"
   */
  toString(): string {
    const waiters = this.#waiters.length;
    return `<Event [${this.#value ? "set" : "unset"}${waiters ? `, waiters:${waiters}` : ""}]>`;
  }
}
