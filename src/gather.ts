// gather(): asyncio.gather. Returns a Future at once (a _GatheringFuture), so it works
// with `yield*` inside a task and with `await` anywhere.
import type { Awaitable, Coroutine, LoopLike } from "./events.js";
import { CancelledError } from "./errors.js";
import { _ensureFuture, _newFuture } from "./ensure-future.js";
import { FINISHED, Future, HAS_EXCEPTION, STATE_MASK, _setExceptionAsIs } from "./future.js";
import { getEventLoop } from "./running.js";
import { Task } from "./task.js";
import { isAwaitable } from "./util.js";
import { checkOptionKeys, notGatherable } from "./checks.js";
import { _tagAwaiter } from "./call-graph.js";

/**
 * Options of `gather()`, passed as its last argument.
 * @example
 * const outcomes = yield* gather(a, b, { returnExceptions: true })
 */
export interface GatherOptions {
  /**
   * Return every outcome as a value (an exception, or a `CancelledError` for a cancelled
   * child) instead of failing with the first exception.
   */
  returnExceptions?: boolean;
}

/**
 * What waiting for `A` gives: `number` for a `Future<number>`, a coroutine returning `number`, or a `Promise<number>`.
 * @example
 * type N = AwaitedOf<Task<number>>   // number
 */
export type AwaitedOf<A> = A extends Future<infer T>
  ? T
  : A extends Coroutine<infer T>
    ? T
    : A extends PromiseLike<infer T>
      ? T
      : never;

/**
 * The result tuple of `gather(...aws)`.
 * @example
 * type R = GatherResults<[Future<number>, Promise<string>]>   // [number, string]
 */
export type GatherResults<A extends readonly unknown[]> = { -readonly [K in keyof A]: AwaitedOf<A[K]> };

/**
 * The result tuple of `gather(...aws, { returnExceptions: true })`: each element is the
 * value or what the child threw (usually an `Error`; a cancelled child gives a `CancelledError`).
 * @example
 * type R = GatherSettled<[Future<number>]>   // [number | Error]
 */
export type GatherSettled<A extends readonly unknown[]> = { -readonly [K in keyof A]: AwaitedOf<A[K]> | Error };

/** A child's cancel message, as asyncio's gather reads `_cancel_message` (a future of another copy of the library may keep it as a field). */
function cancelMessageOf(fut: Future<unknown>): string | undefined {
  const own = (fut as unknown as { _cancelMessage?: unknown })._cancelMessage;
  const msg = typeof own === "function" ? own.call(fut) : own;
  return typeof msg === "string" ? msg : undefined;
}

/**
 * The future `gather()` returns: cancelling it cancels every child that is not done yet.
 * @internal Not exported by the package: users see it as a `Future`.
 */
export class GatheringFuture<T> extends Future<T> {
  /** @internal */
  _children: Future<unknown>[];
  /** @internal Set when cancel() reached a child: the gather then ends with CancelledError. */
  _cancelRequested = false;

  constructor(children: Future<unknown>[], loop: LoopLike) {
    super({ loop });
    this._children = children;
  }

  /**
   * Cancels every child; returns whether any child was cancelled. The gather itself ends
   * (with `CancelledError`) once the children's cancellation has propagated.
   */
  override cancel(msg?: string): boolean {
    if (this.done()) return false;
    let ret = false;
    for (const child of this._children) {
      if (child.cancel(msg)) ret = true;
    }
    // A child that was really cancelled means the cancellation must propagate, even with
    // returnExceptions (asyncio's issue 32684).
    if (ret) this._cancelRequested = true;
    return ret;
  }
}

/** A plain object last argument: `gather()`'s options. */
function isOptions(value: unknown): value is GatherOptions {
  return typeof value === "object" && value !== null && !(value instanceof Future) && !isAwaitable(value);
}

/**
 * asyncio's `fut._make_cancelled_error()`: a cancelled future's own CancelledError (what
 * `result()` throws); for any other future, a new one with its cancel message.
 */
function cancelledErrorOf(fut: Future<unknown>): unknown {
  if (fut.cancelled()) {
    try {
      fut.result();
    } catch (e) {
      return e;
    }
  }
  const msg = cancelMessageOf(fut);
  return new CancelledError(msg);
}

/**
 * Runs awaitables concurrently; a Future of their results in argument order. Coroutines
 * are wrapped in tasks, promises adopted; the same awaitable passed twice is one child.
 * The first child exception fails the gather (the other children keep running); with
 * `{ returnExceptions: true }` (a plain object as the last argument) every outcome is a
 * value. Cancelling the gather cancels its children. `gather()` with nothing gives a
 * done future of `[]`.
 * @example
 * const [user, posts] = yield* gather(fetchUser(id), fetchPosts(id))   // [User, Post[]]
 * const outcomes = yield* gather(a, b, { returnExceptions: true })
 * for (const r of outcomes) if (r instanceof Error) console.warn(r)
 */
