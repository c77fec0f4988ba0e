// The event loop proper: a scheduler core (Wasm or TS) that orders handle ids, a slot
// table that maps ids to callbacks, and a driver that runs the loop in slices on the
// host's macrotask queue. `_runOnce` is the only place callbacks are called.
//
//   callSoon ─► slot table (fn, arg, state, generation) ─► id ─► core.push (no call into Wasm)
//   callLater ─► slot ─► core.timerAdd(id, when)
//   _runOnce: core.tick(now) once ─► batch of ids ─► run each slot's callback
import { acquireCore, releaseCore, type SchedulerCore } from "./core/index.js";
import { hostDriver } from "./drivers/index.js";
import { MAX_SLEEP_MS, type HostDriver } from "./drivers/types.js";
import type { AbortSignalLike, Awaitable, Coroutine, ExceptionContext, ExceptionHandler, LoopOptions, TaskFactory } from "./events.js";
import { _ensureFuture } from "./ensure-future.js";
import { Future, _reportUnretrieved, describeError, type Waiter } from "./future.js";
import { Handle, TimerHandle } from "./handles.js";
import { Task, _forgetTasks } from "./task.js";
import { _runningLoopOrNull, _setLoopFactory, _setRunningLoop } from "./running.js";
import { describeObject, repr } from "./util.js";
import { checkCoroutine, checkFunction, checkMs, checkOptions, loopClosed } from "./checks.js";

// Slot states.
const FREE = 0;
/** A one-shot callback in the ready ring. */
const QUEUED = 1;
/** A one-shot callback in the timer heap. */
const TIMER = 2;
/** Cancelled while in the ready ring: skipped and freed when reached. */
const CANCELLED = 3;
/** Cancelled while in the heap: freed when the core releases the id. */
const ZOMBIE = 4;
/** A task's stable slot, not scheduled. */
const TASK = 5;
/** A task's stable slot, in the ready ring. */
const TASK_QUEUED = 6;

// How a one-shot slot calls its function.
const CALL0 = 0, CALL1 = 1, CALLN = 2;

/** Longest run of loop iterations before yielding to the host's I/O and promise callbacks. */
const SLICE_MS = 4;
/** asyncio's slow_callback_duration, in ms. */
const SLOW_CALLBACK_MS = 100;
const FIRST_SLOTS = 1024;
// Callbacks and arguments live in chunks of 4,096 slots: growing adds a chunk instead of
// copying one large array, and chunks sit in V8's ordinary pages, which it reuses, where a
// large array takes fresh memory on every growth (page faults dominated a burst of 1M).
const CHUNK_BITS = 12;
const CHUNK_MASK = (1 << CHUNK_BITS) - 1;

/**
 * The typed arrays of the last closed loop's slot table, for the next loop: growing them
 * again would take fresh memory, which is costly on VMs (the Wasm cores are pooled alike).
 */
interface SlotArrays {
  state: Uint8Array<ArrayBuffer>;
  kind: Uint8Array<ArrayBuffer>;
  gen: Uint32Array<ArrayBuffer>;
  free: Uint32Array<ArrayBuffer>;
}
let spareSlots: SlotArrays | null = null;

/**
 * The loops inside runForever() (or runUntilComplete()). Between two iterations no loop is
 * "running" in getRunningLoop()'s sense, yet that is where an async function resumes (in a
 * microtask): `await sleep()` there sleeps on the one loop in this set.
 */
const runningLoops = new Set<EventLoop>();

/** @internal The loops whose runForever() is in progress. */
export function _runningLoops(): ReadonlySet<EventLoop> {
  return runningLoops;
}
/** Slot tables up to this size are kept for reuse (10 bytes a slot). */
const MAX_SPARE_SLOTS = 1 << 21;

// The tables of every closed loop.
const NO_BYTES = new Uint8Array(0);
const NO_WORDS = new Uint32Array(0);
/** A slot's last generation: released at it, the slot is retired rather than wrap to 0. */
const LAST_GENERATION = 0xffffffff;

function checkContext(call: string, context: unknown): void {
  if (typeof context !== "object" || context === null) throw new TypeError(`${call} expected a context object, got ${repr(context)}`);
}

/** The empty core every closed loop points at (never run: a closed loop schedules nothing). */
let closedCore: SchedulerCore | null = null;

/**
 * A chunk of the callback table starts empty: ids are handed out in order, so each new one
 * appends to its chunk (which stays a packed array), and a loop that schedules little
 * holds little (a full chunk up front was 64 KB a loop, and made creating loops slow once
 * many were alive).
 */
function newChunk<T>(): (T | undefined)[] {
  return [];
}

type Callback = (...args: any[]) => unknown;

