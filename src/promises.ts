// Promise interop: adopting a Promise as a Future.
import type { AbortSignalLike, LoopLike } from "./events.js";
import { _asException } from "./errors.js";
import { _newFuture } from "./ensure-future.js";
import { Future, _setExceptionAsIs } from "./future.js";
import { getEventLoop } from "./running.js";
import { expected } from "./checks.js";

/**
 * A Future of `loop` (default: the running or current loop) settled by `promise`.
 * Cancelling the future (or the task waiting on it) stops the waiting at once, but not the
 * promise's work: a promise cannot be interrupted, and its later outcome is ignored. Pass
 * an AbortSignal (`toAbortSignal(task)`) to APIs that accept one to stop the work too.
 * @example
 * const body = yield* wrapPromise(fetch(url).then((r) => r.text()))
 */
export function wrapPromise<T>(promise: PromiseLike<T>, loop?: LoopLike): Future<T> {
  // Like Promise.resolve(): `then` is read once, and a `then` (or its getter) that throws
  // rejects the future rather than throwing at the call.
  let then: unknown, thenThrew: { error: unknown } | null = null;
  try {
    then = (typeof promise === "object" || typeof promise === "function") && promise !== null ? promise.then : undefined;
  } catch (error) {
    thenThrew = { error };
  }
  if (thenThrew === null && typeof then !== "function") throw expected("wrapPromise()", "a Promise or thenable", promise);
  loop ??= getEventLoop();
  const fut = _newFuture<T>(loop);
  // An EventLoop counts the Promises it waits on, so that runSync can say why it cannot go on.
  const host = loop as { isClosed?: () => boolean; _promisePending?: (delta: 1 | -1) => void };
  const counted = thenThrew === null && typeof host._promisePending === "function";
  if (counted) host._promisePending!(1);
  let open = true;
  // The first outcome wins, as for a Promise; a closed loop takes none.
  const settle = (set: () => void): void => {
    if (!open) return;
    open = false;
    if (counted) host._promisePending!(-1);
    if (!fut.done() && host.isClosed?.() !== true) set();
  };
  const reject = (e: unknown): void => settle(() => _setExceptionAsIs(fut, _asException(e, "Promise rejected with")));
  if (thenThrew !== null) {
    reject(thenThrew.error);
    return fut;
  }
  try {
    (then as PromiseLike<T>["then"]).call(promise, (value) => settle(() => fut.setResult(value)), reject);
  } catch (e) {
    reject(e);
  }
  return fut;
}

/**
 * An AbortSignal that aborts when `fut` is cancelled (its reason is the `CancelledError`),
 * for handing a task's cancellation to promise-based APIs such as `fetch`.
 * @example
 * function* download(url: string) {
 *   const signal = toAbortSignal(currentTask()!)
 *   return yield* wrapPromise(fetch(url, { signal }).then((r) => r.text()))
 * }
 */
export function toAbortSignal(fut: Future<unknown>): AbortSignalLike {
  if (!(fut instanceof Future)) throw expected("toAbortSignal()", "a Future", fut);
  const controller = new AbortController();
  const abortIfCancelled = (f: Future<unknown>) => {
    if (!f.cancelled()) return;
    try {
      f.result();
    } catch (e) {
      controller.abort(e);
    }
  };
  if (fut.done()) abortIfCancelled(fut);
  else fut.addDoneCallback(abortIfCancelled);
  return controller.signal;
}
