// wait(): asyncio.wait. A coroutine (generator function). It uses nothing of the futures
// but addDoneCallback/removeDoneCallback/done/cancelled/exception, and of the loop but
// createFuture (and callLater for a timeout), so it works on a user's own loop class.
import type { Coroutine, LoopLike } from "./events.js";
import { _newFuture } from "./ensure-future.js";
import { Future, _resolvePending } from "./future.js";
import { getRunningLoop } from "./running.js";
import { isGenerator, isWaitable } from "./util.js";
import { checkIterable, checkMs, checkWaitArgs, loopLacks } from "./checks.js";

/**
 * `wait()` returns when any future finishes or is cancelled.
 * @example
 * const [done, pending] = yield* wait(tasks, { returnWhen: FIRST_COMPLETED })
 */
export const FIRST_COMPLETED = "FIRST_COMPLETED";
/**
 * `wait()` returns when any future finishes with an exception, or all are done.
 * @example
 * const [done, pending] = yield* wait(tasks, { returnWhen: FIRST_EXCEPTION })
 */
export const FIRST_EXCEPTION = "FIRST_EXCEPTION";
/**
 * `wait()` returns when all futures are done (the default).
 * @example
 * const [done] = yield* wait(tasks, { returnWhen: ALL_COMPLETED })
 */
export const ALL_COMPLETED = "ALL_COMPLETED";

/**
 * One of `FIRST_COMPLETED`, `FIRST_EXCEPTION`, `ALL_COMPLETED`.
 * @example
 * const when: ReturnWhen = fast ? FIRST_COMPLETED : ALL_COMPLETED
 */
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

const RETURN_WHEN: readonly ReturnWhen[] = [FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED];

/**
 * Options of `wait()`.
 * @example
 * yield* wait(tasks, { timeout: 1000, returnWhen: FIRST_COMPLETED })
 */
export interface WaitOptions {
  /** Return after this many ms at most (`null`/`undefined`: no limit). Nothing is cancelled. */
  timeout?: number | null;
  /** When to return (default `ALL_COMPLETED`). */
  returnWhen?: ReturnWhen;
}

interface TimerLoop extends LoopLike {
  callLater(delayMs: number, cb: (...args: any[]) => unknown, ...args: any[]): { cancel(): void };
}

/**
 * Waits for futures and tasks; returns `[done, pending]`, two Sets. Nothing is cancelled,
 * not even on the timeout. Pass tasks, not coroutines (as asyncio 3.12): wrap a
 * coroutine with `loop.createTask()` first. Bad arguments throw at the call.
 * @example
 * const tasks = urls.map((u) => loop.createTask(fetch(u)))
 * const [done, pending] = yield* wait(tasks, { timeout: 5000, returnWhen: FIRST_COMPLETED })
 * for (const t of pending) t.cancel()
 */
export function wait<F extends Future<any>>(aws: Iterable<F>, options?: WaitOptions): Coroutine<[Set<F>, Set<F>]> {
  checkIterable("wait()", aws, isWaitable(aws) || isGenerator(aws));
  const timeout = options?.timeout ?? null;
  if (timeout !== null) checkMs("wait()", "options.timeout", timeout);
  const returnWhen = options?.returnWhen ?? ALL_COMPLETED;
  const fs = new Set(aws);
  checkWaitArgs(fs, returnWhen, RETURN_WHEN);
  return _wait(fs, timeout, returnWhen);
}

/** @internal asyncio's `_wait`: the coroutine behind `wait()`. `fs` is not empty. */
export function* _wait<F extends Future<any>>(
  fs: Set<F>,
  timeout: number | null,
  returnWhen: ReturnWhen,
): Coroutine<[Set<F>, Set<F>]> {
  const loop = getRunningLoop() as LoopLike;
  const waiter = _newFuture<undefined>(loop);
  let timeoutHandle: { cancel(): void } | null = null;
  if (timeout !== null) {
    const timerLoop = loop as TimerLoop;
    if (typeof timerLoop.callLater !== "function") throw loopLacks("wait()", "callLater() for a timeout");
    timeoutHandle = timerLoop.callLater(timeout, _resolvePending, waiter);
  }
  let counter = fs.size;
  const onCompletion = (f: Future<any>): void => {
    counter--;
    if (counter <= 0 || returnWhen === FIRST_COMPLETED ||
      (returnWhen === FIRST_EXCEPTION && !f.cancelled() && f.exception() !== null)) {
      timeoutHandle?.cancel();
      _resolvePending(waiter);
    }
  };
  for (const f of fs) f.addDoneCallback(onCompletion);
  try {
    // A plain yield: the loop's createFuture() may make a future of the user's own class.
    yield waiter;
  } finally {
    timeoutHandle?.cancel();
    for (const f of fs) f.removeDoneCallback(onCompletion);
  }
  const done = new Set<F>();
  const pending = new Set<F>();
  for (const f of fs) (f.done() ? done : pending).add(f);
  return [done, pending];
}
