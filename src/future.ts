// Future: a value that will be set later, asyncio's futures.Future. It depends only on
// the small LoopLike interface, so a user's own loop class can run it.
import type { ExceptionContext, LoopLike } from "./events.js";
import { CancelledError, InvalidStateError } from "./errors.js";
import { getEventLoop } from "./running.js";
import { repr } from "./util.js";
import { checkFunction, checkLoop, expected } from "./checks.js";
import { _debugLoops, _recordSuspension, type _Suspension } from "./suspension.js";
import { Context, _contextVarsInUse, _unwrapCallback, copyContext, type _InContext } from "./context.js";


/**
 * A callback of `future.addDoneCallback()`: called through the loop with the future, once
 * it is done (its return value is ignored).
 * @example
 * const log: DoneCallback<number> = (f) => console.log(f.cancelled() ? "cancelled" : f.result())
 * fut.addDoneCallback(log)
 */
export type DoneCallback<T = unknown> = (future: Future<T>) => unknown;

/** `callback` run in `context` (asyncio's Handle._run); removeDoneCallback and call graphs look through it (`_callback`). */
function inContext(context: Context, callback: DoneCallback<any>): DoneCallback<any> {
  const wrapped: _InContext = (fut: Future<any>) => context.run(callback, fut);
  wrapped._callback = callback;
  wrapped._context = context;
  return wrapped as DoneCallback<any>;
}

/** Whether the registered `cb` is `callback`, itself or wrapped to run in a Context. */
function isCallback(cb: unknown, callback: unknown): boolean {
  return cb === callback || (typeof cb === "function" && _unwrapCallback(cb) === callback);
}

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
  /** The failed task's Context: the report runs in it (asyncio 3.12, gh-96704); the report has no `task` to find it by. */
  runIn: Context | null;
}

/** Reports `entry` through its loop, in the failed task's Context when it has one that is free to enter. */
function reportEntry(entry: Unretrieved): void {
  const ctx = entry.runIn;
  if (ctx === null || ctx._entered) entry.loop.callExceptionHandler(entry.context);
  else ctx.run(() => entry.loop.callExceptionHandler(entry.context));
}
const unretrievedByLoop = new WeakMap<LoopLike, Set<Unretrieved>>();
const registry = typeof FinalizationRegistry === "function"
  ? new FinalizationRegistry<Unretrieved>((entry) => {
      const entries = unretrievedByLoop.get(entry.loop);
      // An entry its loop's close() reported is gone from the set: report each once.
      if (entries === undefined || !entries.delete(entry)) return;
      reportEntry(entry);
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
    reportEntry(entry);
  }
}

/**
 * @internal A future's rarely used fields, in one object made on first use: a pending
 * future costs five fields, whatever it may need later. Tasks keep theirs here too.
 */
export class _Rare {
  thenWaiters: [(v: any) => void, (e: unknown) => void][] | null = null;
  unretrieved: Unretrieved | null = null;
  /** The CancelledError that ended a task, re-thrown by `result()`. */
  cancelledExc: CancelledError | null = null;
  /** The message of the CancelledError `result()` throws (Task.cancel sets it too). */
  cancelMessage: string | undefined = undefined;
  /** Task: the exception its next step throws in. */
  stepExc: unknown = undefined;
  /** Task: cancellation requests not taken back by uncancel(). */
  cancelsRequested = 0;
  /** Task: the creation site (debug mode). */
  sourceTraceback: string | undefined = undefined;
  /** Task: `loop.time()` when it was made (debug mode), for dumpTasks' age. */
  createdAt: number | undefined = undefined;
  /** Task: where its coroutine last suspended (debug mode; suspension.ts). */
  suspension: _Suspension | null = null;
  /** Waiter: the wake-up as a closure, for loops that only offer callSoon (made once). */
  wakeupFn: ((fut: Future<any>) => void) | null = null;
  /** Task: its step as a closure, for loops without task slots (made once). */
  stepFn: (() => void) | null = null;
}

// A future's `_state`: the state in the low bits, flags above. Task adds its own flags
// (see task.ts), so that every hot flag is in one integer.
/** @internal */
export const PENDING = 0, CANCELLED = 1, FINISHED = 2, STATE_MASK = 3;
/** @internal FINISHED with an exception (in `_result`). */
export const HAS_EXCEPTION = 4;
const STATE_NAMES = ["PENDING", "CANCELLED", "FINISHED"] as const;

/**
 * A value that will be set later: asyncio's Future. Thenable (`await fut`) and
 * iterable (`const v = yield* fut` inside a task, typed). Subclassable.
 * @example
 * const fut = loop.createFuture<number>()
 * loop.callLater(10, () => fut.setResult(42))
 * const v: number = yield* fut   // inside a task; or `await fut` anywhere
 */
