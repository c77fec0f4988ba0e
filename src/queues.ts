// Queues: asyncio's Queue, PriorityQueue and LifoQueue (3.12, plus 3.13's shutdown).
//
// get() and put() are asyncio coroutines; here they are methods that return a Future at
// once (the coroutine-shaped-API rule). A blocked get()/put() is a QueueOp: a Future that
// asyncio's retry loop (`while self.empty(): await getter; ...`) drives in one of two ways.
// - Inline: `yield* q.get()` iterates the op; the iterator hands the task the getter future
//   itself, and runs the retry loop inside the task's own step when the task wakes, exactly
//   where asyncio's coroutine runs it. Same wake-up order, same cancellation behaviour,
//   no extra loop callback.
// - Detached: someone listens to the op as a Future (`await`, `yield fut`, gather,
//   addDoneCallback). The retry loop then runs in a done callback of the getter future,
//   as asyncio would run it in the step of a Task wrapping `q.get()`.
import type { Coroutine, LoopLike } from "./events.js";
import { CancelledError, QueueEmpty, QueueFull, QueueShutDown, _classifyThrown } from "./errors.js";
import { Future } from "./future.js";
import { _runningLoopOrNull, getEventLoop } from "./running.js";
import { isGenerator, repr } from "./util.js";
import { checkFunction, checkOptions } from "./checks.js";

const GET = 0, PUT = 1;
// How a blocked operation is driven (see the top of the file).
const UNBOUND = 0, INLINE = 1, DETACHED = 2;

function newFuture<T>(loop: LoopLike): Future<T> {
  return typeof loop.createFuture === "function" ? loop.createFuture<T>() : new Future<T>({ loop });
}

