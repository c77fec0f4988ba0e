// The executor contract of loop.runInExecutor(): what a job is, what an executor must
// offer, and the glue that turns an executor's promise into a cancellable Future.
import type { EventLoop } from "./base-loop.js";
import type { Future } from "./future.js";
import type { AbortSignalLike } from "./events.js";
import { CancelledError } from "./errors.js";
import { wrapPromise } from "./promises.js";
import { expected } from "./checks.js";

/**
 * A function exported from a module: the unit of work a worker thread can run, since
 * JavaScript threads share no closures. `module` is an absolute URL (`new URL("./jobs.js",
 * import.meta.url)`), an absolute path or a package name; `name` the export. `transfer`
 * lists the arguments' ArrayBuffers (or MessagePorts...) to move to the worker without a
 * copy: they are detached on this side.
 * @example
 * const hash: WorkerFunction = { module: new URL("./hash.js", import.meta.url), name: "sha256" }
 * const digest = yield* toThread(hash, bytes)
 */
export interface WorkerFunction {
  /** The module: an absolute URL (a `URL`, or anything with its `href`), an absolute path or a package name. */
  module: string | { readonly href: string };
  /** The exported function's name. */
  name: string;
  /** Buffers (or ports) among the arguments to move to the worker rather than copy. */
  transfer?: readonly object[];
}

/**
 * What an executor is given to run: a module's export with its arguments, or (for an
 * executor that runs on the loop's own thread, as `InlineExecutor`) the function itself.
 * @example
 * const job: ExecutorJob = { module: "file:///app/jobs.js", name: "fib", args: [30] }
 */
export type ExecutorJob =
  | {
      /** The module's absolute URL, path or package name. */
      readonly module: string;
      /** The export to call. */
      readonly name: string;
      /** The arguments. */
      readonly args: readonly unknown[];
      /** Absent from a module job. */
      readonly fn?: undefined;
    }
  | {
      /** The function to call (only an executor on the loop's own thread can). */
      readonly fn: (...args: any[]) => unknown;
      /** The arguments. */
      readonly args: readonly unknown[];
      /** Absent from a function job. */
      readonly module?: undefined;
      /** Absent from a function job. */
      readonly name?: undefined;
    };

/**
 * The options `runInExecutor()` passes to `executor.run()`. `signal` aborts when the
 * awaiting task is cancelled. `filename`, `name` and `transferList` are the job's module,
 * export and transfer list under Piscina's option names, so a Piscina pool is an executor
 * as it is (its worker function then receives the job `{ module, name, args }`).
 * @example
 * const options: ExecutorRunOptions = { signal: new AbortController().signal }
 */
export interface ExecutorRunOptions {
  /** Aborted (reason: a CancelledError) when the Future of the job is cancelled. */
  signal: AbortSignalLike;
  /**
   * What to move to the worker rather than copy: the WorkerFunction's `transfer`. Typed
   * `any[]` so that executors typed against a host's own `Transferable` (the DOM's, Node's,
   * Piscina's) accept these options.
   */
  transferList?: readonly any[];
  /** The job's module (a module job only). */
  filename?: string;
  /** The job's export (a module job only). */
  name?: string;
}

/**
 * Anything that runs jobs and settles a promise with the outcome: `WorkerPool`,
 * `InlineExecutor`, a Piscina pool. `close()` (optional) is what
 * `loop.shutdownDefaultExecutor()` and `loop.close()` call.
 * @example
 * const pool: Executor = new WorkerPool({ maxWorkers: 2 })
 * loop.setDefaultExecutor(pool)
 */
export interface Executor {
  /** Starts `job`; the promise settles with its outcome. An aborted `signal` should stop it. */
  run(job: ExecutorJob, options: ExecutorRunOptions): PromiseLike<unknown>;
  /** Stops the executor (may return a promise): called by shutdownDefaultExecutor() and loop.close(). */
  close?(): unknown;
}

/** Whether `value` can serve as an executor. @internal */
export function _isExecutor(value: unknown): value is Executor {
  return typeof value === "object" && value !== null && typeof (value as Executor).run === "function";
}

/** The job for `fn(...args)`, or a TypeError naming `call`. @internal */
export function _makeJob(call: string, fn: unknown, args: unknown[]): ExecutorJob {
  if (typeof fn === "function") return { fn: fn as (...args: any[]) => unknown, args };
  const ref = fn as Partial<WorkerFunction> | null;
  const ok =
    typeof ref === "object" && ref !== null &&
    (typeof ref.module === "string" || (typeof ref.module === "object" && ref.module !== null && typeof ref.module.href === "string")) &&
    typeof ref.name === "string" &&
    (ref.transfer === undefined || Array.isArray(ref.transfer));
  if (!ok) throw expected(call, "a function or { module: URL | string, name: string, transfer?: array }", fn);
  return { module: typeof ref.module === "string" ? ref.module : ref.module!.href, name: ref.name!, args };
}

/**
 * Runs `job` on `executor` as a Future of `loop`: cancelling the Future (or the task
 * waiting on it) aborts the job's signal, which stops it and frees its worker.
 * @internal
 */
export function _submit<T>(loop: EventLoop, executor: Executor, job: ExecutorJob, transfer: readonly object[] | undefined): Future<T> {
  const abort = new AbortController();
  const options: ExecutorRunOptions = { signal: abort.signal as AbortSignalLike };
  if (job.module !== undefined) {
    options.filename = job.module;
    options.name = job.name;
  }
  if (transfer !== undefined) options.transferList = transfer;
  const fut = wrapPromise(executor.run(job, options), loop) as Future<T>;
  fut.addDoneCallback((f) => {
    if (f.cancelled()) abort.abort(new CancelledError("the task awaiting the job was cancelled"));
  });
  return fut;
}
