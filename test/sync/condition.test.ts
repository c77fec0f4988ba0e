// Condition: asyncio 3.12's (wait() re-acquires the lock even when cancelled), on both cores.
// The "trace" tests replay event orders recorded from CPython (see ./trace.ts).
import * as assert from "uvu/assert";
import { CancelledError, sleep, type Coroutine } from "../../src/index.js";
import { Lock } from "../../src/sync/lock.js";
import { Condition } from "../../src/sync/condition.js";
import { withLock } from "../../src/sync/scoped.js";
import { bothCores, runIn } from "../helpers.js";
import { settle, ticker } from "./trace.js";

bothCores("Condition", (test) => {
  test("trace: notify(1), notify(2), notifyAll() wake in FIFO order, each re-acquiring the lock", ({ loop }) => {
    const log: string[] = [];
    const cond = new Condition();
    runIn(loop, (function* () {
      function* w(name: string): Coroutine<void> {
        yield* withLock(cond, function* () {
          log.push(`${name} wait`);
          const r = yield* cond.wait();
          log.push(`${name} woke ${r} ${cond.locked()}`);
        });
      }
      const ts = ["a", "b", "c", "d"].map((n) => loop.createTask(w(n)));
      const tk = loop.createTask(ticker(log, 14));
      yield* sleep(0);
      yield* withLock(cond, function* () { cond.notify(1); log.push("notify1"); });
      yield* sleep(0);
      yield* sleep(0);
      yield* withLock(cond, function* () { cond.notify(2); log.push("notify2"); });
      yield* sleep(0);
      yield* withLock(cond, function* () { cond.notifyAll(); log.push("notifyall"); });
      yield* settle(...ts, tk);
    })());
    assert.equal(log, [
      "a wait", "b wait", "c wait", "d wait", "t0", "notify1", "t1", "a woke true true", "t2", "notify2", "t3",
      "b woke true true", "c woke true true", "notifyall", "t4", "d woke true true", "t5", "t6", "t7", "t8",
      "t9", "t10", "t11", "t12", "t13",
    ]);
  });

  test("trace: waitFor(predicate) returns the predicate's value", ({ loop }) => {
    const log: string[] = [];
    const cond = new Condition();
    const state = { n: 0 };
    runIn(loop, (function* () {
      function* w(name: string, k: number): Coroutine<void> {
        yield* withLock(cond, function* () {
          const r = yield* cond.waitFor(() => state.n >= k && `ok${state.n}`);
          log.push(`${name} ${r}`);
        });
      }
      const ts = [loop.createTask(w("a", 1)), loop.createTask(w("b", 2)), loop.createTask(w("c", 0))];
      const tk = loop.createTask(ticker(log, 10));
      for (let i = 0; i < 3; i++) {
        yield* sleep(0);
        yield* withLock(cond, function* () {
          state.n++;
          cond.notifyAll();
          log.push(`n=${state.n}`);
        });
      }
      yield* settle(...ts, tk);
    })());
    assert.equal(log, ["c ok0", "t0", "n=1", "t1", "a ok1", "n=2", "t2", "b ok2", "n=3", "t3", "t4", "t5", "t6", "t7", "t8", "t9"]);
  });

  test("trace: wait() re-acquires the lock before the cancellation is raised", ({ loop }) => {
    const log: string[] = [];
    const cond = new Condition();
    runIn(loop, (function* () {
      function* w(name: string): Coroutine<void> {
        yield* withLock(cond, function* () {
          try {
            yield* cond.wait();
          } catch (e) {
            log.push(`${name} cancelled locked=${cond.locked()}`);
            throw e;
          }
        });
      }
      const a = loop.createTask(w("a"));
      const tk = loop.createTask(ticker(log, 8));
      yield* sleep(0);
      yield* cond.acquire();
      log.push("main holds");
      a.cancel();
      yield* sleep(0);
      yield* sleep(0);
      log.push(`a done ${a.done()}`);
      cond.release();
      log.push("main released");
      try {
        yield* a;
      } catch (e) {
        if (e instanceof CancelledError) log.push("a cancelled");
      }
      log.push(`end locked=${cond.locked()}`);
      yield* tk;
    })());
    assert.equal(log, [
      "t0", "main holds", "t1", "t2", "a done false", "main released", "t3", "a cancelled locked=true", "t4",
      "a cancelled", "end locked=false", "t5", "t6", "t7",
    ]);
  });

  test("trace: a notified waiter cancelled before it runs passes the notification on", ({ loop }) => {
    const log: string[] = [];
    const cond = new Condition();
    runIn(loop, (function* () {
      function* w(name: string): Coroutine<void> {
        yield* withLock(cond, function* () {
          try {
            yield* cond.wait();
            log.push(`${name} woke`);
          } catch (e) {
            log.push(`${name} cancelled`);
            throw e;
          }
        });
      }
      const a = loop.createTask(w("a"));
      const b = loop.createTask(w("b"));
      const tk = loop.createTask(ticker(log, 8));
      yield* sleep(0);
      yield* withLock(cond, function* () {
        cond.notify(1);
        a.cancel();
        log.push("notified a, cancelled a");
      });
      yield* settle(a, b, tk);
    })());
    assert.equal(log, ["t0", "notified a, cancelled a", "t1", "a cancelled", "t2", "b woke", "t3", "t4", "t5", "t6", "t7"]);
  });

  test("wait()/notify() without the lock throw; notify with no waiters is a no-op; a shared Lock", ({ loop }) => {
    const lock = new Lock();
    const cond = new Condition(lock);
    assert.throws(() => cond.wait(), (e: unknown) => e instanceof Error && e.message === "cannot wait on un-acquired lock");
    assert.throws(() => cond.notify(), (e: unknown) => e instanceof Error && e.message === "cannot notify on un-acquired lock");
    assert.throws(() => cond.notifyAll(), (e: unknown) => e instanceof Error && e.message === "cannot notify on un-acquired lock");
    runIn(loop, (function* () {
      yield* lock.acquire();
      assert.ok(cond.locked());
      cond.notify();
      cond.notifyAll();
      cond.release();
      assert.not.ok(lock.locked());
      assert.is(String(cond), "<Condition [unlocked]>");
    })());
    assert.throws(() => new Condition(42 as never), (e: unknown) => e instanceof TypeError && /^new Condition\(\) expected lock/.test((e as Error).message));
    assert.throws(() => cond.waitFor(5 as never), (e: unknown) => e instanceof TypeError && /^Condition\.waitFor\(\) expected a function, got 5$/.test((e as Error).message));
  });

  test("await cond.wait() from a plain Future consumer (driven): notified, re-acquired", ({ loop }) => {
    const cond = new Condition();
    const log: string[] = [];
    runIn(loop, (function* (): Coroutine<void> {
      yield* cond.acquire();
      const f = cond.wait(); // not yield*: the operation runs by callbacks
      assert.not.ok(cond.locked());
      f.addDoneCallback(() => log.push(`done locked=${cond.locked()}`));
      yield* cond.acquire();
      cond.notify();
      cond.release();
      assert.is(yield f, true);
      log.push(`resumed locked=${cond.locked()}`);
      cond.release();
    })());
    assert.equal(log, ["done locked=true", "resumed locked=true"]);
  });

  test("cancelling the future of a driven wait() re-acquires the lock, then ends cancelled", ({ loop }) => {
    const cond = new Condition();
    runIn(loop, (function* () {
      yield* cond.acquire();
      const f = cond.wait();
      yield* cond.acquire(); // we hold the lock again: the cancelled wait must wait for it
      assert.ok(f.cancel("stop"));
      yield* sleep(0);
      yield* sleep(0);
      assert.not.ok(f.done());
      cond.release();
      try {
        yield f;
        assert.unreachable();
      } catch (e) {
        assert.instance(e, CancelledError);
      }
      assert.ok(f.cancelled());
      assert.ok(cond.locked()); // the wait holds it: its owner releases it
      cond.release();
    })());
  });
  test("trace: Condition.waitFor - cancelled after notifyAll, re-acquires before raising", ({ loop }) => {
    const log: string[] = [];
    const cond = new Condition();
    const st = { v: false };
    runIn(loop, (function* () {
      function* w(name: string): Coroutine<void> {
        yield* withLock(cond, function* () {
          try {
            const r = yield* cond.waitFor(() => st.v);
            log.push(`${name} ${r}`);
          } catch (e) {
            log.push(`${name} cancelled ${cond.locked()}`);
            throw e;
          }
        });
      }
      const a = loop.createTask(w("a"));
      const b = loop.createTask(w("b"));
      const tk = loop.createTask(ticker(log, 10));
      yield* sleep(0);
      yield* withLock(cond, function* () {
        st.v = true;
        cond.notifyAll();
        a.cancel();
        log.push("set, notified all, cancelled a");
        yield* sleep(0);
        log.push("main still holds");
      });
      yield* settle(a, b, tk);
    })());
    assert.equal(log, [
      "t0", "set, notified all, cancelled a", "t1", "main still holds", "t2", "a cancelled true", "t3", "b true", "t4",
      "t5", "t6", "t7", "t8", "t9",
    ]);
  });

});
