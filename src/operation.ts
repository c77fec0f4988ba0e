// The operation primitive: the Future that a coroutine-shaped method returns (`lock.acquire()`,
// `cond.wait()`, `barrier.wait()` ...). asyncio writes those methods as coroutines; the
// public rule here is that a method returns a Future at once. The logic stays a
// generator, written like asyncio's coroutine, and runs two ways:
//
// - inline: `yield* op` inside a task runs the generator inside that task's steps, as
//   `await coro()` inlines a coroutine in asyncio. The task waits on exactly the futures
//   asyncio's task would wait on, so wake-ups take the same number of loop iterations as
//   in asyncio, and a cancellation is thrown into the generator where asyncio throws it
//   (this is what makes "woken, then cancelled before running" races come out as asyncio).
// - driven: otherwise (`await op`, `op.then`, `yield op`, `gather(op)`), done callbacks
//   step the generator as each future it waits on completes; cancelling the future
//   throws CancelledError into the generator, as cancelling a Task does.
//
// The generator starts at the call and runs to its first wait, so the method's effects
// (taking a free lock, queueing as a waiter) happen at once, whoever consumes the future.
//
// By default the operation is a Task's equal: cancelling it throws CancelledError in at
// the generator's next step (so a Condition re-acquires its lock first), and `yield*`
// runs it inline whenever it is still pending. An operation made `plain` (a queue's get
// and put) is a plain Future wherever it can be:
// - cancel() ends it cancelled at once, and runs the generator's cleanup (leave the line,
//   pass a wake-up on) right away; a task iterating it sees the cancellation next step.
// - it runs inline only if nothing claimed it first: once someone listens to it as a
//   future (a done callback, then, a task's plain `yield`), or a wake-up reached it
//   before any `yield*` did, the done callbacks drive it and `yield*` waits on it as on
//   any future. (A woken getter an early `yield*` took inline at once would overtake the
//   tasks already due to run: the queue tests pin the order this keeps.)
import type { Coroutine, LoopLike } from "./events.js";
import { CancelledError, _classifyThrown } from "./errors.js";
import { Future } from "./future.js";

/** @internal A Future whose outcome is that of a generator (see the file comment). */
export class _Operation<T> extends Future<T> {
  #gen: Coroutine<T>;
  /** The future the generator waits on, or null while it runs or once it is done. */
  #waiting: Future<any> | null = null;
  /** A task drives the generator through `yield*` (set once, never cleared). */
  #inline = false;
  #mustCancel = false;
  #cancelMsg: string | undefined = undefined;
  /** A plain operation (see the file comment). */
  #plain: boolean;
  /** A plain operation was claimed as a future: the done callbacks drive it. */
  #detached = false;
  #wakeupFn: ((fut: Future<any>) => void) | null = null;

