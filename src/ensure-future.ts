import type { Awaitable, LoopLike } from "./events.js";
import { Future } from "./future.js";
import { wrapPromise } from "./promises.js";
import { getEventLoop } from "./running.js";
import { Task, _describeNotCoroutine } from "./task.js";
import { loopClosed } from "./checks.js";
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

/** ensureFuture for `call` (gather(), waitFor(), ...), whose name its errors carry. @internal */
export function _ensureFuture<T>(call: string, aw: Awaitable<T>, loop?: LoopLike): Future<T> {
  if (aw instanceof Future) {
    if (loop !== undefined && loop !== null && aw.getLoop() !== loop) {
      throw new RangeError(`${call}: the future belongs to a different loop than the one given`);
    }
    return aw;
  }
  if (isGenerator(aw)) {
    loop ??= getEventLoop();
    if ((loop as { isClosed?: () => boolean }).isClosed?.() === true) throw loopClosed(call);
    const create = (loop as { createTask?: (c: unknown) => Future<T> }).createTask;
    return typeof create === "function" ? create.call(loop, aw) : new Task<T>(aw, { loop });
  }
  if (isThenable(aw)) return wrapPromise(aw, loop);
  throw notAwaitable(call, aw);
}

/**
 * Throws the TypeError naming `call` unless `aw` is awaitable: a Future (of this or another
 * copy of the library), a coroutine or a Promise. For the checks made at the call by
 * functions that adopt `aw` later (waitFor, shield). @internal
 */
export function _checkAwaitable(call: string, aw: unknown): void {
  if (aw instanceof Future || isGenerator(aw) || isThenable(aw)) return;
  if (typeof aw === "object" && aw !== null && typeof (aw as Future).addDoneCallback === "function") return;
  throw notAwaitable(call, aw);
}

function notAwaitable(call: string, aw: unknown): TypeError {
  return new TypeError(`${call} expected a Future, a generator (coroutine) or a Promise, got ${_describeNotCoroutine(aw)}`);
}
