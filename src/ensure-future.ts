import type { Awaitable, LoopLike } from "./events.js";
import { Future } from "./future.js";
import { wrapPromise } from "./promises.js";
import { getEventLoop } from "./running.js";
import { Task, _describeNotCoroutine } from "./task.js";
import { isGenerator, isThenable, repr } from "./util.js";

/**
 * A Future for `aw`: a Future is returned as is, a coroutine is wrapped in a Task, a
 * Promise is adopted (`wrapPromise`).
 * @example
 * const fut = ensureFuture(work())        // a Task
 * const same = ensureFuture(fut)          // fut itself
 * const p = ensureFuture(fetchJson(url))  // a Future of the promise
 */
export function ensureFuture<T>(aw: Awaitable<T>, loop?: LoopLike): Future<T> {
  if (aw instanceof Future) {
    if (loop !== undefined && loop !== null && aw.getLoop() !== loop) {
      throw new RangeError("ensureFuture(): the future belongs to a different loop than the one given");
    }
    return aw;
  }
  if (isGenerator(aw)) {
    loop ??= getEventLoop();
    const create = (loop as { createTask?: (c: unknown) => Future<T> }).createTask;
    return typeof create === "function" ? create.call(loop, aw) : new Task<T>(aw, { loop });
  }
  if (isThenable(aw)) return wrapPromise(aw, loop);
  const hint = typeof aw === "function" ? _describeNotCoroutine(aw) : repr(aw);
  throw new TypeError(`ensureFuture() expected a Future, a generator (coroutine) or a Promise, got ${hint}`);
}
