// Task: drives a generator coroutine on a loop, asyncio's tasks.Task. The yield protocol
// is closed (Trio's traps): a coroutine may yield a Future (what `yield* fut` yields),
// a Promise (waited for), or undefined (give up the rest of this iteration). Anything
// else is a bad yield: a TypeError is thrown into the coroutine at its next step.
import type { Coroutine, CreateTaskOptions, ExceptionContext, LoopLike } from "./events.js";
import { CancelledError, InvalidStateError, _asException, _classifyThrown } from "./errors.js";
import { Future, PENDING, STATE_MASK, describeError } from "./future.js";
import { PARK_RESULT, SWITCH, SWITCH_RESULT, WAKE, _Parkable } from "./traps.js";
import { _userFrames } from "./suspension.js";
import { _runningLoopOrNull, _steppingTask, _swapCurrentTask, getEventLoop, getRunningLoop } from "./running.js";
import { creationSite, isFutureLike, isGenerator, isThenable } from "./util.js";
import { badYield, checkCoroutine, checkLoop, checkOptionalBoolean, expected } from "./checks.js";
import { wrapPromise } from "./promises.js";
import {
  Context, _contextVarsInUse, _currentContext, _enterContext, _enterContextBeneath, _exitContext, _setOnFirstVar, copyContext,
} from "./context.js";

/** @internal What an EventLoop offers a Task: one stable slot id for the task's lifetime. */
interface TaskLoop extends LoopLike {
  _registerTask(task: Task<any>): number;
  _scheduleTask(slot: number): void;
  _releaseTask(slot: number): void;
  _parkTask(slot: number, when: number): void;
  _unparkTask(slot: number): boolean;
  _liveTasks(): Task<any>[];
  time(): number;
  isRunning?(): boolean;
  /** The loop's instruments (an eager first step reports itself as the loop reports a step). */
  _instruments?: { call(hook: "beforeTaskStep" | "afterTaskStep", task: Task<any>): void } | null;
}

/** asyncio's `loop.is_running()`, on any loop: one without `isRunning()` runs if it is the running loop. */
function loopRunning(loop: LoopLike): boolean {
  const isRunning = (loop as Partial<TaskLoop>).isRunning;
  return typeof isRunning === "function" ? isRunning.call(loop) === true : _runningLoopOrNull() === loop;
}

// Task flags, in the Future's `_state` above its own bits (future.ts): one integer holds
// every flag a step reads.
/** A cancellation is requested: the next step throws CancelledError in (asyncio's _must_cancel). */
const MUST_CANCEL = 8;
/** The task's slot is in the loop's timer structure (a parked sleep, in `#waiter`). */
const PARKED = 16;
/** The next step resumes the coroutine with WAKE (it yielded sleep(0)'s SWITCH). */
const SEND_WAKE = 32;
/** The next step throws `_rare.stepExc` in. */
const STEP_EXC = 64;

let taskCounter = 0;

/** The Context current when the innermost running step of a task without a Context began. */
let lazyStepBase: Context | null = null;

// The first ContextVar made inside such a step: the task takes its Context there and then,
// so a set() right after stays in the task (and later steps enter it as usual).
_setOnFirstVar(() => {
  const task = _steppingTask();
  if (task instanceof Task && lazyStepBase !== null) task._adoptContext(lazyStepBase);
});

/** getStack()/printStack()'s `options.limit`: a number, or undefined for all lines. */
function checkStackLimit(call: string, options: { limit?: number } | undefined): number | undefined {
  const limit = options?.limit;
  if (limit === undefined || limit === null) return undefined;
  if (typeof limit !== "number" || Number.isNaN(limit)) throw expected(call, "options.limit to be a number", limit);
  return limit;
}
/** The pending tasks of loops without task slots (an EventLoop finds its own in its slot table). */
const liveTasks = new WeakMap<LoopLike, Set<Task<any>>>();

/**
 * Options of `new Task()`.
 * @example
 * const options: TaskOptions = { loop, name: "worker" }
 * const task = new Task(work(), options)
 */
export interface TaskOptions {
  /** The loop to run on (default: the running loop, else `getEventLoop()`). */
  loop?: LoopLike;
  /** The task's name (default `Task-N`). */
  name?: string;
  /** The Context every step runs in (default: a copy of the current one, as asyncio's). */
  context?: Context;
  /**
   * Start eagerly (asyncio 3.14's `eager_start`): if the loop is running, the coroutine's
   * first step runs at once, inside the constructor, until it first waits; a task that
   * returns or throws without waiting is done on return and never queued. Ignored (the
   * step is scheduled as usual) when the loop is not running.
   */
  eagerStart?: boolean;
}

