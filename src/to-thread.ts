// asyncio.to_thread(): a function's call on the running loop's default executor.
import type { Coroutine } from "./events.js";
import { _makeJob, type WorkerFunction } from "./executor.js";
import { copyContext } from "./context.js";
import { getRunningLoop } from "./running.js";

/**
 * Runs `fn(...args)` on the running loop's default executor (a pool of worker threads
 * unless `loop.setDefaultExecutor()` chose another) and returns its result; cancelling
 * the task aborts the job. `fn` is `{ module, name }`, a module's export, since threads
 * share no closures; a plain function works only with an executor on the loop's own
 * thread (`InlineExecutor`), and then runs in a copy of the caller's Context, as asyncio's
 * `to_thread`. A worker thread has no ContextVars of the caller: their values cannot
 * cross threads, so pass what the job needs as arguments.
 * @example
 * function* main() {
 *   const fib = { module: new URL("./jobs.js", import.meta.url), name: "fib" }
 *   return yield* toThread(fib, 30)
 * }
 */
export function toThread<T = unknown>(fn: WorkerFunction | ((...args: any[]) => T | PromiseLike<T>), ...args: unknown[]): Coroutine<T> {
  // Checked at the call, as sleep()'s delay: a generator's body would wait for its first step.
  _makeJob("toThread()", fn, args);
  return submit(fn, args);
}

function* submit<T>(fn: WorkerFunction | ((...args: any[]) => T | PromiseLike<T>), args: unknown[]): Coroutine<T> {
  const loop = getRunningLoop();
  let work = fn;
  if (typeof fn === "function") {
    const context = copyContext();
    work = (...a: unknown[]) => context.run(fn, ...a);
  }
  return yield* loop.runInExecutor<T>(null, work, ...args);
}
