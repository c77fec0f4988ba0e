// Interfaces only: what Future and Task need of a loop, and the shapes of the public API.
import type { Future } from "./future.js";
import type { Context } from "./context.js";

/**
 * A generator function's generator: what a Task drives. `yield* x` inside it waits for `x`.
 * @example
 * function* fetchTwice(): Coroutine<number> { yield* sleep(10); return 2 }
 */
export type Coroutine<T = unknown> = Generator<unknown, T, any>;

/**
 * Anything a Task or `ensureFuture` can wait for: a Future, a coroutine or a promise.
 * @example
 * const all: Awaitable<number>[] = [loop.createFuture<number>(), compute(), Promise.resolve(3)]
 */
export type Awaitable<T = unknown> = Future<T> | Coroutine<T> | PromiseLike<T>;

/**
 * What the exception handler receives (asyncio's context dict): `message` always, and
 * where they apply `exception`, `future`, `task`, `handle`, `sourceTraceback`.
 * @example
 * loop.setExceptionHandler((loop, context: ExceptionContext) => log(context.message, context.exception))
 */
export interface ExceptionContext {
  /** What happened, in words. */
  message: string;
  /** The error, when there is one. */
  exception?: unknown;
  /** The future whose exception nobody retrieved. */
  future?: unknown;
  /** The task concerned. */
  task?: unknown;
  /** The handle of the callback that failed. */
  handle?: unknown;
  /** Where the future or task was made (debug mode). */
  sourceTraceback?: string;
  /** More keys, as the reporter sees fit (`transport`, `protocol`, `server`, ...). */
  [key: string]: unknown;
}

/**
 * `handler(loop, context)`, installed with `loop.setExceptionHandler`.
 * @example
 * const handler: ExceptionHandler = (loop, context) => console.error("oops:", context.message)
 * loop.setExceptionHandler(handler)
 */
export type ExceptionHandler<L = LoopLike> = (loop: L, context: ExceptionContext) => void;

/**
 * The small loop interface Future and Task depend on, so a user's own minimal loop class
 * runs them (the asyncio walkthrough's "How does the event loop work?"). `createFuture`
 * may be absent.
 * @example
 * class MiniLoop implements LoopLike {
 *   ready: [(...a: any[]) => unknown, any[]][] = []
 *   callSoon(cb: (...a: any[]) => unknown, ...args: any[]) { this.ready.push([cb, args]) }
 *   callExceptionHandler(context: ExceptionContext) { console.error(context.message) }
 *   getDebug() { return false }
 * }
 */
export interface LoopLike {
  /** Schedules `callback(...args)` to run soon, in order (FIFO). */
  callSoon(callback: (...args: any[]) => unknown, ...args: any[]): unknown;
  /** A new Future of this loop (optional: `new Future({ loop })` is used without it). */
  createFuture?<T>(): Future<T>;
  /** Reports an error nothing else handled: a failing callback, an unretrieved exception. */
  callExceptionHandler(context: ExceptionContext): void;
  /** Whether debug mode is on (Task then records where each task was made). */
  getDebug(): boolean;
}

/**
 * Options of `new EventLoop()`, `run()` and `runSync()`.
 * @example
 * const options: LoopOptions = { clock: "virtual", debug: true, slowCallbackMs: 50 }
 * const loop = new EventLoop(options)
 */
export interface LoopOptions {
  /** `'real'` (default) or `'virtual'`: time starts at 0 and jumps to the next timer when idle. */
  clock?: "real" | "virtual";
  /** Debug mode: slow-callback warnings and creation stacks of tasks. */
  debug?: boolean;
  /** In debug mode, warn about callbacks and task steps slower than this (ms, default 100). */
  slowCallbackMs?: number;
  /** The scheduler core: `'wasm'` (default where WebAssembly exists) or `'js'`. */
  core?: "wasm" | "js";
  /**
   * A seed (a non-negative integer): the task steps of each ready batch run in a random
   * order drawn from it (Trio's shuffle of runnable tasks), the same on both cores; callbacks
   * and timers keep their FIFO places, which asyncio promises; what a step schedules still
   * runs in a later iteration. For tests that must not lean on the order in which tasks
   * run within an iteration (wasyncio/testing's `withShuffle`). Default: FIFO.
   */
  shuffle?: number;
}

/**
 * A factory installed by `loop.setTaskFactory`, called as `factory(loop, coro, { name, context, eagerStart })`
 * (`context` and `eagerStart` only when createTask was given them, as asyncio 3.14 passes
 * its keyword arguments). `eagerTaskFactory` is one.
 * @example
 * loop.setTaskFactory((loop, coro, options) => new Task(coro, { loop, ...options }))
 */
export type TaskFactory<L = LoopLike> = (loop: L, coro: Coroutine<any>, options: { name?: string; context?: Context; eagerStart?: boolean }) => Future<any>;

/**
 * The host's `AbortSignal`: the DOM's or Node's, whichever the program's types declare.
 * Where they declare neither (no "dom" lib, no `@types/node`), the part of it wasyncio
 * uses, so the types compile there too.
 * @example
 * const options: { signal?: AbortSignalLike } = { signal: AbortSignal.timeout(5000) }
 */
export type AbortSignalLike = typeof globalThis extends { AbortSignal: { prototype: infer S } } ? S : {
  readonly aborted: boolean;
  readonly reason: any;
  /** Calls `listener` when the signal aborts. */
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  /** Stops calling `listener`. */
  removeEventListener(type: "abort", listener: () => void): void;
};

/**
 * Options of `loop.callSoon()`, `callLater()` and `callAt()`, given before the callback.
 * @example
 * const options: CallOptions = { context: copyContext() }
 * loop.callSoon(options, report, "done")
 */
export interface CallOptions {
  /** The Context the callback runs in (default: a copy of the current one). */
  context?: Context;
}

/**
 * Options of `loop.createTask()` and `createTask()`.
 * @example
 * const options: CreateTaskOptions = { name: "fetcher", signal: AbortSignal.timeout(5000) }
 * const task = loop.createTask(fetchAll(), options)
 */
export interface CreateTaskOptions {
  /** The task's name (default `Task-N`). */
  name?: string;
  /** Cancels the task when aborted, with the signal's reason as the message. */
  signal?: AbortSignalLike;
  /** The Context the task runs in (default: a copy of the current one). */
  context?: Context;
  /**
   * Start eagerly (asyncio 3.14's `eager_start`): if the loop is running, the coroutine runs
   * at once, inside `createTask`, until it first waits; a task that ends without waiting is
   * done on return and never queued. Ignored when the loop is not running. Passed to the
   * task factory if one is set (`eagerTaskFactory` makes `true` the default).
   */
  eagerStart?: boolean;
}

/**
 * @internal Something told if it is still open when its loop closes: a server or a
 * transport (it warns, as asyncio's ResourceWarning), an awaited sleep (it rejects).
 */
export interface _Resource {
  _loopClosed(): void;
}
