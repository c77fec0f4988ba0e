// Queues: asyncio's Queue and LifoQueue (3.12, plus 3.13's shutdown); PriorityQueue is in
// priority-queue.ts.
//
// get() and put() are asyncio coroutines; here they are methods that return a Future at
// once (the coroutine-shaped-API rule): done at once when they need not wait, else an
// operation (../operation.ts) whose generator is asyncio's coroutine, retry loop and
// `except:` branch included. Under `yield*` it runs inside the caller's task, exactly where
// asyncio's coroutine runs, so wake-ups come in the same order and a cancellation lands
// where asyncio's lands; awaited or gathered, done callbacks drive it. It is a `plain`
// operation: its cancel() is a Future's (done at once, a wake-up it got passed on), and a
// get() woken before anyone iterated it is driven by its callback (see operation.ts).
//
// Getters and putters wait in lines as asyncio's do: a deque of waiter futures, a waiter
// leaving it when woken (`_wakeup_next` pops it) or when it gives up (`except:` removes
// it). Not a WaitQueue: that one keeps a woken waiter until its task runs (a Lock's
// discipline) in a Set, which made a blocked get/put a third slower.
import type { Coroutine } from "../events.js";
import type { EventLoop } from "../base-loop.js";
import { QueueEmpty, QueueFull, QueueShutDown } from "../errors.js";
import { Future, _rejected, _resolved } from "../future.js";
import { _Operation } from "../operation.js";
import { isGenerator, repr } from "../util.js";
import { Deque } from "../util/deque.js";
import { checkFunction, checkMaxsize, checkOptions } from "../checks.js";
import { LoopBinding } from "./loop-bound.js";
import { WaitQueue } from "./wait-queue.js";

/** A line of waiting getters or putters (asyncio's `collections.deque` of futures). */
type Line = Deque<Future<void>>;

/**
 * Options of `new Queue()` and its subclasses (the second argument, after `maxsize`).
 * @example
 * const q = new PriorityQueue<Job>(100, { compare: (a, b) => a.deadline - b.deadline })
 */
export interface QueueOptions<T> {
  /**
   * PriorityQueue only: orders items like `Array.prototype.sort`'s comparator (negative:
   * `a` comes out first). Default: Python's `<` (see `PriorityQueue`).
   */
  compare?: (a: T, b: T) => number;
}

/**
 * A FIFO queue for producer and consumer tasks: asyncio's `Queue` (with 3.13's
 * `shutdown`). `maxsize <= 0` (the default) is unbounded; otherwise `put()` waits while
 * the queue holds `maxsize` items. `get()`, `put()` and `join()` return Futures: use
 * them with `yield*` inside a task or `await` anywhere. Waiting getters and putters are
 * served first come, first served, and a cancelled `get()` never loses an item.
 *
 * The queue binds to the running loop the first time an operation has to wait (as
 * asyncio's); using it from another loop then throws.
 *
 * Subclasses may change the order by overriding `_put`, `_get`, `_qsize` and `_items`
 * (asyncio's `_put`/`_get`), as `PriorityQueue` and `LifoQueue` do.
 * @example
 * const q = new Queue<string>(10)
 * function* producer() { for (const url of urls) yield* q.put(url); q.shutdown() }
 * function* worker() {
 *   for (;;) {
 *     let url: string
 *     try { url = yield* q.get() } catch (e) { if (e instanceof QueueShutDown) return; throw e }
 *     try { yield* fetchOne(url) } finally { q.taskDone() }
 *   }
 * }
 */
export class Queue<T = unknown> {
  readonly #binding = new LoopBinding(this);
  #maxsize: number;
  #fifo: Deque<T> | null = null;
  #getters: Line = new Deque();
  #putters: Line = new Deque();
  #unfinished = 0;
  #joiners = new WaitQueue<void>();
  #shutdown = false;

  /**
   * A queue of at most `maxsize` items.
   * @param maxsize how many items the queue holds before `put()` waits; `<= 0` (the
   *   default) or `Infinity` is unbounded. Must be an integer.
   */
  constructor(maxsize: number = 0, options?: QueueOptions<T>) {
    this.#maxsize = checkMaxsize(`new ${new.target.name}()`, maxsize);
    checkOptions(`new ${new.target.name}()`, options);
  }

