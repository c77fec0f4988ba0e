// shield(): asyncio.shield. Returns a Future at once.
import type { Awaitable } from "./events.js";
import { _ensureFuture, _newFuture } from "./ensure-future.js";
import { type Future, _setExceptionAsIs } from "./future.js";
import { _tagAwaiter } from "./call-graph.js";

/**
 * Protects `aw` from cancellation: cancelling the returned future (or the task waiting
 * on it) does not cancel the inner future or task, which keeps running. The inner
 * outcome goes to the outer future if it is still pending. A coroutine is wrapped in a
 * task; an inner future that is already done is returned as is.
 * @example
 * const save = loop.createTask(saveToDisk(doc))
 * try { yield* shield(save) }           // cancelling this task leaves `save` running
 * catch (e) { if (e instanceof CancelledError) log("saving in the background"); throw e }
 */
export function shield<T>(aw: Awaitable<T>): Future<T> {
  const inner = _ensureFuture("shield()", aw);
  if (inner.done()) return inner;
  const outer = _newFuture<T>(inner.getLoop());

  const onInnerDone = (inner: Future<T>): void => {
    if (outer.cancelled()) {
      // Nobody waits for the outcome any more: mark an exception retrieved.
      if (!inner.cancelled()) inner.exception();
      return;
    }
    if (inner.cancelled()) {
      outer.cancel();
      return;
    }
    const exc = inner.exception();
    if (exc !== null) _setExceptionAsIs(outer, exc);
    else outer.setResult(inner.result());
  };
  const onOuterDone = (): void => {
    if (!inner.done()) inner.removeDoneCallback(onInnerDone);
  };

  // The call graph sees the outer future as what awaits the inner one.
  _tagAwaiter(onInnerDone, outer);
  inner.addDoneCallback(onInnerDone);
  outer.addDoneCallback(onOuterDone);
  return outer;
}
