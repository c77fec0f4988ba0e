// TaskGroup: structured concurrency, asyncio 3.12's taskgroups.TaskGroup. The group waits
// for all its children; the first failure cancels the rest and the body, and the group
// throws an ExceptionGroup of every failure.
import type { Coroutine } from "./events.js";
import { CancelledError, ExceptionGroup } from "./errors.js";
import type { Future } from "./future.js";
import { _steppingTask, getRunningLoop } from "./running.js";
import { Task } from "./task.js";
import { checkBody, checkCoroutine, checkOptionalBoolean } from "./checks.js";
import { _tagAwaiter } from "./call-graph.js";
import type { Context } from "./context.js";

/**
 * A group of tasks that end together; made by `taskGroup()`, which passes it to its body.
 * @example
 * yield* taskGroup(function* (tg) {
 *   tg.createTask(fetchUser(1), { name: "user-1" })
 *   tg.createTask(fetchUser(2))
 * }) // returns when both are done; throws an ExceptionGroup if any failed
 */
export class TaskGroup {
  #entered = false;
  #exiting = false;
  #aborting = false;
  #parent: Task<any> | null = null;
  #parentCancelRequested = false;
  #tasks = new Set<Task<any>>();
  #errors: unknown[] = [];
  #onCompleted: Future<true> | null = null;
  #cancelOnEnter = false;
  #onTaskDone = (task: Task<any>): void => this.#taskDone(task);