/** A double-ended FIFO with O(1) amortised shift, for items and waiting operations. */
class Deque<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  shift(): T {
    const items = this.#items;
    const item = items[this.#head] as T;
    items[this.#head++] = undefined;
    if (this.#head === items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 64 && this.#head * 2 >= items.length) {
      // Drop the consumed prefix once it is most of the array: amortised O(1).
      this.#items = items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  remove(item: T): boolean {
    const i = this.#items.indexOf(item, this.#head);
    if (i < 0) return false;
    this.#items.splice(i, 1);
    return true;
  }

  toArray(): T[] {
    return this.#items.slice(this.#head) as T[];
  }
}

/**
 * A blocked `get()` or `put()`: a Future of its result. Iterated by `yield*` inside a
 * task, it runs asyncio's retry loop in that task (see the top of the file). @internal
 */
class QueueOp<R> extends Future<R> {
  /** @internal */
  _queue: Queue<any>;
  /** @internal GET or PUT. */
  _kind: number;
  /** @internal The item a put() waits to add. */
  _item: unknown;
  /** @internal The getter/putter future in the queue's waiting list, or null. */
  _waiter: Future<void> | null = null;
  /** @internal UNBOUND, INLINE or DETACHED. */
  _mode = UNBOUND;

  constructor(loop: LoopLike, queue: Queue<any>, kind: number, item: unknown) {
    super({ loop });
    this._queue = queue;
    this._kind = kind;
    this._item = item;
  }

  /** Cancels the operation: it leaves the queue's waiting list (passing on a wake-up it got). */
  override cancel(msg?: string): boolean {
    if (!super.cancel(msg)) return false;
    this._queue._abandon(this, msg);
    return true;
  }

  override addDoneCallback(callback: (future: Future<R>) => unknown): void {
    this.#detach();
    super.addDoneCallback(callback);
  }

  /** @internal */
  override _addWaiter(waiter: Parameters<Future<R>["_addWaiter"]>[0]): void {
    this.#detach();
    super._addWaiter(waiter);
  }

  override then<R1 = R, R2 = never>(
    onFulfilled?: ((value: R) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.#detach();
    return super.then(onFulfilled, onRejected);
  }

  override [Symbol.iterator](): Iterator<Future<R>, R, unknown> {
    return new QueueOpIterator(this) as unknown as Iterator<Future<R>, R, unknown>;
  }

  /** Someone waits for this future as a future: its done callbacks must drive it. */
  #detach(): void {
    if (this._mode === UNBOUND) this._mode = DETACHED;
  }
}

const START = 0, OWNER = 1, PLAIN = 2, FINISHED = 3;

/** What `yield* op` iterates: asyncio's get()/put() coroutine, run in the caller's task. */
class QueueOpIterator<R> implements Iterator<Future<unknown>, R, unknown> {
  #op: QueueOp<R>;
  #state = START;

  constructor(op: QueueOp<R>) {
    this.#op = op;
  }

  next(): IteratorResult<Future<unknown>, R> {
    const op = this.#op;
    if (this.#state === START) {
      // The first to iterate a still undriven operation drives it inline; anyone else
      // (a second task, or after a listener detached it) waits for the op as a future.
      if (!op.done() && op._mode === UNBOUND) {
        op._mode = INLINE;
        this.#state = OWNER;
      } else if (!op.done()) {
        this.#state = PLAIN;
        return { value: op, done: false };
      }
    }
    if (this.#state === OWNER) {
      for (;;) {
        if (op.done()) break;
        const waiter = op._waiter!;
        if (!waiter.done()) return { value: waiter, done: false };
        // Woken (by an item, a free slot or shutdown): asyncio's `while` loop runs again.
        op._queue._resume(op);
      }
    }
    this.#state = FINISHED;
    return { value: op.result(), done: true };
  }

  throw(error: unknown): IteratorResult<Future<unknown>, R> {
    if (this.#state === OWNER) this.#abandon(error);
    this.#state = FINISHED;
    throw error;
  }

  return(value?: R): IteratorResult<Future<unknown>, R> {
    if (this.#state === OWNER) this.#abandon(new CancelledError());
    this.#state = FINISHED;
    return { value: value as R, done: true };
  }

  [Symbol.iterator](): this {
    return this;
  }

  /** asyncio's `except:` branch: leave the waiting list, then end the op with the error. */
  #abandon(error: unknown): void {
    const op = this.#op;
    this.#state = FINISHED;
    if (op.done()) return;
    op._queue._abandon(op, undefined);
    const [exc, cancelled] = _classifyThrown(error, "the caller threw");
    if (cancelled) {
      const message = (exc as CancelledError).message;
      op.cancel(message === "" ? undefined : message);
    } else {
      // The caller's coroutine sees the error; the op only mirrors it for other listeners.
      op._finishWithException(exc);
      op._clearLogTraceback();
    }
  }
}

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
  #maxsize: number;
  #fifo: Deque<T> | null = null;
  #getters = new Deque<QueueOp<any>>();
  #putters = new Deque<QueueOp<any>>();
  #unfinished = 0;
  #joiners: Future<void>[] = [];
  #pruneJoinersAt = 16;
  #shutdown = false;
  #loop: LoopLike | null = null;

  /**
   * A queue of at most `maxsize` items.
   * @param maxsize how many items the queue holds before `put()` waits; `<= 0` (the
   *   default) or `Infinity` is unbounded. Must be an integer.
   */
  constructor(maxsize: number = 0, options?: QueueOptions<T>) {
    if (typeof maxsize !== "number") throw new TypeError(`new ${new.target.name}() expected maxsize to be an integer, got ${repr(maxsize)}`);
    if (!(Number.isInteger(maxsize) || maxsize === Infinity || maxsize === -Infinity)) {
      throw new RangeError(`new ${new.target.name}() expected maxsize to be an integer, got ${repr(maxsize)}`);
    }
    checkOptions(`new ${new.target.name}()`, options);
    this.#maxsize = maxsize;
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
      const loop = this.#anyLoop();
      if (this.#shutdown) return failed(loop, this.#shutDownError("put"));
      this.#add(item);
      return done(loop, undefined);
    }
    if (this.#shutdown) return failed(this.#anyLoop(), this.#shutDownError("put"));
    const loop = this.#bindLoop();
    const op = new QueueOp<void>(loop, this, PUT, item);
    this.#park(op, loop, this.#putters);
    return op;
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
    this.#wakeupNext(this.#getters);
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
    if (this._qsize() > 0) return done(this.#anyLoop(), this.#take());
    if (this.#shutdown) return failed(this.#anyLoop(), this.#shutDownError("get"));
    const loop = this.#bindLoop();
    const op = new QueueOp<T>(loop, this, GET, undefined);
    this.#park(op, loop, this.#getters);
    return op;
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
    this.#wakeupNext(this.#putters);
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
    if (this.#unfinished === 0) this.#releaseJoiners();
  }

  /**
   * Waits until every item put has been marked done with `taskDone()` (or dropped by
   * `shutdown(true)`). Returns a Future at once (done if nothing is unfinished).
   * @example
   * for (const j of jobs) q.putNowait(j); yield* q.join(); console.log("all processed")
   */
  join(): Future<void> {
    if (this.#unfinished === 0) return done(this.#anyLoop(), undefined);
    const fut = newFuture<void>(this.#bindLoop());
    const joiners = this.#joiners;
    if (joiners.length >= this.#pruneJoinersAt) {
      // Cancelled joins stay in the list until released; drop them now and then.
      this.#joiners = joiners.filter((j) => !j.done());
      this.#pruneJoinersAt = Math.max(16, this.#joiners.length * 2);
    }
    this.#joiners.push(fut);
    return fut;
  }

  #releaseJoiners(): void {
    const joiners = this.#joiners;
    if (joiners.length === 0) return;
    this.#joiners = [];
    for (const j of joiners) if (!j.done()) j.setResult(undefined);
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
      if (this.#unfinished === 0) this.#releaseJoiners();
    }
    // Every waiter runs its loop again, to see the shutdown.
    for (const list of [this.#getters, this.#putters]) {
      while (list.length > 0) {
        const op = list.shift();
        if (op._waiter !== null && !op._waiter.done()) this.#signal(op);
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

  /** @internal A woken operation runs asyncio's `while` loop once more. */
  _resume(op: QueueOp<any>): void {
    op._waiter = null;
    this.#advance(op);
  }

  /**
   * @internal asyncio's `except:` branch of get()/put(): the op leaves the waiting list;
   * a wake-up it got but cannot take goes to the next in line.
   */
  _abandon(op: QueueOp<any>, msg: string | undefined): void {
    const waiter = op._waiter;
    if (waiter === null) return;
    op._waiter = null;
    waiter.cancel(msg);
    const list = op._kind === GET ? this.#getters : this.#putters;
    list.remove(op);
    if (!waiter.cancelled() && (op._kind === GET ? this._qsize() > 0 : !this.full())) this.#wakeupNext(list);
  }

  /** Completes the op if it can go ahead now, else parks it with a new waiter. */
  #advance(op: QueueOp<any>): void {
    if (op._kind === GET) {
      if (this._qsize() > 0) op.setResult(this.#take());
      else if (this.#shutdown) op.setException(this.#shutDownError("get"));
      else this.#park(op, op.getLoop(), this.#getters);
    } else if (!this.full()) {
      if (this.#shutdown) {
        op.setException(this.#shutDownError("put"));
      } else {
        this.#add(op._item as T);
        op._item = undefined;
        op.setResult(undefined);
      }
    } else if (this.#shutdown) {
      op.setException(this.#shutDownError("put"));
    } else {
      this.#park(op, op.getLoop(), this.#putters);
    }
  }

  #park(op: QueueOp<any>, loop: LoopLike, list: Deque<QueueOp<any>>): void {
    op._waiter = newFuture<void>(loop);
    list.push(op);
  }

  /** asyncio's `_wakeup_next`: wakes the first waiter still waiting. */
  #wakeupNext(list: Deque<QueueOp<any>>): void {
    while (list.length > 0) {
      const op = list.shift();
      if (op._waiter !== null && !op._waiter.done()) {
        this.#signal(op);
        return;
      }
    }
  }

  #signal(op: QueueOp<any>): void {
    const waiter = op._waiter!;
    waiter.setResult(undefined);
    // An inline op's task wakes on the waiter itself; any other op is driven by a callback.
    if (op._mode !== INLINE) {
      op._mode = DETACHED;
      waiter.addDoneCallback(() => {
        if (!op.done() && op._waiter === waiter) this._resume(op);
      });
    }
  }

  // ---- loops --------------------------------------------------------------------------

  /** The loop for a future that is done at once: no binding (as asyncio, which needs none). */
  #anyLoop(): LoopLike {
    return this.#loop ?? _runningLoopOrNull() ?? getEventLoop();
  }

  /** The loop to wait on: binds the queue to the running loop on first use (asyncio's mixin). */
  #bindLoop(): LoopLike {
    const running = _runningLoopOrNull();
    if (running === null) return (this.#loop ??= getEventLoop());
    if (this.#loop === null) this.#loop = running;
    else if (this.#loop !== running) throw new Error(`${this} is bound to a different event loop`);
    return running;
  }

  #shutDownError(call: string): QueueShutDown {
    return new QueueShutDown(`${this.constructor.name}.${call}(): the queue is shut down`);
  }
}

function done<T>(loop: LoopLike, value: T): Future<T> {
  const fut = newFuture<T>(loop);
  fut.setResult(value);
  return fut;
}

function failed<T>(loop: LoopLike, error: unknown): Future<T> {
  const fut = newFuture<T>(loop);
  fut.setException(error);
  return fut;
}

function reprItem(item: unknown): string {
  return Array.isArray(item) ? `[${item.map(reprItem).join(", ")}]` : repr(item);
}

// ---- PriorityQueue ------------------------------------------------------------------------

/**
 * Python's `a < b` for the values a PriorityQueue orders by default: numbers, bigints and
 * booleans by value, strings by code point, Dates by time, arrays as tuples (element by
 * element, the first unequal pair decides, a prefix comes first). Anything else, or a
 * mix Python cannot order (a number and a string), throws a TypeError, as Python does.
 */
function pyLess(a: unknown, b: unknown): boolean {
  const ta = typeof a, tb = typeof b;
  if (isNumeric(ta) && isNumeric(tb)) return (a as number) < (b as number);
  if (ta === "string" && tb === "string") return compareStrings(a as string, b as string) < 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (!pyEqual(a[i], b[i])) return pyLess(a[i], b[i]);
    }
    return a.length < b.length;
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() < b.getTime();
  throw new TypeError(
    `PriorityQueue cannot order ${describeKind(a)} and ${describeKind(b)} (Python's '<' does not either): ` +
    "put [priority, counter, item] arrays, or pass a compare function: new PriorityQueue(maxsize, { compare })",
  );
}

/** Python's `==` as tuple comparison uses it to find the first differing element. */
function pyEqual(a: unknown, b: unknown): boolean {
  if (a === b || Object.is(a, b)) return true;
  const ta = typeof a, tb = typeof b;
  if (isNumeric(ta) && isNumeric(tb)) return (a as number) == (b as number);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!pyEqual(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return false;
}

function isNumeric(type: string): boolean {
  return type === "number" || type === "bigint" || type === "boolean";
}

function describeKind(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "Object"})`;
  return `a ${typeof value} (${repr(value)})`;
}

/** Compares by Unicode code point, as Python does (JavaScript's `<` compares UTF-16 units). */
function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff, ys = y >= 0xd800 && y <= 0xdfff;
    // A surrogate starts a code point above U+FFFF: larger than any BMP unit, even U+E000+.
    if (xs !== ys && (xs ? y : x) >= 0xe000) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * A queue that hands out the smallest item first: asyncio's `PriorityQueue`, a binary
 * min-heap with Python's `heapq` algorithm (so ties come out in the same order).
 *
 * By default items are ordered as Python orders them: numbers (and bigints, booleans) by
 * value, strings by code point, Dates by time, and arrays as Python tuples, element by
 * element: `[priority, value]` pairs order by priority, then by value. As in Python,
 * items that cannot be ordered (objects, or a number against a string) throw a TypeError
 * from `put()`: add a tie-breaking counter (`[priority, seq++, obj]`), or pass
 * `{ compare }` (a sort comparator) as the second argument.
 * @example
 * const q = new PriorityQueue<[number, string]>()
 * q.putNowait([2, "write"]); q.putNowait([1, "read"])
 * q.getNowait() // [1, "read"]
 * const byDeadline = new PriorityQueue<Job>(0, { compare: (a, b) => a.deadline - b.deadline })
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  #heap: T[] = [];
  #less: (a: T, b: T) => boolean;

  /**
   * A priority queue of at most `maxsize` items, smallest first.
   * @param maxsize as `Queue`'s
   * @param options.compare a sort comparator (default: Python's `<`, see above)
   */
  constructor(maxsize: number = 0, options?: QueueOptions<T>) {
    super(maxsize, options);
    const compare = options?.compare;
    if (compare === undefined) {
      this.#less = pyLess;
    } else {
      checkFunction("PriorityQueue() options.compare", compare);
      this.#less = (a, b) => compare(a, b) < 0;
    }
  }

  /** @internal heapq.heappush: append, then move the item up past every parent it is less than. */
  protected override _put(item: T): void {
    const heap = this.#heap;
    heap.push(item);
    const end = heap.length - 1;
    let pos = end;
    try {
      while (pos > 0) {
        const parentPos = (pos - 1) >> 1;
        const parent = heap[parentPos];
        if (!this.#less(item, parent)) break;
        heap[pos] = parent;
        pos = parentPos;
      }
    } catch (e) {
      // An unorderable item: undo the moves and leave the queue as it was.
      const path = [end];
      while (path[path.length - 1] > pos) path.push((path[path.length - 1] - 1) >> 1);
      for (let j = path.length - 1; j > 0; j--) heap[path[j]] = heap[path[j - 1]];
      heap.pop();
      throw e;
    }
    heap[pos] = item;
  }

  /** @internal heapq.heappop: the last item replaces the root, goes down to a leaf, then up. */
  protected override _get(): T {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return last;
    const top = heap[0];
    const end = heap.length;
    let pos = 0;
    let child = 1;
    while (child < end) {
      const right = child + 1;
      if (right < end && !this.#less(heap[child], heap[right])) child = right;
      heap[pos] = heap[child];
      pos = child;
      child = 2 * pos + 1;
    }
    while (pos > 0) {
      const parentPos = (pos - 1) >> 1;
      const parent = heap[parentPos];
      if (!this.#less(last, parent)) break;
      heap[pos] = parent;
      pos = parentPos;
    }
    heap[pos] = last;
    return top;
  }

  /** @internal */
  protected override _qsize(): number {
    return this.#heap.length;
  }

  /** @internal */
  protected override _items(): T[] {
    return this.#heap.slice();
  }
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
