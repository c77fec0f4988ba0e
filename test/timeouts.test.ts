// timeout() and timeoutAt(): asyncio.timeout and asyncio.timeout_at, on both cores, in virtual time.
// Orders of events follow CPython 3.12's asyncio.
import * as assert from "uvu/assert";
import { CancelledError, TimeoutError, InvalidStateError, currentTask, sleep } from "../src/index.js";
import { Timeout, timeout, timeoutAt } from "../src/timeouts.js";
import { bothCores, caught, runIn } from "./helpers.js";
import { cancelledAt, cpythonOrder } from "./core-fixtures.js";

bothCores("timeout", (test) => {
  test("the body's value in time; when(), expired()", ({ loop }) => {
    let scope!: Timeout;
    const r = runIn(loop, (function* () {
      yield* sleep(10);
      return yield* timeout(100, function* (s) {
        scope = s;
        assert.is(s.when(), 110);
        assert.is(String(s), "<Timeout [active] when=110>");
        yield* sleep(50);
        return "in time";
      });
    })());
    assert.is(r, "in time");
    assert.not.ok(scope.expired());
    assert.is(String(scope), "<Timeout [finished]>");
    assert.is(loop.time(), 60);
  });

  test("expiry: the body sees CancelledError (finally runs), the caller TimeoutError", ({ loop }) => {
    const log: string[] = [];
    let scope!: Timeout;
    runIn(loop, (function* () {
      try {
        yield* timeout(100, function* (s) {
          scope = s;
          try {
            yield* sleep(1000);
          } catch (e) {
            log.push(`body ${(e as Error).name} at ${loop.time()}, expired ${s.expired()}`);
            throw e;
          } finally {
            log.push("body finally");
          }
        });
      } catch (e) {
        log.push(`caught ${(e as Error).name}`);
        assert.instance((e as Error).cause, CancelledError);
      }
      log.push(`cancelling ${currentTask()!.cancelling()}`);
    })());
    assert.ok(scope.expired());
    assert.is(String(scope), "<Timeout [expired]>");
    assert.equal(log, ["body CancelledError at 100, expired true", "body finally", "caught TimeoutError", "cancelling 0"]);
  });

  test("reschedule() later: the body gets more time", ({ loop }) => {
    const r = runIn(loop, (function* () {
      return yield* timeout(100, function* (scope) {
        yield* sleep(50);
        scope.reschedule(loop.time() + 200);
        assert.is(scope.when(), 250);
        yield* sleep(150); // until 200: past the first deadline
        return loop.time();
      });
    })());
    assert.is(r, 200);
  });

  test("reschedule() earlier: expires at the new deadline", ({ loop }) => {
    const e = caught(() => runIn(loop, (function* () {
      yield* timeout(1000, function* (scope) {
        yield* sleep(10);
        scope.reschedule(30);
        yield* sleep(1000);
      });
    })()));
    assert.instance(e, TimeoutError);
    assert.is(loop.time(), 30);
  });

  test("reschedule() to a past time expires in the next iteration; reschedule(null) disables", ({ loop }) => {
    const log: string[] = [];
    runIn(loop, (function* () {
      try {
        yield* timeout(100, function* (scope) {
          yield* sleep(10);
          scope.reschedule(loop.time() - 5);
          log.push("rescheduled to the past");
          yield* sleep(0);
          log.push("not reached");
        });
      } catch (e) {
        log.push(`${(e as Error).name} at ${loop.time()}`);
      }
      const r = yield* timeout(10, function* (scope) {
        scope.reschedule(null);
        assert.is(scope.when(), null);
        yield* sleep(500);
        return "no deadline";
      });
      log.push(r);
    })());
    assert.equal(log, ["rescheduled to the past", "TimeoutError at 10", "no deadline"]);
  });

  test("ms null: no deadline until one is set", ({ loop }) => {
    const r = runIn(loop, (function* () {
      const a = yield* timeout(null, function* (scope) {
        assert.is(scope.when(), null);
        yield* sleep(10_000);
        return "a";
      });
      let b = "";
      try {
        yield* timeout(undefined, function* (scope) {
          scope.reschedule(loop.time() + 5);
          yield* sleep(10);
        });
      } catch (e) {
        b = (e as Error).name;
      }
      return [a, b, loop.time()];
    })());
    assert.equal(r, ["a", "TimeoutError", 10_005]);
  });

  test("nested: an inner expiry is the inner scope's TimeoutError, the outer goes on", ({ loop }) => {
    const log: string[] = [];
    let outerScope!: Timeout, innerScope!: Timeout;
    const r = runIn(loop, (function* () {
      return yield* timeout(100, function* (outer) {
        outerScope = outer;
        try {
          yield* timeout(50, function* (inner) {
            innerScope = inner;
            yield* sleep(1000);
          });
        } catch (e) {
          log.push(`inner ${(e as Error).name} at ${loop.time()}`);
        }
        yield* sleep(10);
        return "outer ok";
      });
    })());
    assert.is(r, "outer ok");
    assert.ok(innerScope.expired());
    assert.not.ok(outerScope.expired());
    assert.equal(log, ["inner TimeoutError at 50"]);
  });

  test("nested: the outer deadline first is the outer scope's TimeoutError; the inner sees CancelledError", ({ loop }) => {
    const log: string[] = [];
    let outerScope!: Timeout, innerScope!: Timeout;
    runIn(loop, (function* () {
      try {
        yield* timeout(50, function* (outer) {
          outerScope = outer;
          try {
            yield* timeout(100, function* (inner) {
              innerScope = inner;
              yield* sleep(1000);
            });
          } catch (e) {
            log.push(`inside outer: ${(e as Error).name}`);
            throw e;
          }
        });
      } catch (e) {
        log.push(`outside: ${(e as Error).name} at ${loop.time()}`);
      }
    })());
    assert.not.ok(innerScope.expired());
    assert.ok(outerScope.expired());
    assert.equal(log, ["inside outer: CancelledError", "outside: TimeoutError at 50"]);
  });

  test("an outer cancel during a timeout is a CancelledError, not a TimeoutError", ({ loop }) => {
    const log: string[] = [];
    const main = cancelledAt(loop, 50, (function* () {
      try {
        yield* timeout(100, function* () {
          yield* sleep(1000);
        });
      } catch (e) {
        log.push(`caught ${(e as Error).name} at ${loop.time()}`);
        throw e;
      }
    })());
    assert.ok(main.cancelled());
    assert.equal(log, ["caught CancelledError at 50"]);
  });

  test("a cancel from outside at the deadline itself is not swallowed", ({ loop }) => {
    const log: string[] = [];
    let scope!: Timeout;
    // The cancel is scheduled first: it runs before the scope's own timer at the same time.
    const main = cancelledAt(loop, 100, (function* () {
      try {
        yield* timeout(100, function* (s) {
          scope = s;
          yield* sleep(1000);
        });
      } catch (e) {
        log.push(`caught ${(e as Error).name}, cancelling ${currentTask()!.cancelling()}`);
        throw e;
      }
    })());
    assert.ok(scope.expired());
    assert.equal(log, ["caught CancelledError, cancelling 1"]);
  });

  test("a body that swallows the cancellation returns its value; expired() is true", ({ loop }) => {
    let scope!: Timeout;
    const r = runIn(loop, (function* () {
      const v = yield* timeout(10, function* (s) {
        scope = s;
        try {
          yield* sleep(100);
        } catch {
          return "swallowed";
        }
        return "normal";
      });
      return [v, currentTask()!.cancelling()];
    })());
    assert.equal(r, ["swallowed", 0]);
    assert.ok(scope.expired());
  });

  test("another error after expiry propagates as is", ({ loop }) => {
    const err = new RangeError("cleanup failed");
    const e = caught(() => runIn(loop, (function* () {
      yield* timeout(10, function* () {
        try {
          yield* sleep(100);
        } catch {
          throw err;
        }
      });
    })()));
    assert.is(e, err);
  });

  test("timeoutAt(): an absolute deadline", ({ loop }) => {
    const log: string[] = [];
    runIn(loop, (function* () {
      const deadline = loop.time() + 25;
      yield* timeoutAt(deadline, function* (scope) {
        assert.is(scope.when(), 25);
        yield* sleep(10);
      });
      log.push(`first at ${loop.time()}`);
      try {
        yield* timeoutAt(deadline, function* () {
          yield* sleep(100);
        });
      } catch (e) {
        log.push(`second ${(e as Error).name} at ${loop.time()}`);
      }
      const v = yield* timeoutAt(null, function* () {
        yield* sleep(100);
        return "none";
      });
      log.push(v);
    })());
    assert.equal(log, ["first at 10", "second TimeoutError at 25", "none"]);
  });

  test("state errors: reschedule() after exit; outside a task; bad arguments at the call", ({ loop }) => {
    let scope!: Timeout;
    runIn(loop, (function* () {
      yield* timeout(10, function* (s) {
        scope = s;
        yield* sleep(1);
      });
    })());
    assert.throws(() => scope.reschedule(5), (e: unknown) => e instanceof InvalidStateError && /finished/.test((e as Error).message));
    assert.throws(() => new Timeout(5).reschedule(10), (e: unknown) => e instanceof InvalidStateError && /not been entered/.test((e as Error).message));
    assert.throws(() => timeout(NaN, function* () {}), (e: unknown) => e instanceof RangeError);
    assert.throws(() => timeout(10, 42 as never), (e: unknown) => e instanceof TypeError && /timeout\(\)/.test((e as Error).message));
    assert.throws(() => timeoutAt("soon" as never, function* () {}), (e: unknown) => e instanceof TypeError);
    // Entered outside a task: asyncio's RuntimeError.
    const gen = timeoutAt(null, function* () {});
    loop.callSoon(() => {
      assert.throws(() => gen.next(), (e: unknown) => e instanceof Error && /inside a task/.test((e as Error).message));
    });
    runIn(loop, sleep(0));
  });

  test("a body given as a coroutine", ({ loop }) => {
    const r = runIn(loop, (function* () {
      return yield* timeout(10, sleep(5, "coro"));
    })());
    assert.is(r, "coro");
  });
});

