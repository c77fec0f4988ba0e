// sleep(): asyncio.sleep. A small iterator object rather than a generator: V8 makes
// `yield*` into a generator far slower than into a plain iterator, and a task switch is
// mostly this (a 1,000,000-switch run took half the time once sleep stopped being one).
// It is just as lazy: nothing happens until a task iterates it.
//
// It is also a thenable, so that `await sleep(ms)` in an async function sleeps on the loop
// instead of resolving at once to the iterator. `then` is a prototype method: it costs
// `yield* sleep()` nothing, and a Task never takes the object for a promise (a yielded
// coroutine is a bad yield, thenable or not).
import { EventLoop } from "./base-loop.js";
import { _runningLoops } from "./loop/runner.js";
import type { Coroutine, LoopLike } from "./events.js";
import { _resolvePending, type Future } from "./future.js";
import { _runningLoopOrNull, getRunningLoop } from "./running.js";
import { checkMs } from "./checks.js";

interface TimerLoop {
  callLater(delayMs: number, cb: (...a: any[]) => unknown, ...args: any[]): { cancel(): void };
  createFuture?<T>(): Future<T>;
}

const NEW = 0, WAITING = 1, DONE = 2;

function resolveWith<T>([fut, value]: [Future<T>, T]): void {
  if (!fut.done()) fut.setResult(value);
}

/** What sleep() returns: iterated by `yield*`, and a thenable so that `await` sleeps too. */
abstract class Sleeping<T> {
  [Symbol.iterator](): this {
    return this;
  }

  /** `await sleep(ms, value)`: a Promise of `value` after `ms` on the running loop. */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this._awaited().then(onFulfilled, onRejected);
  }

  /** @internal The sleep as a Promise, for `await`. */
  protected abstract _awaited(): Promise<T>;
}

/** What `sleep(0)` returns: yields once (the rest of this loop iteration), with no timer. */
class Yield<T> extends Sleeping<T> {
  #value: T;
  #state = NEW;

  constructor(value: T) {
    super();
    this.#value = value;
  }

  next(): IteratorResult<undefined, T> {
    if (this.#state === NEW) {
      this.#state = WAITING;
      return { value: undefined, done: false };
    }
    this.#state = DONE;
    return { value: this.#value, done: true };
  }

  throw(error: unknown): never {
    this.#state = DONE;
    throw error;
  }

  return(value?: T): IteratorResult<undefined, T> {
    this.#state = DONE;
    return { value: value as T, done: true };
  }

  /** @internal */
  protected _awaited(): Promise<T> {
    return awaited(0, this.#value);
  }
}

/** What `sleep(ms > 0)` returns: waits on a future that a timer resolves. */
class Sleep<T> extends Sleeping<T> {
  #ms: number;
  #value: T;
  #state = NEW;
  #fut: Future<T> | null = null;
  // The timer: an id and generation on an EventLoop, or a handle on another loop.
  #loop: EventLoop | null = null;
  #id = -1;
  #gen = 0;
  #handle: { cancel(): void } | null = null;

  constructor(ms: number, value: T) {
    super();
    this.#ms = ms;
    this.#value = value;
  }

  next(): IteratorResult<Future<T>, T> {
    if (this.#state === NEW) {
      this.#state = WAITING;
      return { value: this.#start(), done: false };
    }
    if (this.#state === WAITING) {
      this.#state = DONE;
      this.#stop();
      return { value: this.#fut!.result(), done: true };
    }
    return { value: undefined as T, done: true };
  }

  throw(error: unknown): never {
    if (this.#state === WAITING) this.#stop();
    this.#state = DONE;
    throw error;
  }

  return(value?: T): IteratorResult<Future<T>, T> {
    if (this.#state === WAITING) this.#stop();
    this.#state = DONE;
    return { value: value as T, done: true };
  }

  /** @internal */
  protected _awaited(): Promise<T> {
    return awaited(this.#ms, this.#value);
  }

  #start(): Future<T> {
    const running = getRunningLoop();
    if (running instanceof EventLoop) {
      // The loop's own timer, with no Handle object or argument array.
      const fut = (this.#fut = running.createFuture<T>());
      const when = running.time() + this.#ms;
      this.#id = this.#value === undefined
        ? running._timer(when, _resolvePending, fut)
        : running._timer(when, resolveWith, [fut, this.#value]);
      this.#gen = running._slotGeneration(this.#id);
      this.#loop = running;
      return fut;
    }
    const loop = running as unknown as TimerLoop;
    if (typeof loop.callLater !== "function" || typeof loop.createFuture !== "function") {
      throw new TypeError("sleep() needs a loop with callLater() and createFuture()");
    }
    const fut = (this.#fut = loop.createFuture<T>());
    this.#handle = loop.callLater(this.#ms, resolveWith, [fut, this.#value]);
    return fut;
  }

  #stop(): void {
    if (this.#loop !== null) this.#loop._cancelSlot(this.#id, this.#gen);
    else this.#handle?.cancel();
  }
}

/**
 * The loop an awaited sleep sleeps on: the running loop, or else (an async function resumes
 * between iterations, in a microtask) the one loop inside runForever/runUntilComplete.
 */
function loopForAwait(): LoopLike {
  const loop = _runningLoopOrNull();
  if (loop !== null) return loop;
  const running = _runningLoops();
  if (running.size === 1) for (const only of running) return only;
  if (running.size === 0) {
    throw new Error("sleep() was awaited outside a running event loop; await it while a loop runs (in run() or " +
      "loop.runUntilComplete()), or use yield* sleep() in a task");
  }
  throw new Error(`sleep() was awaited while ${running.size} event loops are running, between their iterations, ` +
    "so it cannot tell which loop to sleep on; use yield* sleep() in a task of the loop you mean");
}

/**
 * `await sleep(ms, value)`: a timer on the running loop resolves the promise (nothing can
 * cancel it). If that loop closes first, the promise rejects rather than never settling.
 */
function awaited<T>(ms: number, value: T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const loop = loopForAwait() as LoopLike & Partial<TimerLoop>;
    const tracked = loop instanceof EventLoop ? loop : null;
    const pending = {
      _loopClosed: () => reject(new Error(`sleep(${ms}) was awaited on an event loop that closed before the sleep ended`)),
    };
    const wake = (v: T): void => {
      tracked?._removeResource(pending);
      resolve(v);
    };
    if (ms > 0 && typeof loop.callLater !== "function") throw new TypeError("sleep() needs a loop with callLater()");
    tracked?._addResource(pending);
    if (ms <= 0) loop.callSoon(wake, value);
    else loop.callLater!(ms, wake, value);
  });
}

/**
 * Suspends the current task for `ms` milliseconds, then returns `value`. `sleep(0)` (or
 * a negative delay) gives up the rest of the loop iteration without a timer. A bad `ms`
 * throws at the call. In an async function, `await sleep(ms, value)` sleeps on the running
 * loop too (a promise: cancelling the task cannot interrupt it).
 * @example
 * function* tick() { for (;;) { yield* sleep(1000); console.log("tick") } }
 * const v = yield* sleep(10, "ready")  // "ready"
 * await run(async () => { await sleep(100) })
 */
export function sleep<T = undefined>(ms: number, value?: T): Coroutine<T> & PromiseLike<T> {
  checkMs("sleep()", "ms", ms);
  const coro = ms <= 0 ? new Yield(value as T) : new Sleep(ms, value as T);
  return coro as unknown as Coroutine<T> & PromiseLike<T>;
}
