// asyncio's eager task factory (3.12; 3.14 lets a call opt out with eagerStart: false): a
// task factory whose tasks start with `eagerStart: true`. The eager step itself is the
// Task's (task.ts, `_eagerStart`); this file only decides the default.
import type { Coroutine, LoopLike, TaskFactory } from "./events.js";
import type { Future } from "./future.js";
import type { Context } from "./context.js";
import { Task, type TaskOptions } from "./task.js";
import { checkCoroutine, checkLoop, expected } from "./checks.js";

/**
 * A Task class (or any constructor taking `new Task()`'s arguments) that
 * `createEagerTaskFactory` builds tasks with.
 * @example
 * class Traced<T> extends Task<T> {}
 * const ctor: TaskConstructor<Task<any>> = Traced
 */
export type TaskConstructor<T extends Future<any> = Task<any>> = new (coro: Coroutine<any>, options: TaskOptions) => T;

/**
 * A task factory (`loop.setTaskFactory(factory)`) that builds each task as
 * `new customTaskConstructor(coro, { loop, name, context, eagerStart: true })` (asyncio's
 * `create_eager_task_factory`): while the loop runs, every new task runs its coroutine at
 * once, inside `createTask`, until it first waits, and one that ends without waiting never
 * goes through the ready queue. `createTask(coro, { eagerStart: false })` still opts out.
 * @param customTaskConstructor `Task` or a subclass of it
 * @example
 * class Traced<T> extends Task<T> {}
 * loop.setTaskFactory(createEagerTaskFactory(Traced))
 */
export function createEagerTaskFactory<T extends Future<any>>(customTaskConstructor: TaskConstructor<T>): TaskFactory<LoopLike> {
  if (typeof customTaskConstructor !== "function") {
    throw expected("createEagerTaskFactory()", "customTaskConstructor to be a Task class", customTaskConstructor);
  }
  return eagerFactory(customTaskConstructor, "an eager task factory");
}

/** The factory on `Ctor`; `call` names it in the errors of a factory called by hand with bad arguments. */
function eagerFactory<T extends Future<any>>(Ctor: TaskConstructor<T>, call: string): TaskFactory<LoopLike> {
  return (loop: LoopLike, coro: Coroutine<any>, options: { name?: string; context?: Context; eagerStart?: boolean }): T => {
    checkLoop(call, "loop", loop);
    checkCoroutine(call, coro, Task);
    const eagerStart = options?.eagerStart;
    return new Ctor(coro, {
      loop,
      name: options?.name,
      context: options?.context,
      // asyncio 3.14: `eager_start=True` is the factory's default, which the caller may override.
      eagerStart: eagerStart === undefined || eagerStart === null ? true : eagerStart,
    });
  };
}

/**
 * The eager task factory on `Task` (asyncio's `eager_task_factory`): install it with
 * `loop.setTaskFactory(eagerTaskFactory)` and every task of the loop starts eagerly (see
 * `createEagerTaskFactory`). Pays off where many tasks finish without waiting (a cache
 * hit, a buffered read): no queueing, no loop iteration for them.
 * @example
 * const loop = new EventLoop()
 * loop.setTaskFactory(eagerTaskFactory)
 * await loop.runUntilComplete(main())
 */
export const eagerTaskFactory: TaskFactory<LoopLike> = eagerFactory(Task, "eagerTaskFactory()");