  /** @internal The future it waits on is done: the driven run takes its next step. */
  _wakeup(fut: Future<any>): void {
    if (this.#inline || fut !== this.#waiting) return;
    this.#waiting = null;
    this.#detached = true;
    let exc: unknown;
    let value: unknown;
    try {
      value = fut.result();
    } catch (e) {
      exc = e ?? new Error(String(e));
    }
    this.#drive(exc !== undefined, exc !== undefined ? exc : value);
  }

  /** @internal The wakeup as a callback, for loops without `_scheduleWake` (made once). */
  _wakeupCallback(): (fut: Future<any>) => void {
    return (this.#wakeupFn ??= (fut) => this._wakeup(fut));
  }

  /**
   * @param plain a plain Future wherever it can be (see the file comment); its
   *   generator's cleanup (`finally`/`catch`) must not wait. Default: a Task's equal.
   */
  constructor(loop: LoopLike, gen: Coroutine<T>, plain = false) {
    super({ loop });
    this.#gen = gen;
    this.#plain = plain;
    this.#drive(false, undefined);
  }

  /**
   * Cancels the operation as cancelling a Task would: `CancelledError` is thrown into its
   * generator at its current wait, which may clean up (a Condition re-acquires its lock)
   * before the future ends cancelled. A plain operation ends cancelled at once and cleans
   * up right away. Returns false if already done.
   */
  override cancel(msg?: string): boolean {
    this._clearLogTraceback();
    if (this.done()) return false;
    if (this.#plain) {
      super.cancel(msg);
      this.#abandon(msg);
      return true;
    }
    const waiting = this.#waiting;
    if (waiting !== null && waiting.cancel(msg)) return true;
    this.#mustCancel = true;
    this.#cancelMsg = msg === undefined || msg === null ? undefined : String(msg);
    return true;
  }

  override toString(): string {
    return `<Future ${this._describe()}>`;
  }

  override addDoneCallback(callback: (future: Future<T>) => unknown): void {
    if (this.#plain) this.#detached = true;
    super.addDoneCallback(callback);
  }

  /** @internal */
  override _addWaiter(waiter: Parameters<Future<T>["_addWaiter"]>[0]): void {
    if (this.#plain) this.#detached = true;
    super._addWaiter(waiter);
  }

  override then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    if (this.#plain) this.#detached = true;
    return super.then(onFulfilled, onRejected);
  }

  /** `yield* op`: runs the operation inside the calling task (see the file comment). */
  override [Symbol.iterator](): Iterator<Future<T>, T, unknown> {
    if (this.done() || this.#inline) return super[Symbol.iterator]();
    if (this.#plain && (this.#detached || this.#waiting?.done() === true)) return super[Symbol.iterator]();
    this.#inline = true;
    // The task waits on that future itself now: the driven run's wake-up would be a no-op.
    this.#waiting?._removeWaiter(this);
    return new InlineIterator(this) as unknown as Iterator<Future<T>, T, unknown>;
  }

  /** @internal The first step of an inline run: wait on the pending future, if any. */
  _inlineFirst(): IteratorResult<unknown, T> {
    const waiting = this.#waiting;
    if (waiting !== null && !waiting.done()) return { value: waiting, done: false };
    this.#waiting = null;
    if (waiting === null) return this._inlineStep(false, undefined);
    try {
      return this._inlineStep(false, waiting.result());
    } catch (e) {
      return this._inlineStep(true, e);
    }
  }

  /** @internal One inline step: resumes the generator; returns what the task waits on next. */
  _inlineStep(throwing: boolean, arg: unknown): IteratorResult<unknown, T> {
    // Cancelled at once while the task waited: the task ends with the future's outcome.
    if (this.done()) return { value: this.result(), done: true };
    this.#waiting = null;
    let r: IteratorResult<unknown, T>;
    try {
      r = this.#resume(throwing, arg);
    } catch (e) {
      this.#settleError(e);
      // The exception reaches the task through the throw: not an unretrieved one.
      this._clearLogTraceback();
      throw e;
    }
    if (r.done === true) {
      super.setResult(r.value);
      return r;
    }
    const value = r.value;
    if (value instanceof Future) {
      this.#waiting = value;
      if (this.#mustCancel && value.cancel(this.#cancelMsg)) this.#mustCancel = false;
    }
    return r;
  }

  /** @internal `return()` of an inline run: the generator is abandoned, the future cancelled. */
  _inlineReturn(value: T): IteratorResult<unknown, T> {
    this.#waiting = null;
    const r = this.#gen.return(value);
    if (r.done === true && !this.done()) super.cancel();
    return r;
  }

  /**
   * Resumes the generator with `arg` (thrown in if `throwing`); a requested cancellation
   * replaces it with a CancelledError. Both drivers (inline and by callbacks) step through here.
   */
  #resume(throwing: boolean, arg: unknown): IteratorResult<unknown, T> {
    if (this.#mustCancel && !(arg instanceof CancelledError)) {
      throwing = true;
      arg = new CancelledError(this.#cancelMsg);
    }
    this.#mustCancel = false;
    return throwing ? this.#gen.throw(arg) : this.#gen.next(arg);
  }

  #drive(throwing: boolean, arg: unknown): void {
    for (;;) {
      let r: IteratorResult<unknown, T>;
      try {
        r = this.#resume(throwing, arg);
      } catch (e) {
        this.#settleError(e);
        return;
      }
      if (r.done === true) {
        super.setResult(r.value);
        return;
      }
      const fut = r.value;
      if (!(fut instanceof Future)) {
        // The generators of this package only wait on futures.
        throwing = true;
        arg = new TypeError(`internal: an operation yielded ${String(fut)} instead of a Future`);
        continue;
      }
      if (fut.done()) {
        try {
          arg = fut.result();
          throwing = false;
        } catch (e) {
          arg = e;
          throwing = true;
        }
        continue;
      }
      this.#waiting = fut;
      if (this.#mustCancel && fut.cancel(this.#cancelMsg)) this.#mustCancel = false;
      // As a Waiter, as a Task registers: no callback closure per operation.
      fut._addWaiter(this);
      return;
    }
  }

  /** A plain operation's cancel: the generator runs its cleanup now; the future is cancelled already. */
  #abandon(msg: string | undefined): void {
    this.#waiting = null;
    try {
      const r = this.#gen.throw(new CancelledError(msg));
      if (r.done !== true) this.#gen.return(undefined as T);
    } catch {
      // The CancelledError rethrown, as expected. (Cleanup must not fail: the future is
      // cancelled already, and nobody waits on the generator.)
    }
  }

  #settleError(e: unknown): void {
    const [exc, cancelled] = _classifyThrown(e, "the operation threw");
    if (cancelled) {
      const c = exc as CancelledError;
      this._rareFields().cancelledExc = c;
      super.cancel(c.message === "" ? undefined : c.message);
    } else {
      this._finishWithException(exc);
    }
  }
}

/** What `yield* op` iterates: the operation's generator, stepped by the calling task. */
class InlineIterator<T> {
  #op: _Operation<T>;
  #started = false;
  constructor(op: _Operation<T>) {
    this.#op = op;
  }
  next(value?: unknown): IteratorResult<unknown, T> {
    if (!this.#started) {
      this.#started = true;
      return this.#op._inlineFirst();
    }
    return this.#op._inlineStep(false, value);
  }
  throw(error: unknown): IteratorResult<unknown, T> {
    this.#started = true;
    return this.#op._inlineStep(true, error);
  }
  return(value?: T): IteratorResult<unknown, T> {
    this.#started = true;
    return this.#op._inlineReturn(value as T);
  }
  [Symbol.iterator](): this {
    return this;
  }
}
