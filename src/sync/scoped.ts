// Scoped helpers: asyncio's `async with lock:` as `yield* withLock(lock, function* () {})`.
// The release is in a `finally`, so the body cannot forget it: not on an exception, not
// on a cancellation.
import type { Coroutine } from "../events.js";
import type { Future } from "../future.js";
import { checkAcquirable, checkFunction } from "../checks.js";

/**
 * Anything with `acquire()` (a Future) and `release()`: Lock, Condition, Semaphore, BoundedSemaphore.
 * @example
 * const guard: Acquirable = new Semaphore(2); yield* withSemaphore(guard, function* () {})
 */
export interface Acquirable {
  /** Takes it (a unit, the lock), waiting until it can. */
  acquire(): Future<unknown>;
  /** Gives it back. */
  release(): void;
}

function* scoped<L extends Acquirable, R>(primitive: L, body: (primitive: L) => Coroutine<R>): Coroutine<R> {
  yield* primitive.acquire();
  try {
    return yield* body(primitive);
  } finally {
    primitive.release();
  }
}

/**
 * Runs `body` holding `lock` (a Lock, or a Condition's lock): acquires, runs the body's
 * coroutine, releases in a `finally` (on return, exception or cancellation), returns the
 * body's value. asyncio's `async with lock:`. Bad arguments throw at the call.
 * @example
 * const total = yield* withLock(lock, function* () {
 *   const v = yield* readBalance()
 *   return v + 10
 * })
 */
export function withLock<L extends Acquirable, R>(lock: L, body: (lock: L) => Coroutine<R>): Coroutine<R> {
  checkAcquirable("withLock()", "a Lock or Condition as lock", lock);
  checkFunction("withLock()", body);
  return scoped(lock, body);
}

/**
 * Runs `body` holding a unit of `sem` (a Semaphore or BoundedSemaphore): acquires, runs
 * the body's coroutine, releases in a `finally`, returns the body's value. asyncio's
 * `async with sem:`. Bad arguments throw at the call.
 * @example
 * const sem = new Semaphore(3)
 * const page = yield* withSemaphore(sem, function* () { return yield* download(url) })
 */
export function withSemaphore<S extends Acquirable, R>(sem: S, body: (sem: S) => Coroutine<R>): Coroutine<R> {
  checkAcquirable("withSemaphore()", "a Semaphore as sem", sem);
  checkFunction("withSemaphore()", body);
  return scoped(sem, body);
}
