// Future: a value that will be set later, asyncio's futures.Future. It depends only on
// the small LoopLike interface, so a user's own loop class can run it.
import type { ExceptionContext, LoopLike } from "./events.js";
import { CancelledError, InvalidStateError } from "./errors.js";
import { getEventLoop } from "./running.js";
import { repr } from "./util.js";
import { checkFunction, checkLoop, expected } from "./checks.js";

const PENDING = 0, CANCELLED = 1, FINISHED = 2;
const STATE_NAMES = ["PENDING", "CANCELLED", "FINISHED"] as const;

/**
 * A callback of `future.addDoneCallback()`: called through the loop with the future, once
 * it is done (its return value is ignored).
 * @example
 * const log: DoneCallback<number> = (f) => console.log(f.cancelled() ? "cancelled" : f.result())
 * fut.addDoneCallback(log)
 */
export type DoneCallback<T = unknown> = (future: Future<T>) => unknown;

/** @internal A task waiting on a future: woken without a callback closure of its own. */
export interface Waiter {
  _wakeup(fut: Future<any>): void;
  /** A callback for loops that only offer callSoon (made on first use). */
  _wakeupCallback(): (fut: Future<any>) => void;
}

/** @internal What an EventLoop offers beyond LoopLike: scheduling with no Handle object. */
interface FastLoop extends LoopLike {
  _schedule(fn: (arg: any) => unknown, arg: unknown): void;
  _scheduleWake(waiter: Waiter, fut: Future<any>): void;
}

// Unretrieved exceptions. A future holding an exception nobody retrieved is reported
// when it is garbage (FinalizationRegistry) or, synchronously, when its loop closes. The
// registry's entry holds what the report needs, never the future: a WeakRef to it would
// keep it (and its loop) alive until the current synchronous job ends, which in a long
// synchronous run (runSync in a loop) holds every failed future ever made.
interface Unretrieved {
  loop: LoopLike;
  context: ExceptionContext;
}
const unretrievedByLoop = new WeakMap<LoopLike, Set<Unretrieved>>();
const registry = typeof FinalizationRegistry === "function"
  ? new FinalizationRegistry<Unretrieved>((entry) => {
      const entries = unretrievedByLoop.get(entry.loop);
      // An entry its loop's close() reported is gone from the set: report each once.
      if (entries === undefined || !entries.delete(entry)) return;
      entry.loop.callExceptionHandler(entry.context);
    })
  : null;

/**
 * @internal Reports, through the loop's exception handler, every unretrieved exception of
 * its futures still alive (the report has no `future`: the registry cannot reach it).
 */
export function _reportUnretrieved(loop: LoopLike): void {
  const entries = unretrievedByLoop.get(loop);
  if (entries === undefined) return;
  unretrievedByLoop.delete(loop);
  for (const entry of entries) {
    registry?.unregister(entry);
    loop.callExceptionHandler(entry.context);
  }
}

/**
 * A value that will be set later: asyncio's Future. Thenable (`await fut`) and
 * iterable (`const v = yield* fut` inside a task, typed). Subclassable.
 * @example
 * const fut = loop.createFuture<number>()
 * loop.callLater(10, () => fut.setResult(42))
 * const v: number = yield* fut   // inside a task; or `await fut` anywhere
 */
export class Future<T = unknown> implements PromiseLike<T> {
  #state = PENDING;
  #result: any = undefined;
  #exception: unknown = undefined;
  // `any`, not T: a Future<number> must be usable as a Future<unknown>.
  #callbacks: (DoneCallback<any> | Waiter)[] | null = null;
  #thenWaiters: [(v: any) => void, (e: unknown) => void][] | null = null;
  #loop: LoopLike;
  #unretrieved: Unretrieved | null = null;
  /** @internal The CancelledError that ended a task, re-thrown by `result()`. */
  protected _cancelledExc: CancelledError | null = null;
  /** @internal The message of the CancelledError `result()` throws (Task.cancel sets it too). */
  _cancelMessage: string | undefined = undefined;

  /**
   * A pending future of `options.loop`; `loop.createFuture()` is the usual way to make one.
   * @param options.loop the loop that runs the done callbacks (default: `getEventLoop()`)
   * @example
   * const fut = new Future<number>({ loop })
   */
  constructor(options?: { loop?: LoopLike }) {
    const loop = options?.loop ?? getEventLoop();
    checkLoop("new Future()", "options.loop", loop);
    this.#loop = loop;
  }

  /** The loop this future is bound to. */
  getLoop(): LoopLike {
    return this.#loop;
  }

  /** Whether the future has a result, an exception, or was cancelled. */
  done(): boolean {
    return this.#state !== PENDING;
  }

  /** Whether the future was cancelled. */
  cancelled(): boolean {
    return this.#state === CANCELLED;
  }

