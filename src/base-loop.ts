// The event loop proper, as asyncio's base_events.py. Its parts are in src/loop/: the
// scheduler (a slot table of callbacks, a core that orders their ids), the clocks, the
// runner (slices on the host, or synchronous runs). `_runOnce` alone calls callbacks.
//
//   callSoon ─► slot table (fn, arg, state, generation) ─► id ─► core.push (no call into Wasm)
//   callLater ─► slot ─► core.timerAdd(id, when)
//   _runOnce: core.tick(now) once ─► batch of ids ─► run each slot's callback
import type { Awaitable, CallOptions, Coroutine, CreateTaskOptions, ExceptionContext, ExceptionHandler, LoopOptions, TaskFactory, _Resource } from "./events.js";
import { hostDriver } from "./drivers/index.js";
import type { HostDriver } from "./drivers/types.js";
import { Future, _reportUnretrieved, type Waiter } from "./future.js";
import { Handle, TimerHandle, _reportHandle } from "./handles.js";
import { Task } from "./task.js";
import { Context, _contextVarsInUse, _currentContext, _restoreCurrent, copyContext, type _InContext } from "./context.js";
import { _setLoopFactory } from "./running.js";
import { _linkSignal } from "./abort.js";
import { RealClock, VirtualClock, type Clock } from "./loop/clock.js";
import { LoopRunner } from "./loop/loop-runner.js";
import { Scheduler } from "./loop/scheduler.js";
import { CALL0, CALL1, CANCELLED, QUEUED, TASK, TASK_FIRED, TASK_QUEUED, TASK_SKIP, TASK_TIMER, TIMER, type Callback, type SlotTable } from "./loop/slot-table.js";
import { Resources } from "./loop/resources.js";
import { BatchShuffle } from "./loop/batch-shuffle.js";
import { callHandler, logExceptionContext } from "./loop/exception-handler.js";
import { _countDebugLoop } from "./suspension.js";
import { dumpTasks } from "./dump-tasks.js";
import { Instruments, type Instrument } from "./loop/instruments.js";
import { MetricsCounters, type LoopMetrics } from "./loop/metrics.js";
import { _isExecutor, _makeJob, _submit, type Executor, type WorkerFunction } from "./executor.js";
import { WorkerPool } from "./worker-pool.js";
import { wrapPromise } from "./promises.js";
import { _warning } from "./node/resource-warning.js";
import { checkContext, checkInstrument, checkCoroutine, checkFunction, checkFunctionOrNull, checkLoopOptions, checkMs, checkOptionalBoolean, checkOptions, checkSignal, expected, checkOptionKeys, loopClosed } from "./checks.js";

/** asyncio's slow_callback_duration, in ms. */
const SLOW_CALLBACK_MS = 100;
/** How many of a slow task's innermost getStack() lines its warning shows. */
const SUSPENDED_LINES = 4;

/**
 * Debug mode from the environment: `WASYNCIO_DEBUG=1` (asyncio's PYTHONASYNCIODEBUG) where
 * there is a `process.env` (Node), read without importing node:* (this entry is isomorphic).
 */
function envDebug(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.WASYNCIO_DEBUG;
  return value !== undefined && value !== "" && value !== "0";
}

/** @internal A loop's scheduler (slot table and core), for wasyncio/testing's inspector: not a member of the loop. */
export let _loopScheduler: (loop: EventLoop) => Scheduler;

/** A callback that calls `callback(...args)` with `context` current (asyncio's Handle._run). */
function inContext(context: Context, callback: Callback, args: unknown[]): Callback {
  const wrapped: _InContext = () => context.run(callback, ...args);
  // The Handle's repr and error reports name `_callback`; the Context is what
  // Handle.getContext() answers and what a report of its error runs the handler in.
  wrapped._callback = callback;
  wrapped._context = context;
  return wrapped as Callback;
}

/**
 * The Context a user's exception handler runs in for `context` (asyncio 3.12, gh-96704):
 * the failing task's (`task`, else `future` when it is a task), else the failing
 * callback's (`handle`); null when none, or when it is entered already (it cannot be
 * entered twice: the handler then runs where it is called).
 */
