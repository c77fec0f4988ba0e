// Combinators and timeouts: gather, wait, waitFor, timeout/timeoutAt, shield, asCompleted,
// on both cores, in virtual time. Orders of events follow CPython 3.12's asyncio.
import * as assert from "uvu/assert";
import {
  CancelledError, Future, Task, TimeoutError, InvalidStateError, currentTask, sleep,
  type Coroutine, type EventLoop as EventLoopLike, type ExceptionContext, type LoopLike,
} from "../src/index.js";
import { gather } from "../src/gather.js";
import { ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION, wait, type ReturnWhen } from "../src/wait.js";
import { waitFor } from "../src/wait-for.js";
import { Timeout, timeout, timeoutAt } from "../src/timeouts.js";
import { shield } from "../src/shield.js";
import { asCompleted } from "../src/as-completed.js";
import { bothCores, caught } from "./helpers.js";

/** A user's own minimal loop (the seed's "How does event loop work?"): a ready list, nothing else. */
class MiniLoop implements LoopLike {
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


bothCores("gather", (test) => {
  test("results in argument order, whatever the completion order", ({ loop }) => {
    const log: string[] = [];
    function* work(name: string, ms: number): Coroutine<string> {
      log.push(`${name} start`);
      yield* sleep(ms);
      log.push(`${name} end`);
      return name.toUpperCase();
    }
    const results = loop._runUntilCompleteSync((function* () {
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
    const r = loop._runUntilCompleteSync((function* () {
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
    const r = loop._runUntilCompleteSync((function* () {
      return yield* gather(coro, fut, coro, fut);
    })());
    assert.equal(r, ["x", 1, "x", 1]);
    assert.is(runs, 1);
  });

  test("gather() with nothing is a done future of []", ({ loop }) => {
    const fut = loop._runUntilCompleteSync((function* () {
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
    loop._runUntilCompleteSync((function* () {
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
    const r = loop._runUntilCompleteSync((function* () {
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
    const g = loop._runUntilCompleteSync((function* () {
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
    const main = loop.createTask((function* () {
      yield* gather(...children);
    })());
    loop.callLater(10, () => main.cancel());
    const e = caught(() => loop._runUntilCompleteSync(main));
    assert.instance(e, CancelledError);
    assert.ok(main.cancelled());
    assert.ok(children.every((c) => c.cancelled()));
    assert.equal(log, ["a CancelledError", "b CancelledError"]);
  });

  test("returnExceptions does not swallow a cancellation of the gather itself", ({ loop }) => {
    const main = loop.createTask((function* () {
      return yield* gather(sleep(100, 1), sleep(50, 2), { returnExceptions: true });
    })());
    loop.callLater(10, () => main.cancel());
    assert.instance(caught(() => loop._runUntilCompleteSync(main)), CancelledError);
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
    loop._runUntilCompleteSync((function* () {
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
    loop._runUntilCompleteSync((function* () {
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

bothCores("wait", (test) => {
  function tasks(loop: LoopLike & { createTask<T>(c: Coroutine<T>): Task<T> }, log: string[], spec: [string, number, "ok" | "fail"][]): Task<string>[] {
    return spec.map(([name, ms, how]) => loop.createTask((function* () {
      yield* sleep(ms);
      log.push(`${name} ${how}`);
      if (how === "fail") throw new Error(name);
      return name;
    })()));
  }
  const names = (s: Set<Task<string>>) => [...s].map((t) => t.getName()).sort();

  test("ALL_COMPLETED (default): every future done, pending empty", ({ loop }) => {
    const log: string[] = [];
    const ts = tasks(loop, log, [["a", 20, "ok"], ["b", 10, "fail"], ["c", 5, "ok"]]);
    const [done, pending] = loop._runUntilCompleteSync((function* () {
      const r = yield* wait(ts);
      log.push(`wait returned at ${loop.time()}`);
      return r;
    })());
    assert.is(done.size, 3);
    assert.is(pending.size, 0);
    assert.equal(log, ["c ok", "b fail", "a ok", "wait returned at 20"]);
    assert.instance(ts[1].exception(), Error);
  });

  test("FIRST_COMPLETED: returns after the first; nothing is cancelled", ({ loop }) => {
    const log: string[] = [];
    const ts = tasks(loop, log, [["a", 20, "ok"], ["b", 10, "ok"], ["c", 30, "ok"]]);
    loop._runUntilCompleteSync((function* () {
      const [done, pending] = yield* wait(ts, { returnWhen: FIRST_COMPLETED });
      log.push(`returned at ${loop.time()}: done ${[...done].map((t) => t.result())}, pending ${pending.size}`);
      assert.ok(pending.has(ts[0]) && pending.has(ts[2]));
      yield* wait(pending);
    })());
    assert.equal(log, ["b ok", "returned at 10: done b, pending 2", "a ok", "c ok"]);
  });

  test("FIRST_EXCEPTION: returns at the first exception", ({ loop }) => {
    const log: string[] = [];
    const ts = tasks(loop, log, [["a", 20, "ok"], ["b", 5, "ok"], ["c", 10, "fail"]]);
    loop._runUntilCompleteSync((function* () {
      const [done, pending] = yield* wait(ts, { returnWhen: FIRST_EXCEPTION });
      log.push(`returned at ${loop.time()}: done ${done.size}, pending ${pending.size}`);
      assert.instance(ts[2].exception(), Error);
      yield* wait(pending);
    })());
    assert.equal(log, ["b ok", "c fail", "returned at 10: done 2, pending 1", "a ok"]);
  });

  test("FIRST_EXCEPTION with no exception is ALL_COMPLETED; a cancellation is not an exception", ({ loop }) => {
    const log: string[] = [];
    const ts = tasks(loop, log, [["a", 20, "ok"], ["b", 5, "ok"]]);
    const victim = loop.createTask(sleep(100));
    loop.callLater(1, () => victim.cancel());
    const [done, pending] = loop._runUntilCompleteSync((function* () {
      const r = yield* wait([...ts, victim], { returnWhen: FIRST_EXCEPTION });
      log.push(`returned at ${loop.time()}`);
      return r;
    })());
    assert.is(done.size, 3);
    assert.is(pending.size, 0);
    assert.equal(log, ["b ok", "a ok", "returned at 20"]);
  });

  test("FIRST_COMPLETED counts a cancellation as completion", ({ loop }) => {
    const victim = loop.createTask(sleep(100));
    const other = loop.createTask(sleep(50));
    loop.callLater(3, () => victim.cancel());
    loop._runUntilCompleteSync((function* () {
      const [done, pending] = yield* wait([victim, other], { returnWhen: FIRST_COMPLETED });
      assert.equal([...done], [victim]);
      assert.equal([...pending], [other]);
      assert.is(loop.time(), 3);
      other.cancel();
      yield* wait([other]);
    })());
  });

  for (const returnWhen of [ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION] as ReturnWhen[]) {
    test(`timeout with ${returnWhen}: returns at the deadline, cancels nothing`, ({ loop }) => {
      const log: string[] = [];
      const ts = tasks(loop, log, [["a", 50, "ok"], ["b", 30, "ok"]]);
      loop._runUntilCompleteSync((function* () {
        const [done, pending] = yield* wait(ts, { timeout: 20, returnWhen });
        log.push(`returned at ${loop.time()}: done ${done.size}, pending ${pending.size}`);
        const [d2] = yield* wait(pending);
        log.push(`rest ${names(d2).length} at ${loop.time()}`);
      })());
      assert.equal(log, ["returned at 20: done 0, pending 2", "b ok", "a ok", "rest 2 at 50"]);
    });
  }

  test("timeout not reached: returns when the futures are done (the timer is cancelled)", ({ loop }) => {
    const log: string[] = [];
    const ts = tasks(loop, log, [["a", 5, "ok"], ["b", 8, "fail"]]);
    loop._runUntilCompleteSync((function* () {
      const [done] = yield* wait(ts, { timeout: 1000 });
      log.push(`returned at ${loop.time()} with ${done.size}`);
      yield* sleep(1);
    })());
    assert.equal(log, ["a ok", "b fail", "returned at 8 with 2"]);
    ts[1].exception();
  });

  test("futures already done: all in done, after one loop iteration", ({ loop }) => {
    const a = loop.createFuture<number>();
    const b = loop.createFuture<number>();
    a.setResult(1);
    b.cancel();
    const log: string[] = [];
    loop._runUntilCompleteSync((function* () {
      loop.callSoon(() => log.push("callSoon before wait"));
      const [done, pending] = yield* wait([a, b, a]);
      log.push(`done ${done.size} pending ${pending.size}`);
    })());
    assert.equal(log, ["callSoon before wait", "done 2 pending 0"]);
  });

  test("bad arguments: empty -> RangeError, bad returnWhen -> RangeError, coroutines -> TypeError", ({ loop }) => {
    const fut = loop.createFuture();
    assert.throws(() => wait([]), (e: unknown) => e instanceof RangeError && /empty/.test((e as Error).message));
    assert.throws(() => wait([fut], { returnWhen: "SOMETIMES" as never }), (e: unknown) => e instanceof RangeError && /returnWhen/.test((e as Error).message));
    assert.throws(() => wait([sleep(1)] as never), (e: unknown) => e instanceof TypeError && /coroutines is forbidden/.test((e as Error).message));
    assert.throws(() => wait(fut as never), (e: unknown) => e instanceof TypeError && /iterable of futures/.test((e as Error).message));
    assert.throws(() => wait([42] as never), (e: unknown) => e instanceof TypeError);
    assert.throws(() => wait([fut], { timeout: NaN }), (e: unknown) => e instanceof RangeError);
    // Lazy: built before any loop runs, waited for later (as the seed does).
    const w = wait([fut], { timeout: 5 });
    const [done, pending] = loop._runUntilCompleteSync(w);
    assert.is(done.size, 0);
    assert.equal([...pending], [fut]);
    assert.is(loop.time(), 5);
  });

  test("the waiting task cancelled: CancelledError, the futures are untouched", ({ loop }) => {
    const fut = loop.createFuture<number>();
    const main = loop.createTask((function* () {
      return yield* wait([fut]);
    })());
    loop.callLater(5, () => main.cancel());
    assert.instance(caught(() => loop._runUntilCompleteSync(main)), CancelledError);
    assert.not.ok(fut.done());
    fut.setResult(1);
    loop._runUntilCompleteSync(sleep(0));
  });

  test("works on futures of a user's own minimal loop class (no callLater needed)", () => {
    const mini = new MiniLoop();
    const a = mini.createFuture<string>();
    const b = mini.createFuture<string>();
    const log: string[] = [];
    const main = new Task((function* () {
      mini.callSoon(() => {
        log.push("set a");
        a.setResult("A");
      });
      const [done, pending] = yield* wait([a, b], { returnWhen: FIRST_COMPLETED });
      log.push(`first: ${[...done].map((f) => f.result())}; pending ${pending.size}`);
      mini.callSoon(() => b.setException(new Error("B failed")));
      const [d2, p2] = yield* wait([a, b], { returnWhen: FIRST_EXCEPTION });
      log.push(`then: done ${d2.size}, pending ${p2.size}`);
      return (b.exception() as Error).message;
    })(), { loop: mini });
    mini.runUntilDone(main);
    assert.is(main.result(), "B failed");
    assert.equal(log, ["set a", "first: A; pending 1", "then: done 2, pending 0"]);
    assert.equal(mini.errors, []);
  });
});

bothCores("waitFor", (test) => {
  test("returns the result in time; the deadline is dropped", ({ loop }) => {
    const r = loop._runUntilCompleteSync((function* () {
      const v = yield* waitFor(sleep(10, "fast"), 100);
      return [v, loop.time()];
    })());
    assert.equal(r, ["fast", 10]);
  });

  test("timeout on a coroutine: its finally runs, then TimeoutError (cause: the CancelledError)", ({ loop }) => {
    const log: string[] = [];
    loop._runUntilCompleteSync((function* () {
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
    loop._runUntilCompleteSync((function* () {
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
    const r = loop._runUntilCompleteSync((function* () {
      return yield* waitFor(inner, 10);
    })());
    assert.is(r, "swallowed");
  });

  test("an exception of the awaitable propagates as is", ({ loop }) => {
    const err = new RangeError("inner");
    const e = caught(() => loop._runUntilCompleteSync((function* () {
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
    loop._runUntilCompleteSync((function* () {
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
    const r = loop._runUntilCompleteSync((function* () {
      const a = yield* waitFor(sleep(5000, "a"), null);
      const b = yield* waitFor(sleep(5000, "b"));
      return a + b;
    })());
    assert.is(r, "ab");
    assert.is(loop.time(), 10000);
  });

  test("a cancellation from outside is a CancelledError, not a TimeoutError", ({ loop }) => {
    const log: string[] = [];
    const main = loop.createTask((function* () {
      try {
        yield* waitFor(sleep(1000), 100);
      } catch (e) {
        log.push(`caught ${(e as Error).name}`);
        throw e;
      }
    })());
    loop.callLater(50, () => main.cancel());
    assert.instance(caught(() => loop._runUntilCompleteSync(main)), CancelledError);
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

bothCores("timeout", (test) => {
  test("the body's value in time; when(), expired()", ({ loop }) => {
    let scope!: Timeout;
    const r = loop._runUntilCompleteSync((function* () {
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
    loop._runUntilCompleteSync((function* () {
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
    const r = loop._runUntilCompleteSync((function* () {
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
    const e = caught(() => loop._runUntilCompleteSync((function* () {
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
    loop._runUntilCompleteSync((function* () {
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
    const r = loop._runUntilCompleteSync((function* () {
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
    const r = loop._runUntilCompleteSync((function* () {
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
    loop._runUntilCompleteSync((function* () {
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
    const main = loop.createTask((function* () {
      try {
        yield* timeout(100, function* () {
          yield* sleep(1000);
        });
      } catch (e) {
        log.push(`caught ${(e as Error).name} at ${loop.time()}`);
        throw e;
      }
    })());
    loop.callLater(50, () => main.cancel());
    assert.instance(caught(() => loop._runUntilCompleteSync(main)), CancelledError);
    assert.ok(main.cancelled());
    assert.equal(log, ["caught CancelledError at 50"]);
  });

  test("a cancel from outside at the deadline itself is not swallowed", ({ loop }) => {
    const log: string[] = [];
    let scope!: Timeout;
    const main = loop.createTask((function* () {
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
    // Scheduled first: runs before the scope's own timer at the same time.
    loop.callLater(100, () => main.cancel());
    assert.instance(caught(() => loop._runUntilCompleteSync(main)), CancelledError);
    assert.ok(scope.expired());
    assert.equal(log, ["caught CancelledError, cancelling 1"]);
  });

  test("a body that swallows the cancellation returns its value; expired() is true", ({ loop }) => {
    let scope!: Timeout;
    const r = loop._runUntilCompleteSync((function* () {
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
    const e = caught(() => loop._runUntilCompleteSync((function* () {
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
    loop._runUntilCompleteSync((function* () {
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
    loop._runUntilCompleteSync((function* () {
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
    loop._runUntilCompleteSync(sleep(0));
  });

  test("a body given as a coroutine", ({ loop }) => {
    const r = loop._runUntilCompleteSync((function* () {
      return yield* timeout(10, sleep(5, "coro"));
    })());
    assert.is(r, "coro");
  });
});

bothCores("shield", (test) => {
  test("cancelling the outer leaves the inner task running; its result is not lost", ({ loop }) => {
    const log: string[] = [];
    const inner = loop.createTask((function* () {
      log.push("inner start");
      yield* sleep(100);
      log.push(`inner done at ${loop.time()}`);
      return "saved";
    })());
    const main = loop.createTask((function* () {
      try {
        return yield* shield(inner);
      } catch (e) {
        log.push(`outer ${(e as Error).name} at ${loop.time()}`);
        throw e;
      }
    })());
    loop.callLater(10, () => main.cancel());
    assert.instance(caught(() => loop._runUntilCompleteSync(main)), CancelledError);
    assert.not.ok(inner.done());
    assert.is(loop._runUntilCompleteSync(inner), "saved");
    assert.equal(log, ["inner start", "outer CancelledError at 10", "inner done at 100"]);
  });

  test("the inner outcome goes to the outer: result, exception, cancellation", ({ loop }) => {
    const err = new RangeError("inner failed");
    loop._runUntilCompleteSync((function* () {
      assert.is(yield* shield(sleep(5, "r")), "r");
      const failing = shield((function* () {
        yield* sleep(1);
        throw err;
      })());
      assert.is(caught(() => undefined), undefined);
      try {
        yield* failing;
        assert.unreachable();
      } catch (e) {
        assert.is(e, err);
      }
      const victim = loop.createTask(sleep(100));
      const outer = shield(victim);
      loop.callLater(3, () => victim.cancel());
      try {
        yield* outer;
        assert.unreachable();
      } catch (e) {
        assert.instance(e, CancelledError);
      }
      assert.ok(outer.cancelled());
    })());
  });

  test("a done inner is returned as is; a coroutine is wrapped in a task", ({ loop }) => {
    const fut = loop.createFuture<number>();
    fut.setResult(1);
    assert.is(shield(fut), fut);
    const r = loop._runUntilCompleteSync((function* () {
      const s = shield((function* () {
        yield* sleep(1);
        return currentTask()!.getName();
      })());
      assert.instance(s, Future);
      assert.not.instance(s, Task);
      return yield* s;
    })());
    assert.match(r, /^Task-\d+$/);
    assert.throws(() => shield(42 as never), (e: unknown) => e instanceof TypeError && /shield\(\)/.test((e as Error).message));
  });

  test("cancelling the shield future itself does not cancel the inner", ({ loop }) => {
    const inner = loop.createTask(sleep(10, "inner"));
    const outer = shield(inner);
    assert.ok(outer.cancel());
    assert.is(loop._runUntilCompleteSync(inner), "inner");
    assert.ok(outer.cancelled());
  });
});

bothCores("asCompleted", (test) => {
  test("futures in completion order", ({ loop }) => {
    const log: string[] = [];
    const r = loop._runUntilCompleteSync((function* () {
      const out: string[] = [];
      for (const next of asCompleted([sleep(30, "a"), sleep(10, "b"), sleep(20, "c")])) {
        const v = yield* next;
        out.push(v);
        log.push(`${v} at ${loop.time()}`);
      }
      return out;
    })());
    assert.equal(r, ["b", "c", "a"]);
    assert.equal(log, ["b at 10", "c at 20", "a at 30"]);
  });

  test("an exception comes out of its future, in order; the others follow", ({ loop }) => {
    const log: string[] = [];
    const failing = loop.createTask((function* () {
      yield* sleep(5);
      throw new RangeError("five");
    })());
    loop._runUntilCompleteSync((function* () {
      for (const next of asCompleted([sleep(10, "ten"), failing])) {
        try {
          log.push(yield* next);
        } catch (e) {
          log.push(`error ${(e as Error).message}`);
        }
      }
    })());
    assert.equal(log, ["error five", "ten"]);
  });

  test("timeout: the futures past the deadline throw TimeoutError; nothing is cancelled", ({ loop }) => {
    const log: string[] = [];
    const slow = loop.createTask(sleep(100, "slow"));
    loop._runUntilCompleteSync((function* () {
      try {
        for (const next of asCompleted([sleep(10, "a"), slow, sleep(20, "b")], { timeout: 50 })) {
          log.push(`${yield* next} at ${loop.time()}`);
        }
      } catch (e) {
        log.push(`${(e as Error).name} at ${loop.time()}`);
      }
      log.push(`slow cancelled: ${slow.cancelled()}`);
      log.push(yield* slow);
    })());
    assert.equal(log, ["a at 10", "b at 20", "TimeoutError at 50", "slow cancelled: false", "slow"]);
  });

  test("timeout: every remaining future throws", ({ loop }) => {
    const a = loop.createTask(sleep(100));
    const b = loop.createTask(sleep(100));
    const r = loop._runUntilCompleteSync((function* () {
      const errors: string[] = [];
      for (const next of asCompleted([a, b], { timeout: 10 })) {
        try {
          yield* next;
        } catch (e) {
          errors.push(`${(e as Error).name} at ${loop.time()}`);
        }
      }
      yield* wait([a, b]);
      return errors;
    })());
    assert.equal(r, ["TimeoutError at 10", "TimeoutError at 10"]);
  });

  test("done futures come first, without waiting; duplicates count once", ({ loop }) => {
    const a = loop.createFuture<string>();
    const b = loop.createFuture<string>();
    a.setResult("a");
    const r = loop._runUntilCompleteSync((function* () {
      loop.callLater(5, () => b.setResult("b"));
      const out: string[] = [];
      const it = asCompleted([b, a, b]);
      for (const next of it) out.push(`${yield* next}@${loop.time()}`);
      return out;
    })());
    assert.equal(r, ["a@0", "b@5"]);
  });

  test("lazy: nothing starts before the first iteration; bad arguments throw at the call", ({ loop }) => {
    let started = false;
    const it = asCompleted([(function* () {
      started = true;
      yield* sleep(1);
      return 1;
    })()]);
    assert.not.ok(started);
    const r = loop._runUntilCompleteSync((function* () {
      const out: number[] = [];
      for (const f of it) out.push(yield* f);
      return out;
    })());
    assert.ok(started);
    assert.equal(r, [1]);
    const fut = loop.createFuture();
    assert.throws(() => asCompleted(fut as never), (e: unknown) => e instanceof TypeError && /iterable/.test((e as Error).message));
    assert.throws(() => asCompleted([42] as never), (e: unknown) => e instanceof TypeError);
    assert.throws(() => asCompleted([fut], { timeout: NaN }), (e: unknown) => e instanceof RangeError);
    assert.equal([...asCompleted([])], []);
  });

  test("a consumer cancelled while waiting takes no outcome", ({ loop }) => {
    const it = asCompleted([sleep(10, "x"), sleep(20, "y")]);
    const first = loop.createTask((function* () {
      return yield* it.next().value!;
    })());
    loop.callLater(5, () => first.cancel());
    assert.instance(caught(() => loop._runUntilCompleteSync(first)), CancelledError);
    const r = loop._runUntilCompleteSync((function* () {
      const out: string[] = [];
      for (const f of it) out.push(yield* f);
      return out;
    })());
    assert.equal(r, ["x"]);
    loop._runUntilCompleteSync(sleep(20));
  });
});

// Loop-iteration-exact interleavings: a ticker task logs once per iteration while the
// combinator runs. Each expected line is what CPython 3.12.1 printed for the same program.
bothCores("iteration order as CPython 3.12", (test) => {
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
  const cases: [string, (loop: EventLoopLike) => Coroutine<void>, string][] = [
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
    ["wait FIRST_COMPLETED", function* (L) {
      const t = L.createTask(ticker());
      const a = L.createTask(work("a", 3));
      const b = L.createTask(work("b", 1));
      const [d, p] = yield* wait([a, b], { returnWhen: FIRST_COMPLETED });
      log.push(`wait ${d.size} ${p.size}`);
      yield* t;
    }, "t0 a start b start t1 b end t2 t3 a end wait 2 0 t4 t5 t6 t7 t8 t9 t10 t11"],
    ["wait on a done future", function* (L) {
      const t = L.createTask(ticker());
      const f = L.createFuture();
      f.setResult(1);
      yield* sleep(0);
      log.push("before wait");
      yield* wait([f]);
      log.push("after wait");
      yield* t;
    }, "t0 before wait t1 t2 after wait t3 t4 t5 t6 t7 t8 t9 t10 t11"],
    ["wait with timeout 0", function* (L) {
      const t = L.createTask(ticker());
      const a = L.createTask(work("a", 3));
      const [d, p] = yield* wait([a], { timeout: 0 });
      log.push(`wait ${d.size} ${p.size}`);
      yield* a;
      yield* t;
    }, "t0 a start t1 wait 0 1 t2 t3 a end t4 t5 t6 t7 t8 t9 t10 t11"],
    ["shield", function* (L) {
      const t = L.createTask(ticker());
      log.push(`shield ${yield* shield(work("a", 2))}`);
      yield* t;
    }, "t0 a start t1 t2 a end t3 t4 shield a t5 t6 t7 t8 t9 t10 t11"],
    ["shield, the outer cancelled", function* (L) {
      const t = L.createTask(ticker());
      const a = L.createTask(work("a", 4));
      const m = L.createTask((function* () {
        try {
          yield* shield(a);
        } catch (e) {
          log.push("outer cancelled");
          throw e;
        }
      })());
      yield* sleep(0);
      m.cancel();
      try {
        yield* m;
      } catch {
        log.push("m cancelled");
      }
      log.push(`a ${yield* a}`);
      yield* t;
    }, "t0 a start t1 outer cancelled t2 m cancelled t3 t4 a end t5 a a t6 t7 t8 t9 t10 t11"],
    ["asCompleted", function* (L) {
      const t = L.createTask(ticker());
      for (const f of asCompleted([work("a", 3), work("b", 1)])) log.push(`ac ${yield* f}`);
      yield* t;
    }, "t0 a start b start t1 b end t2 t3 a end ac b t4 t5 ac a t6 t7 t8 t9 t10 t11"],
    ["asCompleted with timeout 0", function* (L) {
      const t = L.createTask(ticker());
      const a = L.createTask(work("a", 3));
      try {
        for (const f of asCompleted([a], { timeout: 0 })) {
          log.push("got");
          yield* f;
        }
      } catch (e) {
        if (e instanceof TimeoutError) log.push("ac timeout");
      }
      yield* a;
      yield* t;
    }, "got t0 a start t1 ac timeout t2 t3 a end t4 t5 t6 t7 t8 t9 t10 t11"],
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
  ];
  for (const [name, body, expected] of cases) {
    test(name, ({ loop }) => {
      log.length = 0;
      loop._runUntilCompleteSync(body(loop));
      assert.is(log.join(" "), expected);
    });
  }
});