/**
 * @internal Something told if it is still open when its loop closes: a server or a
 * transport (it warns, as asyncio's ResourceWarning), an awaited sleep (it rejects).
 */
export interface _Resource {
  _loopClosed(): void;
}

/**
 * Options of `loop.createTask()`.
 * @example
 * const options: CreateTaskOptions = { name: "fetcher", signal: AbortSignal.timeout(5000) }
 * const task = loop.createTask(fetchAll(), options)
 */
export interface CreateTaskOptions {
  /** The task's name (default `Task-N`). */
  name?: string;
  /** Cancels the task when aborted, with the signal's reason as the message. */
  signal?: AbortSignalLike;
}

/**
 * asyncio's event loop: callbacks, timers, futures and tasks, on a scheduler core in
 * WebAssembly (or pure TypeScript with `{ core: 'js' }`). It never blocks the thread:
 * it runs in slices on the host's macrotask queue and sleeps until the next timer.
 * @example
 * const loop = new EventLoop()
 * loop.callLater(100, () => console.log("later"))
 * loop.callSoon(() => console.log("soon"))
 * await loop.runUntilComplete(sleep(200))
 * loop.close()
 */
export class EventLoop {
  #core: SchedulerCore;
  /** The kind of core the loop ran on, kept when close() gives the core back. */
  #coreKind: "wasm" | "js" | undefined = undefined;
  #host: HostDriver;
  readonly #virtual: boolean;
  #vnow = 0;
  // The slot table: one entry per live id; ids are recycled with a new generation.
  #fns: (Callback | undefined)[][] = [newChunk()];
  #args: unknown[][] = [newChunk()];
  #state = new Uint8Array(FIRST_SLOTS);
  #kind = new Uint8Array(FIRST_SLOTS);
  // A generation never wraps: a slot released at LAST_GENERATION is retired, never reused.
  // Wrapping to 0 after 2^32 reuses (minutes of a busy loop, whose LIFO free list reuses
  // one slot over and over) let a stale handle cancel the slot's new occupant. Retiring
  // costs 10 bytes per 2^32 callbacks; doubles (exact to 2^53) cost 5-15% on callSoon.
  #gen = new Uint32Array(FIRST_SLOTS);
  #free = new Uint32Array(FIRST_SLOTS);
  #freeTop = 0;
  /** Slots retired at their last generation. */
  #retired = 0;
  #nextId = 0;
  // Running state.
  #running = false;
  #stopping = false;
  #closed = false;
  #waiting = false;
  #sliceQueued = false;
  /** Virtual clock: the host has had a turn since the loop last ran anything. */
  #hostTurnSinceWork = false;
  #sleepToken: unknown = undefined;
  #stopped: (() => void) | null = null;
  #failed: ((e: unknown) => void) | null = null;
  #debug: boolean;
  #slowCallbackMs: number;
  #handler: ExceptionHandler<EventLoop> | null = null;
  #taskFactory: TaskFactory<EventLoop> | null = null;
  /** Promises adopted by wrapPromise and not settled yet (what runSync cannot wait for). */
  #promisesPending = 0;
  /** Open servers and transports, reported if still open at close(). */
  #resources: Set<_Resource> | null = null;

