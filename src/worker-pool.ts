// A pool of worker threads that runs module functions: the default executor of
// loop.runInExecutor(null, ...) and toThread(). One job per worker at a time, FIFO queue,
// workers started on demand up to maxWorkers and replaced when one dies.
import type { Executor, ExecutorJob, ExecutorRunOptions } from "./executor.js";
import { threadHost, type Thread, type ThreadHost } from "./drivers/thread-host.js";
import type { WorkerReply } from "./drivers/worker-main.js";
import { checkOptionalBoolean, checkOptions, expected } from "./checks.js";
import type { AbortSignalLike } from "./events.js";

/**
 * Options of `new WorkerPool()`.
 * @example
 * const options: WorkerPoolOptions = { maxWorkers: 4 }
 */
export interface WorkerPoolOptions {
  /** How many workers may run at once; default: the host's cores. */
  maxWorkers?: number;
}

/**
 * Options of `WorkerPool.close()`.
 * @example
 * await pool.close({ cancelJobs: true })
 */
export interface WorkerPoolCloseOptions {
  /**
   * Reject the jobs not yet finished and terminate the workers running them (Python's
   * `shutdown(cancel_futures=True)`, which cannot stop a running thread; a worker can be).
   * Default false: every job already accepted runs to its end first.
   */
  cancelJobs?: boolean;
}

interface Job {
  readonly id: number;
  readonly job: ExecutorJob;
  readonly transfer: readonly object[];
  readonly signal: AbortSignalLike | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  onAbort: (() => void) | null;
  worker: Worker | null;
}

interface Worker {
  readonly thread: Thread;
  job: Job | null;
}

// Classes a reply's error is rebuilt as; any other class comes back as an Error whose
// `name` is the class's name (its stack, from the worker, starts with that name too).
const BUILTIN_ERRORS: Record<string, new (message: string) => Error> = {
  Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError,
};

/** A worker's encoded error as an Error of this thread: class name, message and stack kept. */
function decodeError(e: Extract<WorkerReply, { ok: false }>["error"]): Error {
  // A DOMException (DataCloneError, AbortError...) is one class whose `name` says which.
  if (e.name === "DOMException" && typeof DOMException === "function") {
    const error = new DOMException(e.message, e.domName);
    if (e.stack !== undefined) Object.defineProperty(error, "stack", { value: e.stack, writable: true, configurable: true });
    return error as Error;
  }
  const Class = Object.prototype.hasOwnProperty.call(BUILTIN_ERRORS, e.name) ? BUILTIN_ERRORS[e.name] : Error;
  const error = new Class(e.message);
  if (Class === Error && e.name !== "Error") Object.defineProperty(error, "name", { value: e.name, writable: true, configurable: true });
  if (e.stack !== undefined) error.stack = e.stack;
  if (e.code !== undefined) (error as { code?: string }).code = e.code;
  return error;
}

/**
 * A pool of worker threads (Node `worker_threads`, or module Web Workers in a browser)
 * that runs functions exported from modules: an `Executor` (written here rather than
 * taken from Piscina: it runs in browsers too, and adds no runtime dependency; a Piscina
 * pool is an executor as it is). A job that is aborted while
 * queued never starts; one aborted while running has its worker terminated (the only way
 * to stop a thread busy with CPU work) and a fresh worker takes the next job. A worker that
 * dies mid-job rejects that job and is replaced. Arguments and results are copied by
 * structured clone, except the job's transfer list, which is moved. On Node, idle workers
 * do not keep the process alive.
 * @example
 * const pool = new WorkerPool({ maxWorkers: 4 })
 * const n = await pool.run({ module: new URL("./jobs.js", import.meta.url).href, name: "fib", args: [30] })
 * await pool.close()
 */
export class WorkerPool implements Executor {
  #host: ThreadHost;
  #max: number;
  #workers = new Set<Worker>();
  #idle: Worker[] = [];
  #queue: Job[] = [];
  #head = 0;
  #nextId = 1;
  #closed = false;
  /** What close() returns, and its resolve, called once the last worker is gone. */
  #closing: Promise<void> | null = null;
  #drained: (() => void) | null = null;

  /**
   * A pool of at most `maxWorkers` workers (default: the host's cores), started on demand.
   * Throws where the host has no worker threads.
   * @example
   * const pool = new WorkerPool({ maxWorkers: 2 })
   */
  constructor(options?: WorkerPoolOptions) {
    const host = threadHost();
    if (host === null) throw new Error("new WorkerPool(): this host has no worker threads (Node >= 20.16, or a browser with Web Workers)");
    const max = options?.maxWorkers;
    if (max !== undefined && !(Number.isInteger(max) && max >= 1)) throw expected("new WorkerPool()", "maxWorkers: an integer >= 1", max);
    this.#host = host;
    this.#max = max ?? host.cores();
  }

  /** How many workers may run at once. */
  get maxWorkers(): number {
    return this.#max;
  }

  /** How many workers are alive now (busy or idle). */
  get threads(): number {
    return this.#workers.size;
  }

  /** How many jobs wait for a worker. */
  get queueSize(): number {
    return this.#queue.length - this.#head;
  }

