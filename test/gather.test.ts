// gather(): asyncio.gather, on both cores, in virtual time.
// Orders of events follow CPython 3.12's asyncio.
import * as assert from "uvu/assert";
import { CancelledError, type Future, Task, sleep, type Coroutine } from "../src/index.js";
import { gather } from "../src/gather.js";
import { bothCores, caught, runIn } from "./helpers.js";
import { cancelledAt, cpythonOrder, MiniLoop } from "./core-fixtures.js";

bothCores("gather", (test) => {
  test("results in argument order, whatever the completion order", ({ loop }) => {
    const log: string[] = [];
    function* work(name: string, ms: number): Coroutine<string> {
      log.push(`${name} start`);
      yield* sleep(ms);
      log.push(`${name} end`);
      return name.toUpperCase();
    }
    const results = runIn(loop, (function* () {
      const r = yield* gather(work("a", 30), work("b", 10), work("c", 20));
      log.push(`gathered at ${loop.time()}`);
      return r;
    })());
    assert.equal(results, ["A", "B", "C"]);
    assert.equal(log, ["a start", "b start", "c start", "b end", "c end", "a end", "gathered at 30"]);
  });

  test("typed tuple of mixed futures, tasks and coroutines", ({ loop }) => {
    const fut = loop.createFuture<number>();
    loop.callLater(5, () => fut.setResult(7));
    const task = loop.createTask((function* () {
      yield* sleep(3);
      return "task";
    })());
    const r = runIn(loop, (function* () {
      const out: [number, string, boolean] = yield* gather(fut, task, (function* () {
        yield* sleep(1);
        return true;
      })());
      return out;
    })());
    assert.equal(r, [7, "task", true]);
  });

  test("a Promise argument is adopted", async ({ loop }) => {
    const r = await loop.runUntilComplete((function* () {
      return yield* gather(Promise.resolve(1), sleep(5, 2), new Promise<number>((res) => queueMicrotask(() => res(3))));
    })());
    assert.equal(r, [1, 2, 3]);
  });

  test("the same awaitable twice is one child; its result appears twice", ({ loop }) => {
    let runs = 0;
    const coro = (function* () {
      runs++;
      yield* sleep(1);
      return "x";
    })();
    const fut = loop.createFuture<number>();
    loop.callSoon(() => fut.setResult(1));
    const r = runIn(loop, (function* () {
      return yield* gather(coro, fut, coro, fut);
    })());
    assert.equal(r, ["x", 1, "x", 1]);
    assert.is(runs, 1);
  });

  test("gather() with nothing is a done future of []", ({ loop }) => {
    const fut = runIn<Future<[]>>(loop, (function* () {
      return gather();
    })());
    assert.ok(fut.done());
    assert.equal(fut.result(), []);
  });

  test("children already done: the gather is done before it is returned", ({ loop }) => {
    const a = loop.createFuture<number>();
    const b = loop.createFuture<string>();
    a.setResult(1);
    b.setResult("b");
    const g = gather(a, b, a);
    assert.ok(g.done());
    assert.equal(g.result(), [1, "b", 1]);
    const c = loop.createFuture<number>();
    c.setException(new RangeError("early"));
    const g2 = gather(a, c);
    assert.ok(g2.done());
    assert.instance(g2.exception(), RangeError);
  });

  test("the first child failure propagates; the other children keep running", ({ loop }) => {
    const log: string[] = [];
    const slow = loop.createTask((function* () {
      yield* sleep(20);
      log.push(`slow done at ${loop.time()}`);
      return "slow";
    })());
    const failing = (function* () {
      yield* sleep(10);
      throw new RangeError("boom");
    })();
    const failing2 = (function* () {
      yield* sleep(15);
      throw new TypeError("second");
    })();
    runIn(loop, (function* () {
      try {
        yield* gather(slow, failing, failing2);
      } catch (e) {
        log.push(`caught ${(e as Error).message} at ${loop.time()}`);
      }
      log.push(`slow ${yield* slow}`);
    })());
    assert.equal(log, ["caught boom at 10", "slow done at 20", "slow slow"]);
    // The second failure was marked retrieved: no "exception was never retrieved" report.
  });

  test("returnExceptions: every outcome is a value; a cancelled child gives a CancelledError", ({ loop }) => {
    const victim = loop.createTask((function* () {
      yield* sleep(100);
      return "never";
    })());
    loop.callLater(5, () => victim.cancel("stop it"));
    const err = new RangeError("bad");
    const r = runIn<unknown[]>(loop, (function* () {
      return yield* gather(
        sleep(10, "ok"),
        (function* () {
          yield* sleep(1);
          throw err;
        })(),
        victim,
        { returnExceptions: true },
      );
    })());
    assert.is(r[0], "ok");
    assert.is(r[1], err);
    assert.instance(r[2], CancelledError);
    // As CPython: a task's cancel message is not kept once the task is cancelled through
    // the future it waited on, so the error in the results has an empty message.
    assert.is((r[2] as Error).message, "");
    assert.is(loop.time(), 10);
  });

  test("cancel() cancels the children; the gather ends with a CancelledError (3.12)", ({ loop }) => {
    const log: string[] = [];
    function* child(name: string): Coroutine<void> {
      try {
        yield* sleep(100);
      } finally {
        log.push(`${name} finally`);
      }
    }
    const done = loop.createFuture<string>();
    done.setResult("already");
    const g = runIn<Future<unknown>>(loop, (function* () {
      const g = gather(child("a"), child("b"), done);
      yield* sleep(1);
      log.push(`cancel -> ${g.cancel("bye")}`);
      try {
        yield* g;
      } catch (e) {
        log.push(`caught ${(e as Error).name} ${(e as Error).message}`);
      }
      return g;
    })());
    assert.equal(log, ["cancel -> true", "a finally", "b finally", "caught CancelledError bye"]);
    assert.ok(g.done());
    // As asyncio 3.12: the gathering future holds the CancelledError as its exception.
    assert.not.ok(g.cancelled());
    assert.instance(g.exception(), CancelledError);
    assert.not.ok(g.cancel());
  });

  test("cancelling the task that awaits a gather cancels the children", ({ loop }) => {
    const log: string[] = [];
    const children: Task<unknown>[] = [];
    for (const name of ["a", "b"]) {
      children.push(loop.createTask((function* () {
        try {
          yield* sleep(100);
        } catch (e) {
          log.push(`${name} ${(e as Error).name}`);
          throw e;
        }
      })()));
    }
    const main = cancelledAt(loop, 10, (function* () {
      yield* gather(...children);
    })());
    assert.ok(main.cancelled());
    assert.ok(children.every((c) => c.cancelled()));
    assert.equal(log, ["a CancelledError", "b CancelledError"]);
  });

  test("returnExceptions does not swallow a cancellation of the gather itself", ({ loop }) => {
    const main = loop.createTask((function* () {
      return yield* gather(sleep(100, 1), sleep(50, 2), { returnExceptions: true });
    })());
    loop.callLater(10, () => main.cancel());
    assert.instance(caught(() => runIn(loop, main)), CancelledError);
    assert.ok(main.cancelled());
    assert.is(loop.time(), 10);
  });

  test("a child cancelled on its own fails the gather with CancelledError; siblings run on", ({ loop }) => {
    const log: string[] = [];
    const victim = loop.createTask(sleep(100));
    const sibling = loop.createTask((function* () {
      yield* sleep(20);
      log.push("sibling done");
    })());
    loop.callLater(5, () => victim.cancel());
    runIn(loop, (function* () {
      try {
        yield* gather(victim, sibling);
      } catch (e) {
        log.push(`caught ${(e as Error).name} at ${loop.time()}`);
      }
      yield* sibling;
    })());
    assert.equal(log, ["caught CancelledError at 5", "sibling done"]);
  });

  test("bad arguments throw at the call", ({ loop }) => {
    runIn(loop, (function* () {
      assert.throws(() => gather(42 as never), (e: unknown) => e instanceof TypeError && /gather\(\) expected argument 1/.test((e as Error).message));
      assert.throws(() => gather((function* () {}) as never), (e: unknown) => e instanceof TypeError && /did you mean to call/.test((e as Error).message));
      assert.throws(() => gather(sleep(0), { returnException: true } as never), (e: unknown) => e instanceof TypeError && /unknown option/.test((e as Error).message));
      yield* sleep(0);
    })());
  });

  test("works on a user's own minimal loop class", () => {
    const mini = new MiniLoop();
    const fut = mini.createFuture<number>();
    const main = new Task((function* () {
      mini.callSoon(() => fut.setResult(2));
      return yield* gather(fut, (function* () {
        yield;
        return 3;
      })());
    })(), { loop: mini });
    mini.runUntilDone(main);
    assert.equal(main.result(), [2, 3]);
  });
});

