import type { Awaitable, LoopLike } from "./events.js";
import { Future } from "./future.js";
import { wrapPromise } from "./promises.js";
import { getEventLoop } from "./running.js";
import { Task } from "./task.js";
import { checkSameLoop, loopClosed, notAwaitable } from "./checks.js";
import { isGenerator, isThenable } from "./util.js";

/**
 * A Future for `aw`: a Future is returned as is, a coroutine is wrapped in a Task, a
 * Promise is adopted (`wrapPromise`).
 * @example
 * const fut = ensureFuture(work())        // a Task
 * const same = ensureFuture(fut)          // fut itself
 * const p = ensureFuture(fetchJson(url))  // a Future of the promise
 */
export function ensureFuture<T>(aw: Awaitable<T>, loop?: LoopLike): Future<T> {
  return _ensureFuture("ensureFuture()", aw, loop);
}

/** @internal A future of `loop`: `createFuture()` where the loop has one (a user's own loop may make its own class). */
export function _newFuture<T>(loop: LoopLike): Future<T> {
  return typeof loop.createFuture === "function" ? loop.createFuture<T>() : new Future<T>({ loop });
}

/** ensureFuture for `call` (gather(), waitFor(), ...), whose name its errors carry. @internal */
export function _ensureFuture<T>(call: string, aw: Awaitable<T>, loop?: LoopLike): Future<T> {
  if (aw instanceof Future) {
    if (loop !== undefined && loop !== null) checkSameLoop(call, aw, loop);
    return aw;
  }
  if (isGenerator(aw)) {
    loop ??= getEventLoop();
    if ((loop as { isClosed?: () => boolean }).isClosed?.() === true) throw loopClosed(call);
    const create = (loop as { createTask?: (c: unknown) => Future<T> }).createTask;
    return typeof create === "function" ? create.call(loop, aw) : new Task<T>(aw, { loop });
  }
  if (isThenable(aw)) return wrapPromise(aw, loop);
  throw notAwaitable(call, aw, Task);
}