/**
 * Runs a generator coroutine on a loop; a Future of its return value. The loop keeps a
 * pending task alive (no lost fire-and-forget tasks). Cancelling throws `CancelledError`
 * into the coroutine at its current `yield`; `try/finally` blocks run.
 * @example
 * function* work() { yield* sleep(10); return 42 }
 * const task = loop.createTask(work(), { name: "worker" })
 * const v: number = yield* task      // or `await task`
 */
export class Task<T = unknown> extends Future<T> {
  // Five fields beyond the Future's five; no private methods (each would add a brand to
  // every task). Rare state (the step's exception, cancel count, creation site) is in `_rare`.
  #coro: Coroutine<T>;
  /** What the task waits on: a Future, a parked sleep (PARKED), or null. */
  #waiter: Future<any> | _Parkable | null = null;
  /** The name, or the number N of the default name `Task-N` (made into a string on demand). */
  #name: string | number;
  /** @internal Slot id in the loop's table, or -1 on a loop without one (or once done). */
  _slot = -1;
  /**
   * The Context each step runs in (asyncio's Task._context); null for a task made before
   * any ContextVar existed: its copy would be empty, so it is made when first needed (no
   * Context per task in programs that never use contextvars).
   */
  #context: Context | null;

  /**
   * Wraps `coro` in a task scheduled on `options.loop` (default: the running loop, else
   * `getEventLoop()`); `loop.createTask()` is the usual way to make one.
   * @param coro a generator object (call the generator function: `work()`, not `work`)
   * @param options `loop`, `name`, `context` (default: a copy of the current Context) and
   *   `eagerStart` (run the first step now if the loop is running)
   * @example
   * class Traced<T> extends Task<T> {}
   * const task = new Traced(work(), { loop, name: "traced" })
   * const eager = new Task(work(), { eagerStart: true })   // inside a task: runs until its first wait
   */
  constructor(coro: Coroutine<T>, options?: TaskOptions) {
    const loop = options?.loop ?? _runningLoopOrNull() ?? getEventLoop();
    checkLoop("new Task()", "options.loop", loop);
    checkCoroutine("new Task()", coro, Task);
    const context = options?.context;
    if (context !== undefined && context !== null && !(context instanceof Context)) {
      throw expected("new Task()", "options.context to be a Context", context);
    }
    const eagerStart = options?.eagerStart;
    checkOptionalBoolean("new Task()", "options.eagerStart", eagerStart);
    super({ loop });
    this.#coro = coro;
    this.#context = context ?? (_contextVarsInUse ? copyContext() : null);
    const name = options?.name;
    this.#name = name === undefined || name === null ? ++taskCounter : String(name);
    if (loop.getDebug()) {
      const rare = this._rareFields();
      rare.sourceTraceback = creationSite();
      rare.createdAt = (loop as Partial<TaskLoop>).time?.();
    }
    // asyncio's eager_start applies only while the loop runs; otherwise it is ignored.
    const eager = eagerStart === true && loopRunning(loop);
    const fast = loop as TaskLoop;
    if (fast._registerTask !== undefined) {
      this._slot = fast._registerTask(this);
      if (eager) this._eagerStart();
      else fast._scheduleTask(this._slot);
    } else {
      let live = liveTasks.get(loop);
      if (live === undefined) liveTasks.set(loop, (live = new Set()));
      live.add(this);
      if (eager) this._eagerStart();
      else this._schedule();
    }
  }

  /**
   * @internal asyncio's `__eager_start`: the first step, now, instead of from the ready
   * queue. It is the ordinary step (`_step` enters the task's Context and makes the task
   * current, then swaps the creator back), so what the coroutine yields is acted on as
   * after any step: a task that finished is done without ever being queued, one that
   * waits is woken as usual. The task is registered first (its slot), so `allTasks()`
   * sees it during the step, as asyncio's eager-task set does. Instruments see a step.
   */
  _eagerStart(): void {
    const instruments = (this._loop as TaskLoop)._instruments;
    if (instruments === undefined || instruments === null) {
      this._step(false, undefined);
      return;
    }
    instruments.call("beforeTaskStep", this);
    try {
      // Throws only if the task's Context is already entered (it is the caller's own): as in
      // asyncio, createTask throws and the task stays registered, never stepped.
      this._step(false, undefined);
    } finally {
      instruments.call("afterTaskStep", this);
    }
  }

