// asCompleted(): asyncio.as_completed: an iterator (lazy, like 3.12's generator: nothing
// starts before the first next()) of as many futures as there are distinct awaitables,
// the k-th of which gives the outcome of the k-th to finish; and, as 3.13's, an async
// iterator of the original futures and tasks themselves, in the order they finish.
import type { Awaitable, LoopLike } from "./events.js";
import { CancelledError, TimeoutError } from "./errors.js";
import { _ensureFuture, _newFuture } from "./ensure-future.js";
import { Future, _setExceptionAsIs } from "./future.js";
import { getEventLoop } from "./running.js";
import { isGenerator, isThenable } from "./util.js";
import { checkAwaitables, checkIterable, checkMs, loopLacks } from "./checks.js";

/**
 * Options of `asCompleted()`.
 * @example
 * for (const next of asCompleted(tasks, { timeout: 1000 })) console.log(yield* next)
 */
export interface AsCompletedOptions {
  /** After this many ms, the futures not yet given an outcome throw `TimeoutError`. */
  timeout?: number | null;
}

/** The marker queued for each awaitable still pending at the timeout. */
const TIMED_OUT = Symbol("timed out");

/**
 * What `asCompleted()` returns: an iterator of futures giving the outcomes in completion
 * order (for generator tasks: `yield* next`), and an async iterator (for async functions:
 * `for await`) of the futures and tasks themselves, as they finish (asyncio 3.13). Both
 * draw from the same awaitables: each finished one is handed out once.
 * @example
 * const it = asCompleted(tasks)[Symbol.asyncIterator]()
 * for (let r; !(r = await it.next()).done; ) console.log(r.value.result())
 */
export interface AsCompletedIterator<T> extends IterableIterator<Future<T>>, AsyncIterable<Future<T>> {
  /** The async iterator: each `next()` resolves with the next future or task to finish. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Future<T>>;
}

/** An async iterator's next(), waiting for the next awaitable to finish. */
interface AsyncWaiter<T> {
  resolve(result: IteratorResult<Future<T>, undefined>): void;
  reject(error: unknown): void;
}

/** The iterator `asCompleted()` returns. */
class AsCompleted<T> implements AsCompletedIterator<T> {
  #aws: Awaitable<T>[];
  #timeout: number | null;
  #loop: LoopLike | null = null;
  #todo = new Set<Future<T>>();
  #total = -1;
  #yielded = 0;
  /** Finished futures (or the timeout marker) not yet handed to a waiter. */
  #done: (Future<T> | typeof TIMED_OUT)[] = [];
  /** Futures handed out (and async next() calls) that wait for the next one to finish, in order. */
  #waiters: (Future<T> | AsyncWaiter<T>)[] = [];
  #timeoutHandle: { cancel(): void } | null = null;
  #onCompletion = (f: Future<T>): void => {
    // The timeout came first: its markers are queued already.
    if (this.#todo.size === 0) return;
    this.#todo.delete(f);
    this.#put(f);
    if (this.#todo.size === 0 && this.#timeoutHandle !== null) {
      this.#timeoutHandle.cancel();
      this.#timeoutHandle = null;
    }
  };

  constructor(aws: Awaitable<T>[], timeout: number | null) {
    this.#aws = aws;
    this.#timeout = timeout;
  }

