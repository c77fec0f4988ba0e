// run() and runSync(): asyncio.run for a real and a virtual clock.
import { EventLoop } from "./base-loop.js";
import type { Coroutine, LoopOptions } from "./events.js";
import { Future } from "./future.js";
import { _runningLoopOrNull, setEventLoop } from "./running.js";
import { Task, allTasks } from "./task.js";
import { isGenerator, isThenable, repr } from "./util.js";
import { checkLoopOptions, checkOptionKeys, checkOptions, expected } from "./checks.js";
import { Context, copyContext } from "./context.js";
import { CancelledError, KeyboardInterrupt } from "./errors.js";

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

/** How long close() waits for the default executor's jobs, in ms (asyncio's THREAD_JOIN_TIMEOUT, 300 s). */
const THREAD_JOIN_TIMEOUT = 300_000;

/**
 * The tasks left on the loop, cancelled (asyncio's `_cancel_all_tasks`): a future done when
 * they all are, and what reports those that failed instead once it is; null if none.
 */
function cancelLeftovers(loop: EventLoop): { all: Future<void>; report(): void } | null {
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
  const report = () => {
    for (const task of tasks) {
      if (!task.done() || task.cancelled()) continue;
      const exception = task.exception();
      if (exception !== null) {
        loop.callExceptionHandler({ message: "unhandled exception during run() shutdown", exception, task });
      }
    }
  };
  return { all, report };
}

/**
 * Options of `new Runner()`, `run()` and `runSync()`: the loop's options (`debug`, `clock`,
 * `core`...), or `loopFactory`, a function making the loop (then `debug`, if given, is set
 * on the loop it makes, and the other loop options must be left out).
 * @example
 * const options: RunnerOptions = { loopFactory: () => new EventLoop({ clock: "virtual", core: "js" }), debug: true }
 */
export interface RunnerOptions extends LoopOptions {
  /** Makes the runner's loop (asyncio's `loop_factory`); by default `new EventLoop(options)`. */
  loopFactory?: (() => EventLoop) | null;
}

/**
 * Options of `Runner.run()` and `Runner.runSync()`.
 * @example
 * const ctx = new Context()
 * await runner.run(main(), { context: ctx })   // what main sets stays in ctx
 */
export interface RunnerRunOptions {
  /**
   * The Context the main task runs in (asyncio's `context`). By default the runner's
   * own: a copy of the context current when the runner made its loop, shared by the mains
   * run without one (so what one sets, the next sees), as asyncio's Runner.
   */
  context?: Context;
}

// Symbol.dispose and Symbol.asyncDispose (ES2026's explicit resource management) as TypeScript's
// esnext.disposable lib and @types/node declare them, word for word, so that the Runner's
// `[Symbol.dispose]` compiles in a project whose lib is ES2022 without @types/node too; the
// declarations merge with theirs where present.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
    readonly asyncDispose: unique symbol;
  }
}

/** The host's process, where there is one (Node, and runtimes that imitate it). */
interface SignalHost {
  on(event: "SIGINT", listener: () => void): unknown;
  removeListener(event: "SIGINT", listener: () => void): unknown;
  listenerCount(event: "SIGINT"): number;
}
const signalHost = (globalThis as { process?: Partial<SignalHost> }).process;
const hasSignals = typeof signalHost?.on === "function" && typeof signalHost.removeListener === "function" && typeof signalHost.listenerCount === "function";

/**
 * Runner.run's SIGINT (Ctrl-C) handling, asyncio's Runner._on_sigint (3.11): the first
 * SIGINT cancels the main task, the next one stops the loop at once and run() rejects with
 * KeyboardInterrupt. Installed only if nothing listens for SIGINT yet (asyncio: only over
 * the default handler), and it stands aside while anything else listens too (a handler
 * added later, say by loop.addSignalHandler, replaces it, as signal.signal would). Its
 * listener is the process's own, not a loop handler: it must not keep Node running.
 */