export class Future<T = unknown> implements PromiseLike<T> {
  // Five plain fields (the notes on V8's object costs: every field is 8 bytes on every
  // future, and a private *method* would add a brand to each): what is rare is in `_rare`.
  /** @internal The loop this future is bound to. */
  _loop: LoopLike;
  /** @internal State and flags (see PENDING, HAS_EXCEPTION; Task adds more). */
  _state = PENDING;
  /** @internal The result, or the exception when HAS_EXCEPTION. `any`: a Future<number> must be usable as a Future<unknown>. */
  _result: any = undefined;
  /** @internal The done callbacks and waiters: none, one stored as it is, or an array from the second on. */
  _callbacks: DoneCallback<any> | Waiter | (DoneCallback<any> | Waiter)[] | null = null;
  /** @internal See _Rare. */
  _rare: _Rare | null = null;

  /**
   * A pending future of `options.loop`; `loop.createFuture()` is the usual way to make one.
   * @param options.loop the loop that runs the done callbacks (default: `getEventLoop()`)
   * @example
   * const fut = new Future<number>({ loop })
   */
  constructor(options?: { loop?: LoopLike }) {
    const loop = options?.loop ?? getEventLoop();
    checkLoop("new Future()", "options.loop", loop);
    this._loop = loop;
  }

  /** @internal The rare fields, made on first use. */
  _rareFields(): _Rare {
    return (this._rare ??= new _Rare());
  }

  /** The loop this future is bound to. */
  getLoop(): LoopLike {
    return this._loop;
  }

  /** Whether the future has a result, an exception, or was cancelled. */
  done(): boolean {
    return (this._state & STATE_MASK) !== PENDING;
  }

  /** Whether the future was cancelled. */
  cancelled(): boolean {
    return (this._state & STATE_MASK) === CANCELLED;
  }

  /**
   * The result. Throws the exception if one was set, `CancelledError` if cancelled,
   * `InvalidStateError` if not done yet.
   */
  result(): T {
    const state = this._state & STATE_MASK;
    if (state === FINISHED) {
      if ((this._state & HAS_EXCEPTION) !== 0) {
        this._clearLogTraceback();
        throw this._result;
      }
      return this._result as T;
    }
    if (state === CANCELLED) throw this._makeCancelledError();
    throw new InvalidStateError("Result is not ready.");
  }

  /**
   * The exception that was set, or `null`. Throws `CancelledError` if cancelled,
   * `InvalidStateError` if not done yet.
   */
  exception(): unknown {
    const state = this._state & STATE_MASK;
    if (state === FINISHED) {
      this._clearLogTraceback();
      return (this._state & HAS_EXCEPTION) !== 0 ? this._result : null;
    }
    if (state === CANCELLED) throw this._makeCancelledError();
    throw new InvalidStateError("Exception is not set.");
  }

  /**
   * Cancels the future and schedules its callbacks. Returns false if it was already done.
   * @param msg the message of the `CancelledError` that `result()` throws
   */
  cancel(msg?: string): boolean {
    this._clearLogTraceback();
    if ((this._state & STATE_MASK) !== PENDING) return false;
    this._state = (this._state & ~STATE_MASK) | CANCELLED;
    if (msg !== undefined && msg !== null) this._rareFields().cancelMessage = String(msg);
    else if (this._rare !== null) this._rare.cancelMessage = undefined;
    this._scheduleCallbacks();
    return true;
  }

  /** Marks the future done with `value` and schedules its callbacks. */
  setResult(value: T): void {
    if ((this._state & STATE_MASK) !== PENDING) throw new InvalidStateError(`setResult(): ${STATE_NAMES[this._state & STATE_MASK]}: ${this}`);
    this._result = value;
    this._state |= FINISHED;
    this._scheduleCallbacks();
  }

  /** Marks the future done with an exception (an error class is instantiated) and schedules its callbacks. */
  setException(exception: unknown): void {
    if ((this._state & STATE_MASK) !== PENDING) throw new InvalidStateError(`setException(): ${STATE_NAMES[this._state & STATE_MASK]}: ${this}`);
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
    if ((this._state & STATE_MASK) !== PENDING) throw new InvalidStateError(`setException(): ${STATE_NAMES[this._state & STATE_MASK]}: ${this}`);
    this._result = exception;
    this._state |= FINISHED | HAS_EXCEPTION;
    this._logTraceback();
    this._scheduleCallbacks();
  }

  /**
   * Calls `callback(future)` through the loop once the future is done (at once, through
   * the loop, if it already is), in `options.context`, else in a copy of the Context
   * current now (asyncio's `add_done_callback(fn, context=None)`).
   * @example
   * fut.addDoneCallback((f) => console.log(f.result()))
   * fut.addDoneCallback(report, { context: ctx })
   */
  addDoneCallback(callback: DoneCallback<T>, options?: { context?: Context }): void {
    checkFunction("addDoneCallback()", callback);
    let context = options?.context;
    if (context !== undefined && !(context instanceof Context)) throw expected("addDoneCallback()", "options.context to be a Context", context);
    // Until a ContextVar exists every Context is empty and alike: nothing to capture.
    if (context === undefined && _contextVarsInUse) context = copyContext();
    this._addWaiter(context === undefined ? (callback as DoneCallback<any>) : inContext(context, callback as DoneCallback<any>));
  }