cpythonOrder("gather", ({ log, ticker, work }) => [
  ["gather", function* (L) {
    const t = L.createTask(ticker());
    yield* sleep(0);
    const r = yield* gather(work("a", 2), work("b", 1));
    log.push(`gather ${r}`);
    yield* t;
  }, "t0 t1 a start b start t2 b end t3 a end t4 t5 gather a,b t6 t7 t8 t9 t10 t11"],
  ["gather, a child fails", function* (L) {
    const t = L.createTask(ticker());
    yield* sleep(0);
    try {
      yield* gather(work("a", 3), work("b", 1, true));
    } catch (e) {
      log.push(`caught ${(e as Error).message}`);
    }
    yield* t;
  }, "t0 t1 a start b start t2 b end t3 t4 a end caught b t5 t6 t7 t8 t9 t10 t11"],
  ["gather cancelled", function* (L) {
    const t = L.createTask(ticker());
    const g = gather(work("a", 5), work("b", 5));
    yield* sleep(0);
    g.cancel();
    try {
      yield* g;
    } catch {
      log.push("gather cancelled");
    }
    yield* t;
  }, "t0 a start b start t1 a cancelled b cancelled t2 a cleanup b cleanup t3 t4 gather cancelled t5 t6 t7 t8 t9 t10 t11"],
  ["gather cancelled with returnExceptions", function* (L) {
    const t = L.createTask(ticker());
    const g = gather(work("a", 5), work("b", 1), { returnExceptions: true });
    yield* sleep(0);
    g.cancel();
    try {
      yield* g;
    } catch (e) {
      if (e instanceof CancelledError) log.push("gather cancelled");
    }
    yield* t;
  }, "t0 a start b start t1 a cancelled b cancelled t2 a cleanup b cleanup t3 t4 gather cancelled t5 t6 t7 t8 t9 t10 t11"],
  ["gather of done futures", function* (L) {
    const t = L.createTask(ticker());
    const f = L.createFuture<number>();
    f.setResult(1);
    const g = gather(f, f);
    log.push(`done ${g.done()}`);
    log.push(`r ${yield* g}`);
    yield* t;
  }, "done true r 1,1 t0 t1 t2 t3 t4 t5 t6 t7 t8 t9 t10 t11"],
]);
