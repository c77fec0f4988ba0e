// An executor on the loop's own thread: the job runs as a microtask, so tests can run
// executor code with plain closures, and see it step by step on a virtual clock.
import type { Executor, ExecutorJob, ExecutorRunOptions } from "./executor.js";

/**
 * Runs each job on the calling thread, in a microtask after `run()`: a function job is
 * called as it is, a module job imports its module first. Nothing runs in parallel; it
 * is for tests and for code that must also run where there are no worker threads. An
 * aborted signal rejects a job that has not started; one that has started runs to its end.
 * @example
 * const loop = new EventLoop({ clock: "virtual" })
 * loop.setDefaultExecutor(new InlineExecutor())
 * const n = await loop.runUntilComplete(loop.runInExecutor(null, (a: number, b: number) => a + b, 2, 3))   // 5
 */
export class InlineExecutor implements Executor {
  #closed = false;

  /**
   * Calls the job in a microtask; the promise settles with its outcome.
   * @example
   * const sum = await new InlineExecutor().run({ fn: (a: number, b: number) => a + b, args: [1, 2] })   // 3
   */
  run(job: ExecutorJob, options?: Partial<ExecutorRunOptions>): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error("InlineExecutor.run(): the executor is closed"));
    const signal = options?.signal;
    return Promise.resolve().then(async () => {
      if (signal?.aborted) throw signal.reason;
      const fn = job.fn ?? (await import(job.module))[job.name];
      if (typeof fn !== "function") throw new TypeError(`InlineExecutor.run(): ${job.module} exports no function ${job.name}`);
      return fn(...job.args);
    });
  }

  /**
   * Refuses later jobs; jobs already started finish.
   * @example
   * inline.close()
   */
  close(): void {
    this.#closed = true;
  }
}
