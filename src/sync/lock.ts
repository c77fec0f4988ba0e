// Lock: asyncio.Lock with 3.12's fairness. A released lock is not handed to the woken
// waiter at once: the waiter takes it when its task runs (as asyncio), and until then a
// new acquire() queues behind it instead of jumping the line.
import type { Coroutine } from "../events.js";
import type { Future } from "../future.js";
import type { EventLoop } from "../base-loop.js";
import { LoopBinding } from "./loop-bound.js";
import { _Operation } from "../operation.js";
import { WaitQueue } from "./wait-queue.js";

/**
 * A mutual-exclusion lock for tasks (asyncio.Lock), not owned by a task. FIFO-fair: tasks
 * get the lock in the order they asked for it. Prefer `withLock(lock, body)`, which cannot
 * forget to release.
 * @example
 * const lock = new Lock()
 * function* worker(name: string) {
 *   yield* lock.acquire()
 *   try { yield* sleep(10); console.log(name) } finally { lock.release() }
 * }
 */
export class Lock {
  readonly #binding = new LoopBinding(this);
  #locked = false;
  #waiters = new WaitQueue<true>();

  /**
   * Acquires the lock: a Future of `true`, done at once if the lock is free and nobody
   * waits (use `yield* lock.acquire()` in a task or `await lock.acquire()`). Cancelling the
   * waiting task gives up its place, never the lock of the next waiter.
   * @example
   * yield* lock.acquire()
   * try { critical() } finally { lock.release() }
   */
  acquire(): Future<true> {
    // Fair: a free lock is taken at once only if every waiter gave up (was cancelled).
    if (!this.#locked && this.#waiters.allCancelled()) {
      this.#locked = true;
      return this.#binding.doneTrue();
    }
    const loop = this.#binding.getLoop();
    return new _Operation(loop, this.#acquireSlow(loop));
  }

  *#acquireSlow(loop: EventLoop): Coroutine<true> {
    yield* this.#waiters.wait(loop, () => {
      // Cancelled while waiting, or woken and then cancelled before running: if nobody
      // holds the lock, make sure the head waiter runs (asyncio's lock invariant).
      if (!this.#locked) this.#waiters.wakeFirst(true);
    });
    this.#locked = true;
    return true;
  }

  /**
   * Releases the lock and wakes the first waiter. Throws `Error: Lock is not acquired.` if
   * the lock is not held.
   * @example
   * lock.release()
   */
  release(): void {
    if (!this.#locked) throw new Error("Lock is not acquired.");
    this.#locked = false;
    this.#waiters.wakeFirst(true);
  }

  /**
   * Whether the lock is held.
   * @example
   * if (!lock.locked()) yield* lock.acquire()
   */
  locked(): boolean {
    return this.#locked;
  }

  /**
   * The lock as asyncio's repr shows it: locked or unlocked, and the waiters.
   * @example
   * String(new Lock())   // "<Lock [unlocked]>"
   */
  toString(): string {
    const waiters = this.#waiters.length;
    return `<Lock [${this.#locked ? "locked" : "unlocked"}${waiters ? `, waiters:${waiters}` : ""}]>`;
  }
}

