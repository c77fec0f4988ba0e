// WaitQueue: the one fair, cancellable queue of waiters every primitive is built on
// (Trio's ParkingLot idea over asyncio's deque of waiter futures).
//
// A waiter is a future of the primitive's loop. It stays in the queue until it is done
// and its first done callback has run: asyncio's waiting coroutine removes its future in a
// `finally` when its task resumes, and that callback runs right before the task's own
// wake-up, so the queue looks exactly as asyncio's deque does at every point a task can
// observe it (a cancelled waiter still at the head, for instance, is what makes a Lock's
// release wake nobody, and the cancelled coroutine then wake the next one).
//
// The invariant (asyncio's Lock._wake_up_first and the `except CancelledError` branches of
// Lock.acquire and Semaphore.acquire): a wake-up is never lost. unpark() completes a
// waiter's future; its task only runs later. If that task is cancelled in between, the
// waiter was woken but will not take what it was woken for. `wait()` sees that case (a
// CancelledError thrown in while its future holds a result) and hands the wake-up on to
// the next waiter in line, unless the primitive passes its own `onCancel` to settle it
// (a Lock wakes the next waiter only if nobody holds the lock; a Semaphore gives the
// unit it was handed back to its counter and wakes whom the counter allows).
import type { Coroutine } from "../events.js";
import { CancelledError } from "../errors.js";
import type { Future } from "../future.js";

/** @internal What a WaitQueue needs of a loop. */
export interface _FutureLoop {
  createFuture<T>(): Future<T>;
}

/**
 * A fair FIFO of waiter futures, what every primitive is built on: `park` a waiter,
 * `unpark(n)` the first n that are not done, in order, `unparkAll`. A cancelled or woken
 * waiter leaves the queue once done. `wait()` parks and waits, never losing a wake-up to
 * a cancellation.
 * @example
 * const q = new WaitQueue<string>()
 * function* consumer() { const msg = yield* q.wait(getRunningLoop()); console.log(msg) }
 * // elsewhere, once consumers wait:
 * q.unpark(1, "hello")   // wakes the consumer that waited longest
 */
export class WaitQueue<T = true> {
  #waiters = new Set<Future<T>>();
  #remove = (fut: Future<T>): void => {
    this.#waiters.delete(fut);
  };

  /** How many waiters are queued (a woken or cancelled one counts until it leaves). */
  get length(): number {
    return this.#waiters.size;
  }

  /** Queues a new waiter future of `loop`; it leaves the queue once done. */
  park(loop: _FutureLoop): Future<T> {
    const fut = loop.createFuture<T>();
    this.#waiters.add(fut);
    // Registered first, so it runs before the waiting task's wake-up (see the file comment).
    fut.addDoneCallback(this.#remove);
    return fut;
  }

  /**
   * Parks a waiter and waits for it: returns the value it was woken with. A cancellation
   * thrown in is rethrown after `onCancel(woken)`, where `woken` says the waiter had been
   * woken already. Without `onCancel`, a wake-up the cancellation would lose goes to the
   * next waiter (the invariant of the file comment).
   */
  *wait(loop: _FutureLoop, onCancel?: (woken: boolean) => void): Coroutine<T> {
    const fut = this.park(loop);
    try {
      try {
        return yield* fut;
      } finally {
        // Also here, not only in the done callback: a task that finds its future done
        // already goes on without a loop iteration, and must not leave it at the head.
        this.#waiters.delete(fut);
      }
    } catch (e) {
      if (e instanceof CancelledError) {
        const woken = fut.done() && !fut.cancelled();
        if (onCancel !== undefined) onCancel(woken);
        else if (woken) this.unpark(1, fut.result());
      }
      throw e;
    }
  }

  /** Wakes the first `n` waiters that are not done, in order, with `value`; returns how many. */
  unpark(n: number, value: T): number {
    let woken = 0;
    if (n <= 0) return 0;
    for (const fut of this.#waiters) {
      if (!fut.done()) {
        fut.setResult(value);
        if (++woken >= n) break;
      }
    }
    return woken;
  }

  /** Wakes every waiter that is not done, in order; returns how many. */
  unparkAll(value: T): number {
    let woken = 0;
    for (const fut of this.#waiters) {
      if (!fut.done()) {
        fut.setResult(value);
        woken++;
      }
    }
    return woken;
  }

  /**
   * Wakes the head waiter if it is not done yet (asyncio's Lock._wake_up_first). A done
   * head is already due to run: it takes the wake-up, or passes it on if it was cancelled.
   */
  wakeFirst(value: T): boolean {
    for (const fut of this.#waiters) {
      if (fut.done()) return false;
      fut.setResult(value);
      return true;
    }
    return false;
  }

  /** Whether every queued waiter was cancelled (true when the queue is empty). */
  allCancelled(): boolean {
    for (const fut of this.#waiters) if (!fut.cancelled()) return false;
    return true;
  }
}