class Sigint {
  count = 0;
  readonly #listener = (): void => this.#onSigint();

  private constructor(
    readonly loop: EventLoop,
    readonly task: Task<unknown>,
  ) {}

  static install(loop: EventLoop, task: Task<any>): Sigint | null {
    if (!hasSignals || signalHost!.listenerCount!("SIGINT") !== 0) return null;
    const sigint = new Sigint(loop, task);
    signalHost!.on!("SIGINT", sigint.#listener);
    return sigint;
  }

  uninstall(): void {
    signalHost!.removeListener!("SIGINT", this.#listener);
  }

  #onSigint(): void {
    if (signalHost!.listenerCount!("SIGINT") > 1) return;
    this.count++;
    if (this.count === 1 && !this.task.done()) {
      this.task.cancel();
      return;
    }
    // Python raises KeyboardInterrupt in whatever runs; a Node listener can only stop the
    // loop after its current iteration, and run() turns that into the KeyboardInterrupt.
    this.count = Math.max(this.count, 2);
    this.loop.stop();
  }
}

const enum State {
  Created,
  Initialized,
  Closed,
}

/**
 * asyncio.Runner: one loop on which `run()` runs several mains, one after the other (the
 * tasks one main leaves running stay on the loop for the next one); `close()` cancels and
 * awaits the tasks still left, then closes the loop. The loop is made on first use. With a
 * loop on the virtual clock, `runSync()` and `closeSync()` do the same synchronously, and
 * `using runner = new Runner({ clock: "virtual" })` closes it at the end of the block
 * (`await using` for any loop).
 * @example
 * const runner = new Runner({ clock: "virtual" })
 * const a = runner.runSync(function* () { yield* sleep(100); return 1 })
 * const b = runner.runSync(function* () { yield* sleep(100); return getRunningLoop().time() }) // 200: the same loop
 * runner.closeSync()
 */
export class Runner {
  #state = State.Created;
  #options: RunnerOptions;
  #loop: EventLoop | null = null;
  #setEventLoop = false;
  /** The context mains run in when run() is given none (asyncio: copied once, at the loop's creation). */
  #context: Context | null = null;

  /**
   * A runner; its loop is made on first use (`run`, `runSync` or `getLoop`).
   * @param options the loop's options, or `loopFactory` (and `debug`).
   */
  constructor(options?: RunnerOptions) {
    const checked = checkOptions<RunnerOptions>("new Runner()", options) as RunnerOptions;
    const { loopFactory, ...loopOptions } = checked;
    if (loopFactory !== undefined && loopFactory !== null) {
      if (typeof loopFactory !== "function") throw expected("new Runner()", "options.loopFactory to be a function or null", loopFactory);
      const other = Object.keys(loopOptions).filter((key) => key !== "debug" && (loopOptions as Record<string, unknown>)[key] !== undefined);
      if (other.length > 0) throw new TypeError(`new Runner() got options.loopFactory and the loop option ${repr(other[0])}: give them to the loop the factory makes`);
    } else {
      checkLoopOptions("new Runner()", loopOptions);
    }
    this.#options = { ...checked };
  }

  /**
   * The runner's loop, made now if it was not yet.
   * @example
   * const loop = runner.getLoop()
   */
  getLoop(): EventLoop {
    return this.#lazyInit("Runner.getLoop()");
  }

  /**
   * Runs `main` as a task on the runner's loop and resolves with its result (asyncio's
   * `Runner.run`), in `options.context` or the runner's own context (see RunnerRunOptions).
   * The loop stays open for the next run.
   * @example
   * await using runner = new Runner()
   * const user = await runner.run(fetchUser(1))
   */
  async run<T>(main: Main<T>, options?: RunnerRunOptions): Promise<T> {
    const task = this.#mainTask("Runner.run()", main, options);
    const loop = this.#loop!;
    const sigint = Sigint.install(loop, task);
    try {
      return await loop.runUntilComplete(task);
    } catch (e) {
      // As asyncio: the main task cancelled by our SIGINT (and by nothing else) is a
      // KeyboardInterrupt; so is the loop stopped by a second SIGINT.
      if (sigint !== null && (sigint.count > 1 || (sigint.count === 1 && e instanceof CancelledError && task.uncancel() === 0))) {
        throw new KeyboardInterrupt();
      }
      throw e;
    } finally {
      sigint?.uninstall();
    }
  }

