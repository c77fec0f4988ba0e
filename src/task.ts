// Task: drives a generator coroutine on a loop, asyncio's tasks.Task. The yield protocol
// is closed (Trio's traps): a coroutine may yield a Future (what `yield* fut` yields),
// a Promise (waited for), or undefined (give up the rest of this iteration). Anything
// else is a bad yield: a TypeError is thrown into the coroutine at its next step.
import type { AbortSignalLike, Coroutine, ExceptionContext, LoopLike } from "./events.js";
import { CancelledError, InvalidStateError, _asException, _classifyThrown } from "./errors.js";
import { Future, describeError } from "./future.js";
import { _runningLoopOrNull, _steppingTask, _swapCurrentTask, getEventLoop, getRunningLoop } from "./running.js";
import { creationSite, isFutureLike, isGenerator, isThenable } from "./util.js";
import { badYield, checkCoroutine, checkLoop, expected } from "./checks.js";
import { wrapPromise } from "./promises.js";

/** @internal What an EventLoop offers a Task: one stable slot id for the task's lifetime. */
interface TaskLoop extends LoopLike {
  _registerTask(task: Task<any>): number;
  _scheduleTask(slot: number): void;
  _releaseTask(slot: number): void;
}

let taskCounter = 0;
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
  #coro: Coroutine<T>;
  /** The name, or the number N of the default name `Task-N` (made into a string on demand). */
  #name: string | number;
  #futWaiter: Future<any> | null = null;
  #mustCancel = false;
  #numCancelsRequested = 0;
  #stepExc: unknown = undefined;
  #sendValue: unknown = undefined;
  #wakeupFn: ((fut: Future<any>) => void) | null = null;
  #stepFn: (() => void) | null = null;
  #sourceTraceback: string | undefined = undefined;
  /** @internal Slot id in the loop's table, or -1 on a loop without one. */
  _slot = -1;
  /** @internal The future whose completion woke the task, set by the loop. */
  _wakeFut: Future<any> | undefined = undefined;

  /**
   * Wraps `coro` in a task scheduled on `options.loop` (default: the running loop, else
   * `getEventLoop()`); `loop.createTask()` is the usual way to make one.
   * @param coro a generator object (call the generator function: `work()`, not `work`)
   * @param options `loop` and `name`
   * @example
   * class Traced<T> extends Task<T> {}
   * const task = new Traced(work(), { loop, name: "traced" })
   */
  constructor(coro: Coroutine<T>, options?: TaskOptions) {
    const loop = options?.loop ?? _runningLoopOrNull() ?? getEventLoop();
    checkLoop("new Task()", "options.loop", loop);
    checkCoroutine("new Task()", coro, Task);
    super({ loop });
    this.#coro = coro;
    const name = options?.name;
    this.#name = name === undefined || name === null ? ++taskCounter : String(name);
    if (loop.getDebug()) this.#sourceTraceback = creationSite();
    const fast = loop as TaskLoop;
    if (fast._registerTask !== undefined) this._slot = fast._registerTask(this);
    let live = liveTasks.get(loop);
    if (live === undefined) liveTasks.set(loop, (live = new Set()));
    live.add(this);
    this.#schedule();
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

  /** The coroutine the task drives. */
  getCoro(): Coroutine<T> {
    return this.#coro;
  }

  /**
   * What the task is suspended on, innermost last: the creation site of the task (in debug
   * mode) and the chain of futures and tasks it awaits. JavaScript cannot inspect a
   * suspended generator's frames, so this is the closest honest equivalent of asyncio's.
   */
  getStack(options?: { limit?: number }): string[] {
    const limit = options?.limit;
    if (limit !== undefined && limit !== null && typeof limit !== "number") {
      throw expected("getStack()", "options.limit to be a number", limit);
    }
    if (this.done()) return [];
    const frames: string[] = [];
    if (this.#sourceTraceback !== undefined) frames.push(...this.#sourceTraceback.split("\n"));
    for (let w = this.#futWaiter, n = 0; w !== null && n < 100; n++) {
      frames.push(`awaiting ${w}`);
      w = w instanceof Task ? w.#futWaiter : null;
    }
    return limit === undefined || limit === null || limit >= frames.length ? frames : limit <= 0 ? [] : frames.slice(-limit);
  }

  /**
   * Requests cancellation: `CancelledError` is thrown into the coroutine at its next step.
   * Returns false if the task is already done.
   */
  override cancel(msg?: string): boolean {
    this._clearLogTraceback();
    if (this.done()) return false;
    this.#numCancelsRequested++;
    if (this.#futWaiter !== null && this.#futWaiter.cancel(msg)) {
      // The waiter's callback will wake us with CancelledError. Keep the waiter: it may
      // be a task that swallows the cancellation, to be cancelled again later.
      return true;
    }
    // The task's step is already scheduled: it throws CancelledError into the coroutine.
    this.#mustCancel = true;
    this._cancelMessage = msg === undefined || msg === null ? undefined : String(msg);
    return true;
  }

  /** The number of pending cancellation requests. */
  cancelling(): number {
    return this.#numCancelsRequested;
  }

  /** Decrements the count of cancellation requests; returns what is left. */
  uncancel(): number {
    if (this.#numCancelsRequested > 0) {
      this.#numCancelsRequested--;
      if (this.#numCancelsRequested === 0) this.#mustCancel = false;
    }
    return this.#numCancelsRequested;
  }

  /** A task's result comes from its coroutine: always throws. */
  override setResult(_value: T): never {
    throw new Error("Task does not support setResult()");
  }

  /** A task's exception comes from its coroutine: always throws. */
  override setException(_exception: unknown): never {
    throw new Error("Task does not support setException()");
  }

  /** @internal Runs one step: called by the loop for the task's slot id. */
  _run(): void {
    const fut = this._wakeFut;
    if (fut !== undefined) {
      this._wakeFut = undefined;
      this.#wakeup(fut);
    } else {
      const exc = this.#stepExc;
      this.#stepExc = undefined;
      this.#step(exc);
    }
  }

  /** @internal */
  protected override _describe(): string {
    const state = this.done() ? super._describe() : this.#mustCancel ? "cancelling" : "pending";
    const [head, ...rest] = state.split(" ");
    return [head, `name=${JSON.stringify(this.getName())}`, ...rest].join(" ");
  }

  /** @internal */
  protected override _unretrievedContext(exception: unknown): ExceptionContext {
    const ctx: ExceptionContext = { message: "Task exception was never retrieved", exception };
    if (this.#sourceTraceback !== undefined) ctx.sourceTraceback = this.#sourceTraceback;
    return ctx;
  }

  #schedule(exc?: unknown): void {
    this.#stepExc = exc;
    const loop = this.getLoop() as TaskLoop;
    if (this._slot >= 0) loop._scheduleTask(this._slot);
    else loop.callSoon((this.#stepFn ??= () => this._run()));
  }

  /** @internal The loop woke the task: `fut` is done. */
  _wakeup(fut: Future<any>): void {
    this.#wakeup(fut);
  }

  /** @internal The wakeup as a callback, for loops without `_scheduleWake` (made once). */
  _wakeupCallback(): (fut: Future<any>) => void {
    return (this.#wakeupFn ??= (fut) => this.#wakeup(fut));
  }

  #wakeup(fut: Future<any>): void {
    let value: unknown;
    try {
      value = fut.result();
    } catch (e) {
      this.#step(e);
      return;
    }
    this.#sendValue = value;
    this.#step(undefined);
  }

  #step(exc: unknown): void {
    if (this.done()) throw new InvalidStateError(`_step(): already done: ${this}, ${describeError(exc)}`);
    if (this.#mustCancel) {
      if (!(exc instanceof CancelledError)) exc = this._makeCancelledError();
      this.#mustCancel = false;
    }
    this.#futWaiter = null;
    const prev = _swapCurrentTask(this);
    try {
      this.#stepRun(exc);
    } finally {
      _swapCurrentTask(prev);
    }
  }

  #stepRun(exc: unknown): void {
    const coro = this.#coro;
    let done: boolean, value: unknown;
    try {
      let r: IteratorResult<unknown, T>;
      if (exc === undefined) {
        const send = this.#sendValue;
        this.#sendValue = undefined;
        r = coro.next(send);
      } else {
        r = coro.throw(exc);
      }
      done = r.done === true;
      value = r.value;
    } catch (e) {
      // Whatever the coroutine threw ends the task: a value that cannot be an exception
      // (undefined, null, a revoked Proxy) is wrapped, so no error escapes the step.
      const [thrown, cancelled] = _classifyThrown(e, "the coroutine threw");
      if (cancelled) {
        this._cancelledExc = thrown as CancelledError;
        super.cancel();
      } else {
        this._finishWithException(thrown);
      }
      this.#finish();
      return;
    }
    if (done) {
      if (this.#mustCancel) {
        // Cancelled right before the coroutine returned.
        this.#mustCancel = false;
        super.cancel(this._cancelMessage);
      } else {
        super.setResult(value as T);
      }
      this.#finish();
      return;
    }
    if (value === undefined) {
      // A bare yield gives up the rest of this loop iteration.
      this.#schedule();
      return;
    }
    let fut: Future<unknown>;
    try {
      fut = this.#awaited(value);
    } catch (e) {
      // A bad yield, or a yielded value that threw when looked at (a `then` getter, a
      // revoked Proxy): as with `await`, the error is thrown into the coroutine.
      this.#schedule(_asException(e, "a yielded value threw"));
      return;
    }
    if (fut.getLoop() !== this.getLoop()) {
      this.#schedule(new Error(`Task ${this} got Future ${fut} attached to a different loop`));
    } else if (fut === this) {
      this.#schedule(new Error(`Task cannot await on itself: ${this}`));
    } else {
      if (fut instanceof Future) fut._addWaiter(this);
      else (fut as Future<unknown>).addDoneCallback(this._wakeupCallback());
      this.#futWaiter = fut;
      if (this.#mustCancel && fut.cancel(this._cancelMessage)) this.#mustCancel = false;
    }
  }

  /** The future a yielded value stands for; throws the TypeError of a bad yield. */
  #awaited(value: unknown): Future<unknown> {
    if (value instanceof Future || isFutureLike(value)) return value;
    // A coroutine is a bad yield even if it is thenable (sleep() is): yield* was meant.
    if (isGenerator(value)) throw badYield(value, true);
    if (isThenable(value)) return wrapPromise(value, this.getLoop());
    throw badYield(value, false);
  }

  #finish(): void {
    const loop = this.getLoop();
    liveTasks.get(loop)?.delete(this);
    if (this._slot >= 0) {
      (loop as TaskLoop)._releaseTask(this._slot);
      this._slot = -1;
    }
  }
}

/**
 * Wraps `coro` in a Task scheduled on the running loop (asyncio's `create_task`): the
 * same as `getRunningLoop().createTask(coro, options)`.
 * @example
 * function* main() { const t = createTask(worker(), { name: "worker" }); yield* t }
 */
export function createTask<T>(coro: Coroutine<T>, options?: { name?: string; signal?: AbortSignalLike }): Task<T> {
  checkCoroutine("createTask()", coro, Task);
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
  const live = liveTasks.get(loop);
  const result = new Set<Task<any>>();
  if (live !== undefined) for (const t of live) if (!t.done()) result.add(t);
  return result;
}

/** @internal Forgets the tasks of a closed loop (they can never run again). */
export function _forgetTasks(loop: LoopLike): void {
  liveTasks.delete(loop);
}