  next(): IteratorResult<Future<T>, undefined> {
    if (this.#total < 0) this.#start();
    if (this.#yielded >= this.#total) return { value: undefined, done: true };
    this.#yielded++;
    const fut = _newFuture<T>(this.#loop!);
    const item = this.#done.shift();
    if (item === undefined) this.#waiters.push(fut);
    else this.#settle(fut, item);
    return { value: fut, done: false };
  }

  [Symbol.iterator](): this {
    return this;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Future<T>> {
    const iterator: AsyncIterableIterator<Future<T>> = {
      next: () => this.#nextAsync(),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** asyncio 3.13's __anext__: the next future to finish itself, or TimeoutError. */
  #nextAsync(): Promise<IteratorResult<Future<T>, undefined>> {
    try {
      if (this.#total < 0) this.#start();
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.#yielded >= this.#total) return Promise.resolve({ value: undefined, done: true });
    this.#yielded++;
    return new Promise((resolve, reject) => {
      const waiter: AsyncWaiter<T> = { resolve, reject };
      const item = this.#done.shift();
      if (item === undefined) this.#waiters.push(waiter);
      else this.#settle(waiter, item);
    });
  }

  #start(): void {
    if (this.#aws.length === 0) {
      this.#total = 0;
      return;
    }
    const loop = (this.#loop = getEventLoop() as LoopLike);
    for (const aw of new Set(this.#aws)) this.#todo.add(_ensureFuture("asCompleted()", aw, loop));
    this.#aws = [];
    this.#total = this.#todo.size;
    for (const f of this.#todo) f.addDoneCallback(this.#onCompletion);
    if (this.#todo.size > 0 && this.#timeout !== null) {
      const timerLoop = loop as { callLater?(ms: number, cb: () => unknown): { cancel(): void } };
      if (typeof timerLoop.callLater !== "function") throw loopLacks("asCompleted()", "callLater() for a timeout");
      this.#timeoutHandle = timerLoop.callLater(this.#timeout, () => this.#onTimeout());
    }
  }

  #onTimeout(): void {
    this.#timeoutHandle = null;
    for (const f of this.#todo) {
      f.removeDoneCallback(this.#onCompletion);
      this.#put(TIMED_OUT);
    }
    this.#todo.clear();
  }

  #put(item: Future<T> | typeof TIMED_OUT): void {
    // A handed-out future that was cancelled (its task was cancelled while waiting on it)
    // takes nothing: the outcome goes to the next one, as asyncio's queue getters do.
    let waiter = this.#waiters.shift();
    while (waiter instanceof Future && waiter.done()) waiter = this.#waiters.shift();
    if (waiter === undefined) this.#done.push(item);
    else this.#settle(waiter, item);
  }

  /**
   * Gives `fut` the outcome of `item`, what `await f` of asyncio's item coroutine does; or
   * an async waiter `item` itself (wrapped: a Promise resolved with a future would adopt it).
   */
  #settle(fut: Future<T> | AsyncWaiter<T>, item: Future<T> | typeof TIMED_OUT): void {
    if (!(fut instanceof Future)) {
      if (item === TIMED_OUT) fut.reject(this.#timeoutError());
      else fut.resolve({ value: item, done: false });
    } else if (item === TIMED_OUT) {
      fut.setException(this.#timeoutError());
    } else if (item.cancelled()) {
      let exc: unknown;
      try {
        item.result();
      } catch (e) {
        exc = e;
      }
      fut.cancel(exc instanceof CancelledError ? exc.message || undefined : undefined);
    } else {
      const exc = item.exception();
      if (exc !== null) _setExceptionAsIs(fut, exc);
      else fut.setResult(item.result());
    }
  }

  #timeoutError(): TimeoutError {
    return new TimeoutError(`asCompleted(): timed out after ${this.#timeout} ms`);
  }
}

/**
 * Iterates over futures in completion order: the first future gives the outcome of the
 * first awaitable to finish, and so on (coroutines are wrapped in tasks, promises
 * adopted). With `timeout` (ms), the futures still waiting at the deadline throw
 * `TimeoutError`. Nothing is cancelled. Nothing starts before the first iteration.
 * In an async function, `for await` gives the futures and tasks themselves as they finish
 * (a coroutine's task, a promise's future); past the timeout, it throws `TimeoutError`.
 * TypeScript types a `for await` variable as the awaited value, assuming async iterators
 * never yield thenables: call `next()` of `[Symbol.asyncIterator]()` for the futures' type.
 * @example
 * for (const next of asCompleted(downloads, { timeout: 10_000 })) {
 *   const file = yield* next       // the earliest download to finish first
 *   console.log(file.name)
 * }
 * const it = asCompleted(tasks)[Symbol.asyncIterator]()
 * for (let r; !(r = await it.next()).done; ) console.log(r.value.getName(), r.value.result())
 */
export function asCompleted<T>(aws: Iterable<Awaitable<T>>, options?: AsCompletedOptions): AsCompletedIterator<T> {
  checkIterable("asCompleted()", aws, aws instanceof Future || isGenerator(aws) || isThenable(aws));
  const timeout = options?.timeout ?? null;
  if (timeout !== null) checkMs("asCompleted()", "options.timeout", timeout);
  const list = [...aws];
  checkAwaitables("asCompleted()", list);
  return new AsCompleted(list, timeout);
}
