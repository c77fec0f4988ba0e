// waitFor(): asyncio.wait_for, on both cores, in virtual time.
// Orders of events follow CPython 3.12's asyncio.
import * as assert from "uvu/assert";
import { CancelledError, TimeoutError, currentTask, sleep } from "../src/index.js";
import { waitFor } from "../src/wait-for.js";
import { bothCores, caught, runIn } from "./helpers.js";
import { cancelledAt, cpythonOrder } from "./core-fixtures.js";

bothCores("waitFor", (test) => {
  test("returns the result in time; the deadline is dropped", ({ loop }) => {
    const r = runIn(loop, (function* () {
      const v = yield* waitFor(sleep(10, "fast"), 100);
      return [v, loop.time()];
    })());
    assert.equal(r, ["fast", 10]);
  });

  test("timeout on a coroutine: its finally runs, then TimeoutError (cause: the CancelledError)", ({ loop }) => {
    const log: string[] = [];
    runIn(loop, (function* () {
      try {
        yield* waitFor((function* () {
          try {
            log.push("inner start");
            yield* sleep(1000);
          } finally {
            log.push(`inner finally at ${loop.time()}`);
          }
        })(), 100);
      } catch (e) {
        log.push(`caught ${(e as Error).name} at ${loop.time()}`);
        assert.instance(e, TimeoutError);
        assert.instance((e as Error).cause, CancelledError);
      }
      assert.is(currentTask()!.cancelling(), 0);
    })());
    assert.equal(log, ["inner start", "inner finally at 100", "caught TimeoutError at 100"]);
  });

  test("timeout on a task: the task is cancelled and its cancellation waited for", ({ loop }) => {
    const log: string[] = [];
    const inner = loop.createTask((function* () {
      try {
        yield* sleep(1000);
      } catch (e) {
        log.push(`inner ${(e as Error).name} at ${loop.time()}`);
        yield* sleep(5); // slow cleanup
        log.push(`inner cleanup done at ${loop.time()}`);
        throw e;
      }
    })());
    runIn(loop, (function* () {
      try {
        yield* waitFor(inner, 100);
      } catch (e) {
        log.push(`caught ${(e as Error).name} at ${loop.time()}`);
      }
    })());
    assert.ok(inner.cancelled());
    assert.equal(log, ["inner CancelledError at 100", "inner cleanup done at 105", "caught TimeoutError at 105"]);
  });

  test("an inner task that swallows the cancellation returns its value (3.12)", ({ loop }) => {
    const inner = loop.createTask((function* () {
      try {
        yield* sleep(1000);
      } catch {
        return "swallowed";
      }
      return "normal";
    })());
    const r = runIn(loop, (function* () {
      return yield* waitFor(inner, 10);
    })());
    assert.is(r, "swallowed");
  });

  test("an exception of the awaitable propagates as is", ({ loop }) => {
    const err = new RangeError("inner");
    const e = caught(() => runIn(loop, (function* () {
      yield* waitFor((function* () {
        yield* sleep(1);
        throw err;
      })(), 100);
    })()));
    assert.is(e, err);
  });

  test("timeoutMs <= 0: a done future gives its result; a pending one is cancelled; a coroutine never starts", ({ loop }) => {
    const log: string[] = [];
    const done = loop.createFuture<string>();
    done.setResult("done");
    const pending = loop.createTask((function* () {
      try {
        yield* sleep(100);
      } finally {
        log.push(`pending task finally at ${loop.time()}`);
      }
    })());
    runIn(loop, (function* () {
      yield* sleep(1);
      log.push(`done: ${yield* waitFor(done, 0)}`);
      try {
        yield* waitFor(pending, -5);
      } catch (e) {
        log.push(`pending: ${(e as Error).name}`);
      }
      try {
        yield* waitFor((function* () {
          log.push("coroutine started");
          yield* sleep(1);
        })(), 0);
      } catch (e) {
        log.push(`coroutine: ${(e as Error).name}`);
      }
    })());
    assert.ok(pending.cancelled());
    assert.equal(log, ["done: done", "pending task finally at 1", "pending: TimeoutError", "coroutine: TimeoutError"]);
  });

  test("timeoutMs null or undefined: no limit", ({ loop }) => {
    const r = runIn(loop, (function* () {
      const a = yield* waitFor(sleep(5000, "a"), null);
      const b = yield* waitFor(sleep(5000, "b"));
      return a + b;
    })());
    assert.is(r, "ab");
    assert.is(loop.time(), 10000);
  });

  test("a cancellation from outside is a CancelledError, not a TimeoutError", ({ loop }) => {
    const log: string[] = [];
    const main = cancelledAt(loop, 50, (function* () {
      try {
        yield* waitFor(sleep(1000), 100);
      } catch (e) {
        log.push(`caught ${(e as Error).name}`);
        throw e;
      }
    })());
    assert.equal(log, ["caught CancelledError"]);
  });

  test("a Promise (real clock: the virtual one would jump to the deadline first)", async ({ newLoop }) => {
    const loop = newLoop({ clock: "real" });
    const r = await loop.runUntilComplete((function* () {
      return yield* waitFor(Promise.resolve("p"), 10_000);
    })());
    assert.is(r, "p");
  });

  test("bad arguments throw at the call", () => {
    assert.throws(() => waitFor(42 as never, 1), (e: unknown) => e instanceof TypeError && /waitFor\(\)/.test((e as Error).message));
    assert.throws(() => waitFor(sleep(1), NaN), (e: unknown) => e instanceof RangeError);
    assert.throws(() => waitFor(sleep(1), "1" as never), (e: unknown) => e instanceof TypeError);
  });
});

cpythonOrder("waitFor", ({ log, ticker, work }) => [
  ["waitFor of a coroutine runs it inline", function* (L) {
    const t = L.createTask(ticker());
    log.push(`wf ${yield* waitFor(work("a", 2), 100)}`);
    yield* t;
  }, "a start t0 t1 a end wf a t2 t3 t4 t5 t6 t7 t8 t9 t10 t11"],
  ["waitFor of a task", function* (L) {
    const t = L.createTask(ticker());
    const a = L.createTask(work("a", 2));
    log.push(`wf ${yield* waitFor(a, 100)}`);
    yield* t;
  }, "t0 a start t1 t2 a end t3 wf a t4 t5 t6 t7 t8 t9 t10 t11"],
  ["waitFor(task, 0)", function* (L) {
    const t = L.createTask(ticker());
    const a = L.createTask(work("a", 5));
    yield* sleep(0);
    try {
      yield* waitFor(a, 0);
    } catch (e) {
      if (e instanceof TimeoutError) log.push("wf timeout");
    }
    yield* t;
  }, "t0 a start t1 a cancelled t2 a cleanup t3 t4 wf timeout t5 t6 t7 t8 t9 t10 t11"],
  ["waitFor(coroutine, 0)", function* (L) {
    const t = L.createTask(ticker());
    try {
      yield* waitFor(work("a", 5), 0);
    } catch (e) {
      if (e instanceof TimeoutError) log.push("wf timeout");
    }
    yield* t;
  }, "t0 t1 t2 wf timeout t3 t4 t5 t6 t7 t8 t9 t10 t11"],
]);
