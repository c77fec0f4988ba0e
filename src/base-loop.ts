// The event loop proper: a scheduler core (Wasm or TS) that orders handle ids, a slot
// table that maps ids to callbacks (loop/slot-table.ts), a clock (loop/clock.ts), and a
// driver that runs the loop in slices on the host's macrotask queue. `_runOnce` is the
// only place callbacks are called.
//
//   callSoon ─► slot table (fn, arg, state, generation) ─► id ─► core.push (no call into Wasm)
//   callLater ─► slot ─► core.timerAdd(id, when)
//   _runOnce: core.tick(now) once ─► batch of ids ─► run each slot's callback
import { acquireCore, releaseCore, type SchedulerCore } from "./core/index.js";
import { hostDriver } from "./drivers/index.js";
import { MAX_SLEEP_MS, type HostDriver } from "./drivers/types.js";
import type { Awaitable, Coroutine, CreateTaskOptions, ExceptionContext, ExceptionHandler, LoopOptions, TaskFactory, _Resource } from "./events.js";
import { _ensureFuture } from "./ensure-future.js";
import { Future, _reportUnretrieved, describeError, type Waiter } from "./future.js";
import { Handle, TimerHandle } from "./handles.js";
import { Task, _checkCoroutine, _forgetTasks } from "./task.js";
import { _runningLoopOrNull, _setLoopFactory, _setRunningLoop } from "./running.js";
import { _linkSignal } from "./abort.js";
import { RealClock, VirtualClock, YIELD, type Clock } from "./loop/clock.js";
import { CALL0, CALL1, CANCELLED, QUEUED, SlotTable, TASK, TASK_QUEUED, TIMER, ZOMBIE, type Callback } from "./loop/slot-table.js";
import { describeObject } from "./util.js";
import { checkContext, checkFunction, checkFunctionOrNull, checkLoopOptions, checkMs, checkOptions, checkSignal, loopClosed } from "./checks.js";

/** Longest run of loop iterations before yielding to the host's I/O and promise callbacks. */
const SLICE_MS = 4;
/** asyncio's slow_callback_duration, in ms. */
const SLOW_CALLBACK_MS = 100;
/** What the drive loop returns when the loop was stopped. */
const STOPPED = 0;

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

/** The empty core every closed loop points at (never run: a closed loop schedules nothing). */
let closedCore: SchedulerCore | null = null;

/** What wasyncio/testing inspects of a loop. @internal */
export interface _LoopParts {
  slots: SlotTable;
  core: SchedulerCore;
  coreKind: "wasm" | "js";
  closed: boolean;
}
let partsOf: (loop: EventLoop) => _LoopParts;