function handlerContext(context: ExceptionContext): Context | null {
  const thing = (context.task ?? context.future) as { getContext?: unknown } | undefined;
  let ctx: unknown = null;
  if (thing !== null && typeof thing === "object" && typeof thing.getContext === "function") ctx = (thing as { getContext(): unknown }).getContext();
  else if (context.handle instanceof Handle) ctx = context.handle._contextOrNull();
  return ctx instanceof Context && !ctx._entered ? ctx : null;
}

/**
 * callSoon/callLater/callAt given `options` before the callback: the callback to schedule
 * (wrapped to run in the options' context, else in a copy of the current one) and its args.
 */
function withCallOptions(call: string, options: unknown, rest: unknown[]): [Callback, unknown[]] {
  if (typeof options !== "object" || options === null) throw expected(call, "a function", options);
  checkOptionKeys(call, options, "context");
  const context = (options as CallOptions).context;
  if (context !== undefined && !(context instanceof Context)) throw expected(call, "options.context to be a Context", context);
  const callback = rest[0];
  checkFunction(call, callback);
  return [inContext(context ?? copyContext(), callback as Callback, rest.slice(1)), []];
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
  readonly #sched: Scheduler;
  /** The scheduler's slot table (one object for the loop's life: its arrays grow inside it). */
  readonly #slots: SlotTable;
  readonly #runner: LoopRunner;
  readonly #clock: Clock;
  readonly #host: HostDriver;
  #debug: boolean;
  #slowCallbackMs: number;
  #handler: ExceptionHandler<EventLoop> | null = null;
  #taskFactory: TaskFactory<EventLoop> | null = null;
  readonly #resources = new Resources();
  /** `{ shuffle: seed }`: each batch's task steps run in a seeded random order; null (the default): FIFO. */
  readonly #shuffle: BatchShuffle | null;
  readonly #metrics = new MetricsCounters();
  /** runInExecutor(null, ...)'s executor: made on first use (asyncio's `_default_executor`). */
  #defaultExecutor: Executor | null = null;
  /** Set by shutdownDefaultExecutor(): the default executor is refused from then on. */
  #executorShutdown = false;
  /**
   * @internal The installed instruments, or null while there are none: the hook sites
   * (here, in the runner) test this one field, so no instrument costs nothing.
   */
  _instruments: Instruments | null = null;

  /**
   * A new loop, not running: real clock and Wasm core unless `options` say otherwise.
   * @param options `clock` (`"real"` or `"virtual"`), `debug` (default: on if the environment
   *   has `WASYNCIO_DEBUG=1`), `slowCallbackMs`, `core` (`"wasm"` or `"js"`),
   *   `shuffle` (a seed: the task steps of each ready batch run in a seeded random order)
   * @example
   * const loop = new EventLoop({ clock: "virtual", debug: true })
   * const shuffled = new EventLoop({ clock: "virtual", shuffle: 42 })
   */
  constructor(options?: LoopOptions) {
    const checked = checkLoopOptions("new EventLoop()", options);
    this.#debug = checked.debug === undefined ? envDebug() : Boolean(checked.debug);
    if (this.#debug) _countDebugLoop(1);
    this.#slowCallbackMs = checked.slowCallbackMs ?? SLOW_CALLBACK_MS;
    this.#host = hostDriver();
    this.#clock = checked.clock === "virtual" ? new VirtualClock() : new RealClock(this.#host);
    this.#sched = new Scheduler(checked.core);
    this.#slots = this.#sched.slots;
    this.#runner = new LoopRunner(this, this.#sched, this.#clock, this.#host, this.#resources, this.#metrics);
    this.#shuffle = checked.shuffle === undefined ? null : new BatchShuffle(checked.shuffle);
  }

  static {
    _loopScheduler = (loop) => loop.#sched;
  }

  // ---- callbacks ------------------------------------------------------------------

  /**
   * Schedules `callback(...args)` for the next loop iteration, after the callbacks
   * already scheduled (FIFO). It runs in a copy of the current Context, or in
   * `options.context` when the first argument is a `CallOptions` object (asyncio's
   * `call_soon(cb, *args, context=ctx)`: the options come first here, where rest
   * arguments cannot be followed by a keyword).
   * @example
   * loop.callSoon((a, b) => console.log(a + b), 1, 2)
   * loop.callSoon({ context: ctx }, report, "done")
   */
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle;
  callSoon<A extends unknown[]>(options: CallOptions, callback: (...args: A) => unknown, ...args: A): Handle;
  callSoon(callback: unknown, ...args: unknown[]): Handle {
    let fn = callback as Callback;
    if (typeof callback !== "function") [fn, args] = withCallOptions("callSoon()", callback, args);
    else if (_contextVarsInUse) [fn, args] = [inContext(copyContext(), fn, args), []];
    this.#checkClosed("callSoon()");
    const id = this.#sched.soon(this.#slots.allocArgs(fn, args));
    // Not kept by the loop: a handle the caller drops dies young, which is most of them.
    return new Handle(this, id, this.#slots.gen[id]);
  }

  /**
   * Schedules `callback(...args)` to run `delayMs` milliseconds from now. A negative
   * delay counts as 0; `Infinity` never fires. Timers never fire early; equal deadlines
   * fire in scheduling order. Options (`context`) may come before the callback, as in callSoon.
   * @example
   * const h = loop.callLater(500, () => console.log("half a second"))
   * loop.callLater(500, { context: ctx }, report)
   */
  callLater<A extends unknown[]>(delayMs: number, callback: (...args: A) => unknown, ...args: A): TimerHandle;
  callLater<A extends unknown[]>(delayMs: number, options: CallOptions, callback: (...args: A) => unknown, ...args: A): TimerHandle;
  callLater(delayMs: number, callback: unknown, ...args: unknown[]): TimerHandle {
    checkMs("callLater()", "delayMs", delayMs);
    return this.#timer("callLater()", this.time() + (delayMs > 0 ? delayMs : 0), callback, args);
  }

  /**
   * Schedules `callback(...args)` at `whenMs` on the loop's clock (`loop.time()`).
   * Options (`context`) may come before the callback, as in callSoon.
   * @example
   * loop.callAt(loop.time() + 1000, tick)
   * loop.callAt(loop.time() + 1000, { context: ctx }, tick)
   */
  callAt<A extends unknown[]>(whenMs: number, callback: (...args: A) => unknown, ...args: A): TimerHandle;
  callAt<A extends unknown[]>(whenMs: number, options: CallOptions, callback: (...args: A) => unknown, ...args: A): TimerHandle;
  callAt(whenMs: number, callback: unknown, ...args: unknown[]): TimerHandle {
    checkMs("callAt()", "whenMs", whenMs);
    return this.#timer("callAt()", whenMs, callback, args);
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

  #timer(call: string, when: number, callback: unknown, args: unknown[]): TimerHandle {
    let fn = callback as Callback;
    if (typeof callback !== "function") [fn, args] = withCallOptions(call, callback, args);
    else if (_contextVarsInUse) [fn, args] = [inContext(copyContext(), fn, args), []];
    this.#checkClosed(call);
    const id = this.#sched.at(this.#slots.allocArgs(fn, args), when);
    this.#metrics.timersScheduled++;
    return new TimerHandle(when, this, id, this.#slots.gen[id]);
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
   * `eagerStart: true` (asyncio 3.14) runs it at once while the loop runs, until it first waits.
   * @example
   * const task = loop.createTask(fetchAll(), { name: "fetcher", signal: AbortSignal.timeout(5000) })
   * const eager = loop.createTask(lookup(key), { eagerStart: true })   // done already on a cache hit
   */
  createTask<T>(coro: Coroutine<T>, options?: CreateTaskOptions): Task<T> {
    this.#checkClosed("createTask()");
    checkCoroutine("loop.createTask()", coro, Task);
    checkOptions("loop.createTask()", options);
    const name = options?.name;
    const signal = options?.signal;
    if (signal !== undefined) checkSignal(signal);
    const context = options?.context;
    if (context !== undefined && !(context instanceof Context)) throw expected("loop.createTask()", "options.context to be a Context", context);
    const eagerStart = options?.eagerStart;
    checkOptionalBoolean("loop.createTask()", "options.eagerStart", eagerStart);
    let task: Task<T>;
    if (this.#taskFactory === null) {
      task = new Task(coro, { loop: this, name, context, eagerStart });
    } else {
      // As asyncio 3.14 passes its keyword arguments: context and eagerStart only if given.
      const factoryOptions: { name?: string; context?: Context; eagerStart?: boolean } = { name };
      if (context !== undefined) factoryOptions.context = context;
      if (eagerStart !== undefined && eagerStart !== null) factoryOptions.eagerStart = eagerStart;
      task = this.#taskFactory(this, coro, factoryOptions) as Task<T>;
      if (name !== undefined && typeof task.setName === "function") task.setName(name);
    }
    // A task that finished eagerly cannot be cancelled: no listener to add (or remove later).
    if (signal !== undefined && !task.done()) _linkSignal(task, signal);
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
    return this.#runner.runUntilComplete(aw);
  }

  /**
   * Runs the loop until `stop()` is called. Resolves once the loop has stopped.
   * @example
   * loop.callLater(1000, () => loop.stop()); await loop.runForever()
   */
  runForever(): Promise<void> {
    return this.#runner.runForever();
  }

  /**
   * Stops the loop after the current iteration (or the next one, if not running).
   * @example
   * loop.callLater(100, () => loop.stop())
   */
  stop(): void {
    this.#runner.stop();
  }

  /** Whether the loop is running. */
  isRunning(): boolean {
    return this.#runner.running;
  }

  /** Whether the loop was closed. */
  isClosed(): boolean {
    return this.#sched.closed;
  }

  /**
   * The loop's class and state, as asyncio's repr.
   * @example
   * String(loop)   // "<EventLoop running=false closed=false debug=false>"
   */
  toString(): string {
    return `<${this.constructor.name} running=${this.#runner.running} closed=${this.#sched.closed} debug=${this.#debug}>`;
  }

  /**
   * Closes the loop: pending callbacks are dropped, the unretrieved exceptions of its
   * futures and tasks are reported (synchronously). Idempotent; throws while running.
   * @example
   * try { await loop.runUntilComplete(main()) } finally { loop.close() }
   */
  close(): void {
    if (this.#runner.running) throw new Error("Cannot close a running event loop");
    if (this.#sched.closed) return;
    this.#sched.closed = true;
    if (this.#debug) _countDebugLoop(-1);
    _reportUnretrieved(this);
    // As asyncio, close() leaves servers and transports open, but says so (ResourceWarning).
    this.#resources.closeAll();
    // As asyncio's close(): the default executor is shut down without waiting for it.
    const executor = this.#defaultExecutor;
    if (executor !== null) {
      this.#defaultExecutor = null;
      void Promise.resolve(executor.close?.()).catch(() => {});
    }
    // A closed loop keeps nothing large: finished futures keep their loop (getLoop()),
    // and thousands of them may outlive it. Its core goes back to the pool (or to the
    // collector), its slot tables to the next loop if they are the best spare.
    this.#sched.dispose();
  }

  /**
   * One iteration of the loop: moves the due timers behind the ready callbacks (one call
   * into the core) and runs that batch. This is the only place callbacks are called.
   * Callbacks they schedule run in the next iteration.
   * @internal
   */
  _runOnce(): void {
    const core = this.#sched.core;
    const staged = core.pending();
    const n = core.tick(this.time());
    // Ids past the staged ones came out of the timer structure: they are in the ring now
    // (a parked task's slot too).
    const state = this.#slots.state;
    for (let i = staged; i < n; i++) {
      const id = core.batchAt(i);
      if (state[id] === TIMER) state[id] = QUEUED;
      else if (state[id] === TASK_TIMER) state[id] = TASK_FIRED;
    }
    const metrics = this.#metrics;
    metrics.iterations++; metrics.callbacksRun += n; metrics.timersFired += n - staged;
    if (this.#shuffle !== null || this.#debug || this._instruments !== null) {
      this.#runObserved(staged, n, this.#shuffle === null ? null : this.#shuffle.batch(core, n, state));
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
        this.#reportCallbackError(e, _reportHandle(task._run));
      }
    } else if (st === QUEUED) {
      const fn = slots.fn(id)!, arg = slots.arg(id), kind = slots.kind[id];
      slots.release(id);
      // A callback scheduled before the first ContextVar existed carries no Context (it
      // would have been an empty copy): it runs in the current one, whose values are put
      // back after it, so its sets reach no later callback, as its own copy's would not.
      // Null: no var existed, so the current Context was empty (even if this one makes one).
      const saved = _contextVarsInUse ? _currentContext()._map : null;
      try {
        if (kind === CALL1) fn(arg);
        else if (kind === CALL0) fn();
        else fn(...(arg as unknown[]));
      } catch (e) {
        this.#reportCallbackError(e, _reportHandle(fn));
      }
      if (_contextVarsInUse) _restoreCurrent(saved);
    } else if (st === CANCELLED) {
      slots.release(id);
    } else if (st === TASK_FIRED) {
      // A parked task's sleep ended: it resumes next iteration, as asyncio's sleep timer
      // sets its future and the future queues the task's wake-up.
      this.#sched.fired(id);
      if (this._instruments !== null) this._instruments.call("taskScheduled", slots.arg(id));
    } else if (st === TASK_SKIP) {
      // Cancelled after its timer fired into this batch: it is queued for the next one.
      slots.state[id] = TASK_QUEUED;
    }
  }

  /**
   * The batch's slow path, in debug mode, with instruments installed or with a seeded
   * shuffle: each entry timed (debug) and each task step, plain callback and fired sleep
   * reported to the instruments, in the order of `shuffled` (the batch's ids with its task
   * steps permuted) if given. Entries `staged` and up came out of the timers this
   * iteration (a shuffle moves only task steps, so a callback keeps its place).
   */
  #runObserved(staged: number, n: number, shuffled: Int32Array | null): void {
    const core = this.#sched.core, slots = this.#slots;
    for (let i = 0; i < n; i++) {
      const id = shuffled === null ? core.batchAt(i) : shuffled[i];
      // Read for each entry: a hook may remove the last instrument (or add the first).
      const instruments = this._instruments;
      const st = slots.state[id];
      if (instruments === null || (st !== TASK_QUEUED && st !== QUEUED)) {
        if (instruments !== null && st === TASK_FIRED) instruments.call("_timerFired", slots.arg(id));
        this.#runEntry(id);
      } else if (st === TASK_QUEUED) {
        const task = slots.arg(id);
        instruments.call("beforeTaskStep", task);
        this.#runEntry(id);
        instruments.call("afterTaskStep", task);
      } else {
        if (instruments.has("_beforeCallback")) instruments.call("_beforeCallback", String(_reportHandle(slots.fn(id)!)), i >= staged);
        this.#runEntry(id);
        instruments.call("_afterCallback");
      }
    }
  }

  #runEntry(id: number): void {
    if (this.#debug) this.#runTimed(id);
    else this.#run(id);
  }

  /**
   * Debug mode: the same, timing each callback and warning about slow ones. A slow task
   * step names the task, where it was created and where it is suspended now (the end of
   * `getStack()`: the user's frames at its `yield*`, and what it awaits).
   */
  #runTimed(id: number): void {
    const slots = this.#slots;
    const what = slots.state[id] >= TASK ? slots.arg(id) : _reportHandle(slots.fn(id) ?? (() => {}));
    const t0 = this.#host.now();
    this.#run(id);
    const ms = this.#host.now() - t0;
    if (ms >= this.#slowCallbackMs) {
      this.#metrics.slowCallbacks++;
      console.warn(`Executing ${what}${what instanceof Task ? taskWhereabouts(what) : ""} took ${ms.toFixed(3)} ms`);
    }
  }

  #reportCallbackError(exception: unknown, handle: Handle): void {
    this.callExceptionHandler({ message: `Exception in callback ${handle}`, exception, handle });
  }

  /** @internal Whether the loop runs on the virtual clock (the trace recorder says so). */
  _isVirtualClock(): boolean {
    return this.#clock instanceof VirtualClock;
  }

  /** @internal wrapPromise: a Promise this loop waits on was made (+1) or settled (-1). */
  _promisePending(delta: 1 | -1): void {
    this.#resources.promisePending(delta);
  }

  /** @internal runSync's engine: runs `aw` to completion synchronously on the virtual clock. */
  _runUntilCompleteSync<T>(aw: Awaitable<T>): T {
    return this.#runner.runUntilCompleteSync(aw);
  }

  /** @internal testing.advance: runs everything due within `ms` of virtual time, synchronously. */
  _advance(ms: number): void {
    this.#runner.advance(ms);
  }

  /** asyncio's "Event loop is closed", naming the call that met it. */
  #checkClosed(call: string): void {
    if (this.#sched.closed) throw loopClosed(call);
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
    // Only a handler set by the user runs in the failing task's or callback's Context, as in asyncio.
    const ctx = handler === null ? null : handlerContext(context);
    if (ctx === null) callHandler(this, handler, context);
    else ctx.run(callHandler, this, handler, context);
  }

  /**
   * The default handler: writes the message, the context and the exception's stack to
   * `console.error`.
   * @example
   * loop.setExceptionHandler((loop, ctx) => { if (!ignorable(ctx)) loop.defaultExceptionHandler(ctx) })
   */
  defaultExceptionHandler(context: ExceptionContext): void {
    checkContext("defaultExceptionHandler()", context);
    logExceptionContext(context);
  }

  /**
   * The seed of `{ shuffle: seed }`, or null when the loop runs each batch in FIFO order:
   * what a failing test prints to be replayed.
   * @example
   * const loop = new EventLoop({ clock: "virtual", shuffle: 7 })
   * loop.shuffleSeed()   // 7
   */
  shuffleSeed(): number | null {
    return this.#shuffle === null ? null : this.#shuffle.seed;
  }

  /**
   * Installs `instrument`: the loop calls its hooks (see `Instrument`) from now on.
   * Installing one already installed does nothing (as Trio's `add_instrument`).
   * @example
   * loop.addInstrument({ taskSpawned: (task) => console.log("spawned", task.getName()) })
   */
  addInstrument(instrument: Instrument): void {
    checkInstrument("addInstrument()", instrument);
    // A hook's failure that removes the last instrument drops the object, as removeInstrument.
    (this._instruments ??= new Instruments(this, () => void (this._instruments = null))).add(instrument);
  }

  /**
   * Removes `instrument`. Removing one that is not installed throws an Error (Trio raises
   * KeyError), so a mistaken double removal is seen.
   * @example
   * loop.addInstrument(probe); await loop.runUntilComplete(main()); loop.removeInstrument(probe)
   */
  removeInstrument(instrument: Instrument): void {
    checkInstrument("removeInstrument()", instrument);
    if (this._instruments === null || !this._instruments.remove(instrument)) {
      throw new Error(`removeInstrument(): the instrument is not installed on ${this}`);
    }
    // None left: the hook sites are back to their one null check.
    if (this._instruments.size === 0) this._instruments = null;
  }

  /**
   * The loop's counters (see `LoopMetrics`): iterations, callbacks run, tasks spawned, alive
   * and finished, timers scheduled, cancelled and fired, busy and idle time, the longest
   * iteration and (debug mode only) slow callbacks. A new object each call.
   * @example
   * const before = loop.metrics(); await loop.runUntilComplete(main())
   * console.log(loop.metrics().tasksSpawned - before.tasksSpawned, "tasks")
   */
  metrics(): LoopMetrics {
    return this.#metrics.snapshot();
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
    const debug = Boolean(enabled);
    // A closed loop is no longer counted (close() took it off): only an open one changes the count.
    if (debug !== this.#debug && !this.#sched.closed) _countDebugLoop(debug ? 1 : -1);
    this.#debug = debug;
  }

  /**
   * A text table of this loop's pending tasks: id, name, state, what each awaits, where it
   * is suspended, where and how long ago it was made (the last three in debug mode). The
   * same as `dumpTasks(loop)`.
   * @example
   * console.log(loop.dumpTasks())
   */
  dumpTasks(): string {
    return dumpTasks(this);
  }

  // ---- executors -------------------------------------------------------------------

  /**
   * Runs `fn(...args)` on `executor` (null: the default executor, a `WorkerPool` sized to
   * the cores, made on first use) and returns a Future of its result. On a worker thread
   * `fn` must be `{ module, name }`, a function exported from a module (threads share no
   * closures); an executor on the loop's own thread (`InlineExecutor`) takes the function
   * itself. Cancelling the Future, or the task awaiting it, aborts the job: a running job's
   * worker is terminated and replaced. Errors keep their class name, message and stack.
   * @example
   * const fib = { module: new URL("./jobs.js", import.meta.url), name: "fib" }
   * const n = yield* loop.runInExecutor(null, fib, 30)
   */
  runInExecutor<T = unknown>(executor: Executor | null, fn: WorkerFunction | ((...args: any[]) => T | PromiseLike<T>), ...args: unknown[]): Future<T> {
    const call = "runInExecutor()";
    this.#checkClosed(call);
    if (executor !== null && !_isExecutor(executor)) throw expected(call, "an executor (an object with run()) or null", executor);
    const job = _makeJob(call, fn, args);
    if (executor === null) {
      if (this.#executorShutdown) throw new Error("runInExecutor(): Executor shutdown has been called");
      executor = this.#defaultExecutor ??= new WorkerPool();
    }
    return _submit<T>(this, executor, job, typeof fn === "function" ? undefined : fn.transfer);
  }

  /**
   * Makes `executor` the one `runInExecutor(null, ...)` and `toThread()` use. The previous
   * default is not closed (as asyncio: the caller owns both).
   * @example
   * loop.setDefaultExecutor(new WorkerPool({ maxWorkers: 2 }))
   */
  setDefaultExecutor(executor: Executor | null): void {
    if (executor !== null && !_isExecutor(executor)) throw expected("setDefaultExecutor()", "an executor (an object with run()) or null", executor);
    this.#defaultExecutor = executor;
  }

  /**
   * Closes the default executor and refuses it from then on: `runInExecutor(null, ...)`
   * throws "Executor shutdown has been called". As asyncio, the Future is done once the
   * executor's `close()` has settled (a `WorkerPool` first finishes the jobs it accepted),
   * or after `timeout` ms (null: no limit) with a RuntimeWarning that the executor did not
   * finish in time. `run()` and `Runner.close()` call it before closing the loop.
   * @example
   * yield* loop.shutdownDefaultExecutor(5_000)
   */
  shutdownDefaultExecutor(timeout: number | null = null): Future<void> {
    const call = "shutdownDefaultExecutor()";
    if (timeout !== null) checkMs(call, "timeout", timeout);
    this.#executorShutdown = true;
    const executor = this.#defaultExecutor;
    this.#defaultExecutor = null;
    if (executor === null) {
      const none = this.createFuture<void>();
      none.setResult(undefined);
      return none;
    }
    const closed = wrapPromise(Promise.resolve(executor.close?.()).then(() => undefined), this);
    if (timeout === null) return closed;
    const done = this.createFuture<void>();
    const timer = this.callLater(timeout, () => {
      if (done.done()) return;
      _warning("RuntimeWarning", `The executor did not finish its jobs within ${timeout} ms.`);
      done.setResult(undefined);
    });
    closed.addDoneCallback((f) => {
      timer.cancel();
      if (done.done()) return;
      const error = f.exception();
      if (error === null) done.setResult(undefined);
      else done.setException(error);
    });
    return done;
  }

  // ---- internals for Future, Task, Handle and sleep ---------------------------------

  /** @internal Schedules `fn(arg)` with no Handle object (a future's done callbacks). */
  _schedule(fn: (arg: any) => unknown, arg: unknown): void {
    this.#checkClosed("a done callback");
    this.#sched.soon(this.#slots.alloc(fn, CALL1, arg));
  }

  /** @internal Wakes a task waiting on `fut`: a task of this loop is scheduled by its own id. */
  _scheduleWake(waiter: Waiter, fut: Future<any>): void {
    this.#checkClosed("a task wakeup");
    if (!this.#sched.wakeTask(waiter as Task<any>, this)) this._schedule(waiter._wakeupCallback(), fut);
    else if (this._instruments !== null) this._instruments.call("taskScheduled", waiter);
  }

  /** @internal A handle's repr: the callback in slot `id` while it holds generation `gen`. */
  _slotCallback(id: number, gen: number): Callback | undefined {
    return this.#sched.closed || this.#slots.gen[id] !== gen ? undefined : this.#slots.fn(id);
  }

  /** @internal Handle.cancel(): acts only if the handle's generation is still the slot's. */
  _cancelSlot(id: number, gen: number): void {
    if (this.#sched.closed) return;
    if (this.#slots.gen[id] === gen && this.#slots.state[id] === TIMER) this.#metrics.timersCancelled++;
    this.#sched.cancel(id, gen);
  }

  /** @internal A stable slot for a task's lifetime. */
  _registerTask(task: Task<any>): number {
    this.#checkClosed("new Task()");
    const slot = this.#sched.registerTask(task);
    this.#metrics.tasksSpawned++;
    if (this._instruments !== null) this._instruments.call("taskSpawned", task);
    return slot;
  }

  /** @internal Schedules a step of the task in `slot`. */
  _scheduleTask(slot: number): void {
    this.#checkClosed("a task step");
    this.#sched.scheduleTask(slot);
    if (this._instruments !== null) this._instruments.call("taskScheduled", this.#slots.arg(slot));
  }

  /** @internal Parks the idle task in `slot` in the timer structure until `when` (its sleep). */
  _parkTask(slot: number, when: number): void {
    this.#checkClosed("sleep()");
    this.#sched.park(slot, when);
    this.#metrics.timersScheduled++;
  }

  /** @internal The parked task in `slot` is cancelled: true if its sleep had not ended (it runs next iteration, unparked). */
  _unparkTask(slot: number): boolean {
    if (this.#sched.closed) return false;
    const timer = this.#slots.state[slot] === TASK_TIMER;
    if (!this.#sched.unpark(slot)) return false;
    if (timer) this.#metrics.timersCancelled++;
    if (this._instruments !== null) this._instruments.call("taskScheduled", this.#slots.arg(slot));
    return true;
  }

  /** @internal The loop's pending tasks, found in its slot table (allTasks()). */
  _liveTasks(): Task<any>[] {
    return this.#sched.slots.tasks() as Task<any>[];
  }

  /** @internal Frees a finished task's slot. */
  _releaseTask(slot: number): void {
    // Called once per task, as it is done (Task._finish()): Trio's task_exited.
    if (this.#sched.closed) return;
    const task = this.#slots.arg(slot);
    this.#slots.release(slot);
    this.#metrics.tasksFinished++;
    if (this._instruments !== null) this._instruments.call("taskExited", task);
  }

  /** @internal Tracks an open server or transport, to be reported if still open at close(). */
  _addResource(resource: _Resource): void {
    if (!this.#sched.closed) this.#resources.add(resource);
  }

  /** @internal The server or transport is closed (or closing): nothing to report. */
  _removeResource(resource: _Resource): void {
    this.#resources.delete(resource);
  }
}

/** A slow step's task: where it was created and where it is suspended now (its getStack()). */
function taskWhereabouts(task: Task<any>): string {
  const stack = task.getStack();
  const created = task._rare?.sourceTraceback?.split("\n");
  // A done task's getStack() is empty: its creation site is read from the task itself.
  const siteLines = stack.length > 0 ? created?.length ?? 0 : 0;
  const site = created?.[0]?.trim().replace(/^at /, "");
  // After the creation site: the user's frames at the suspension (debug mode) and what the
  // task awaits, innermost last; the last few say where it is now.
  const where = stack.slice(siteLines).slice(-SUSPENDED_LINES).map((l) => l.trim());
  return ` (created at ${site ?? "an unknown site"})${where.length > 0 ? `, suspended at ${where.join("; ")}` : ""}`;
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
