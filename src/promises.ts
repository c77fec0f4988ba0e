// Promise interop: adopting a Promise as a Future.
import type { LoopLike } from "./events.js";
import { Future } from "./future.js";
import { getEventLoop } from "./running.js";
import { isThenable, repr } from "./util.js";

/**
 * A Future of `loop` (default: the running or current loop) settled by `promise`.
 * Cancelling the future does not stop the promise's work: promises cannot be interrupted.
 * @example
 * const body = yield* wrapPromise(fetch(url).then((r) => r.text()))
 */
export function wrapPromise<T>(promise: PromiseLike<T>, loop?: LoopLike): Future<T> {
  if (!isThenable(promise)) throw new TypeError(`wrapPromise() expected a Promise or thenable, got ${repr(promise)}`);
  loop ??= getEventLoop();
  const fut = typeof loop.createFuture === "function" ? loop.createFuture<T>() : new Future<T>({ loop });
  const closed = (loop as { isClosed?: () => boolean }).isClosed;
  promise.then(
    (value) => {
      if (!fut.done() && !closed?.call(loop)) fut.setResult(value);
    },
    (error: unknown) => {
      if (fut.done() || closed?.call(loop)) return;
      fut.setException(error === undefined || error === null ? new Error(`Promise rejected with ${error}`) : error);
    },
  );
  return fut;
}
