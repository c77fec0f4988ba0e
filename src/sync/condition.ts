// Condition: asyncio.Condition (3.12, with the fix that makes notify() race-free against
// cancellation). wait() releases the lock, waits to be notified, and re-acquires the lock
// before returning or throwing, even when cancelled.
import type { EventLoop } from "../base-loop.js";
import type { Coroutine } from "../events.js";
import { CancelledError } from "../errors.js";
import type { Future } from "../future.js";
import { checkAcquirable, checkFunction, checkNotifyCount } from "../checks.js";
import { Lock } from "./lock.js";
import { LoopBinding } from "./loop-bound.js";
import { _Operation } from "../operation.js";
import { WaitQueue } from "./wait-queue.js";

/**
 * What a Condition needs of its lock: a `Lock` or anything with its three methods.
 * @example
 * const lock: LockLike = new Lock(); const cond = new Condition(lock)
 */
export interface LockLike {
  /** Takes the lock, waiting while another task holds it. */
  acquire(): Future<unknown>;
  /** Gives the lock back. */
  release(): void;
  /** Whether a task holds the lock. */
  locked(): boolean;
}

/**
 * A condition variable (asyncio.Condition): tasks holding its lock `wait()` until another
 * task `notify()`s them. `acquire`, `release` and `locked` are the lock's.
 * @example
 * const cond = new Condition()
 * const items: number[] = []
 * function* consumer() {
 *   yield* withLock(cond, function* () {
 *     yield* cond.waitFor(() => items.length > 0)
 *     console.log(items.shift())
 *   })
 * }
 * function* producer() {
 *   yield* withLock(cond, function* () { items.push(1); cond.notify() })
 * }
 */
export class Condition {
  readonly #binding = new LoopBinding(this);
  #lock: LockLike;
  #waiters = new WaitQueue<boolean>();

  /**
   * A condition over `lock`.
   * @param lock the lock to use (default: a new `Lock`)
   */
  constructor(lock?: LockLike | null) {
    if (lock === undefined || lock === null) lock = new Lock();
    else checkAcquirable("new Condition()", "lock to be a Lock", lock, true);
    this.#lock = lock;
  }

  /**
   * Acquires the underlying lock (a Future, as `Lock.acquire`).
   * @example
   * yield* cond.acquire()
   */
  acquire(): Future<unknown> {
    return this.#lock.acquire();
  }

  /**
   * Releases the underlying lock.
   * @example
   * cond.release()
   */
  release(): void {
    this.#lock.release();
  }

  /**
   * Whether the underlying lock is held.
   * @example
   * cond.locked()
   */
  locked(): boolean {
    return this.#lock.locked();
  }

  /**
   * Releases the lock, waits until notified, re-acquires the lock: a Future of `true`.
   * The lock is re-acquired even if the task is cancelled meanwhile (the cancellation is
   * thrown once the lock is held again). Throws `Error: cannot wait on un-acquired lock`
   * if the lock is not held. May wake spuriously: re-check the state, or use `waitFor`.
   * @example
   * yield* cond.acquire()
   * try { while (!ready) yield* cond.wait() } finally { cond.release() }
   */
  wait(): Future<true> {
    if (!this.locked()) throw new Error("cannot wait on un-acquired lock");
    const loop = this.#binding.getLoop();
    return new _Operation(loop, this.#waitBody(loop));
  }

  *#waitBody(loop: EventLoop): Coroutine<true> {
    this.release();
    try {
      try {
        yield* this.#waiters.wait(loop, () => {});
        return true;
      } finally {
        // Re-acquire the lock even if cancelled; only a CancelledError is retried, so a
        // fatal error from the lock cannot make this spin.
        let err: CancelledError | null = null;
        for (;;) {
          try {
            yield* this.acquire();
            break;
          } catch (e) {
            if (!(e instanceof CancelledError)) throw e;
            err = e;
          }
        }
        if (err !== null) throw err;
      }
    } catch (e) {
      // This task may have been notified before it failed: pass a notification on, so
      // none is lost (at worst a spurious wake-up, which a condition variable allows).
      this.#waiters.unpark(1, false);
      throw e;
    }
  }

  /**
   * Waits until `predicate()` is truthy, calling it first and after each wake-up: a
   * Future of the predicate's final value. The lock must be held.
   * @example
   * const item = yield* cond.waitFor(() => queue.shift())
   */
  waitFor<R>(predicate: () => R): Future<R> {
    checkFunction("Condition.waitFor()", predicate);
    return new _Operation(this.#binding.anyLoop(), this.#waitForBody(predicate));
  }

  *#waitForBody<R>(predicate: () => R): Coroutine<R> {
    let result = predicate();
    while (!result) {
      yield* this.wait();
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` (default 1) waiting tasks, in the order they waited. Each returns from
   * `wait()` once it re-acquires the lock, so release it after notifying. Throws
   * `Error: cannot notify on un-acquired lock` if the lock is not held.
   * @example
   * cond.notify()      // inside withLock(cond, ...)
   */
  notify(n: number = 1): void {
    checkNotifyCount("Condition.notify()", n);
    if (!this.locked()) throw new Error("cannot notify on un-acquired lock");
    this.#waiters.unpark(n, false);
  }

  /**
   * Wakes every waiting task. The lock must be held.
   * @example
   * cond.notifyAll()
   */
  notifyAll(): void {
    if (!this.locked()) throw new Error("cannot notify on un-acquired lock");
    this.#waiters.unparkAll(false);
  }

  /**
   * The condition as asyncio's repr shows it: its lock's state and the waiters.
   * @example
   * String(new Condition())   // "<Condition [unlocked]>"
   */
  toString(): string {
    const waiters = this.#waiters.length;
    return `<Condition [${this.locked() ? "locked" : "unlocked"}${waiters ? `, waiters:${waiters}` : ""}]>`;
  }
}