  /** The task's name. */
  getName(): string {
    const name = this.#name;
    return typeof name === "number" ? `Task-${name}` : name;
  }

  /** Renames the task. */
  setName(value: unknown): void {
    this.#name = String(value);
  }

  /**
   * The Context the task's steps run in (asyncio's `Task.get_context()`).
   * @example
   * task.getContext().get(requestId)
   */
  getContext(): Context {
    return (this.#context ??= new Context());
  }

  /**
   * @internal The first ContextVar was made during a step of this task, which runs in no
   * Context of its own: it takes one now, entered as if at the step's start (`base`).
   */
  _adoptContext(base: Context): void {
    const context = (this.#context ??= new Context());
    if (!context._entered) _enterContextBeneath(context, base);
  }

  /** The coroutine the task drives. */
  getCoro(): Coroutine<T> {
    return this.#coro;
  }

  /**
   * Where the task is suspended, oldest first, one line each: the creation site (debug
   * mode), the user's frames at the `yield*` where its coroutine waits (debug mode: the
   * loop records them at each suspension), then the chain of futures and tasks it awaits
   * or the sleep it is parked in. Outside debug mode only that chain is known: JavaScript
   * cannot look into a suspended generator. `limit` keeps the last (innermost) lines.
   * Empty for a done task.
   * @example
   * const loop = new EventLoop({ clock: "virtual", debug: true })
   * const task = loop.createTask((function* worker() { yield* sleep(10) })())
   * loop._runOnce()
   * task.getStack()   // ["    at worker (file:///app/main.js:2:56)", "sleeping until 10"]
   */
  getStack(options?: { limit?: number }): string[] {
    const limit = checkStackLimit("getStack()", options);
    if (this.done()) return [];
    const frames: string[] = [];
    const site = this._rare?.sourceTraceback;
    if (site !== undefined) frames.push(...site.split("\n"));
    frames.push(...this._suspendedFrames().reverse());
    let task: Task<any> | null = this;
    for (let n = 0; task !== null && n < 100; n++) {
      const w: Future<any> | _Parkable | null = task.#waiter;
      if (w === null) break;
      if ((task._state & PARKED) !== 0) {
        frames.push(`sleeping until ${(w as _Parkable)._ms}`);
        break;
      }
      frames.push(`awaiting ${w}`);
      task = w instanceof Task ? w : null;
    }
    return limit === undefined ? frames : limit >= frames.length ? frames : limit <= 0 ? [] : frames.slice(-limit);
  }

  /**
   * Prints `getStack()` as asyncio's `print_stack`: a "Stack for <task> (most recent call
   * last):" header and the lines, to `options.file` (anything with a `write(text)` method)
   * or the console.
   * @example
   * task.printStack({ limit: 5 })
   * task.printStack({ file: process.stderr })
   */
  printStack(options?: { limit?: number; file?: { write(text: string): unknown } | null }): void {
    const limit = checkStackLimit("printStack()", options);
    const file = options?.file;
    if (file !== undefined && file !== null && typeof (file as { write?: unknown }).write !== "function") {
      throw expected("printStack()", "options.file to have a write() method", file);
    }
    const lines = this.getStack({ limit });
    const text = lines.length === 0 ? `No stack for ${this}` : [`Stack for ${this} (most recent call last):`, ...lines.map((l) => (l.startsWith(" ") ? l : `  ${l}`))].join("\n");
    if (file !== undefined && file !== null) file.write(text + "\n");
    else console.log(text);
  }

  /**
   * @internal The user's frames (stack trace lines, innermost first) where the coroutine is
   * suspended, recorded in debug mode; [] if unknown, or if the record is not of the current
   * suspension (the task is running, or waits on something no iterator of ours yielded).
   */
  _suspendedFrames(): string[] {
    const s = this._rare?.suspension;
    if (s === null || s === undefined || this.done() || _steppingTask() === this) return [];
    const w = this.#waiter;
    if (w === null ? s.on !== SWITCH : s.on !== w) return [];
    return _userFrames(s.trace.stack);
  }

  /** @internal What the task waits on: a Future, a parked sleep, or null (ready or running). */
  _waiter(): Future<any> | _Parkable | null {
    return this.#waiter;
  }

  /**
   * Requests cancellation: `CancelledError` is thrown into the coroutine at its next step.
   * Returns false if the task is already done.
   */
  override cancel(msg?: string): boolean {
    this._clearLogTraceback();
    if (this.done()) return false;
    const rare = this._rareFields();
    rare.cancelsRequested++;
    const waiter = this.#waiter;
    if ((this._state & PARKED) !== 0) {
      if ((this._loop as TaskLoop)._unparkTask(this._slot)) {
        // The sleep had not ended: out of the timers at once, and the coroutine gets the
        // CancelledError next iteration, as a cancelled sleep's future wakes its task.
        this._state &= ~PARKED;
        this.#waiter = null;
        this._setStepException(new CancelledError(msg === undefined || msg === null ? undefined : String(msg)));
        return true;
      }
      // The sleep has ended and the wake-up is queued (asyncio: the sleep's future is done,
      // so cancelling it fails): the step throws CancelledError in, below.
    } else if (waiter !== null && (waiter as Future<any>).cancel(msg)) {
      // The waiter's callback will wake us with CancelledError. Keep the waiter: it may
      // be a task that swallows the cancellation, to be cancelled again later.
      return true;
    }
    // The task's step is already scheduled: it throws CancelledError into the coroutine.
    this._state |= MUST_CANCEL;
    rare.cancelMessage = msg === undefined || msg === null ? undefined : String(msg);
    return true;
  }

  /** The number of pending cancellation requests. */
  cancelling(): number {
    return this._rare === null ? 0 : this._rare.cancelsRequested;
  }

  /** Decrements the count of cancellation requests; returns what is left. */
  uncancel(): number {
    const rare = this._rare;
    if (rare === null) return 0;
    if (rare.cancelsRequested > 0) {
      rare.cancelsRequested--;
      if (rare.cancelsRequested === 0) this._state &= ~MUST_CANCEL;
    }
    return rare.cancelsRequested;
  }

  /** A task's result comes from its coroutine: always throws. */
  override setResult(_value: T): never {
    throw new Error("Task does not support setResult()");
  }

  /** A task's exception comes from its coroutine: always throws. */
  override setException(_exception: unknown): never {
    throw new Error("Task does not support setException()");
  }

  /**
   * @internal Runs one step: called by the loop for the task's slot id (and by the step
   * callback on other loops). What it resumes the coroutine with is in the task's state:
   * the future that woke it, a parked sleep's deadline, a task switch, or an exception.
   */
  _run(): void {
    const waiter = this.#waiter;
    const state = this._state;
    if (waiter !== null && (state & PARKED) === 0) {
      this._wakeup(waiter as Future<any>);
      return;
    }
    this.#waiter = null;
    if ((state & STEP_EXC) !== 0) {
      this._state = state & ~STEP_EXC;
      const rare = this._rare!, exc = rare.stepExc;
      rare.stepExc = undefined;
      this._step(true, exc);
    } else {
      this._state = state & ~(PARKED | SEND_WAKE);
      this._step(false, (state & SEND_WAKE) !== 0 ? WAKE : undefined);
    }
  }

  /** @internal The future the task waits on is done: step with its outcome. */
  _wakeup(fut: Future<any>): void {
    this.#waiter = null;
    let value: unknown;
    try {
      value = fut.result();
    } catch (e) {
      this._step(true, e);
      return;
    }
    this._step(false, value);
  }

  /** @internal The wakeup as a callback, for loops without `_scheduleWake` (made once). */
  _wakeupCallback(): (fut: Future<any>) => void {
    return (this._rareFields().wakeupFn ??= (fut) => this._wakeup(fut));
  }

  /** @internal */
  protected override _describe(): string {
    const state = this.done() ? super._describe() : (this._state & MUST_CANCEL) !== 0 ? "cancelling" : "pending";
    const [head, ...rest] = state.split(" ");
    return [head, `name=${JSON.stringify(this.getName())}`, ...rest].join(" ");
  }

  /** @internal */
  protected override _unretrievedContext(exception: unknown): ExceptionContext {
    const ctx: ExceptionContext = { message: "Task exception was never retrieved", exception };
    const site = this._rare?.sourceTraceback;
    if (site !== undefined) ctx.sourceTraceback = site;
    return ctx;
  }

  /** @internal The report of an unretrieved exception runs in the task's Context (asyncio 3.12). */
  protected override _reportContext(): Context | null {
    return this.#context;
  }

  /** @internal The next step throws `exc` into the coroutine (the caller schedules that step). */
  _setStepException(exc: unknown): void {
    this._rareFields().stepExc = exc;
    this._state |= STEP_EXC;
  }

  /** @internal Schedules a step that throws `exc` into the coroutine (a bad yield, a failed park). */
  _throwSoon(exc: unknown): void {
    this._setStepException(exc);
    this._schedule();
  }

  /** @internal Schedules the next step: by the task's slot on an EventLoop, else as a callback. */
  _schedule(): void {
    const slot = this._slot;
    if (slot >= 0) {
      (this._loop as TaskLoop)._scheduleTask(slot);
    } else {
      const rare = this._rareFields();
      this._loop.callSoon((rare.stepFn ??= () => this._run()));
    }
  }

  /** @internal One step: resumes the coroutine with `arg` (thrown in if `throwing`) and acts on what it yields. */
  _step(throwing: boolean, arg: unknown): void {
    const state = this._state;
    if ((state & STATE_MASK) !== PENDING) throw new InvalidStateError(`_step(): already done: ${this}, ${describeError(throwing ? arg : undefined)}`);
    if ((state & MUST_CANCEL) !== 0) {
      if (!(throwing && arg instanceof CancelledError)) {
        arg = this._makeCancelledError();
        throwing = true;
      }
      this._state = state & ~MUST_CANCEL;
    }
    // asyncio runs every step in the task's context (`self._context.run(self.__step_run_and_handle_result)`):
    // entering it twice (a task stepped from inside its own context) throws here, as there.
    let context = this.#context;
    if (context === null && _contextVarsInUse) context = this.#context = new Context();
    const savedBase = lazyStepBase;
    if (context !== null) _enterContext(context);
    else lazyStepBase = _currentContext();
    const prev = _swapCurrentTask(this);
    let r: IteratorResult<unknown, T>;
    try {
      r = throwing ? this.#coro.throw(arg) : this.#coro.next(arg);
    } catch (e) {
      _swapCurrentTask(prev);
      this._leaveContext(context, savedBase);
      // Whatever the coroutine threw ends the task: a value that cannot be an exception
      // (undefined, null, a revoked Proxy) is wrapped, so no error escapes the step.
      const [thrown, cancelled] = _classifyThrown(e, "the coroutine threw");
      if (cancelled) {
        this._rareFields().cancelledExc = thrown as CancelledError;
        super.cancel();
      } else {
        this._finishWithException(thrown);
      }
      this._finish();
      return;
    }
    _swapCurrentTask(prev);
    this._leaveContext(context, savedBase);
    // The cheap waits first, told by identity (traps.ts).
    if (r === SWITCH_RESULT) {
      this._state |= SEND_WAKE;
      this._schedule();
    } else if (r === PARK_RESULT) {
      const sleep = PARK_RESULT.value!;
      PARK_RESULT.value = undefined;
      this._park(sleep);
    } else if (r.done === true) {
      if ((this._state & MUST_CANCEL) !== 0) {
        // Cancelled right before the coroutine returned.
        this._state &= ~MUST_CANCEL;
        super.cancel(this._rare!.cancelMessage);
      } else {
        super.setResult(r.value);
      }
      this._finish();
    } else {
      this._await(r.value);
    }
  }

  /** @internal Ends a step's context: the one it entered, or the one it took mid-step (`_adoptContext`). */
  _leaveContext(context: Context | null, savedBase: Context | null): void {
    if (context !== null) {
      _exitContext(context);
      return;
    }
    lazyStepBase = savedBase;
    const adopted = this.#context;
    if (adopted !== null && adopted._entered) _exitContext(adopted);
  }

  /** @internal The coroutine yielded `value`: a Future to wait on, a bare yield, or a bad yield. */
  _await(value: unknown): void {
    if (value === undefined || value === SWITCH) {
      // A bare yield gives up the rest of this loop iteration (a SWITCH yielded by hand too).
      if (value === SWITCH) this._state |= SEND_WAKE;
      this._schedule();
      return;
    }
    let fut: Future<unknown>;
    try {
      fut = this._awaited(value);
    } catch (e) {
      // A bad yield, or a yielded value that threw when looked at (a `then` getter, a
      // revoked Proxy): as with `await`, the error is thrown into the coroutine.
      this._throwSoon(_asException(e, "a yielded value threw"));
      return;
    }
    if (fut.getLoop() !== this._loop) {
      this._throwSoon(new Error(`Task ${this} got Future ${fut} attached to a different loop`));
    } else if (fut === this) {
      this._throwSoon(new Error(`Task cannot await on itself: ${this}`));
    } else {
      if (fut instanceof Future) fut._addWaiter(this);
      else (fut as Future<unknown>).addDoneCallback(this._wakeupCallback());
      this.#waiter = fut;
      if ((this._state & MUST_CANCEL) !== 0 && fut.cancel(this._rare!.cancelMessage)) this._state &= ~MUST_CANCEL;
    }
  }

  /** @internal Parks the task's slot in the loop's timers until the sleep ends (or waits on a fallback future). */
  _park(sleep: _Parkable): void {
    const loop = this._loop as TaskLoop;
    if (this._slot < 0) {
      let fut: unknown;
      try {
        fut = sleep._fallback(loop);
      } catch (e) {
        this._throwSoon(e);
        return;
      }
      this._await(fut);
      return;
    }
    if ((this._state & MUST_CANCEL) !== 0) {
      // Cancelled during this step, with nothing to wait on then: asyncio would cancel the
      // sleep's future at once, so the CancelledError comes in the next step, unparked.
      this._state &= ~MUST_CANCEL;
      const msg = this._rare!.cancelMessage;
      this._throwSoon(new CancelledError(msg));
      return;
    }
    const when = loop.time() + sleep._ms;
    try {
      loop._parkTask(this._slot, when);
    } catch (e) {
      // The timer structure could not grow: the coroutine gets the error, as from a bad yield.
      this._throwSoon(e);
      return;
    }
    sleep._parked(when);
    this.#waiter = sleep;
    this._state |= PARKED;
  }

  /** @internal The future a yielded value stands for; throws the TypeError of a bad yield. */
  _awaited(value: unknown): Future<unknown> {
    if (value instanceof Future || isFutureLike(value)) return value;
    // A coroutine is a bad yield even if it is thenable (sleep() is): yield* was meant.
    if (isGenerator(value)) throw badYield(value, true);
    if (isThenable(value)) return wrapPromise(value, this._loop);
    throw badYield(value, false);
  }

  /** @internal The task is done: its slot (or its entry among the live tasks) is freed. */
  _finish(): void {
    const loop = this._loop;
    if (this._slot >= 0) {
      (loop as TaskLoop)._releaseTask(this._slot);
      this._slot = -1;
    } else {
      liveTasks.get(loop)?.delete(this);
    }
  }
}

/**
 * Wraps `coro` in a Task scheduled on the running loop (asyncio's `create_task`): the
 * same as `getRunningLoop().createTask(coro, options)`. With `{ eagerStart: true }`
 * (asyncio 3.14) the coroutine runs at once, until it first waits.
 * @example
 * function* main() { const t = createTask(worker(), { name: "worker" }); yield* t }
 * function* cached() { const t = createTask(lookup(key), { eagerStart: true }); if (t.done()) return t.result() }
 */
export function createTask<T>(coro: Coroutine<T>, options?: CreateTaskOptions): Task<T> {
  checkCoroutine("createTask()", coro, Task);
  checkOptionalBoolean("createTask()", "options.eagerStart", options?.eagerStart);
  const loop = getRunningLoop();
  if (typeof loop.createTask !== "function") throw new Error("createTask(): the running loop has no createTask method");
  return loop.createTask(coro, options) as Task<T>;
}

/**
 * The task being run on `loop` (default: the running loop), or null.
 * @example
 * function* main() { console.log(currentTask()?.getName()) }
 */
export function currentTask(loop?: LoopLike): Task<any> | null {
  const task = _steppingTask() as Task<any> | null;
  if (loop === undefined) loop = getRunningLoop();
  else checkLoop("currentTask()", "loop", loop);
  return task !== null && task.getLoop() === loop ? task : null;
}

/**
 * The tasks of `loop` (default: the running loop) that are not done yet.
 * @example
 * for (const t of allTasks()) t.cancel()
 */
export function allTasks(loop?: LoopLike): Set<Task<any>> {
  if (loop === undefined) loop = getRunningLoop();
  else checkLoop("allTasks()", "loop", loop);
  const result = new Set<Task<any>>();
  const fast = loop as Partial<TaskLoop>;
  // An EventLoop finds its tasks in its slot table: no per-task entry elsewhere.
  if (fast._liveTasks !== undefined) for (const t of fast._liveTasks()) result.add(t);
  const live = liveTasks.get(loop);
  if (live !== undefined) for (const t of live) if (!t.done()) result.add(t);
  return result;
}