  /**
   * `run()` synchronously, on a loop on the virtual clock (see `runSync()`).
   * @example
   * using runner = new Runner({ clock: "virtual" })
   * runner.runSync(function* () { yield* sleep(1000) })
   */
  runSync<T>(main: Main<T>, options?: RunnerRunOptions): T {
    checkNotNested("Runner.runSync()");
    this.#checkVirtual("Runner.runSync()");
    const task = this.#mainTask("Runner.runSync()", main, options);
    return this.#loop!._runUntilCompleteSync(task);
  }

  /**
   * Cancels the tasks still on the loop, waits until they end, reports those that failed
   * instead, shuts the default executor down (its accepted jobs finish first; at most 5
   * minutes, asyncio's THREAD_JOIN_TIMEOUT) and closes the loop. Idempotent; a runner
   * whose loop was never made just closes.
   * @example
   * const runner = new Runner()
   * try { await runner.run(main()) } finally { await runner.close() }
   */
  async close(): Promise<void> {
    const loop = this.#closing();
    if (loop === null) return;
    try {
      const leftovers = cancelLeftovers(loop);
      if (leftovers !== null) {
        await loop.runUntilComplete(leftovers.all);
        leftovers.report();
      }
      await loop.runUntilComplete(loop.shutdownDefaultExecutor(THREAD_JOIN_TIMEOUT));
    } finally {
      this.#closed(loop);
    }
  }

  /**
   * `close()` synchronously, on a loop on the virtual clock; the default executor, if one
   * was used, is closed without waiting for its jobs (as `loop.close()` does).
   * @example
   * const runner = new Runner({ clock: "virtual" })
   * try { runner.runSync(main()) } finally { runner.closeSync() }
   */
  closeSync(): void {
    if (this.#loop !== null) {
      checkNotNested("Runner.closeSync()");
      this.#checkVirtual("Runner.closeSync()");
    }
    const loop = this.#closing();
    if (loop === null) return;
    try {
      const leftovers = cancelLeftovers(loop);
      if (leftovers !== null) {
        loop._runUntilCompleteSync(leftovers.all);
        leftovers.report();
      }
    } finally {
      this.#closed(loop);
    }
  }

  /**
   * `closeSync()`, for `using runner = new Runner({ clock: "virtual" })`. The method exists
   * where the host defines `Symbol.dispose` (Node 18.18+, current browsers).
   * @example
   * { using runner = new Runner({ clock: "virtual" }); runner.runSync(main()) } // closed here
   */
  declare [Symbol.dispose]: () => void;

  /**
   * `close()`, for `await using runner = new Runner()`. The method exists where the host
   * defines `Symbol.asyncDispose`.
   * @example
   * { await using runner = new Runner(); await runner.run(main()) } // closed here
   */
  declare [Symbol.asyncDispose]: () => Promise<void>;

  /**
   * The runner's state, as asyncio's repr.
   * @example
   * String(new Runner())   // "<Runner created>"
   */
  toString(): string {
    return `<Runner ${["created", "initialized", "closed"][this.#state]}>`;
  }