  /** @internal A task's wakeup (or a checked done callback): like addDoneCallback, without a closure per task. */
  _addWaiter(waiter: Waiter | DoneCallback<any>): void {
    const cbs = this._callbacks;
    if ((this._state & STATE_MASK) !== PENDING) this._callSoon(waiter);
    else if (cbs === null) this._callbacks = waiter;
    else if (Array.isArray(cbs)) cbs.push(waiter);
    else this._callbacks = [cbs, waiter];
  }

  /** @internal Takes back an `_addWaiter` registration while the future is pending. */
  _removeWaiter(waiter: Waiter | DoneCallback<any>): void {
    const cbs = this._callbacks;
    if (cbs === waiter) {
      this._callbacks = null;
    } else if (Array.isArray(cbs)) {
      const i = cbs.indexOf(waiter);
      if (i < 0) return;
      if (cbs.length === 1) this._callbacks = null;
      else cbs.splice(i, 1);
    }
  }

  /** @internal Whether `callback` is registered (gather spots a child passed twice by it). */
  _hasCallback(callback: DoneCallback<any>): boolean {
    const cbs = this._callbacks;
    return isCallback(cbs, callback) || (Array.isArray(cbs) && cbs.some((cb) => isCallback(cb, callback)));
  }

  /** Removes every registration of `callback`; returns how many were removed. */
  removeDoneCallback(callback: DoneCallback<T>): number {
    checkFunction("removeDoneCallback()", callback);
    const cbs = this._callbacks;
    if (cbs === null) return 0;
    if (!Array.isArray(cbs)) {
      if (!isCallback(cbs, callback)) return 0;
      this._callbacks = null;
      return 1;
    }
    const kept = cbs.filter((cb) => !isCallback(cb, callback));
    const removed = cbs.length - kept.length;
    if (removed !== 0) this._callbacks = kept.length === 0 ? null : kept;
    return removed;
  }

  /** Makes the future awaitable from async functions. Retrieves the exception. */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    let promise: Promise<T>;
    if ((this._state & STATE_MASK) === PENDING) {
      const rare = this._rareFields();
      promise = new Promise<T>((resolve, reject) => (rare.thenWaiters ??= []).push([resolve, reject]));
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
    const state = this._state & STATE_MASK;
    if (state === PENDING) return "pending";
    if (state === CANCELLED) return "cancelled";
    if ((this._state & HAS_EXCEPTION) !== 0) return `finished exception=${describeError(this._result)}`;
    return `finished result=${repr(this._result)}`;
  }

  /** @internal The message a cancellation of this future carries (asyncio's `_cancel_message`). */
  _cancelMessage(): string | undefined {
    return this._rare?.cancelMessage;
  }

  /** @internal The CancelledError to throw for a cancelled future. */
  protected _makeCancelledError(): CancelledError {
    const rare = this._rare;
    if (rare === null) return new CancelledError();
    if (rare.cancelledExc !== null) {
      const exc = rare.cancelledExc;
      rare.cancelledExc = null;
      return exc;
    }
    return new CancelledError(rare.cancelMessage);
  }

  /** @internal Stops the unretrieved-exception report. */
  _clearLogTraceback(): void {
    const rare = this._rare;
    if (rare === null || rare.unretrieved === null) return;
    const entry = rare.unretrieved;
    rare.unretrieved = null;
    registry?.unregister(entry);
    unretrievedByLoop.get(entry.loop)?.delete(entry);
  }

  /** @internal Extra context of the unretrieved-exception report (Task adds its creation stack). */
  protected _unretrievedContext(exception: unknown): ExceptionContext {
    return { message: `${this.constructor.name} exception was never retrieved`, exception };
  }

  /** @internal The Context the unretrieved-exception report runs in: a Task's own; none for a Future. */
  protected _reportContext(): Context | null {
    return null;
  }

  /** @internal */
  _logTraceback(): void {
    if (registry === null) return;
    const loop = this._loop;
    const entry: Unretrieved = { loop, context: this._unretrievedContext(this._result), runIn: this._reportContext() };
    this._rareFields().unretrieved = entry;
    registry.register(this, entry, entry);
    let set = unretrievedByLoop.get(loop);
    if (set === undefined) unretrievedByLoop.set(loop, (set = new Set()));
    set.add(entry);
  }

  /** @internal */
  _scheduleCallbacks(): void {
    const rare = this._rare;
    if (rare !== null && rare.thenWaiters !== null) {
      const waiters = rare.thenWaiters;
      rare.thenWaiters = null;
      if ((this._state & (STATE_MASK | HAS_EXCEPTION)) === FINISHED) {
        for (const [resolve] of waiters) resolve(this._result as T);
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
    const cbs = this._callbacks;
    if (cbs === null) return;
    this._callbacks = null;
    if (!Array.isArray(cbs)) {
      this._callSoon(cbs);
      return;
    }
    for (let i = 0; i < cbs.length; i++) this._callSoon(cbs[i]);
  }

  /** @internal */
  _callSoon(callback: DoneCallback<any> | Waiter): void {
    const loop = this._loop as FastLoop;
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
      // Debug mode: the coroutine chain's `yield*` frames are on the stack now (one load when off).
      if (_debugLoops !== 0) _recordSuspension(this.#fut);
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