  /**
   * Runs `job` (a module's export; a function cannot cross to a thread) on a worker; the
   * promise settles with its result, its error, or `signal.reason` if aborted first.
   */
  run(job: ExecutorJob, options?: Partial<ExecutorRunOptions>): Promise<unknown> {
    if (typeof job !== "object" || job === null || typeof job.module !== "string" || typeof job.name !== "string") {
      throw expected("WorkerPool.run()", "a job { module, name, args } (a function cannot be sent to a worker thread; export it from a module)", job?.fn ?? job);
    }
    if (this.#closed) return Promise.reject(new Error("WorkerPool.run(): the pool is closed"));
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const entry: Job = { id: this.#nextId++, job, transfer: options?.transferList ?? [], signal, resolve, reject, onAbort: null, worker: null };
      if (signal !== undefined) {
        entry.onAbort = () => this.#abort(entry);
        signal.addEventListener("abort", entry.onAbort, { once: true });
      }
      this.#queue.push(entry);
      this.#dispatch();
    });
  }

  /**
   * Refuses new jobs; the promise resolves once every worker has exited. As Python's
   * `executor.shutdown(wait=True)`, the jobs already accepted (running or queued) run to
   * their end first; with `{ cancelJobs: true }` they are rejected at once and their
   * workers terminated.
   * @example
   * await pool.close()                       // after the accepted jobs
   * await pool.close({ cancelJobs: true })   // now
   */
  close(options?: WorkerPoolCloseOptions): Promise<void> {
    const call = "WorkerPool.close()";
    const o = checkOptions<WorkerPoolCloseOptions>(call, options);
    checkOptionalBoolean(call, "options.cancelJobs", o.cancelJobs);
    this.#closed = true;
    if (o.cancelJobs === true) {
      const error = new Error("WorkerPool.close(): the pool was closed before the job finished");
      for (let i = this.#head; i < this.#queue.length; i++) this.#settle(this.#queue[i], error, false);
      this.#queue = [];
      this.#head = 0;
      for (const worker of [...this.#workers]) {
        if (worker.job !== null) this.#settle(worker.job, error, false);
        this.#drop(worker);
      }
    }
    this.#closing ??= new Promise<void>((resolve) => (this.#drained = resolve));
    this.#retire();
    return this.#closing;
  }

  /** Once closed with nothing left to run: idle workers exit, and close() resolves when none is left. */
  #retire(): void {
    if (!this.#closed || this.queueSize > 0) return;
    for (const worker of [...this.#idle]) this.#drop(worker);
    if (this.#workers.size > 0 || this.#drained === null) return;
    const resolve = this.#drained;
    this.#drained = null;
    resolve();
  }

  #dispatch(): void {
    while (this.#head < this.#queue.length) {
      const worker = this.#idle.pop() ?? (this.#workers.size < this.#max ? this.#spawn() : null);
      if (worker === null) return;
      const entry = this.#queue[this.#head++];
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      entry.worker = worker;
      worker.job = entry;
      worker.thread.ref();
      const { job } = entry;
      try {
        worker.thread.post({ id: entry.id, module: job.module, name: job.name, args: job.args }, entry.transfer);
      } catch (error) {
        // Arguments that cannot be cloned: this job fails, the worker is still good.
        worker.job = null;
        this.#idle.push(worker);
        worker.thread.unref();
        this.#settle(entry, error, false);
      }
    }
  }

  #spawn(): Worker {
    const worker: Worker = { thread: null!, job: null };
    (worker as { thread: Thread }).thread = this.#host.spawn(
      (reply) => this.#reply(worker, reply),
      (error) => this.#died(worker, error),
    );
    this.#workers.add(worker);
    return worker;
  }

  #reply(worker: Worker, reply: WorkerReply): void {
    const entry = worker.job;
    if (entry === null || entry.id !== reply.id) return;
    worker.job = null;
    worker.thread.unref();
    this.#idle.push(worker);
    if (reply.ok) this.#settle(entry, reply.value, true);
    else this.#settle(entry, decodeError(reply.error), false);
    this.#dispatch();
    this.#retire();
  }

  #died(worker: Worker, error: Error): void {
    if (!this.#workers.has(worker)) return;
    this.#drop(worker);
    const entry = worker.job;
    if (entry !== null) {
      worker.job = null;
      this.#settle(entry, new Error(`WorkerPool: ${entry.job.name}() crashed its worker: ${error.message}`, { cause: error.cause ?? error }), false);
    }
    this.#dispatch();
    this.#retire();
  }

  #abort(entry: Job): void {
    const worker = entry.worker;
    if (worker === null) {
      const i = this.#queue.indexOf(entry, this.#head);
      if (i >= 0) this.#queue.splice(i, 1);
    } else if (worker.job === entry) {
      worker.job = null;
      this.#drop(worker);
      this.#dispatch();
    }
    this.#settle(entry, entry.signal!.reason, false);
    this.#retire();
  }

  #drop(worker: Worker): void {
    this.#workers.delete(worker);
    const i = this.#idle.indexOf(worker);
    if (i >= 0) this.#idle.splice(i, 1);
    worker.thread.terminate();
  }

  #settle(entry: Job, value: unknown, ok: boolean): void {
    if (entry.onAbort !== null) {
      entry.signal!.removeEventListener("abort", entry.onAbort);
      entry.onAbort = null;
    }
    entry.worker = null;
    if (ok) entry.resolve(value);
    else entry.reject(value);
  }
}
