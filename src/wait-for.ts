// waitFor(): asyncio.wait_for as of 3.12, built on the timeout scope: the awaitable is
// waited for inline (a coroutine runs in the current task, as `await coro` does), and on
// the deadline the wait is cancelled and, once the cancellation has finished, TimeoutError
// is raised.
import type { Awaitable, Coroutine } from "./events.js";
import { CancelledError, TimeoutError } from "./errors.js";
import { _ensureFuture, _newFuture } from "./ensure-future.js";
import { Future, _resolvePending } from "./future.js";
import { wrapPromise } from "./promises.js";
import { getRunningLoop } from "./running.js";
import { Timeout, _runScope } from "./timeouts.js";
import { Task } from "./task.js";
import { isGenerator } from "./util.js";
import { checkAwaitable, checkMs } from "./checks.js";

/** Cancels `fut` and waits until it is done (asyncio's `_cancel_and_wait`). */
function* cancelAndWait(fut: Future<unknown>): Coroutine<void> {
  const waiter = _newFuture<undefined>(getRunningLoop());
  const release = (): void => _resolvePending(waiter);
  fut.addDoneCallback(release);
  try {
    fut.cancel();
    yield waiter;
  } finally {
    fut.removeDoneCallback(release);
  }
}

/** What `yield*` can delegate to for `aw`: a coroutine itself, a future, a promise's future. */
function* awaitInline<T>(aw: Awaitable<T>): Coroutine<T> {
  if (isGenerator(aw)) return yield* aw as Coroutine<T>;
  if (aw instanceof Future) return yield* aw;
  const other = aw as { addDoneCallback?: unknown; done?(): boolean; result?(): T };
  if (typeof other.addDoneCallback === "function" && typeof other.result === "function") {
    // A future of another copy of the library: a plain yield, then its result.
    if (!other.done!()) yield other;
    return other.result();
  }
  return yield* wrapPromise(aw as PromiseLike<T>);
}

/**
 * Waits for `aw` (a coroutine, future, task or promise) for at most `timeoutMs`; on the
 * deadline the wait is cancelled (a task passed in is cancelled), the cancellation is
 * waited for (its `finally` blocks run), then `TimeoutError` is thrown. `timeoutMs`
 * `null`/undefined: no limit. `timeoutMs <= 0`: the result if `aw` is already done, else
 * `aw` is cancelled and `TimeoutError` thrown. Bad arguments throw at the call.
 * @example
 * try {
 *   const reply = yield* waitFor(request(conn), 3000)
 * } catch (e) {
 *   if (e instanceof TimeoutError) console.log("no reply within 3 s")
 * }
 */
export function waitFor<T>(aw: Awaitable<T>, timeoutMs?: number | null): Coroutine<T> {
  checkAwaitable("waitFor()", aw, Task);
  if (timeoutMs !== null && timeoutMs !== undefined) checkMs("waitFor()", "timeoutMs", timeoutMs);
  return waitForCoro(aw, timeoutMs ?? null);
}

function* waitForCoro<T>(aw: Awaitable<T>, ms: number | null): Coroutine<T> {
  if (ms !== null && ms <= 0) {
    // No time at all: a done future gives its result, anything else is cancelled (and
    // waited for) so that no work is left running behind the TimeoutError.
    const fut = _ensureFuture("waitFor()", aw);
    if (fut.done()) return fut.result();
    yield* cancelAndWait(fut);
    try {
      return fut.result();
    } catch (e) {
      if (e instanceof CancelledError) throw new TimeoutError(`waitFor(): timed out after ${ms} ms`, { cause: e });
      throw e;
    }
  }
  return yield* _runScope("waitFor()", () => {
    const when = ms === null ? null : getRunningLoop().time() + ms;
    return new Timeout(when, `waitFor(): timed out after ${ms} ms`);
  }, () => awaitInline(aw));
}
