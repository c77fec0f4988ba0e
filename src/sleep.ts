import { EventLoop } from "./base-loop.js";
import type { Coroutine } from "./events.js";
import { _setResultUnlessCancelled, type Future } from "./future.js";

function resolveUndefined(fut: Future<undefined>): void {
  if (!fut.done()) fut.setResult(undefined);
}

function resolveWith<T>([fut, value]: [Future<T>, T]): void {
  if (!fut.done()) fut.setResult(value);
}
import { getRunningLoop } from "./running.js";
import { checkMs } from "./util.js";

interface TimerLoop {
  callLater(delayMs: number, cb: (...a: any[]) => unknown, ...args: any[]): { cancel(): void };
  createFuture?<T>(): Future<T>;
}

/**
 * Suspends the current task for `ms` milliseconds, then returns `value`. `sleep(0)` (or
 * a negative delay) gives up the rest of the loop iteration without a timer.
 * @example
 * function* tick() { for (;;) { yield* sleep(1000); console.log("tick") } }
 * const v = yield* sleep(10, "ready")  // "ready"
 */
export function* sleep<T = undefined>(ms: number, value?: T): Coroutine<T> {
  checkMs("sleep()", "ms", ms);
  if (ms <= 0) {
    yield;
    return value as T;
  }
  const running = getRunningLoop();
  if (running instanceof EventLoop) {
    // The loop's own timer, with no Handle object or argument array: a task that sleeps
    // costs a generator, a future and a slot.
    const fut = running.createFuture<T>();
    const id = value === undefined
      ? running._timer(running.time() + ms, resolveUndefined, fut)
      : running._timer(running.time() + ms, resolveWith, [fut, value]);
    const gen = running._slotGeneration(id);
    try {
      return yield* fut;
    } finally {
      running._cancelSlot(id, gen);
    }
  }
  const loop = running as unknown as TimerLoop;
  if (typeof loop.callLater !== "function" || typeof loop.createFuture !== "function") {
    throw new TypeError("sleep() needs a loop with callLater() and createFuture()");
  }
  const fut = loop.createFuture<T>();
  const handle = loop.callLater(ms, _setResultUnlessCancelled, fut, value);
  try {
    return yield* fut;
  } finally {
    handle.cancel();
  }
}
