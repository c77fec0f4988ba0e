// gather(): asyncio.gather, on both cores, in virtual time.
// Orders of events follow CPython 3.12's asyncio.
import * as assert from "uvu/assert";
import { CancelledError, type Future, Task, createTask, eagerTaskFactory, sleep, type Coroutine } from "../src/index.js";
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

// Children already done when gather() is called (eagerly finished tasks, resolved futures)
// get no callback and are not counted: they are read once the outer future exists, and the
// gather ends with its last pending child. The outcomes are asyncio's, which counts them
// through callbacks run at once.
bothCores("gather: children already done", (test) => {
  /** An eager task's coroutine: a hit returns at once, a miss waits `ms`. */
  function* lookup(log: string[], key: string, ms: number): Coroutine<string> {
    log.push(`${key} start`);
    if (ms > 0) yield* sleep(ms);
    log.push(`${key} end`);
    return key.toUpperCase();
  }

  test("done and pending children: results in argument order; the gather ends with the last pending one", ({ loop }) => {
    const log: string[] = [];
    runIn(loop, (function* () {
      const a = createTask(lookup(log, "a", 0), { eagerStart: true });
      const b = createTask(lookup(log, "b", 20), { eagerStart: true });
      const c = createTask(lookup(log, "c", 0), { eagerStart: true });
      const d = createTask(lookup(log, "d", 10), { eagerStart: true });
      assert.equal([a.done(), b.done(), c.done(), d.done()], [true, false, true, false]);
      const g = gather(a, b, c, d, c);
      assert.not.ok(g.done());
      d.addDoneCallback(() => log.push(`d's callback: gather done ${g.done()}`));
      const r = yield* g;
      log.push(`gathered ${r.join(",")} at ${loop.time()}`);
    })());
    assert.equal(log, [
      "a start", "a end", "b start", "c start", "c end", "d start",
      "d end", "d's callback: gather done false", "b end", "gathered A,B,C,D,C at 20",
    ]);
  });

  test("every child done: the gather is done on return, with or without returnExceptions", ({ loop }) => {
    runIn(loop, (function* () {
      const hit = createTask(lookup([], "hit", 0), { eagerStart: true });
      const failed = createTask((function* (): Coroutine<never> {
        throw new RangeError("miss");
      })(), { eagerStart: true });
      const g = gather(hit, hit);
      assert.ok(g.done());
      assert.equal(g.result(), ["HIT", "HIT"]);
      const settled = gather(hit, failed, { returnExceptions: true });
      assert.ok(settled.done());
      const r = settled.result();
      assert.is(r[0], "HIT");
      assert.instance(r[1], RangeError);
      yield* sleep(0);
    })());
  });

  test("a done child that failed fails the gather before it is returned; pending siblings run on and their failure is retrieved", ({ loop }) => {
    const log: string[] = [];
    runIn(loop, (function* () {
      const slow = createTask((function* () {
        yield* sleep(10);
        log.push("slow fails");
        throw new TypeError("later");
      })());
      const first = loop.createFuture<number>();
      first.setException(new RangeError("first"));
      const second = loop.createFuture<number>();
      second.setException(new SyntaxError("second"));
      const ok = loop.createFuture<number>();
      ok.setResult(1);
      const g = gather(slow, ok, first, second);
      assert.ok(g.done(), "failed at the call");
      assert.instance(g.exception(), RangeError);
      assert.is((g.exception() as Error).message, "first");
      assert.not.ok(slow.done());
      try {
        yield* slow;
      } catch (e) {
        log.push(`slow: ${(e as Error).message}`);
      }
      yield* sleep(0);
    })());
    // `second` was retrieved by the gather (close() would report it otherwise: the test
    // fails on any report), and so was `slow`'s failure, once the gather was over.
    assert.equal(log, ["slow fails", "slow: later"]);
  });

  test("several done children failed: the first in argument order fails the gather, the others' exceptions are retrieved", ({ loop, errors }) => {
    const a = loop.createFuture<number>();
    a.setException(new RangeError("a"));
    const b = loop.createFuture<number>();
    b.setException(new RangeError("b"));
    const g = gather(a, b);
    assert.is((g.exception() as Error).message, "a");
    loop.close();
    assert.equal(errors, [], "nothing reported as never retrieved");
  });

  test("a done child cancelled: the gather fails with its CancelledError; with returnExceptions, a CancelledError among the results", ({ loop }) => {
    runIn(loop, (function* () {
      const cancelled = loop.createFuture<number>();
      cancelled.cancel("gone");
      const pending = createTask(sleep(5, "late"));
      const g = gather(pending, cancelled);
      assert.ok(g.done());
      assert.instance(g.exception(), CancelledError);
      assert.is((g.exception() as Error).message, "gone");
      assert.not.ok(pending.done(), "the pending child is not cancelled");
      const r = yield* gather(pending, cancelled, { returnExceptions: true });
      assert.is(r[0], "late");
      assert.instance(r[1], CancelledError);
      assert.is((r[1] as Error).message, "gone");
    })());
  });

  test("cancel(): the pending children are cancelled, the done ones stay as they are", ({ loop }) => {
    const log: string[] = [];
    runIn(loop, (function* () {
      const done = createTask(lookup(log, "done", 0), { eagerStart: true });
      const pending = createTask(lookup(log, "pending", 10), { eagerStart: true });
      const g = gather(done, pending, { returnExceptions: true });
      yield* sleep(1);
      assert.ok(g.cancel("stop"));
      try {
        yield* g;
      } catch (e) {
        log.push(`gather: ${e instanceof CancelledError ? "cancelled" : String(e)}`);
      }
      log.push(`done ${done.result()}, pending cancelled ${pending.cancelled()}`);
      // Cancelling it again: nothing is left to cancel.
      assert.not.ok(g.cancel());
    })());
    assert.equal(log, ["done start", "done end", "pending start", "gather: cancelled", "done DONE, pending cancelled true"]);
  });

  test("coroutine arguments with the eager task factory: a hit is a done child, the same coroutine twice runs once", ({ loop }) => {
    const log: string[] = [];
    loop.setTaskFactory(eagerTaskFactory);
    const r = runIn<string[]>(loop, (function* () {
      const hit = lookup(log, "hit", 0);
      const g = gather(lookup(log, "miss", 5), hit, hit);
      log.push(`gather returned, done ${g.done()}`);
      return yield* g;
    })());
    assert.equal(r, ["MISS", "HIT", "HIT"]);
    assert.equal(log, ["miss start", "hit start", "hit end", "gather returned, done false", "miss end"]);
  });

  test("a child pending when seen that a later eager argument finishes is counted once", ({ loop }) => {
    loop.setTaskFactory(eagerTaskFactory);
    const r = runIn<unknown[]>(loop, (function* () {
      const fut = loop.createFuture<number>();
      const g = gather(fut, (function* () {
        fut.setResult(1); // inside gather(): fut was registered pending, and is done now
        return 2;
      })(), fut);
      assert.not.ok(g.done(), "fut's callback has not run yet");
      return yield* g;
    })());
    assert.equal(r, [1, 2, 1]);
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