/** @internal A loop's slot table and core, for wasyncio/testing's inspector (not members of the loop). */
export function _loopParts(loop: EventLoop): _LoopParts {
  return partsOf(loop);
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
  readonly #clock: Clock;
  #slots = new SlotTable();
  // Running state.
  #running = false;
  #stopping = false;
  #closed = false;
  #waiting = false;
  #sliceQueued = false;
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
    const checked = checkLoopOptions("new EventLoop()", options);
    this.#debug = Boolean(checked.debug);
    this.#slowCallbackMs = checked.slowCallbackMs ?? SLOW_CALLBACK_MS;
    this.#host = hostDriver();
    this.#clock = checked.clock === "virtual" ? new VirtualClock() : new RealClock(this.#host);
    this.#core = acquireCore(checked.core, this.#onRelease);
  }

  static {
    partsOf = (loop) => ({ slots: loop.#slots, core: loop.#core, coreKind: loop.#coreKind ?? loop.#core.kind, closed: loop.#closed });
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
    const slots = this.#slots;
    const id = slots.allocArgs(callback as Callback, args);
    slots.state[id] = QUEUED;
    this.#push(id);
    // Not kept by the loop: a handle the caller drops dies young, which is most of them.
    return new Handle(callback as Callback, this, id, slots.gen[id]);
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
    return this.#clock.now();
  }

  #timer(call: string, when: number, callback: Callback, args: unknown[]): TimerHandle {
    this.#checkClosed(call);
    const id = this.#slots.allocArgs(callback, args);
    this.#slots.state[id] = TIMER;
    this.#timerAdd(id, when);
    if (this.#waiting) this.#wake();
    return new TimerHandle(when, callback, this, id, this.#slots.gen[id]);
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
    _checkCoroutine("loop.createTask()", coro);
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
    if (signal !== undefined) _linkSignal(task, signal);
    return task;
  }

  /**
   * Sets the factory `createTask` uses, or `null` for the default (`new Task`).
   * @example
   * loop.setTaskFactory((loop, coro, opts) => new TracedTask(coro, { loop, ...opts }))
   */
  setTaskFactory(factory: TaskFactory<EventLoop> | null): void {
    checkFunctionOrNull("setTaskFactory()", factory);
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
    this.#slots.dispose();
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
    const state = this.#slots.state;
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
    const slots = this.#slots;
    const st = slots.state[id];
    if (st === TASK_QUEUED) {
      slots.state[id] = TASK;
      const task = slots.arg(id) as Task<any>;
      try {
        task._run();
      } catch (e) {
        this.#reportCallbackError(e, new Handle(task._run, null));
      }
    } else if (st === QUEUED) {
      const fn = slots.fn(id)!, arg = slots.arg(id), kind = slots.kind[id];
      slots.release(id);
      try {
        if (kind === CALL1) fn(arg);
        else if (kind === CALL0) fn();
        else fn(...(arg as unknown[]));
      } catch (e) {
        this.#reportCallbackError(e, new Handle(fn, null));
      }
    } else if (st === CANCELLED) {
      slots.release(id);
    }
  }

  /** Debug mode: the same, timing each callback and warning about slow ones. */
  #runTimed(id: number): void {
    const slots = this.#slots;
    const what = slots.state[id] === TASK_QUEUED ? slots.arg(id) : new Handle(slots.fn(id) ?? (() => {}), null);
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
    const prev = _setRunningLoop(this);
    try {
      const wait = this.#drive(false, Infinity);
      if (wait === STOPPED) {
        this.#finish(null);
      } else if (wait === YIELD) {
        this.#queueSlice();
      } else {
        // Nothing to do until the next timer, or until something is scheduled from
        // outside (a promise settling, I/O): callSoon and callLater wake us.
        this.#waiting = true;
        if (wait !== Infinity) this.#sleepToken = this.#host.sleep(this.#slice, Math.min(Math.ceil(wait), MAX_SLEEP_MS));
      }
    } catch (e) {
      this.#finish(e);
    } finally {
      _setRunningLoop(prev);
    }
  };

  /**
   * The one drive loop, for slices on the host (`sync` false) and for runSync and advance
   * (`sync`: the clock jumps at once, never past `horizon`). Runs iterations until the loop
   * stops (STOPPED), the slice is over (YIELD), or nothing is ready: then returns how
   * long to wait for the next timer (Infinity: there is none).
   */
  #drive(sync: boolean, horizon: number): number {
    const core = this.#core, clock = this.#clock, host = this.#host;
    const end = sync ? Infinity : host.now() + SLICE_MS;
    for (;;) {
      if (!this.#stopping && core.pending() === 0) {
        const wait = clock.untilNext(core.timerNext(), horizon, sync);
        if (wait !== 0) return wait;
      }
      this._runOnce();
      clock.ran();
      if (this.#stopping) return STOPPED;
      if (!sync && host.now() >= end) return YIELD;
    }
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
    if (!(this.#clock instanceof VirtualClock)) throw new Error("runSync() needs a loop with the virtual clock");
    const fut = this.#adopt(aw, "runSync()");
    const stop = () => this.stop();
    fut.addDoneCallback(stop);
    this.#running = true;
    const prev = _setRunningLoop(this);
    try {
      if (this.#drive(true, Infinity) !== STOPPED) throw this.#deadlock(fut);
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
    const clock = this.#clock;
    if (!(clock instanceof VirtualClock)) throw new Error("advance() needs a loop with the virtual clock");
    const target = clock.now() + (ms > 0 ? ms : 0);
    this.#running = true;
    const prev = _setRunningLoop(this);
    try {
      // stop() does not end an advance: everything due by `target` runs.
      while (this.#drive(true, target) === STOPPED) this.#stopping = false;
      clock.set(target);
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
    checkFunctionOrNull("setExceptionHandler()", handler);
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
    const id = this.#slots.alloc(fn, CALL1, arg);
    this.#slots.state[id] = QUEUED;
    this.#push(id);
  }

  /** @internal Wakes a task waiting on `fut`: a task of this loop is scheduled by its own id. */
  _scheduleWake(waiter: Waiter, fut: Future<any>): void {
    this.#checkClosed("a task wakeup");
    const task = waiter as Task<any>, state = this.#slots.state;
    if (task._slot >= 0 && state[task._slot] === TASK && task.getLoop() === this) {
      task._wakeFut = fut;
      state[task._slot] = TASK_QUEUED;
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
    const id = this.#slots.alloc(fn, CALL1, arg);
    this.#slots.state[id] = TIMER;
    this.#timerAdd(id, when);
    if (this.#waiting) this.#wake();
    return id;
  }

  /** @internal The generation of slot `id`. */
  _slotGeneration(id: number): number {
    return this.#slots.gen[id];
  }

  /** @internal Handle.cancel(): acts only if the handle's generation is still the slot's. */
  _cancelSlot(id: number, gen: number): void {
    const slots = this.#slots;
    if (this.#closed || id < 0 || slots.gen[id] !== gen) return;
    const st = slots.state[id];
    if (st === QUEUED) {
      slots.state[id] = CANCELLED;
    } else if (st === TIMER) {
      slots.state[id] = ZOMBIE;
      this.#core.timerCancel(id);
    } else {
      return;
    }
    slots.clear(id);
  }

  /** @internal A stable slot for a task's lifetime. */
  _registerTask(task: Task<any>): number {
    this.#checkClosed("new Task()");
    const id = this.#slots.alloc(task._run, CALL1, task);
    this.#slots.state[id] = TASK;
    return id;
  }

  /** @internal Schedules a step of the task in `slot`. */
  _scheduleTask(slot: number): void {
    this.#checkClosed("a task step");
    if (this.#slots.state[slot] !== TASK) throw new Error(`internal error: task slot ${slot} scheduled twice`);
    this.#slots.state[slot] = TASK_QUEUED;
    this.#push(slot);
  }

  /** @internal Frees a finished task's slot. */
  _releaseTask(slot: number): void {
    if (!this.#closed) this.#slots.release(slot);
  }

  /** @internal Tracks an open server or transport, to be reported if still open at close(). */
  _addResource(resource: _Resource): void {
    if (!this.#closed) (this.#resources ??= new Set()).add(resource);
  }

  /** @internal The server or transport is closed (or closing): nothing to report. */
  _removeResource(resource: _Resource): void {
    this.#resources?.delete(resource);
  }

  #push(id: number): void {
    try {
      this.#core.push(id);
    } catch (e) {
      // The core could not grow its ring and is as it was: so is the slot table.
      if (this.#slots.state[id] === TASK_QUEUED) this.#slots.state[id] = TASK;
      else this.#slots.release(id);
      throw e;
    }
    if (this.#waiting) this.#wake();
  }

  /** Schedules slot `id` at `when`; if the core cannot take it (out of memory), the slot is freed. */
  #timerAdd(id: number, when: number): void {
    try {
      this.#core.timerAdd(id, when);
    } catch (e) {
      this.#slots.release(id);
      throw e;
    }
  }

  /** The core dropped a cancelled timer's record: its id may be reused now. */
  #onRelease = (id: number): void => {
    if (this.#slots.state[id] === ZOMBIE) this.#slots.release(id);
  };
}

function describeContextValue(value: unknown): string {
  if (value instanceof Error) return describeError(value);
  return describeObject(value);
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