  #lazyInit(call: string): EventLoop {
    if (this.#state === State.Closed) throw new Error(`${call}: the Runner is closed`);
    if (this.#loop !== null) return this.#loop;
    const { loopFactory, ...loopOptions } = this.#options;
    let loop: EventLoop;
    if (loopFactory === undefined || loopFactory === null) {
      loop = new EventLoop(loopOptions);
      // As asyncio: the default loop becomes the current one; a factory's loop does not.
      setEventLoop(loop);
      this.#setEventLoop = true;
    } else {
      loop = loopFactory();
      if (!(loop instanceof EventLoop)) throw expected(call, "options.loopFactory to return an EventLoop", loop);
      if (loopOptions.debug !== undefined) loop.setDebug(loopOptions.debug);
    }
    this.#loop = loop;
    this.#context = copyContext();
    this.#state = State.Initialized;
    return loop;
  }

  #mainTask<T>(call: string, main: Main<T>, options: RunnerRunOptions | undefined): Task<T> {
    checkNotNested(call);
    const checked = checkOptions<RunnerRunOptions>(call, options);
    checkOptionKeys(call, checked, "context");
    const context = checked.context;
    if (context !== undefined && !(context instanceof Context)) throw expected(call, "options.context to be a Context", context);
    const coro = mainCoroutine(call, main);
    const loop = this.#lazyInit(call);
    return loop.createTask(coro, { context: context ?? this.#context! });
  }

  #checkVirtual(call: string): void {
    if (!this.#lazyInit(call)._isVirtualClock()) throw new RangeError(`${call} needs a loop on the virtual clock; use ${call.replace("Sync", "")} on a real clock`);
  }

  /** The loop close() must shut down, or null: the runner never made one, or is closed. */
  #closing(): EventLoop | null {
    const loop = this.#loop;
    if (loop === null) this.#state = State.Closed;
    return loop;
  }

  #closed(loop: EventLoop): void {
    try {
      if (this.#setEventLoop) setEventLoop(null);
      loop.close();
    } finally {
      this.#loop = null;
      this.#state = State.Closed;
    }
  }
}

// Symbol.dispose and Symbol.asyncDispose are defined on hosts that have them (ES2026's
// explicit resource management): elsewhere `using` cannot be written anyway.
const disposeKey = (Symbol as { dispose?: symbol }).dispose;
if (typeof disposeKey === "symbol") {
  Object.defineProperty(Runner.prototype, disposeKey, {
    value: function (this: Runner): void {
      this.closeSync();
    },
    writable: true,
    configurable: true,
  });
}
const asyncDisposeKey = (Symbol as { asyncDispose?: symbol }).asyncDispose;
if (typeof asyncDisposeKey === "symbol") {
  Object.defineProperty(Runner.prototype, asyncDisposeKey, {
    value: function (this: Runner): Promise<void> {
      return this.close();
    },
    writable: true,
    configurable: true,
  });
}

/**
 * asyncio.run: a new loop runs `main` to completion; leftover tasks are cancelled and
 * awaited; the loop is closed (a `Runner` used once). Resolves with main's result.
 * `options` are the loop's, or `loopFactory` (asyncio's `loop_factory`).
 * @example
 * import { run, sleep } from "wasyncio"
 * const answer = await run(function* () { yield* sleep(100); return 42 })
 */
export async function run<T>(main: Main<T>, options?: RunnerOptions): Promise<T> {
  checkNotNested("run()");
  const runner = new Runner(options);
  try {
    return await runner.run(mainCoroutine("run()", main));
  } finally {
    await runner.close();
  }
}

/**
 * run() on the virtual clock, synchronously: time jumps to the next timer whenever
 * nothing is ready, so `sleep(60_000)` takes microseconds. Main must not wait on a
 * Promise or I/O (they only settle after this call returns): that throws.
 * @example
 * const t = runSync(function* () { yield* sleep(60_000); return getRunningLoop().time() }) // 60000
 */
export function runSync<T>(main: Main<T>, options?: RunnerOptions): T {
  checkNotNested("runSync()");
  if (options?.clock !== undefined && options.clock !== "virtual") {
    throw new RangeError(`runSync() always uses the virtual clock, got options.clock ${repr(options.clock)}`);
  }
  const runner = new Runner(options?.loopFactory ? options : { ...options, clock: "virtual" });
  try {
    return runner.runSync(mainCoroutine("runSync()", main));
  } finally {
    runner.closeSync();
  }
}
