// run() and runSync(): asyncio.run for a real and a virtual clock.
import { EventLoop } from "./base-loop.js";
import type { Coroutine, LoopOptions } from "./events.js";
import { Future } from "./future.js";
import { _runningLoopOrNull, setEventLoop } from "./running.js";
import { Task, allTasks } from "./task.js";
import { isGenerator, isThenable, repr } from "./util.js";

/**
 * What `run` and `runSync` accept: a coroutine, or a function returning one (or a Promise).
 * @example
 * const main: Main<number> = function* () { yield* sleep(10); return 42 }
 * await run(main)
 */
export type Main<T> = Coroutine<T> | (() => Coroutine<T> | PromiseLike<T>);

/**
 * Main as a coroutine. A function is called inside the main task's first step, so the
 * loop is running while it starts (an async function's code before its first await).
 */
function mainCoroutine<T>(call: string, main: Main<T>): Coroutine<T> {
  const bad = () => new TypeError(`${call} expected a generator (coroutine) or a function returning one or a Promise, got ${repr(main)}`);
  if (isGenerator(main)) return main as Coroutine<T>;
  if (typeof main !== "function") throw bad();
  return (function* () {
    const coro = main();
    if (isGenerator(coro)) return yield* coro as Coroutine<T>;
    if (isThenable(coro)) return (yield coro) as T;
    throw bad();
  })();
}

function checkNotNested(call: string): void {
  if (_runningLoopOrNull() !== null) throw new Error(`${call} cannot be called from a running event loop`);
}

/** The leftover tasks, cancelled; a future that is done when they all are. */
function cancelAll(loop: EventLoop): Future<void> | null {
  const tasks = allTasks(loop);
  if (tasks.size === 0) return null;
  const all = loop.createFuture<void>();
  let left = tasks.size;
  const done = () => {
    if (--left === 0) all.setResult();
  };
  for (const task of tasks) {
    task.cancel();
    task.addDoneCallback(done);
  }
  return all;
}

function reportLeftovers(loop: EventLoop, tasks: Iterable<Task<any>>): void {
  for (const task of tasks) {
    if (!task.done() || task.cancelled()) continue;
    const exception = task.exception();
    if (exception !== null) {
      loop.callExceptionHandler({ message: "unhandled exception during run() shutdown", exception, task });
    }
  }
}

/**
 * asyncio.run: a new loop runs `main` to completion; leftover tasks are cancelled and
 * awaited; the loop is closed. Resolves with main's result.
 * @example
 * import { run, sleep } from "wasyncio"
 * const answer = await run(function* () { yield* sleep(100); return 42 })
 */
export async function run<T>(main: Main<T>, options?: LoopOptions): Promise<T> {
  checkNotNested("run()");
  const loop = new EventLoop(options);
  setEventLoop(loop);
  try {
    const task = loop.createTask(mainCoroutine("run()", main));
    return await loop.runUntilComplete(task);
  } finally {
    try {
      const leftovers = allTasks(loop);
      const all = cancelAll(loop);
      if (all !== null) {
        await loop.runUntilComplete(all);
        reportLeftovers(loop, leftovers);
      }
    } finally {
      setEventLoop(null);
      loop.close();
    }
  }
}

/**
 * run() on the virtual clock, synchronously: time jumps to the next timer whenever
 * nothing is ready, so `sleep(60_000)` takes microseconds. Main must not wait on a
 * Promise or I/O (they only settle after this call returns): that throws.
 * @example
 * const t = runSync(function* () { yield* sleep(60_000); return getRunningLoop().time() }) // 60000
 */
export function runSync<T>(main: Main<T>, options?: LoopOptions): T {
  checkNotNested("runSync()");
  if (options?.clock !== undefined && options.clock !== "virtual") {
    throw new RangeError(`runSync() always uses the virtual clock, got options.clock ${repr(options.clock)}`);
  }
  const loop = new EventLoop({ ...options, clock: "virtual" });
  setEventLoop(loop);
  try {
    const task = loop.createTask(mainCoroutine("runSync()", main));
    return loop._runUntilCompleteSync(task);
  } finally {
    try {
      const leftovers = allTasks(loop);
      const all = cancelAll(loop);
      if (all !== null) {
        loop._runUntilCompleteSync(all);
        reportLeftovers(loop, leftovers);
      }
    } finally {
      setEventLoop(null);
      loop.close();
    }
  }
}