export function gather(): Future<[]>;
export function gather<A extends readonly Awaitable<any>[]>(...aws: A): Future<GatherResults<A>>;
export function gather<A extends readonly Awaitable<any>[]>(
  ...args: [...A, GatherOptions & { returnExceptions: true }]
): Future<GatherSettled<A>>;
export function gather<A extends readonly Awaitable<any>[]>(
  ...args: [...A, GatherOptions]
): Future<GatherResults<A> | GatherSettled<A>>;
export function gather(...args: unknown[]): Future<unknown[]> {
  let returnExceptions = false;
  if (args.length > 0 && isOptions(args[args.length - 1])) {
    const options = args.pop() as Record<string, unknown>;
    checkOptionKeys("gather()", options, "returnExceptions");
    returnExceptions = Boolean(options.returnExceptions);
  }
  for (let i = 0; i < args.length; i++) {
    // A Future first: the usual argument, told without a property lookup.
    if (!(args[i] instanceof Future) && !isAwaitable(args[i])) throw notGatherable(i + 1, args[i], Task);
  }

  if (args.length === 0) {
    const outer = _newFuture<unknown[]>(getEventLoop());
    outer.setResult([]);
    return outer;
  }

  const children: Future<unknown>[] = [];
  // Only the children pending now are counted and get a callback; the gather ends when the
  // last of them does. A child already done (an eagerly finished task, a resolved future)
  // is read once the outer future exists, and needs neither: asyncio counts it through its
  // callback at once, which ends the same way. An argument passed twice is one child: a
  // pending Future is spotted by the callback it already has, a done one may simply be
  // read twice; coroutines and promises (each made into a future) go in a map made only if
  // there are any.
  let others: Map<unknown, Future<unknown>> | null = null;
  let nfuts = 0;
  let nfinished = 0;
  /** The first child done now with an exception or cancelled (without returnExceptions). */
  let failed: Future<unknown> | null = null;
  let loop: LoopLike | undefined;
  let outer: GatheringFuture<unknown[]> | null = null;

  /** The children's outcomes in order, or the cancellation when the gather was cancelled. */
  const finish = (outer: GatheringFuture<unknown[]>): void => {
    const results: unknown[] = [];
    for (const child of children) {
      const state = child._state & (STATE_MASK | HAS_EXCEPTION);
      if (state === FINISHED) {
        results.push(child.result());
      } else if (child.cancelled()) {
        // A fresh error with the child's message: the child keeps its own for result().
        const msg = cancelMessageOf(child);
        results.push(new CancelledError(msg ?? ""));
      } else {
        results.push(child.exception());
      }
    }
    if (outer._cancelRequested) {
      // The gather was cancelled: that propagates whatever returnExceptions says.
      outer.setException(cancelledErrorOf(children[children.length - 1]));
    } else {
      outer.setResult(results);
    }
  };

  /** Fails the gather with child `fut`'s exception or cancellation. */
  const fail = (outer: GatheringFuture<unknown[]>, fut: Future<unknown>): void => {
    // Checked first: exception() of a cancelled future throws rather than returns.
    if (fut.cancelled()) outer.setException(cancelledErrorOf(fut));
    else _setExceptionAsIs(outer, fut.exception());
  };

  const onChildDone = (fut: Future<unknown>): void => {
    nfinished++;
    if (outer === null || outer.done()) {
      // Mark the exception retrieved: the gather already reported its outcome.
      if (!fut.cancelled()) fut.exception();
      return;
    }
    if (!returnExceptions && (fut._state & (STATE_MASK | HAS_EXCEPTION)) !== FINISHED) {
      fail(outer, fut);
      return;
    }
    if (nfinished === nfuts) finish(outer);
  };

  for (const arg of args) {
    let fut: Future<unknown> | undefined;
    if (arg instanceof Future) {
      if (loop !== undefined) _ensureFuture("gather()", arg, loop); // the same loop, or throws
      else loop = arg.getLoop();
      if (!arg.done()) {
        if (!arg._hasCallback(onChildDone)) {
          nfuts++;
          arg._addWaiter(onChildDone);
        }
        children.push(arg);
        continue;
      }
      fut = arg;
    } else {
      fut = others?.get(arg);
      if (fut === undefined) {
        fut = _ensureFuture("gather()", arg as Awaitable<unknown>, loop);
        loop ??= fut.getLoop();
        (others ??= new Map()).set(arg, fut);
        if (!fut.done()) {
          nfuts++;
          fut.addDoneCallback(onChildDone);
        }
      }
    }
    // A child done already (an eagerly finished task is one): the first failure is kept.
    if (failed === null && !returnExceptions && fut.done() && (fut._state & (STATE_MASK | HAS_EXCEPTION)) !== FINISHED) failed = fut;
    children.push(fut);
  }

  outer = new GatheringFuture<unknown[]>(children, loop!);
  // The call graph sees the gather as what awaits each child through this callback.
  _tagAwaiter(onChildDone, outer);
  // Children already done count now that the outer future exists: a failure among them
  // fails the gather at once, and if every child is done, the gather is done before it
  // is returned. (The pending children's callbacks run later, from the loop.)
  if (failed !== null) {
    fail(outer, failed);
    // As asyncio's callbacks for the other done children do: their exceptions are
    // retrieved, the gather having reported its outcome.
    for (const child of children) if (child !== failed && child.done() && !child.cancelled()) child.exception();
  } else if (nfuts === 0) {
    finish(outer);
  }
  return outer;
}