  // ---- storage: overridable, as asyncio's _put/_get -----------------------------------

  /** @internal Stores an item (FIFO here). Override with `_get`, `_qsize` and `_items` for another order. */
  protected _put(item: T): void {
    (this.#fifo ??= new Deque<T>()).push(item);
  }

  /** @internal Removes and returns the next item; only called when `_qsize() > 0`. */
  protected _get(): T {
    return this.#fifo!.shift();
  }

  /** @internal How many items are stored. */
  protected _qsize(): number {
    return this.#fifo === null ? 0 : this.#fifo.length;
  }

  /** @internal The stored items, in storage order (for `toString()`). */
  protected _items(): T[] {
    return this.#fifo === null ? [] : this.#fifo.toArray();
  }

  // ---- state ------------------------------------------------------------------------

  /** How many items the queue holds before `put()` waits (as given; `<= 0`: unbounded). */
  get maxsize(): number {
    return this.#maxsize;
  }

  /**
   * The number of items in the queue.
   * @example
   * q.putNowait(1); q.qsize() // 1
   */
  qsize(): number {
    return this._qsize();
  }

  /**
   * Whether the queue holds no items.
   * @example
   * if (q.empty()) console.log("idle")
   */
  empty(): boolean {
    return this._qsize() === 0;
  }

  /**
   * Whether the queue holds `maxsize` items (never, when unbounded).
   * @example
   * if (!q.full()) q.putNowait(item)
   */
  full(): boolean {
    return this.#maxsize > 0 && this._qsize() >= this.#maxsize;
  }

  // ---- put ----------------------------------------------------------------------------

  /**
   * Adds `item`, waiting while the queue is full. Returns a Future at once (done if there
   * was room). Fails with `QueueShutDown` once the queue is shut down, also for a put that
   * was waiting. Cancelling it (or the task waiting on it) leaves the item out.
   * @example
   * yield* q.put(job)      // inside a task; or `await q.put(job)`
   */
  put(item: T): Future<void> {
    if (!this.full()) {
      const loop = this.#binding.anyLoop();
      if (this.#shutdown) return _rejected(loop, this.#shutDownError("put"));
      this.#add(item);
      return _resolved(loop, undefined);
    }
    if (this.#shutdown) return _rejected(this.#binding.anyLoop(), this.#shutDownError("put"));
    const loop = this.#binding.getLoopOrCurrent();
    return new _Operation(loop, this.#waitInLine(loop, false, item), true);
  }

  /**
   * Adds `item` now: throws `QueueFull` if the queue is full, `QueueShutDown` if it was
   * shut down. Wakes the first waiting getter.
   * @example
   * try { q.putNowait(event) } catch (e) { if (e instanceof QueueFull) dropped++ ; else throw e }
   */
  putNowait(item: T): void {
    if (this.#shutdown) throw this.#shutDownError("putNowait");
    if (this.full()) throw new QueueFull(`${this.constructor.name}.putNowait(): the queue is full (maxsize ${this.#maxsize})`);
    this.#add(item);
  }

  #add(item: T): void {
    this._put(item);
    this.#unfinished++;
    wakeupNext(this.#getters);
  }

  // ---- get ----------------------------------------------------------------------------

  /**
   * Removes and returns the next item, waiting while the queue is empty. Returns a Future
   * at once (done if an item was there). Fails with `QueueShutDown` when the queue is shut
   * down and empty (at once after `shutdown(true)`), also for a get that was waiting.
   * A get that is cancelled takes no item: a wake-up it already got goes to the next getter.
   * @example
   * const job = yield* q.get()   // inside a task; or `await q.get()`
   */
  get(): Future<T> {
    if (this._qsize() > 0) return _resolved(this.#binding.anyLoop(), this.#take());
    if (this.#shutdown) return _rejected(this.#binding.anyLoop(), this.#shutDownError("get"));
    const loop = this.#binding.getLoopOrCurrent();
    return new _Operation(loop, this.#waitInLine(loop, true), true);
  }

  /**
   * Removes and returns the next item now: throws `QueueEmpty` if there is none
   * (`QueueShutDown` if the queue is also shut down). Wakes the first waiting putter.
   * @example
   * while (!q.empty()) batch.push(q.getNowait())
   */
  getNowait(): T {
    if (this._qsize() === 0) {
      if (this.#shutdown) throw this.#shutDownError("getNowait");
      throw new QueueEmpty(`${this.constructor.name}.getNowait(): the queue is empty`);
    }
    return this.#take();
  }

  #take(): T {
    const item = this._get();
    wakeupNext(this.#putters);
    return item;
  }

  // ---- taskDone and join --------------------------------------------------------------

  /**
   * Tells the queue that the processing of an item taken with `get()` is complete; when
   * every item put has been marked done, `join()` returns. Throws `RangeError` when called
   * more times than items were put (asyncio's ValueError).
   * @example
   * const job = yield* q.get(); try { yield* handle(job) } finally { q.taskDone() }
   */
  taskDone(): void {
    if (this.#unfinished <= 0) throw new RangeError("taskDone() called too many times");
    this.#unfinished--;
    if (this.#unfinished === 0) this.#joiners.unparkAll(undefined);
  }

  /**
   * Waits until every item put has been marked done with `taskDone()` (or dropped by
   * `shutdown(true)`). Returns a Future at once (done if nothing is unfinished).
   * @example
   * for (const j of jobs) q.putNowait(j); yield* q.join(); console.log("all processed")
   */
  join(): Future<void> {
    if (this.#unfinished === 0) return _resolved(this.#binding.anyLoop(), undefined);
    return this.#joiners.park(this.#binding.getLoopOrCurrent());
  }

  // ---- shutdown -----------------------------------------------------------------------

  /**
   * Shuts the queue down (asyncio 3.13): `put()`/`putNowait()` then throw `QueueShutDown`;
   * `get()`/`getNowait()` throw it once the queue is empty. With `immediate`, the queue is
   * emptied at once, each dropped item counting as done for `join()`, so gets throw at once
   * and `join()` returns if nothing else is unfinished. Every waiting getter and putter
   * wakes (and throws `QueueShutDown` unless an item is there for a getter).
   * @example
   * yield* q.join(); q.shutdown()   // workers' get() now throws QueueShutDown: they return
   */
  shutdown(immediate: boolean = false): void {
    this.#shutdown = true;
    if (immediate) {
      while (this._qsize() > 0) {
        this._get();
        if (this.#unfinished > 0) this.#unfinished--;
      }
      if (this.#unfinished === 0) this.#joiners.unparkAll(undefined);
    }
    // Every waiter runs its loop again, to see the shutdown.
    for (const line of [this.#getters, this.#putters]) {
      while (line.length > 0) {
        const waiter = line.shift();
        if (!waiter.done()) waiter.setResult(undefined);
      }
    }
  }

  // ---- iteration ----------------------------------------------------------------------

  /**
   * Consumes the queue inside a task: runs `body(item)` for every item got (a generator
   * function's coroutine is run with `yield*`), and returns once the queue is shut down
   * and empty (the `QueueShutDown` of `get()` ends the loop; one thrown by `body` does not).
   * It does not call `taskDone()`: call it in `body` if you `join()`.
   * @example
   * yield* q.iter(function* (job) { yield* handle(job); q.taskDone() })
   */
  iter(body: (item: T) => Coroutine<unknown> | unknown): Coroutine<void> {
    checkFunction("Queue.iter()", body);
    return this.#iter(body);
  }

  *#iter(body: (item: T) => Coroutine<unknown> | unknown): Coroutine<void> {
    for (;;) {
      let item: T;
      try {
        item = yield* this.get();
      } catch (e) {
        if (e instanceof QueueShutDown) return;
        throw e;
      }
      const r = body(item);
      if (isGenerator(r)) yield* r;
    }
  }

  /**
   * `for await (const item of q)` from an async function: each step awaits `get()`; the
   * loop ends when the queue is shut down and empty. It does not call `taskDone()` (call it
   * yourself if you `join()`). The loop the queue is bound to must be running.
   * @example
   * for await (const msg of q) { render(msg); q.taskDone() }
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    const queue = this;
    const iterator: AsyncIterableIterator<T> = {
      next(): Promise<IteratorResult<T, undefined>> {
        let fut: Future<T>;
        try {
          fut = queue.get();
        } catch (e) {
          return Promise.reject(e);
        }
        return fut.then(
          (value): IteratorResult<T, undefined> => ({ value, done: false }),
          (e: unknown): IteratorResult<T, undefined> => {
            if (e instanceof QueueShutDown) return { value: undefined, done: true };
            throw e;
          },
        );
      },
      return(): Promise<IteratorResult<T, undefined>> {
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  /** `<Queue maxsize=0 _queue=[1, 2] _getters[1] tasks=2 shutdown>`, as asyncio's `str()`. */
  toString(): string {
    let s = `maxsize=${this.#maxsize}`;
    if (this._qsize() > 0) s += ` _queue=[${this._items().map(reprItem).join(", ")}]`;
    if (this.#getters.length > 0) s += ` _getters[${this.#getters.length}]`;
    if (this.#putters.length > 0) s += ` _putters[${this.#putters.length}]`;
    if (this.#unfinished > 0) s += ` tasks=${this.#unfinished}`;
    if (this.#shutdown) s += " shutdown";
    return `<${this.constructor.name} ${s}>`;
  }

  // ---- waiting ------------------------------------------------------------------------

  /**
   * asyncio's get() and put() from their `while` loop on: waits in line until an item (a
   * free slot) is there, then takes (adds) it. The generator of their operation.
   */
  *#waitInLine(loop: EventLoop, getting: boolean, item?: T): Coroutine<any> {
    const line = getting ? this.#getters : this.#putters;
    while (!this.#canGoOn(getting)) {
      if (this.#shutdown) throw this.#shutDownError(getting ? "get" : "put");
      const waiter = loop.createFuture<void>();
      line.push(waiter);
      let woken = false;
      try {
        yield waiter;
        woken = true;
      } finally {
        if (!woken) {
          // asyncio's `except:` branch: leave the line; a wake-up this waiter got but will
          // not use (the item, or the free slot, is still there) goes to the next in line.
          waiter.cancel();
          line.remove(waiter);
          if (!waiter.cancelled() && this.#canGoOn(getting)) wakeupNext(line);
        }
      }
    }
    if (getting) return this.#take();
    if (this.#shutdown) throw this.#shutDownError("put");
    this.#add(item as T);
  }

  /** Whether a get (`getting`) or a put could go ahead now: an item, or a free slot, is there. */
  #canGoOn(getting: boolean): boolean {
    return getting ? this._qsize() > 0 : !this.full();
  }

  #shutDownError(call: string): QueueShutDown {
    return new QueueShutDown(`${this.constructor.name}.${call}(): the queue is shut down`);
  }
}

/** asyncio's `_wakeup_next`: wakes the first waiter still waiting, dropping those done before it. */
function wakeupNext(line: Line): void {
  while (line.length > 0) {
    const waiter = line.shift();
    if (!waiter.done()) {
      waiter.setResult(undefined);
      return;
    }
  }
}



/** An item as asyncio's repr shows it (arrays as Python lists). */
function reprItem(item: unknown): string {
  return Array.isArray(item) ? `[${item.map(reprItem).join(", ")}]` : repr(item);
}

/**
 * A queue that hands out the most recently added item first: asyncio's `LifoQueue`.
 * @example
 * const q = new LifoQueue<number>()
 * q.putNowait(1); q.putNowait(2)
 * q.getNowait() // 2
 */
export class LifoQueue<T = unknown> extends Queue<T> {
  #stack: T[] = [];

  /** @internal */
  protected override _put(item: T): void {
    this.#stack.push(item);
  }

  /** @internal */
  protected override _get(): T {
    return this.#stack.pop()!;
  }

  /** @internal */
  protected override _qsize(): number {
    return this.#stack.length;
  }

  /** @internal */
  protected override _items(): T[] {
    return this.#stack.slice();
  }
}