cpythonOrder("timeout", ({ log, ticker, work }) => [
  ["timeout(0) around a coroutine", function* (L) {
    const t = L.createTask(ticker());
    yield* sleep(0);
    try {
      yield* timeout(0, function* () {
        yield* work("a", 5);
      });
    } catch (e) {
      if (e instanceof TimeoutError) log.push("timeout");
    }
    yield* t;
  }, "t0 a start t1 a cancelled t2 a cleanup timeout t3 t4 t5 t6 t7 t8 t9 t10 t11"],
  ["timeout(0) around a task", function* (L) {
    const t = L.createTask(ticker());
    const a = L.createTask(work("a", 5));
    yield* sleep(0);
    try {
      yield* timeout(0, function* () {
        yield* a;
      });
    } catch (e) {
      if (e instanceof TimeoutError) log.push("timeout");
    }
    yield* t;
  }, "t0 a start t1 t2 a cancelled t3 a cleanup t4 timeout t5 t6 t7 t8 t9 t10 t11"],
  ["timeout rescheduled to the past", function* (L) {
    const t = L.createTask(ticker());
    yield* sleep(0);
    try {
      yield* timeout(10_000, function* (cm) {
        cm.reschedule(L.time() - 1);
        log.push("rescheduled");
        for (let i = 0; i < 5; i++) {
          yield* sleep(0);
          log.push(`body ${i}`);
        }
      });
    } catch {
      log.push("timeout");
    }
    yield* t;
  }, "t0 rescheduled t1 timeout t2 t3 t4 t5 t6 t7 t8 t9 t10 t11"],
]);