  /**
   * Starts `coro` as a task of the group (`eagerStart`: see `loop.createTask`). Throws once
   * the group is finished or aborting.
   * @example
   * tg.createTask(fetchUser(1), { name: "user-1", eagerStart: true })
   */
  createTask<T>(coro: Coroutine<T>, options?: { name?: string; context?: Context; eagerStart?: boolean }): Task<T> {
    if (!this.#entered) throw new Error(`TaskGroup ${this} has not been entered`);
    if (this.#exiting && this.#tasks.size === 0) throw new Error(`TaskGroup ${this} is finished`);
    if (this.#aborting) throw new Error(`TaskGroup ${this} is shutting down`);
    checkCoroutine("TaskGroup.createTask()", coro, Task);
    const eagerStart = options?.eagerStart;
    checkOptionalBoolean("TaskGroup.createTask()", "options.eagerStart", eagerStart);
    const task = getRunningLoop().createTask(coro, { name: options?.name, context: options?.context, eagerStart });
    // Even a task already done (it finished eagerly) is seen through its done callback, a
    // step later, as asyncio 3.14 does (gh-128550): a failure there must not cancel the
    // parent while it is still inside createTask.
    this.#tasks.add(task);
    task.addDoneCallback(this.#onTaskDone as (f: Future<T>) => void);
    // Its eager first step may have aborted the group (tg.cancel(), a sibling's failure)
    // before it was one of the tasks the abort cancels (asyncio, gh-155418).
    if (this.#aborting && !task.done()) task.cancel();
    return task;
  }

  /**
   * Ends the group early without an error (asyncio 3.15's `TaskGroup.cancel()`): cancels
   * its unfinished tasks and the body; `taskGroup()` then returns once every task has
   * ended, instead of throwing `CancelledError` (with the body's value if the body had
   * returned, `undefined` if the cancellation interrupted it). Tasks that failed still make it throw their `ExceptionGroup`; a
   * cancellation of the task running the group from outside still propagates. Idempotent;
   * a no-op once the group is finished; on a group not yet entered, it is cancelled on entry.
   * @example
   * yield* taskGroup(function* (tg) {
   *   tg.createTask(serve(connection))
   *   tg.createTask(function* () { yield* shutdownRequested.wait(); tg.cancel() }())
   * }) // returns once shutdown is requested and serve() has ended
   */
  cancel(): void {
    if (!this.#entered) {
      this.#cancelOnEnter = true;
      return;
    }
    if (this.#exiting && this.#tasks.size === 0) return;
    if (this.#aborting) return;
    this.#abort();
    const parent = this.#parent;
    if (parent !== null && !this.#parentCancelRequested) {
      // _exit() uncancels it: this cancellation does not leave the group.
      this.#parentCancelRequested = true;
      parent.cancel();
    }
  }

  /**
   * The group as asyncio's repr shows it: whether it is entered, its tasks, errors, cancelling.
   * @example
   * String(tg)   // "<TaskGroup tasks=2 entered>"
   */
  toString(): string {
    const info = [this.#tasks.size ? `tasks=${this.#tasks.size}` : "", this.#errors.length ? `errors=${this.#errors.length}` : "",
      this.#aborting ? "cancelling" : this.#entered ? "entered" : ""].filter(Boolean).join(" ");
    return `<TaskGroup${info ? " " + info : ""}>`;
  }

  /** @internal asyncio's __aenter__. */
  _enter(): void {
    if (this.#entered) throw new Error(`TaskGroup ${this} has already been entered`);
    const parent = _steppingTask() as Task<any> | null;
    if (parent === null) throw new Error(`TaskGroup ${this} cannot determine the parent task: use it inside a task`);
    this.#parent = parent;
    this.#entered = true;
    // The call graph sees the parent task as what awaits each child (asyncio's TaskGroup says so too).
    _tagAwaiter(this.#onTaskDone, parent as Task<any>);
    if (this.#cancelOnEnter) this.cancel();
  }

  /** @internal asyncio's __aexit__: waits for the children, then raises what must be raised. */
  *_exit(failed: boolean, error: unknown): Coroutine<void> {
    this.#exiting = true;
    const parent = this.#parent!;
    let propagate: CancelledError | null = failed && error instanceof CancelledError ? error : null;
    if (failed && !this.#aborting) this.#abort();
    const loop = getRunningLoop();
    // A cancellation that came while waiting (ours, by cancel() or a failing child, or not).
    let pending: CancelledError | null = null;
    while (this.#tasks.size > 0) {
      this.#onCompleted ??= loop.createFuture<true>();
      try {
        yield* this.#onCompleted;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        pending = e;
        // The parent is being cancelled while children still run.
        if (!this.#aborting) {
          propagate = e;
          this.#abort();
        }
      }
      this.#onCompleted = null;
    }
    // As CPython main: the parent is uncancelled once the children have ended, so that a
    // cancel() during this wait is counted too.
    if (this.#parentCancelRequested) {
      if (parent.uncancel() === 0) {
        // The cancellation was ours: it does not leave the group.
        propagate = null;
      } else if (propagate === null) {
        // A cancellation from outside remains: it is not ours to drop (CPython gh-155433).
        propagate = pending;
      }
    }
    // Other errors take priority over a cancellation.
    if (propagate !== null && this.#errors.length === 0) throw propagate;
    if (failed && !(error instanceof CancelledError)) this.#errors.push(error);
    if (this.#errors.length > 0) {
      // A cancellation from outside was consumed by the wait above and the ExceptionGroup
      // replaces it: request it again, count unchanged, so the task still ends cancelled
      // at its next wait (asyncio 3.13's fix of gh-116720, backported to 3.12).
      if (parent.cancelling() > 0) {
        parent.uncancel();
        parent.cancel();
      }
      const errors = this.#errors;
      this.#errors = [];
      throw new ExceptionGroup("unhandled errors in a TaskGroup", errors);
    }
  }

  #abort(): void {
    this.#aborting = true;
    for (const t of this.#tasks) if (!t.done()) t.cancel();
  }

  #taskDone(task: Task<any>): void {
    this.#tasks.delete(task);
    if (this.#onCompleted !== null && this.#tasks.size === 0 && !this.#onCompleted.done()) this.#onCompleted.setResult(true);
    if (task.cancelled()) return;
    const exc = task.exception();
    if (exc === null) return;
    this.#errors.push(exc);
    const parent = this.#parent!;
    if (parent.done()) {
      task.getLoop().callExceptionHandler({
        message: `Task ${task} has errored out but its parent task ${parent} is already completed`,
        exception: exc,
        task,
      });
      return;
    }
    if (!this.#aborting && !this.#parentCancelRequested) {
      // Cancel the parent to interrupt whatever the body awaits; __aexit__ uncancels it.
      this.#abort();
      this.#parentCancelRequested = true;
      parent.cancel();
    }
  }
}

/**
 * Structured concurrency (asyncio's `async with TaskGroup() as tg`): runs `body(tg)`,
 * then waits for every task it started with `tg.createTask`. The first failure cancels
 * the other tasks and the body; the group then throws an `ExceptionGroup` holding every
 * failure. Cancelling the task running the group cancels its children. Returns the
 * body's value.
 * @example
 * const [a, b] = yield* taskGroup(function* (tg) {
 *   const a = tg.createTask(work(1)), b = tg.createTask(work(2))
 *   return [a, b] as const
 * })
 * console.log(a.result(), b.result())
 */
export function taskGroup<T>(body: (tg: TaskGroup) => Coroutine<T>): Coroutine<T> {
  checkBody("taskGroup()", "a generator function", body, false);
  return runGroup(body);
}

function* runGroup<T>(body: (tg: TaskGroup) => Coroutine<T>): Coroutine<T> {
  const tg = new TaskGroup();
  tg._enter();
  let result: T | undefined;
  let failed = false, error: unknown;
  try {
    result = yield* body(tg);
  } catch (e) {
    failed = true;
    error = e;
  }
  yield* tg._exit(failed, error);
  return result as T;
}
