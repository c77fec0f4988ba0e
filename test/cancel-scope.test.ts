// CancelScope and cancelScope(): Trio's cancel scopes on asyncio tasks, on both cores, in
// virtual time. Outcomes follow Trio's (trio/_core/_run.py CancelScope): a scope catches
// only its own cancellation, an outer cancel reaches inner bodies unless a shield sits
// between, and timeout() is a scope with a deadline.
import * as assert from "uvu/assert";
import {
  CancelScope, TimeoutError, cancelScope, currentTask, sleep, taskGroup, timeout, type Coroutine, type EventLoop,
} from "../src/index.js";
import { bothCores, caught, runIn } from "./helpers.js";
import { cancelledAt } from "./core-fixtures.js";

/** Sleeps `ms`, logging a cancellation (with the loop time) and rethrowing it. */
function* napLogged(log: string[], name: string, ms: number): Coroutine<void> {
  try {
    yield* sleep(ms);
  } catch (e) {
    log.push(`${name} ${(e as Error).name} at ${(currentTask()!.getLoop() as EventLoop).time()}`);
    throw e;
  }
}

bothCores("cancelScope", (test) => {
  test("a body nobody cancels: its value, nothing caught", ({ loop }) => {
    let scope!: CancelScope;
    const r = runIn(loop, (function* () {
      return yield* cancelScope(function* (s) {
        scope = s;
        assert.is(String(s), "<CancelScope active>");
        yield* sleep(10);
        return "done";
      });
    })());
    assert.is(r, "done");
    assert.not.ok(scope.cancelCalled);
    assert.not.ok(scope.cancelledCaught);
    assert.is(String(scope), "<CancelScope exited>");
    scope.cancel(); // after the end: recorded, no effect
    assert.ok(scope.cancelCalled);
  });

  test("cancel() from inside: the next wait throws, the scope catches, the task goes on", ({ loop }) => {
    const log: string[] = [];
    let scope!: CancelScope;
    runIn(loop, (function* () {
      const r = yield* cancelScope(function* (s) {
        scope = s;
        yield* sleep(5);
        s.cancel();
        s.cancel(); // idempotent: one request
        log.push(`cancelling ${currentTask()!.cancelling()}`);
        try {
          yield* sleep(100);
        } finally {
          log.push(`finally at ${loop.time()}`);
        }
        return "not reached";
      });
      log.push(`after: ${r}, cancelling ${currentTask()!.cancelling()}`);
      yield* sleep(10); // no cancellation left over
      log.push(`end at ${loop.time()}`);
    })());
    assert.ok(scope.cancelCalled);
    assert.ok(scope.cancelledCaught);
    assert.equal(log, ["cancelling 1", "finally at 5", "after: undefined, cancelling 0", "end at 15"]);
  });

  test("cancel() from outside (a callback) cancels the body where it waits", ({ loop }) => {
    const log: string[] = [];
    runIn(loop, (function* () {
      yield* cancelScope(function* (s) {
        loop.callLater(30, () => s.cancel());
        yield* napLogged(log, "body", 1000);
      });
      log.push(`after at ${loop.time()}`);
    })());
    assert.equal(log, ["body CancelledError at 30", "after at 30"]);
  });

  test("cancel() whose body ends before waiting again: no CancelledError, nothing caught, no request left", ({ loop }) => {
    let scope!: CancelScope;
    const r = runIn(loop, (function* () {
      const v = yield* cancelScope(function* (s) {
        scope = s;
        s.cancel();
        return 7;
      });
      yield* sleep(1); // the withdrawn request does not hit the task later
      return [v, currentTask()!.cancelling()];
    })());
    assert.equal(r, [7, 0]);
    assert.not.ok(scope.cancelledCaught);
  });

  test("a scope made beforehand and cancelled before entry cancels its body's first wait", ({ loop }) => {
    const scope = new CancelScope();
    scope.cancel();
    const log: string[] = [];
    runIn(loop, (function* () {
      yield* cancelScope(scope, function* () {
        log.push("body starts");
        yield* napLogged(log, "body", 100);
      });
    })());
    assert.ok(scope.cancelledCaught);
    assert.equal(log, ["body starts", "body CancelledError at 0"]);
  });

  test("deadline: cancelled at it; moved later and earlier while running; Infinity: none", ({ loop }) => {
    const log: string[] = [];
    runIn(loop, (function* () {
      const a = yield* cancelScope(function* (s) {
        assert.is(s.deadline, 50);
        assert.is(String(s), "<CancelScope active, deadline=50>");
        yield* napLogged(log, "a", 1000);
      }, { deadline: 50 });
      log.push(`a: ${a}`);
      yield* cancelScope(function* (s) {
        assert.is(s.deadline, Infinity);
        yield* sleep(10);
        s.deadline = loop.time() + 100; // 160
        yield* sleep(20);
        s.deadline = loop.time() + 200; // later: 280
        yield* napLogged(log, "b", 1000);
      });
      yield* cancelScope(function* (s) {
        yield* sleep(10);
        s.deadline = 0; // past: the next loop iteration
        yield* napLogged(log, "c", 1000);
      }, { deadline: 10_000 });
      const d = yield* cancelScope(function* () {
        yield* sleep(10);
        return "in time";
      }, { deadline: loop.time() + 11 });
      log.push(`d: ${d}`);
    })());
    assert.equal(log, ["a CancelledError at 50", "a: undefined", "b CancelledError at 280", "c CancelledError at 290", "d: in time"]);
    assert.is(loop.time(), 300);
  });

  test("nested: an outer cancel reaches the inner body; the outer scope catches it, the inner one does not", ({ loop }) => {
    const log: string[] = [];
    let inner!: CancelScope, outer!: CancelScope;
    runIn(loop, (function* () {
      yield* cancelScope(function* (o) {
        outer = o;
        loop.callLater(20, () => o.cancel());
        yield* cancelScope(function* (i) {
          inner = i;
          yield* napLogged(log, "inner body", 1000);
        });
        log.push("not reached");
      });
      log.push(`after at ${loop.time()}`);
    })());
    assert.not.ok(inner.cancelledCaught);
    assert.ok(outer.cancelledCaught);
    assert.equal(log, ["inner body CancelledError at 20", "after at 20"]);
  });

  test("nested: an inner cancel stays inside; both cancelled: the outer one catches", ({ loop }) => {
    const log: string[] = [];
    const scopes: CancelScope[] = [];
    runIn(loop, (function* () {
      yield* cancelScope(function* (o) {
        yield* cancelScope(function* (i) {
          scopes.push(i);
          loop.callLater(10, () => i.cancel());
          yield* napLogged(log, "first inner", 1000);
        });
        log.push(`outer goes on at ${loop.time()}`);
        yield* cancelScope(function* (i) {
          scopes.push(i);
          loop.callLater(10, () => { i.cancel(); o.cancel(); });
          yield* napLogged(log, "second inner", 1000);
        });
        log.push("not reached");
        scopes.push(o);
      });
      log.push(`cancelling ${currentTask()!.cancelling()}`);
    })());
    assert.equal(scopes.map((s) => s.cancelledCaught), [true, false]);
    assert.equal(log, [
      "first inner CancelledError at 10", "outer goes on at 10", "second inner CancelledError at 20", "cancelling 0",
    ]);
  });

  test("shield: an outer cancel waits until the shielded scope ends, then hits the next wait", ({ loop }) => {
    const log: string[] = [];
    let outer!: CancelScope, shielded!: CancelScope;
    runIn(loop, (function* () {
      yield* cancelScope(function* (o) {
        outer = o;
        loop.callLater(10, () => o.cancel());
        const r = yield* cancelScope(function* (s) {
          shielded = s;
          assert.is(String(s), "<CancelScope active, shielded>");
          yield* sleep(100); // not interrupted at 10
          log.push(`shielded body done at ${loop.time()}`);
          return "kept";
        }, { shield: true });
        log.push(`shielded scope returned ${r}`);
        yield* napLogged(log, "outer body", 1000);
      });
      log.push(`after at ${loop.time()}`);
    })());
    assert.ok(outer.cancelledCaught);
    assert.not.ok(shielded.cancelledCaught);
    assert.equal(log, [
      "shielded body done at 100", "shielded scope returned kept", "outer body CancelledError at 100", "after at 100",
    ]);
  });

  test("shield cleared while running lets the held-back cancel in; a shielded scope's own cancel still works", ({ loop }) => {
    const log: string[] = [];
    runIn(loop, (function* () {
      yield* cancelScope(function* (o) {
        yield* cancelScope(function* (s) {
          loop.callLater(10, () => o.cancel());
          yield* sleep(50);
          s.shield = false;
          yield* napLogged(log, "unshielded", 1000);
        }, { shield: true });
      });
      log.push(`outer done at ${loop.time()}`);
      const own = new CancelScope({ shield: true, deadline: loop.time() + 20 });
      yield* cancelScope(own, function* () {
        yield* napLogged(log, "own deadline", 1000);
      });
      log.push(`own caught ${own.cancelledCaught}`);
    })());
    assert.equal(log, ["unshielded CancelledError at 50", "outer done at 50", "own deadline CancelledError at 70", "own caught true"]);
  });

  test("a TaskGroup inside: cancelling the scope cancels the group's children, the scope catches", ({ loop }) => {
    const log: string[] = [];
    let scope!: CancelScope;
    runIn(loop, (function* () {
      yield* cancelScope(function* (s) {
        scope = s;
        yield* taskGroup(function* (tg) {
          tg.createTask(napLogged(log, "child 1", 1000));
          tg.createTask(napLogged(log, "child 2", 1000));
          loop.callLater(40, () => s.cancel());
          yield* napLogged(log, "group body", 1000);
        });
      });
      log.push(`after at ${loop.time()}, cancelling ${currentTask()!.cancelling()}`);
    })());
    assert.ok(scope.cancelledCaught);
    assert.equal(log, [
      "group body CancelledError at 40", "child 1 CancelledError at 40", "child 2 CancelledError at 40",
      "after at 40, cancelling 0",
    ]);
  });

  test("timeout() around: its expiry passes through the scope as TimeoutError", ({ loop }) => {
    const log: string[] = [];
    let scope!: CancelScope;
    const e = caught(() => runIn(loop, (function* () {
      yield* timeout(30, function* () {
        yield* cancelScope(function* (s) {
          scope = s;
          yield* napLogged(log, "body", 1000);
        });
      });
    })()));
    assert.instance(e, TimeoutError);
    assert.not.ok(scope.cancelledCaught);
    assert.equal(log, ["body CancelledError at 30"]);
  });

  test("timeout() around a shielded scope: expiry waits for the scope's end, then TimeoutError", ({ loop }) => {
    const log: string[] = [];
    const e = caught(() => runIn(loop, (function* () {
      yield* timeout(30, function* (t) {
        yield* cancelScope(function* () {
          yield* sleep(100);
          log.push(`shielded done at ${loop.time()}, expired ${t.expired()}`);
        }, { shield: true });
        yield* napLogged(log, "after the shield", 1000);
      });
    })()));
    assert.instance(e, TimeoutError);
    assert.equal(log, ["shielded done at 100, expired true", "after the shield CancelledError at 100"]);
  });

  test("timeout() inside: the scope's cancel is a CancelledError through it; its own expiry a TimeoutError out of the scope", ({ loop }) => {
    const log: string[] = [];
    runIn(loop, (function* () {
      yield* cancelScope(function* (s) {
        loop.callLater(20, () => s.cancel());
        try {
          yield* timeout(1000, function* () {
            yield* sleep(500);
          });
        } catch (e) {
          log.push(`caught ${(e as Error).name} at ${loop.time()}`);
          throw e;
        }
      });
      try {
        yield* cancelScope(function* () {
          yield* timeout(10, function* () {
            yield* sleep(500);
          });
        });
      } catch (e) {
        log.push(`caught ${(e as Error).name} at ${loop.time()}`);
      }
    })());
    assert.equal(log, ["caught CancelledError at 20", "caught TimeoutError at 30"]);
  });

  test("a task.cancel() from elsewhere passes through a scope (only its own is caught)", ({ loop }) => {
    let scope!: CancelScope;
    cancelledAt(loop, 25, (function* () {
      yield* cancelScope(function* (s) {
        scope = s;
        loop.callLater(25, () => s.cancel()); // the same moment: two requests, one is not the scope's
        yield* sleep(1000);
      });
      yield* sleep(1000);
    })());
    assert.ok(scope.cancelCalled);
    assert.not.ok(scope.cancelledCaught);
  });

  test("bad input: TypeErrors naming the call; outside a task; entering twice", ({ loop }) => {
    const msg = (f: () => unknown) => (caught(f) as Error).message;
    assert.instance(caught(() => cancelScope(42 as never)), TypeError);
    assert.match(msg(() => cancelScope(42 as never)), "cancelScope() expected the body to be a generator function or a CancelScope");
    assert.match(msg(() => new CancelScope({ deadline: "soon" as never })), "new CancelScope() expected deadline to be a number of milliseconds");
    assert.match(msg(() => new CancelScope({ shield: 1 as never })), "new CancelScope() expected shield to be a boolean");
    assert.match(msg(() => new CancelScope(5 as never)), "new CancelScope() expected options to be an object");
    assert.match(msg(() => cancelScope(new CancelScope(), null as never)), "cancelScope() expected the body to be a generator function");
    const s = new CancelScope();
    assert.match(msg(() => { s.deadline = NaN; }), "CancelScope.deadline expected the deadline");
    assert.match(msg(() => { s.shield = "yes" as never; }), "CancelScope.shield expected shield to be a boolean");
    assert.match(msg(() => cancelScope(function* () {}).next()), "no running event loop");
    const e = caught(() => runIn(loop, (function* () {
      yield* cancelScope(s, function* () {});
      yield* cancelScope(s, function* () {});
    })()));
    assert.match((e as Error).message, "cancelScope(): the cancel scope has already been entered");
  });
});
