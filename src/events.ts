// Interfaces only: what Future and Task need of a loop, and the shapes of the public API.
import type { Future } from "./future.js";

/** A generator function's generator: what a Task drives. `yield* x` inside it waits for `x`. */
export type Coroutine<T = unknown> = Generator<unknown, T, any>;

/** Anything a Task or `ensureFuture` can wait for. */
export type Awaitable<T = unknown> = Future<T> | Coroutine<T> | PromiseLike<T>;

/**
 * What the exception handler receives (asyncio's context dict): `message` always, and
 * where they apply `exception`, `future`, `task`, `handle`, `sourceTraceback`.
 */
export interface ExceptionContext {
  message: string;
  exception?: unknown;
  future?: unknown;
  task?: unknown;
  handle?: unknown;
  sourceTraceback?: string;
  [key: string]: unknown;
}

/** `handler(loop, context)`, installed with `loop.setExceptionHandler`. */
export type ExceptionHandler<L = LoopLike> = (loop: L, context: ExceptionContext) => void;

/**
 * The small loop interface Future and Task depend on, so a user's own minimal loop class
 * runs them (the seed's "How does event loop work?"). `createFuture` may be absent.
 */
export interface LoopLike {
  callSoon(callback: (...args: any[]) => unknown, ...args: any[]): unknown;
  createFuture?<T>(): Future<T>;
  callExceptionHandler(context: ExceptionContext): void;
  getDebug(): boolean;
}

/** Options of `new EventLoop()`, `run()` and `runSync()`. */
export interface LoopOptions {
  /** `'real'` (default) or `'virtual'`: time starts at 0 and jumps to the next timer when idle. */
  clock?: "real" | "virtual";
  /** Debug mode: slow-callback warnings and creation stacks of tasks. */
  debug?: boolean;
  /** In debug mode, warn about callbacks and task steps slower than this (ms, default 100). */
  slowCallbackMs?: number;
  /** The scheduler core: `'wasm'` (default where WebAssembly exists) or `'js'`. */
  core?: "wasm" | "js";
}

/** A factory installed by `loop.setTaskFactory`, called as `factory(loop, coro, { name })`. */
export type TaskFactory<L = LoopLike> = (loop: L, coro: Coroutine<any>, options: { name?: string }) => Future<any>;

/**
 * The host's `AbortSignal`: the DOM's or Node's, whichever the program's types declare.
 * Where they declare neither (no "dom" lib, no `@types/node`), the part of it wasyncio
 * uses, so the types compile there too.
 * @example
 * const options: { signal?: AbortSignalLike } = { signal: AbortSignal.timeout(5000) }
 */
export type AbortSignalLike = typeof globalThis extends { AbortSignal: { prototype: infer S } } ? S : MinimalAbortSignal;

/** What wasyncio uses of an AbortSignal. */
interface MinimalAbortSignal {
  readonly aborted: boolean;
  readonly reason: any;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}
