// asyncio's mixins._LoopBoundMixin: a primitive is made with no loop and binds to the
// running loop the first time it has to wait; using it from another loop afterwards is
// an error (its waiters' futures would belong to the wrong loop).
import type { EventLoop } from "../base-loop.js";
import type { LoopLike } from "../events.js";
import { Future } from "../future.js";
import { _runningLoopOrNull, getEventLoop, getRunningLoop } from "../running.js";

/** Base of the synchronisation primitives: binds each to the running loop on first use (asyncio's _LoopBoundMixin). */
export class _LoopBound {
  #loop: EventLoop | null = null;
  #done: Future<true> | null = null;

  /** @internal The running loop, binding this primitive to it on first use. */
  _getLoop(): EventLoop {
    const loop = getRunningLoop();
    if (this.#loop === null) this.#loop = loop;
    if (loop !== this.#loop) throw new Error(`${this} is bound to a different event loop`);
    return loop;
  }

  /** @internal A loop for an operation that may not wait: the running one, without binding. */
  _anyLoop(): EventLoop {
    return (_runningLoopOrNull() ?? this.#loop ?? getEventLoop()) as EventLoop;
  }

  /**
   * @internal A future already done with `true`: what a method returns when it need not
   * wait (asyncio's coroutine returns at once; no loop is bound, as asyncio). One per
   * loop is kept: a done future never changes.
   */
  _doneTrue(): Future<true> {
    const loop: LoopLike = this._anyLoop();
    let fut = this.#done;
    if (fut === null || fut.getLoop() !== loop) {
      fut = new Future<true>({ loop });
      fut.setResult(true);
      this.#done = fut;
    }
    return fut;
  }
}