  /**
   * The result. Throws the exception if one was set, `CancelledError` if cancelled,
   * `InvalidStateError` if not done yet.
   */
  result(): T {
    if (this.#state === FINISHED) {
      if (this.#exception !== undefined) {
        this._clearLogTraceback();
        throw this.#exception;
      }
      return this.#result as T;
    }
    if (this.#state === CANCELLED) throw this._makeCancelledError();
    throw new InvalidStateError("Result is not ready.");
  }

  /**
   * The exception that was set, or `null`. Throws `CancelledError` if cancelled,
   * `InvalidStateError` if not done yet.
   */
  exception(): unknown {
    if (this.#state === FINISHED) {
      this._clearLogTraceback();
      return this.#exception === undefined ? null : this.#exception;
    }
    if (this.#state === CANCELLED) throw this._makeCancelledError();
    throw new InvalidStateError("Exception is not set.");
  }

  /**
   * Cancels the future and schedules its callbacks. Returns false if it was already done.
   * @param msg the message of the `CancelledError` that `result()` throws
   */
  cancel(msg?: string): boolean {
    this._clearLogTraceback();
    if (this.#state !== PENDING) return false;
    this.#state = CANCELLED;
    this._cancelMessage = msg === undefined || msg === null ? undefined : String(msg);
    this.#scheduleCallbacks();
    return true;
  }

  /** Marks the future done with `value` and schedules its callbacks. */
  setResult(value: T): void {
    if (this.#state !== PENDING) throw new InvalidStateError(`setResult(): ${STATE_NAMES[this.#state]}: ${this}`);
    this.#result = value;
    this.#state = FINISHED;
    this.#scheduleCallbacks();
  }

  /** Marks the future done with an exception (an error class is instantiated) and schedules its callbacks. */
  setException(exception: unknown): void {
    if (this.#state !== PENDING) throw new InvalidStateError(`setException(): ${STATE_NAMES[this.#state]}: ${this}`);
    if (typeof exception === "function") exception = new (exception as new () => unknown)();
    if (exception === undefined || exception === null) {
      throw expected("setException()", "an exception", exception);
    }
    this._finishWithException(exception);
  }

  /**
   * @internal Finishes a pending future with `exception` as it is: what a coroutine threw,
   * a Promise rejected with or a child future holds is passed on unchanged (a function is
   * not instantiated as `setException` does). The caller has made it a valid exception
   * (`_asException`).
   */
  _finishWithException(exception: unknown): void {
    if (this.#state !== PENDING) throw new InvalidStateError(`setException(): ${STATE_NAMES[this.#state]}: ${this}`);
    this.#exception = exception;
    this.#state = FINISHED;
    this.#logTraceback();
    this.#scheduleCallbacks();
  }

  /**
   * Calls `callback(future)` through the loop once the future is done (at once, through
   * the loop, if it already is).
   */
  addDoneCallback(callback: DoneCallback<T>): void {
    checkFunction("addDoneCallback()", callback);
    if (this.#state !== PENDING) {
      this.#callSoon(callback);
    } else if (this.#callbacks === null) {
      this.#callbacks = [callback];
    } else {
      this.#callbacks.push(callback);
    }
  }

  /** @internal A task's wakeup: like addDoneCallback, without a closure per task. */
  _addWaiter(waiter: Waiter): void {
    if (this.#state !== PENDING) this.#callSoon(waiter);
    else if (this.#callbacks === null) this.#callbacks = [waiter];
    else this.#callbacks.push(waiter);
  }

  /** @internal Takes back an `_addWaiter` registration while the future is pending. */
  _removeWaiter(waiter: Waiter): void {
    const cbs = this.#callbacks;
    if (cbs === null) return;
    const i = cbs.indexOf(waiter);
    if (i < 0) return;
    if (cbs.length === 1) this.#callbacks = null;
    else cbs.splice(i, 1);
  }

  /** Removes every registration of `callback`; returns how many were removed. */
  removeDoneCallback(callback: DoneCallback<T>): number {
    checkFunction("removeDoneCallback()", callback);
    const cbs = this.#callbacks;
    if (cbs === null) return 0;
    const kept = cbs.filter((cb) => cb !== callback);
    const removed = cbs.length - kept.length;
    if (removed !== 0) this.#callbacks = kept.length === 0 ? null : kept;
    return removed;
  }

  /** Makes the future awaitable from async functions. Retrieves the exception. */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    let promise: Promise<T>;
    if (this.#state === PENDING) {
      promise = new Promise<T>((resolve, reject) => (this.#thenWaiters ??= []).push([resolve, reject]));
    } else {
      try {
        promise = Promise.resolve(this.result());
      } catch (e) {
        promise = Promise.reject(e);
      }
    }
    return promise.then(onFulfilled, onRejected);
  }

  /** `yield* fut` inside a task: waits (unless already done) and returns the result, typed. */
  [Symbol.iterator](): Iterator<Future<T>, T, unknown> {
    return new FutureIterator(this);
  }

  /**
   * The future's class and state, as asyncio's repr (a subclass shows its own name).
   * @example
   * String(fut)   // "<Future finished result=42>"
   */
  toString(): string {
    return `<${this.constructor.name} ${this._describe()}>`;
  }

  /** @internal */
  protected _describe(): string {
    if (this.#state === PENDING) return "pending";
    if (this.#state === CANCELLED) return "cancelled";
    if (this.#exception !== undefined) return `finished exception=${describeError(this.#exception)}`;
    return `finished result=${repr(this.#result)}`;
  }

  /** @internal The CancelledError to throw for a cancelled future. */
  protected _makeCancelledError(): CancelledError {
    if (this._cancelledExc !== null) {
      const exc = this._cancelledExc;
      this._cancelledExc = null;
      return exc;
    }
    return this._cancelMessage === undefined ? new CancelledError() : new CancelledError(this._cancelMessage);
  }

  /** @internal Stops the unretrieved-exception report. */
  _clearLogTraceback(): void {
    const entry = this.#unretrieved;
    if (entry === null) return;
    this.#unretrieved = null;
    registry?.unregister(entry);
    unretrievedByLoop.get(entry.loop)?.delete(entry);
  }

  /** @internal Extra context of the unretrieved-exception report (Task adds its creation stack). */
  protected _unretrievedContext(exception: unknown): ExceptionContext {
    return { message: `${this.constructor.name} exception was never retrieved`, exception };
  }

  #logTraceback(): void {
    if (registry === null) return;
    const loop = this.#loop;
    const entry: Unretrieved = { loop, context: this._unretrievedContext(this.#exception) };
    this.#unretrieved = entry;
    registry.register(this, entry, entry);
    let set = unretrievedByLoop.get(loop);
    if (set === undefined) unretrievedByLoop.set(loop, (set = new Set()));
    set.add(entry);
  }

  #scheduleCallbacks(): void {
    const waiters = this.#thenWaiters;
    if (waiters !== null) {
      this.#thenWaiters = null;
      if (this.#state === FINISHED && this.#exception === undefined) {
        for (const [resolve] of waiters) resolve(this.#result as T);
      } else {
        let exc: unknown;
        try {
          this.result();
        } catch (e) {
          exc = e;
        }
        for (const [, reject] of waiters) reject(exc);
      }
    }
    const cbs = this.#callbacks;
    if (cbs === null) return;
    this.#callbacks = null;
    for (let i = 0; i < cbs.length; i++) this.#callSoon(cbs[i]);
  }

  #callSoon(callback: DoneCallback<T> | Waiter): void {
    const loop = this.#loop as FastLoop;
    if (typeof callback === "function") {
      if (loop._schedule !== undefined) loop._schedule(callback, this);
      else loop.callSoon(callback, this);
    } else if (loop._scheduleWake !== undefined) {
      loop._scheduleWake(callback, this);
    } else {
      loop.callSoon(callback._wakeupCallback(), this);
    }
  }
}

/**
 * What `yield* fut` iterates: yields the future once if it is pending, then returns its
 * result. A small object rather than a generator: cheaper to make and to delegate to.
 */
class FutureIterator<T> implements Iterator<Future<T>, T, unknown> {
  #fut: Future<T>;
  #yielded = false;
  constructor(fut: Future<T>) {
    this.#fut = fut;
  }
  next(): IteratorResult<Future<T>, T> {
    if (!this.#yielded && !this.#fut.done()) {
      this.#yielded = true;
      return { value: this.#fut, done: false };
    }
    this.#yielded = true;
    return { value: this.#fut.result(), done: true };
  }
  throw(error: unknown): IteratorResult<Future<T>, T> {
    this.#yielded = true;
    throw error;
  }
  return(value?: T): IteratorResult<Future<T>, T> {
    this.#yielded = true;
    return { value: value as T, done: true };
  }
  [Symbol.iterator](): this {
    return this;
  }
}

/**
 * Finishes `fut` with `exception` as it is (see `_finishWithException`), for a future of
 * another copy of the library through its `setException`. @internal
 */
export function _setExceptionAsIs(fut: Future<any>, exception: unknown): void {
  if (typeof fut._finishWithException === "function") fut._finishWithException(exception);
  else fut.setException(exception);
}

/** `Error("boom")`, for reprs. @internal */
export function describeError(e: unknown): string {
  try {
    if (e instanceof Error) return `${e.name}(${JSON.stringify(e.message)})`;
    return repr(e);
  } catch {
    return "an exception that cannot be described"; // a hostile getter: a repr must not throw
  }
}

/**
 * Sets `value` as the result of `fut` unless it is done already (cancelled, or woken by
 * another path): what a scheduled wake-up calls, `loop.callSoon(_resolvePending, fut)`.
 * @internal
 */
export function _resolvePending<T>(fut: Future<T>, value?: T): void {
  if (!fut.done()) fut.setResult(value as T);
}

/** @internal A Future of `loop` done with `value`: what a method returns when it need not wait. */
export function _resolved<T>(loop: LoopLike, value: T): Future<T> {
  const fut = new Future<T>({ loop });
  fut.setResult(value);
  return fut;
}

/** @internal A Future of `loop` failed with `error`: what a method returns when it fails at once. */
export function _rejected<T>(loop: LoopLike, error: unknown): Future<T> {
  const fut = new Future<T>({ loop });
  fut.setException(error);
  return fut;
}
