// sleep(): asyncio.sleep. Small iterator objects rather than generators (V8 makes `yield*`
// into a generator far slower than into a plain iterator), which yield the task traps of
// traps.ts rather than a Future:
//
// - sleep(0) is one shared, stateless iterator (sleep(0, value) one small object): it
//   yields SWITCH and returns when the task resumes it with WAKE. A task switch allocates
//   nothing.
// - sleep(ms > 0) yields PARK: the task puts its own slot id in the loop's timer structure
//   until the deadline (no Future, TimerHandle or closure per sleep). On a loop without
//   task slots (a user's LoopLike) the task asks the sleep for a fallback Future that the
//   loop's callLater resolves, and waits on that.
//
// Each is lazy (nothing happens until a task iterates it) and a thenable, so that
// `await sleep(ms)` in an async function sleeps on the loop instead of resolving at once to
// the iterator. `then` is a prototype method: it costs `yield* sleep()` nothing, and a Task
// never takes the object for a promise (a yielded coroutine is a bad yield, thenable or not).
import { EventLoop } from "./base-loop.js";
import { _runningLoops } from "./loop/loop-runner.js";
import type { Coroutine, LoopLike } from "./events.js";
import type { Future } from "./future.js";
import { _runningLoopOrNull, _steppingTask, getRunningLoop } from "./running.js";
import { checkMs } from "./checks.js";
import { DONE_UNDEFINED, PARK_RESULT, SWITCH, SWITCH_RESULT, WAKE, _Parkable } from "./traps.js";
import { _debugLoops, _recordSuspension } from "./suspension.js";

interface TimerLoop {
  callLater(delayMs: number, cb: (...a: any[]) => unknown, ...args: any[]): { cancel(): void };
  createFuture?<T>(): Future<T>;
}

function resolveWith<T>(fut: Future<T>, value: T): void {
  if (!fut.done()) fut.setResult(value);
}

function then<T, R1, R2>(
  ms: number,
  value: T,
  onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
  onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
): Promise<R1 | R2> {
  return awaited(ms, value).then(onFulfilled, onRejected);
}

/**
 * What `sleep(0, value)` returns, and `sleep(0)` outside a task's step: a bare yield (the
 * rest of this loop iteration, no timer), then it returns. Any driver of generators that
 * takes a bare yield as "later" can run it, as asyncio's walkthrough's own Task does.
 */
class Yield<T> {
  readonly #value: T;
  #yielded = false;

  constructor(value: T) {
    this.#value = value;
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<unknown, T> {
    if (!this.#yielded) {
      this.#yielded = true;
      if (_debugLoops !== 0) _recordSuspension(SWITCH);
      return BARE_YIELD;
    }
    return { value: this.#value, done: true };
  }

  throw(error: unknown): never {
    this.#yielded = true;
    throw error;
  }

  return(value?: T): IteratorResult<unknown, T> {
    this.#yielded = true;
    return { value: value as T, done: true };
  }

  /** `await sleep(0, value)`: a Promise of `value` after one loop iteration. */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return then(0, this.#value, onFulfilled, onRejected);
  }
}

/** A bare `yield`'s result. */
const BARE_YIELD: IteratorYieldResult<undefined> = Object.freeze({ value: undefined, done: false });

/**
 * What `sleep(0)` returns inside a task's step: one stateless object for every call (a task
 * switch allocates nothing). It cannot count its own steps, so it returns when the task
 * resumes it with WAKE.
 */
const YIELD = {
  [Symbol.iterator]() {
    return this;
  },
  next(arg?: unknown): IteratorResult<unknown, undefined> {
    if (arg === WAKE) return DONE_UNDEFINED;
    // Debug mode: the coroutine chain's `yield*` frames are on the stack now (suspension.ts).
    if (_debugLoops !== 0) _recordSuspension(SWITCH);
    return SWITCH_RESULT;
  },
  throw(error: unknown): never {
    throw error;
  },
  return(value?: undefined): IteratorResult<unknown, undefined> {
    return { value, done: true };
  },
  then<R1 = undefined, R2 = never>(
    onFulfilled?: ((value: undefined) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return then(0, undefined, onFulfilled, onRejected);
  },
};

// A Sleep's states.
const NEW = 0, YIELDED = 1, PARKED = 2, FALLBACK = 3, DONE = 4;

/** The timer of a sleep on a loop without task slots. */
interface Fallback<T> {
  fut: Future<T>;
  handle: { cancel(): void };
}

/** What `sleep(ms > 0)` returns: parks the task that iterates it (see the file comment). */
class Sleep<T> extends _Parkable {
  /** The delay until parked; then the deadline (for getStack()). */
  override _ms: number;
  readonly #value: T;
  #state = NEW;
  #fallback: Fallback<T> | null = null;

  constructor(ms: number, value: T) {
    super();
    this._ms = ms;
    this.#value = value;
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<unknown, T> {
    switch (this.#state) {
      case NEW:
        if (_steppingTask() !== null) {
          this.#state = YIELDED;
          if (_debugLoops !== 0) _recordSuspension(this);
          PARK_RESULT.value = this;
          return PARK_RESULT;
        }
        // Not a wasyncio Task's step (a driver of its own, as the asyncio walkthrough's
        // Task): a Future that the running loop's timer resolves, as asyncio.sleep yields.
        return { value: this._fallback(getRunningLoop()), done: false };
      case PARKED:
        this.#state = DONE;
        return this.#value === undefined ? (DONE_UNDEFINED as IteratorResult<unknown, T>) : { value: this.#value, done: true };
      case FALLBACK: {
        this.#state = DONE;
        const { fut, handle } = this.#fallback!;
        this.#fallback = null;
        handle.cancel();
        return { value: fut.result(), done: true };
      }
      case YIELDED:
        this.#state = DONE;
        throw new TypeError("sleep() was resumed without sleeping: iterate it with yield* inside a wasyncio Task");
      default:
        return DONE_UNDEFINED as IteratorResult<unknown, T>;
    }
  }

  throw(error: unknown): never {
    this._stop();
    throw error;
  }

  return(value?: T): IteratorResult<unknown, T> {
    this._stop();
    return { value: value as T, done: true };
  }

  /** `await sleep(ms, value)`: a Promise of `value` after `ms` on the running loop. */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return then(this._ms, this.#value, onFulfilled, onRejected);
  }

  /** @internal */
  _parked(when: number): void {
    this._ms = when;
    this.#state = PARKED;
  }

  /** @internal A loop without task slots: a future its callLater resolves. */
  _fallback(loop: unknown): Future<T> {
    const timers = loop as TimerLoop;
    if (typeof timers.callLater !== "function" || typeof timers.createFuture !== "function") {
      throw new TypeError("sleep() needs a loop with callLater() and createFuture()");
    }
    const fut = timers.createFuture<T>();
    this.#fallback = { fut, handle: timers.callLater(this._ms, resolveWith, fut, this.#value) };
    this.#state = FALLBACK;
    return fut;
  }

  /** The sleep ends early (cancelled, or abandoned): a fallback timer is cancelled; a parked task was unparked by its task. */
  /** @internal */
  _stop(): void {
    if (this.#fallback !== null) this.#fallback.handle.cancel();
    this.#fallback = null;
    this.#state = DONE;
  }

  override toString(): string {
    return this.#state === PARKED ? `<sleep until ${this._ms}>` : `<sleep ${this._ms} ms>`;
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
  const coro = ms > 0 ? new Sleep(ms, value as T) : value === undefined && _steppingTask() !== null ? YIELD : new Yield(value as T);
  return coro as unknown as Coroutine<T> & PromiseLike<T>;
}
