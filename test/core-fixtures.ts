// Fixtures of the core's suites (tasks, futures, combinators): a user's own minimal loop,
// a task cancelled from outside, the unretrieved-exception report check, and the CPython
// 3.12 iteration-order harness.
import * as assert from "uvu/assert";
import {
  CancelledError, Future, sleep, type Coroutine, type EventLoop, type ExceptionContext, type LoopLike, type Task,
} from "../src/index.js";
import { bothCores, caught, runIn } from "./helpers.js";

/** A user's own minimal loop (the seed's "How does event loop work?"): a ready list, nothing else. */
export class MiniLoop implements LoopLike {
  ready: [(...args: any[]) => unknown, unknown[]][] = [];
  errors: ExceptionContext[] = [];
  callSoon(callback: (...args: any[]) => unknown, ...args: any[]): void {
    this.ready.push([callback, args]);
  }
  createFuture<T>(): Future<T> {
    return new Future<T>({ loop: this });
  }
  callExceptionHandler(context: ExceptionContext): void {
    this.errors.push(context);
  }
  getDebug(): boolean {
    return false;
  }
  runOnce(): void {
    const batch = this.ready.splice(0);
    for (const [cb, args] of batch) cb(...args);
  }
  runUntilDone(fut: Future<unknown>): void {
    for (let i = 0; !fut.done(); i++) {
      if (this.ready.length === 0 || i > 1000) throw new Error("MiniLoop: stuck");
      this.runOnce();
    }
  }
}

/**
 * Runs `coro` as a task on `loop`, cancelled from outside `ms` later; asserts that running
 * it ends with a CancelledError. Returns the task.
 */
export function cancelledAt<T>(loop: EventLoop, ms: number, coro: Coroutine<T>): Task<T> {
  const task = loop.createTask(coro);
  loop.callLater(ms, () => task.cancel());
  assert.instance(caught(() => runIn(loop, task)), CancelledError);
  return task;
}

/**
 * Asserts that the loop reported one exception nobody retrieved (`what`: "Task" or
 * "Future"), with `message`, then forgets the report.
 */
export function assertUnretrieved(errors: ExceptionContext[], what: "Task" | "Future", message: string): void {
  assert.is(errors.length, 1);
  assert.is(errors[0].message, `${what} exception was never retrieved`);
  assert.is((errors[0].exception as Error).message, message);
  // No `future`: the report's record cannot hold the future (it would keep it alive).
  assert.not.ok("future" in errors[0]);
  errors.length = 0;
}

/** What the cases of `cpythonOrder()` log with: a ticker task and a worker coroutine. */
export interface OrderKit {
  log: string[];
  /** Logs `t0`, `t1`, ... once per loop iteration, `n` times. */
  ticker(n?: number): Coroutine<void>;
  /** Logs its start, takes `k` iterations (logging a cancellation and its cleanup), logs its end. */
  work(name: string, k: number, fail?: boolean): Coroutine<string>;
}

/** A case: its name, its main coroutine, and the log CPython 3.12.1 printed for the same program. */
export type OrderCase = [name: string, body: (loop: EventLoop) => Coroutine<void>, expected: string];

/**
 * Loop-iteration-exact interleavings: a ticker task logs once per iteration while the
 * combinator runs. Each expected line is what CPython 3.12.1 printed for the same program.
 */
export function cpythonOrder(name: string, cases: (kit: OrderKit) => OrderCase[]): void {
  bothCores(`${name}: iteration order as CPython 3.12`, (test) => {
    const log: string[] = [];
    function* ticker(n = 12): Coroutine<void> {
      for (let i = 0; i < n; i++) {
        log.push(`t${i}`);
        yield* sleep(0);
      }
    }
    function* work(name: string, k: number, fail = false): Coroutine<string> {
      log.push(`${name} start`);
      try {
        for (let i = 0; i < k; i++) yield* sleep(0);
      } catch (e) {
        if (e instanceof CancelledError) {
          log.push(`${name} cancelled`);
          yield* sleep(0);
          log.push(`${name} cleanup`);
        }
        throw e;
      }
      log.push(`${name} end`);
      if (fail) throw new RangeError(name);
      return name;
    }
    for (const [title, body, expected] of cases({ log, ticker, work })) {
      test(title, ({ loop }) => {
        log.length = 0;
        runIn(loop, body(loop));
        assert.is(log.join(" "), expected);
      });
    }
  });
}