  /**
   * A new loop, not running: real clock and Wasm core unless `options` say otherwise.
   * @param options `clock` (`"real"` or `"virtual"`), `debug`, `slowCallbackMs`, `core` (`"wasm"` or `"js"`)
   * @example
   * const loop = new EventLoop({ clock: "virtual", debug: true })
   */
  constructor(options?: LoopOptions) {
    checkOptions("new EventLoop()", options);
    const clock = options?.clock ?? "real";
    if (clock !== "real" && clock !== "virtual") {
      throw new RangeError(`new EventLoop() expected options.clock to be "real" or "virtual", got ${repr(clock)}`);
    }
    const core = options?.core;
    if (core !== undefined && core !== "wasm" && core !== "js") {
      throw new RangeError(`new EventLoop() expected options.core to be "wasm" or "js", got ${repr(core)}`);
    }
    this.#virtual = clock === "virtual";
    this.#debug = Boolean(options?.debug);
    this.#slowCallbackMs = options?.slowCallbackMs === undefined ? SLOW_CALLBACK_MS : checkMs("new EventLoop()", "options.slowCallbackMs", options.slowCallbackMs);
    this.#host = hostDriver();
    this.#core = acquireCore(core, this.#onRelease);
    if (spareSlots !== null) {
      ({ state: this.#state, kind: this.#kind, gen: this.#gen, free: this.#free } = spareSlots);
      spareSlots = null;
    }
  }

  // ---- callbacks ------------------------------------------------------------------

  /**
   * Schedules `callback(...args)` for the next loop iteration, after the callbacks
   * already scheduled (FIFO).
   * @example
   * loop.callSoon((a, b) => console.log(a + b), 1, 2)
   */
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    checkFunction("callSoon()", callback);
    this.#checkClosed("callSoon()");
    const id = this.#allocArgs(callback as Callback, args);
    this.#state[id] = QUEUED;
    this.#push(id);
    // Not kept by the loop: a handle the caller drops dies young, which is most of them.
    return new Handle(callback as Callback, this, id, this.#gen[id]);
  }

  /**
   * Schedules `callback(...args)` to run `delayMs` milliseconds from now. A negative
   * delay counts as 0; `Infinity` never fires. Timers never fire early; equal deadlines
   * fire in scheduling order.
   * @example
   * const h = loop.callLater(500, () => console.log("half a second"))
   */
  callLater<A extends unknown[]>(delayMs: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    checkMs("callLater()", "delayMs", delayMs);
    checkFunction("callLater()", callback);
    return this.#timer("callLater()", this.time() + (delayMs > 0 ? delayMs : 0), callback as Callback, args);
  }

  /**
   * Schedules `callback(...args)` at `whenMs` on the loop's clock (`loop.time()`).
   * @example
   * loop.callAt(loop.time() + 1000, tick)
   */
  callAt<A extends unknown[]>(whenMs: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    checkMs("callAt()", "whenMs", whenMs);
    checkFunction("callAt()", callback);
    return this.#timer("callAt()", whenMs, callback as Callback, args);
  }

  /**
   * The loop's clock in milliseconds: monotonic (`performance.now()`) on a real clock,
   * starting at 0 on the virtual clock.
   * @example
   * const t0 = loop.time(); yield* sleep(100); loop.time() - t0 >= 100 // true
   */
  time(): number {
    return this.#virtual ? this.#vnow : this.#host.now();
  }

  #timer(call: string, when: number, callback: Callback, args: unknown[]): TimerHandle {
    this.#checkClosed(call);
    const id = this.#allocArgs(callback, args);
    this.#state[id] = TIMER;
    this.#timerAdd(id, when);
    if (this.#waiting) this.#wake();
    return new TimerHandle(when, callback, this, id, this.#gen[id]);
  }

  // ---- futures and tasks ----------------------------------------------------------

  /**
   * A new Future bound to this loop.
   * @example
   * const fut = loop.createFuture<string>(); loop.callSoon(() => fut.setResult("done"))
   */
  createFuture<T = unknown>(): Future<T> {
    return new Future<T>({ loop: this });
  }

  /**
   * Wraps a coroutine in a Task scheduled on this loop (through the task factory, if set).
   * @example
   * const task = loop.createTask(fetchAll(), { name: "fetcher", signal: AbortSignal.timeout(5000) })
   */
  createTask<T>(coro: Coroutine<T>, options?: CreateTaskOptions): Task<T> {
    this.#checkClosed("createTask()");
    checkCoroutine("loop.createTask()", coro, Task);
    checkOptions("loop.createTask()", options);
    const name = options?.name;
    const signal = options?.signal;
    if (signal !== undefined) checkSignal(signal);
    let task: Task<T>;
    if (this.#taskFactory === null) {
      task = new Task(coro, { loop: this, name });
    } else {
      task = this.#taskFactory(this, coro, { name }) as Task<T>;
      if (name !== undefined && typeof task.setName === "function") task.setName(name);
    }
    if (signal !== undefined) linkSignal(task, signal);
    return task;
  }

  /**
   * Sets the factory `createTask` uses, or `null` for the default (`new Task`).
   * @example
   * loop.setTaskFactory((loop, coro, opts) => new TracedTask(coro, { loop, ...opts }))
   */
  setTaskFactory(factory: TaskFactory<EventLoop> | null): void {
    if (factory !== null && typeof factory !== "function") {
      throw new TypeError(`setTaskFactory() expected a function or null, got ${repr(factory)}`);
    }
    this.#taskFactory = factory;
  }

  /** The task factory, or null. */
  getTaskFactory(): TaskFactory<EventLoop> | null {
    return this.#taskFactory;
  }

  // ---- running ----------------------------------------------------------------------

  /**
   * Runs the loop until `aw` (a Future, Task, coroutine or Promise) is done; resolves
   * with its result or rejects with its exception.
   * @example
   * const value = await loop.runUntilComplete(main())
   */
  runUntilComplete<T>(aw: Awaitable<T>): Promise<T> {
    let fut: Future<T>;
    try {
      this.#checkRunnable("runUntilComplete()");
      fut = this.#adopt(aw, "runUntilComplete()");
    } catch (e) {
      return Promise.reject(e);
    }
    const stop = () => this.stop();
    fut.addDoneCallback(stop);
    return this.runForever().then(() => {
      fut.removeDoneCallback(stop);
      if (!fut.done()) throw new Error("Event loop stopped before Future completed.");
      return fut.result();
    });
  }

  /**
   * Runs the loop until `stop()` is called. Resolves once the loop has stopped.
   * @example
   * loop.callLater(1000, () => loop.stop()); await loop.runForever()
   */
  runForever(): Promise<void> {
    try {
      this.#checkRunnable("runForever()");
    } catch (e) {
      return Promise.reject(e);
    }
    this.#running = true;
    runningLoops.add(this);
    return new Promise<void>((resolve, reject) => {
      this.#stopped = resolve;
      this.#failed = reject;
      this.#queueSlice();
    });
  }

  /**
   * Stops the loop after the current iteration (or the next one, if not running).
   * @example
   * loop.callLater(100, () => loop.stop())
   */
  stop(): void {
    this.#stopping = true;
    if (this.#waiting) this.#wake();
  }

  /** Whether the loop is running. */
  isRunning(): boolean {
    return this.#running;
  }

  /** Whether the loop was closed. */
  isClosed(): boolean {
    return this.#closed;
  }

  /**
   * The loop's class and state, as asyncio's repr.
   * @example
   * String(loop)   // "<EventLoop running=false closed=false debug=false>"
   */
  toString(): string {
    return `<${this.constructor.name} running=${this.#running} closed=${this.#closed} debug=${this.#debug}>`;
  }

  /**
   * Closes the loop: pending callbacks are dropped, the unretrieved exceptions of its
   * futures and tasks are reported (synchronously). Idempotent; throws while running.
   * @example
   * try { await loop.runUntilComplete(main()) } finally { loop.close() }
   */
  close(): void {
    if (this.#running) throw new Error("Cannot close a running event loop");
    if (this.#closed) return;
    this.#closed = true;
    _reportUnretrieved(this);
    _forgetTasks(this);
    // As asyncio, close() leaves servers and transports open, but says so (ResourceWarning).
    const resources = this.#resources;
    this.#resources = null;
    if (resources !== null) {
      for (const resource of resources) {
        try {
          resource._loopClosed();
        } catch {
          // A report must not stop the close.
        }
      }
    }
    // A closed loop keeps nothing large: finished futures keep their loop (getLoop()),
    // and thousands of them may outlive it. Its core goes back to the pool (or to the
    // collector), its slot tables to the next loop if they are the best spare.
    this.#coreKind = this.#core.kind;
    releaseCore(this.#core);
    this.#core = (closedCore ??= acquireCore("js", () => {}));
    this.#fns = [];
    this.#args = [];
    if (this.#state.length <= MAX_SPARE_SLOTS && (spareSlots === null || spareSlots.state.length < this.#state.length)) {
      this.#state.fill(FREE, 0, this.#nextId);
      // This loop's handles can no longer cancel anything (it is closed): generations start
      // over in the next loop, and the slots retired here are usable again.
      if (this.#retired !== 0) this.#gen.fill(0, 0, this.#nextId);
      spareSlots = { state: this.#state, kind: this.#kind, gen: this.#gen, free: this.#free };
    }
    this.#state = this.#kind = NO_BYTES;
    this.#gen = this.#free = NO_WORDS;
    this.#freeTop = this.#nextId = this.#retired = 0;
  }

  /**
   * One iteration of the loop: moves the due timers behind the ready callbacks (one call
   * into the core) and runs that batch. This is the only place callbacks are called.
   * Callbacks they schedule run in the next iteration.
   * @internal
   */
  _runOnce(): void {
    const core = this.#core;
    const staged = core.pending();
    const n = core.tick(this.time());
    // Ids past the staged ones came out of the timer heap: they are in the ring now.
    const state = this.#state;
    for (let i = staged; i < n; i++) {
      const id = core.batchAt(i);
      if (state[id] === TIMER) state[id] = QUEUED;
    }
    if (this.#debug) {
      for (let i = 0; i < n; i++) this.#runTimed(core.batchAt(i));
    } else {
      for (let i = 0; i < n; i++) this.#run(core.batchAt(i));
    }
    // Its ring positions are free now, for what is scheduled before the next iteration.
    core.batchDone();
  }

  #run(id: number): void {
    const st = this.#state[id];
    if (st === TASK_QUEUED) {
      this.#state[id] = TASK;
      const task = this.#args[id >>> CHUNK_BITS][id & CHUNK_MASK] as Task<any>;
      try {
        task._run();
      } catch (e) {
        this.#reportCallbackError(e, new Handle(task._run, null));
      }
    } else if (st === QUEUED) {
      const c = id >>> CHUNK_BITS, i = id & CHUNK_MASK;
      const fn = this.#fns[c][i]!, arg = this.#args[c][i], kind = this.#kind[id];
      this.#release(id);
      try {
        if (kind === CALL1) fn(arg);
        else if (kind === CALL0) fn();
        else fn(...(arg as unknown[]));
      } catch (e) {
        this.#reportCallbackError(e, new Handle(fn, null));
      }
    } else if (st === CANCELLED) {
      this.#release(id);
    }
  }

  /** Debug mode: the same, timing each callback and warning about slow ones. */
  #runTimed(id: number): void {
    const c = id >>> CHUNK_BITS, i = id & CHUNK_MASK;
    const what = this.#state[id] === TASK_QUEUED ? this.#args[c][i] : new Handle(this.#fns[c][i] ?? (() => {}), null);
    const t0 = this.#host.now();
    this.#run(id);
    const ms = this.#host.now() - t0;
    if (ms >= this.#slowCallbackMs) {
      const site = what instanceof Task ? what.getStack()[0]?.trim().replace(/^at /, "") : undefined;
      const where = what instanceof Task ? ` (created at ${site ?? "an unknown site"})` : "";
      console.warn(`Executing ${what}${where} took ${ms.toFixed(3)} ms`);
    }
  }

  #reportCallbackError(exception: unknown, handle: Handle): void {
    this.callExceptionHandler({ message: `Exception in callback ${handle}`, exception, handle });
  }

  // The driver: slices on the host's macrotask queue.
  #queueSlice(): void {
    if (this.#sliceQueued) return;
    this.#sliceQueued = true;
    this.#host.immediate(this.#slice);
  }

  #wake(): void {
    this.#waiting = false;
    this.#queueSlice();
  }

  #slice = (): void => {
    this.#sliceQueued = false;
    this.#waiting = false;
    if (this.#sleepToken !== undefined) {
      this.#host.cancel(this.#sleepToken);
      this.#sleepToken = undefined;
    }
    if (!this.#running) return;
    const host = this.#host;
    const end = host.now() + SLICE_MS;
    const prev = _setRunningLoop(this);
    try {
      for (;;) {
        if (!this.#stopping && this.#core.pending() === 0) {
          const delay = this.#idle();
          if (delay < 0) {
            this.#queueSlice();
            return;
          }
          if (delay > 0) {
            // Nothing to do until the next timer, or until something is scheduled from
            // outside (a promise settling, I/O): callSoon and callLater wake us.
            this.#waiting = true;
            if (delay !== Infinity) this.#sleepToken = host.sleep(this.#slice, Math.min(Math.ceil(delay), MAX_SLEEP_MS));
            return;
          }
        }
        this._runOnce();
        this.#hostTurnSinceWork = false;
        if (this.#stopping) {
          this.#finish(null);
          return;
        }
        if (host.now() >= end) {
          this.#queueSlice();
          return;
        }
      }
    } catch (e) {
      this.#finish(e);
    } finally {
      _setRunningLoop(prev);
    }
  };

  /**
   * Milliseconds until the next timer (Infinity: none). The virtual clock jumps instead,
   * but only after one turn of the host with nothing to do (-1: yield first), so promises
   * that are already settling are not overtaken by a jump of time.
   */
  #idle(): number {
    const next = this.#core.timerNext();
    if (next === Infinity) return Infinity;
    const now = this.time();
    if (next <= now) return 0;
    if (!this.#virtual) return next - now;
    if (!this.#hostTurnSinceWork) {
      this.#hostTurnSinceWork = true;
      return -1;
    }
    this.#vnow = next;
    return 0;
  }

  #finish(error: unknown): void {
    this.#stopping = false;
    this.#running = false;
    runningLoops.delete(this);
    const stopped = this.#stopped!, failed = this.#failed!;
    this.#stopped = this.#failed = null;
    if (error === null) stopped();
    else failed(error);
  }

  /** Why runSync cannot go on: nothing is scheduled, and only the host (if anything) could wake `fut`. */
  #deadlock(fut: Future<unknown>): Error {
    const host = this.#promisesPending > 0 ? "a Promise" : this.#resources !== null && this.#resources.size > 0 ? "I/O" : null;
    if (host !== null) return new Error(`runSync(): ${fut} waits on ${host}, which only a real host can deliver: use run()`);
    return new Error(`runSync(): the loop has nothing scheduled, so ${fut} can never finish (it waits on a future nobody sets, or on sleep(Infinity))`);
  }

  /** @internal wrapPromise: a Promise this loop waits on was made (+1) or settled (-1). */
  _promisePending(delta: 1 | -1): void {
    this.#promisesPending += delta;
  }

  /** @internal runSync's engine: runs `aw` to completion synchronously on the virtual clock. */
  _runUntilCompleteSync<T>(aw: Awaitable<T>): T {
    this.#checkRunnable("runSync()");
    if (!this.#virtual) throw new Error("runSync() needs a loop with the virtual clock");
    const fut = this.#adopt(aw, "runSync()");
    const stop = () => this.stop();
    fut.addDoneCallback(stop);
    this.#running = true;
    const prev = _setRunningLoop(this);
    try {
      for (;;) {
        if (!this.#stopping && this.#core.pending() === 0) {
          const next = this.#core.timerNext();
          if (next === Infinity) throw this.#deadlock(fut);
          if (next > this.#vnow) this.#vnow = next;
        }
        this._runOnce();
        if (this.#stopping) break;
      }
    } finally {
      this.#stopping = false;
      this.#running = false;
      _setRunningLoop(prev);
      fut.removeDoneCallback(stop);
    }
    if (!fut.done()) throw new Error("Event loop stopped before Future completed.");
    return fut.result();
  }

  /** @internal testing.advance: runs everything due within `ms` of virtual time, synchronously. */
  _advance(ms: number): void {
    this.#checkRunnable("advance()");
    if (!this.#virtual) throw new Error("advance() needs a loop with the virtual clock");
    const target = this.#vnow + (ms > 0 ? ms : 0);
    this.#running = true;
    const prev = _setRunningLoop(this);
    try {
      for (;;) {
        if (this.#core.pending() === 0) {
          const next = this.#core.timerNext();
          if (next > target) break;
          if (next > this.#vnow) this.#vnow = next;
        }
        this._runOnce();
      }
      this.#vnow = target;
    } finally {
      this.#stopping = false;
      this.#running = false;
      _setRunningLoop(prev);
    }
  }

  #adopt<T>(aw: Awaitable<T>, call: string): Future<T> {
    return _ensureFuture(call, aw, this);
  }

  #checkRunnable(call: string): void {
    this.#checkClosed(call);
    if (this.#running) throw new Error("This event loop is already running");
    const other = _runningLoopOrNull();
    if (other !== null && other !== this) throw new Error("Cannot run the event loop while another loop is running");
  }

  /** asyncio's "Event loop is closed", naming the call that met it. */
  #checkClosed(call: string): void {
    if (this.#closed) throw loopClosed(call);
  }

  // ---- errors and debug -------------------------------------------------------------

  /**
   * Sets `handler(loop, context)` to receive errors nothing else handles (a callback that
   * threw, an exception never retrieved), or `null` for the default handler.
   * @example
   * loop.setExceptionHandler((loop, ctx) => log.error(ctx.message, ctx.exception))
   */
  setExceptionHandler(handler: ExceptionHandler<EventLoop> | null): void {
    if (handler !== null && typeof handler !== "function") {
      throw new TypeError(`setExceptionHandler() expected a function or null, got ${repr(handler)}`);
    }
    this.#handler = handler;
  }

  /** The exception handler, or null (the default). */
  getExceptionHandler(): ExceptionHandler<EventLoop> | null {
    return this.#handler;
  }

  /**
   * Passes `context` to the exception handler (or the default one). Never throws: an
   * error in the handler is reported by the default handler.
   * @example
   * loop.callExceptionHandler({ message: "lost connection", exception: err })
   */
  callExceptionHandler(context: ExceptionContext): void {
    checkContext("callExceptionHandler()", context);
    const handler = this.#handler;
    try {
      if (handler === null) this.defaultExceptionHandler(context);
      else handler(this, context);
    } catch (exception) {
      try {
        this.defaultExceptionHandler({ message: "Unhandled error in exception handler", exception, context });
      } catch {
        // Nothing is thrown out of the loop.
      }
    }
  }

  /**
   * The default handler: writes the message, the context and the exception's stack to
   * `console.error`.
   * @example
   * loop.setExceptionHandler((loop, ctx) => { if (!ignorable(ctx)) loop.defaultExceptionHandler(ctx) })
   */
  defaultExceptionHandler(context: ExceptionContext): void {
    checkContext("defaultExceptionHandler()", context);
    const lines = [context.message || "Unhandled exception in event loop"];
    for (const key of Object.keys(context).sort()) {
      if (key === "message" || key === "exception") continue;
      const value = context[key];
      lines.push(`${key}: ${typeof value === "string" ? value : describeContextValue(value)}`);
    }
    const exc = context.exception;
    if (exc !== undefined) console.error(lines.join("\n"), exc);
    else console.error(lines.join("\n"));
  }

  /** Whether debug mode is on. */
  getDebug(): boolean {
    return this.#debug;
  }

  /**
   * Turns debug mode on or off: slow-callback warnings, creation stacks of tasks.
   * @example
   * loop.setDebug(true)
   */
  setDebug(enabled: boolean): void {
    this.#debug = Boolean(enabled);
  }

  // ---- internals for Future, Task, Handle and the tests -------------------------------

  /** @internal Schedules `fn(arg)` with no Handle object (a future's done callbacks). */
  _schedule(fn: (arg: any) => unknown, arg: unknown): void {
    this.#checkClosed("a done callback");
    const id = this.#alloc(fn, CALL1, arg);
    this.#state[id] = QUEUED;
    this.#push(id);
  }

  /** @internal Wakes a task waiting on `fut`: a task of this loop is scheduled by its own id. */
  _scheduleWake(waiter: Waiter, fut: Future<any>): void {
    this.#checkClosed("a task wakeup");
    const task = waiter as Task<any>;
    if (task._slot >= 0 && this.#state[task._slot] === TASK && task.getLoop() === this) {
      task._wakeFut = fut;
      this.#state[task._slot] = TASK_QUEUED;
      this.#push(task._slot);
    } else {
      this._schedule(waiter._wakeupCallback(), fut);
    }
  }

  /**
   * @internal `sleep`'s timer: `fn(arg)` at `when`, with no Handle object. Returns the id;
   * `_slotGeneration(id)` read at once, with the id, cancels it through `_cancelSlot`.
   */
  _timer(when: number, fn: (arg: any) => unknown, arg: unknown): number {
    this.#checkClosed("sleep()");
    const id = this.#alloc(fn, CALL1, arg);
    this.#state[id] = TIMER;
    this.#timerAdd(id, when);
    if (this.#waiting) this.#wake();
    return id;
  }

  /** @internal Tracks an open server or transport, to be reported if still open at close(). */
  _addResource(resource: _Resource): void {
    if (!this.#closed) (this.#resources ??= new Set()).add(resource);
  }

  /** @internal The server or transport is closed (or closing): nothing to report. */
  _removeResource(resource: _Resource): void {
    this.#resources?.delete(resource);
  }

  /** @internal The generation of slot `id`. */
  _slotGeneration(id: number): number {
    return this.#gen[id];
  }

  /** @internal Test hook: sets slot `id`'s generation, as if it had been reused that many more times. */
  _setSlotGeneration(id: number, gen: number): void {
    this.#gen[id] = gen;
  }

  /** @internal A stable slot for a task's lifetime. */
  _registerTask(task: Task<any>): number {
    this.#checkClosed("new Task()");
    const id = this.#alloc(task._run, CALL1, task);
    this.#state[id] = TASK;
    return id;
  }

  /** @internal Schedules a step of the task in `slot`. */
  _scheduleTask(slot: number): void {
    this.#checkClosed("a task step");
    if (this.#state[slot] !== TASK) throw new Error(`internal error: task slot ${slot} scheduled twice`);
    this.#state[slot] = TASK_QUEUED;
    this.#push(slot);
  }

  /** @internal Frees a finished task's slot. */
  _releaseTask(slot: number): void {
    if (!this.#closed) this.#release(slot);
  }

  /** @internal Handle.cancel(): acts only if the handle's generation is still the slot's. */
  _cancelSlot(id: number, gen: number): void {
    if (this.#closed || id < 0 || this.#gen[id] !== gen) return;
    const st = this.#state[id];
    if (st === QUEUED) {
      this.#state[id] = CANCELLED;
    } else if (st === TIMER) {
      this.#state[id] = ZOMBIE;
      this.#core.timerCancel(id);
    } else {
      return;
    }
    this.#fns[id >>> CHUNK_BITS][id & CHUNK_MASK] = undefined;
    this.#args[id >>> CHUNK_BITS][id & CHUNK_MASK] = undefined;
  }

  /** @internal Ids in use: callbacks and timers not yet run or released, and live tasks. */
  _liveIds(): number {
    return this.#nextId - this.#freeTop - this.#retired;
  }

  /** @internal Size of the slot table (it only grows when more ids are live at once). */
  _slotCapacity(): number {
    return this.#state.length;
  }

  /** @internal The scheduler core's kind and timer records held (cancelled included). */
  _coreInfo(): { kind: "wasm" | "js"; timers: number } {
    return { kind: this.#coreKind ?? this.#core.kind, timers: this.#closed ? 0 : this.#core.timerCount() };
  }

  /** @internal The core itself, for its tests. */
  _core(): SchedulerCore {
    return this.#core;
  }

  #push(id: number): void {
    try {
      this.#core.push(id);
    } catch (e) {
      // The core could not grow its ring and is as it was: so is the slot table.
      if (this.#state[id] === TASK_QUEUED) this.#state[id] = TASK;
      else this.#release(id);
      throw e;
    }
    if (this.#waiting) this.#wake();
  }

  /** Schedules slot `id` at `when`; if the core cannot take it (out of memory), the slot is freed. */
  #timerAdd(id: number, when: number): void {
    try {
      this.#core.timerAdd(id, when);
    } catch (e) {
      this.#release(id);
      throw e;
    }
  }

  #allocArgs(fn: Callback, args: unknown[]): number {
    const n = args.length;
    return n === 0 ? this.#alloc(fn, CALL0, undefined) : n === 1 ? this.#alloc(fn, CALL1, args[0]) : this.#alloc(fn, CALLN, args);
  }

  #alloc(fn: Callback, kind: number, arg: unknown): number {
    let id: number;
    if (this.#freeTop > 0) {
      id = this.#free[--this.#freeTop];
    } else {
      id = this.#nextId++;
      if (id === this.#state.length) this.#growSlots();
    }
    const c = id >>> CHUNK_BITS, i = id & CHUNK_MASK;
    if (c === this.#fns.length) {
      this.#fns.push(newChunk());
      this.#args.push(newChunk());
    }
    this.#fns[c][i] = fn;
    this.#kind[id] = kind;
    this.#args[c][i] = arg;
    return id;
  }

  #release(id: number): void {
    this.#fns[id >>> CHUNK_BITS][id & CHUNK_MASK] = undefined;
    this.#args[id >>> CHUNK_BITS][id & CHUNK_MASK] = undefined;
    this.#state[id] = FREE;
    const gen = this.#gen;
    if (gen[id] !== LAST_GENERATION) {
      gen[id]++;
      this.#free[this.#freeTop++] = id;
    } else {
      this.#retired++;
    }
  }

  /** The core dropped a cancelled timer's record: its id may be reused now. */
  #onRelease = (id: number): void => {
    if (this.#state[id] === ZOMBIE) this.#release(id);
  };

  #growSlots(): void {
    const size = this.#state.length, cap = size * 2;
    const state = new Uint8Array(cap), kind = new Uint8Array(cap), gen = new Uint32Array(cap), free = new Uint32Array(cap);
    state.set(this.#state);
    kind.set(this.#kind);
    gen.set(this.#gen);
    free.set(this.#free);
    this.#state = state;
    this.#kind = kind;
    this.#gen = gen;
    this.#free = free;
  }
}

function describeContextValue(value: unknown): string {
  if (value instanceof Error) return describeError(value);
  return describeObject(value);
}

function abortMessage(signal: AbortSignal): string | undefined {
  const reason: unknown = signal.reason;
  if (reason === undefined) return undefined;
  return reason instanceof Error ? reason.message : String(reason);
}

/** createTask's `signal`: abort cancels the task; the listener goes when the task ends. */
function checkSignal(signal: AbortSignal): void {
  if (typeof signal !== "object" || signal === null || typeof signal.addEventListener !== "function" || typeof signal.aborted !== "boolean") {
    throw new TypeError(`createTask() expected options.signal to be an AbortSignal, got ${repr(signal)}`);
  }
}

/**
 * The tasks each signal cancels. One listener per signal, whatever the number of tasks:
 * EventTarget removes a listener by searching its list, so one listener per task made
 * 100,000 tasks on one signal quadratic.
 */
const tasksBySignal = new WeakMap<AbortSignal, Set<Task<any>>>();

function linkSignal(task: Task<any>, signal: AbortSignal): void {
  if (signal.aborted) {
    task.cancel(abortMessage(signal));
    return;
  }
  let tasks = tasksBySignal.get(signal);
  if (tasks === undefined) {
    const linked = (tasks = new Set());
    tasksBySignal.set(signal, linked);
    const onAbort = () => {
      tasksBySignal.delete(signal);
      const message = abortMessage(signal);
      for (const t of linked) t.cancel(message);
      linked.clear();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    // The listener goes with the last task: kept on the set so the last one can remove it.
    (linked as Set<Task<any>> & { _onAbort?: () => void })._onAbort = onAbort;
  }
  tasks.add(task);
  const linked = tasks as Set<Task<any>> & { _onAbort?: () => void };
  task.addDoneCallback(() => {
    if (!linked.delete(task) || linked.size !== 0) return;
    tasksBySignal.delete(signal);
    signal.removeEventListener("abort", linked._onAbort!);
  });
}

/**
 * A new event loop (asyncio's new_event_loop).
 * @example
 * const loop = newEventLoop(); setEventLoop(loop)
 */
export function newEventLoop(options?: LoopOptions): EventLoop {
  checkOptions("newEventLoop()", options);
  return new EventLoop(options);
}

_setLoopFactory(() => new EventLoop());
