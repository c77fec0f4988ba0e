// asyncio's mixins._LoopBoundMixin: a primitive is made with no loop and binds to the
// running loop the first time it has to wait; using it from another loop afterwards is
// an error (its waiters' futures would belong to the wrong loop).
import type { EventLoop } from "../base-loop.js";
import type { LoopLike } from "../events.js";
import { _resolved, type Future } from "../future.js";
import { _runningLoopOrNull, getEventLoop, getRunningLoop } from "../running.js";

/**
 * The loop binding of a synchronisation primitive (asyncio's _LoopBoundMixin), held in a
 * private field of the primitive rather than inherited, so it stays out of the public
 * class hierarchy.
 * @internal
 */
export class LoopBinding {
  readonly #owner: object;
  #loop: EventLoop | null = null;
  #done: Future<true> | null = null;

  constructor(owner: object) {
    this.#owner = owner;
  }

  /** The running loop, binding the primitive to it on first use. */
  getLoop(): EventLoop {
    const loop = getRunningLoop();
    if (this.#loop === null) this.#loop = loop;
    if (loop !== this.#loop) throw new Error(`${this.#owner} is bound to a different event loop`);
    return loop;
  }

  /**
   * As `getLoop()`, and also outside a running loop (an async function resumes in a
   * microtask, between iterations): then the bound loop, or else the current event loop,
   * which it binds. What a queue waits on, so `for await (x of q)` works.
   */
  getLoopOrCurrent(): EventLoop {
    if (_runningLoopOrNull() === null) return (this.#loop ??= getEventLoop() as EventLoop);
    return this.getLoop();
  }

  /** A loop for an operation that may not wait: the running one, without binding. */
  anyLoop(): EventLoop {
    return (_runningLoopOrNull() ?? this.#loop ?? getEventLoop()) as EventLoop;
  }

  /**
   * A future already done with `true`: what a method returns when it need not wait
   * (asyncio's coroutine returns at once; no loop is bound, as asyncio). One per loop is
   * kept: a done future never changes.
   */
  doneTrue(): Future<true> {
    const loop: LoopLike = this.anyLoop();
    let fut = this.#done;
    if (fut === null || fut.getLoop() !== loop) {
      fut = this.#done = _resolved<true>(loop, true);
    }
    return fut;
  }
}
