// Synchronisation primitives: asyncio 3.12's Lock, Event, Condition, Semaphore,
// BoundedSemaphore and Barrier, on both cores, in virtual time. The "trace" tests replay
// event orders recorded from CPython's asyncio (the same program in Python, with a ticker
// task logging every loop iteration, so each wake-up must take as many iterations as there).
import * as assert from "uvu/assert";
import { BrokenBarrierError, CancelledError, sleep, type Coroutine, type EventLoop, type Task } from "../src/index.js";
import { Lock } from "../src/sync/lock.js";
import { Event } from "../src/sync/event.js";
import { Condition } from "../src/sync/condition.js";
import { BoundedSemaphore, Semaphore } from "../src/sync/semaphore.js";
import { Barrier } from "../src/sync/barrier.js";
import { withLock, withSemaphore } from "../src/sync/scoped.js";
import { WaitQueue } from "../src/sync/wait-queue.js";
import { bothCores } from "./helpers.js";

/** Logs `t0`, `t1`, ... once per loop iteration (asyncio.sleep(0) per step). */
function* ticker(log: string[], n = 10): Coroutine<void> {
  for (let i = 0; i < n; i++) {
    log.push(`t${i}`);
    yield* sleep(0);
  }
}

/** Waits for every task, ignoring their exceptions (gather(..., return_exceptions=True)). */
function* settle(...tasks: Task<any>[]): Coroutine<void> {
  for (const t of tasks) {
    try {
      yield* t;
    } catch {
      /* recorded by the task itself */
    }
  }
}

function run<T>(loop: EventLoop, main: () => Coroutine<T>): T {
  return loop._runUntilCompleteSync(loop.createTask(main()));
}

bothCores("Lock", (test) => {
  test("trace: FIFO among three waiters; a released lock is taken when the waiter runs", ({ loop }) => {
    const log: string[] = [];
    const lock = new Lock();
    run(loop, function* () {
      yield* lock.acquire();
      function* w(name: string): Coroutine<void> {
        log.push(`${name} wait`);
        yield* lock.acquire();
        log.push(`${name} got ${lock.locked()}`);
        yield* sleep(0);
        lock.release();
        log.push(`${name} rel ${lock.locked()}`);
      }
      const ts = ["a", "b", "c"].map((n) => loop.createTask(w(n)));
      const tk = loop.createTask(ticker(log));
      yield* sleep(0);
      lock.release();
      log.push(`main rel ${lock.locked()}`);
      yield* settle(...ts, tk);
    });
    assert.equal(log, [
      "a wait", "b wait", "c wait", "t0", "main rel false", "t1", "a got true", "t2", "a rel false", "t3",
      "b got true", "t4", "b rel false", "t5", "c got true", "t6", "c rel false", "t7", "t8", "t9",
    ]);
  });

  test("trace: a waiter cancelled while being woken does not lose the lock for the next", ({ loop }) => {
    const log: string[] = [];
    const lock = new Lock();
    run(loop, function* () {
      yield* lock.acquire();
      function* w(name: string): Coroutine<void> {
        log.push(`${name} wait`);
        try {
          yield* lock.acquire();
        } catch (e) {
          log.push(`${name} cancelled locked=${lock.locked()}`);
          throw e;
        }
        log.push(`${name} got`);
        yield* sleep(0);
        lock.release();
      }
      const a = loop.createTask(w("a"));
      const b = loop.createTask(w("b"));
      const tk = loop.createTask(ticker(log));
      yield* sleep(0);
      lock.release();
      a.cancel();
      log.push("main released+cancelled a");
      const c = loop.createTask(w("c"));
      yield* settle(a, b, c, tk);
      log.push(`end locked=${lock.locked()}`);
      assert.ok(a.cancelled());
    });
    assert.equal(log, [
      "a wait", "b wait", "t0", "main released+cancelled a", "t1", "a cancelled locked=false", "c wait", "t2",
      "b got", "t3", "t4", "c got", "t5", "t6", "t7", "t8", "t9", "end locked=false",
    ]);
  });

  test("trace: a cancelled head waiter passes the lock on when it runs", ({ loop }) => {
    const log: string[] = [];
    const lock = new Lock();
    run(loop, function* () {
      yield* lock.acquire();
      function* w(name: string): Coroutine<void> {
        log.push(`${name} wait`);
        try {
          yield* lock.acquire();
        } catch (e) {
          log.push(`${name} cancelled`);
          throw e;
        }
        log.push(`${name} got`);
        lock.release();
      }
      const a = loop.createTask(w("a"));
      const b = loop.createTask(w("b"));
      const tk = loop.createTask(ticker(log));
      yield* sleep(0);
      a.cancel();
      lock.release();
      log.push("main cancelled a, released");
      yield* settle(a, b, tk);
    });
    assert.equal(log, [
      "a wait", "b wait", "t0", "main cancelled a, released", "t1", "a cancelled", "t2", "b got",
      "t3", "t4", "t5", "t6", "t7", "t8", "t9",
    ]);
  });

  test("acquire() on a free lock is done at once; a new acquire queues behind a woken waiter", ({ loop }) => {
    const lock = new Lock();
    run(loop, function* () {
      const f = lock.acquire();
      assert.ok(f.done());
      assert.is(f.result(), true);
      assert.ok(lock.locked());
      const second = lock.acquire();
      assert.not.ok(second.done());
      assert.is(String(lock), "<Lock [locked, waiters:1]>");
      lock.release();
      // Woken but not yet running: the lock is free, yet a newcomer must wait its turn.
      assert.not.ok(lock.locked());
      const third = lock.acquire();
      assert.not.ok(third.done());
      assert.is(yield* second, true);
      assert.ok(lock.locked());
      lock.release();
      assert.is(yield* third, true);
      lock.release();
      assert.is(String(lock), "<Lock [unlocked]>");
    });
  });

  test("acquire() jumps the queue when every waiter was cancelled", ({ loop }) => {
    const lock = new Lock();
    run(loop, function* () {
      yield* lock.acquire();
      const w = loop.createTask((function* () { yield* lock.acquire(); })());
      yield* sleep(0);
      w.cancel();
      lock.release();
      // The cancelled waiter is still queued (it has not run yet), but cancelled.
      const f = lock.acquire();
      assert.ok(f.done());
      lock.release();
      yield* settle(w);
      assert.ok(w.cancelled());
    });
  });

  test("release() of an unlocked lock throws Error: Lock is not acquired.", ({ loop }) => {
    const lock = new Lock();
    assert.throws(() => lock.release(), (e: unknown) => e instanceof Error && e.message === "Lock is not acquired.");
    run(loop, function* () {
      yield* lock.acquire();
      lock.release();
    });
    assert.throws(() => lock.release(), (e: unknown) => e instanceof Error && e.message === "Lock is not acquired.");
  });

  test("cancelling a returned future gives up the place; await lock.acquire() from an async function", async ({ loop }) => {
    const lock = new Lock();
    const log: string[] = [];
    run(loop, function* () {
      yield* lock.acquire();
      const f1 = lock.acquire();
      const f2 = lock.acquire();
      assert.ok(f1.cancel()); // a request, as Task.cancel(): done once its waiter runs
      f2.addDoneCallback(() => log.push(`f2 done ${f2.result()}`));
      lock.release();
      for (let i = 0; i < 4 && !f2.done(); i++) yield* sleep(0);
      assert.ok(f1.cancelled());
      assert.ok(f2.done());
      assert.ok(lock.locked());
      lock.release();
    });
    assert.equal(log, ["f2 done true"]);
    const holder = loop.createTask((function* () {
      yield* lock.acquire();
      yield* sleep(5);
      lock.release();
      log.push("holder released");
    })());
    const main = loop.createTask((function* () {
      yield* sleep(1);
      const got = yield (async () => {
        const v = await lock.acquire();
        log.push(`async got ${v} ${lock.locked()}`);
        lock.release();
        return v;
      })();
      return got;
    })());
    assert.is(await loop.runUntilComplete(main), true);
    await loop.runUntilComplete(holder);
    assert.equal(log, ["f2 done true", "holder released", "async got true true"]);
  });

  test("a lock used from two loops throws Error ... is bound to a different event loop", (ctx) => {
    const lock = new Lock();
    run(ctx.loop, function* () {
      yield* lock.acquire();
      const w = lock.acquire(); // binds to this loop
      lock.release();
      yield* w;
      lock.release();
    });
    const other = ctx.newLoop();
    run(other, function* () {
      yield* lock.acquire(); // free: no binding needed, as asyncio
      let caught: unknown;
      try {
        lock.acquire();
      } catch (e) {
        caught = e;
      }
      assert.instance(caught, Error);
      assert.match((caught as Error).message, /^<Lock \[locked\]> is bound to a different event loop$/);
      lock.release();
    });
  });
});

bothCores("Event", (test) => {
  test("trace: set() wakes every waiter in order; clear(); wait() on a set event is done at once", ({ loop }) => {
    const log: string[] = [];
    const ev = new Event();
    run(loop, function* () {
      function* w(name: string): Coroutine<void> {
        log.push(`${name} wait`);
        const r = yield* ev.wait();
        log.push(`${name} woke ${r}`);
      }
      const ts = ["a", "b", "c"].map((n) => loop.createTask(w(n)));
      const tk = loop.createTask(ticker(log, 5));
      yield* sleep(0);
      ev.set();
      log.push(`set ${ev.isSet()}`);
      ev.clear();
      log.push(`cleared ${ev.isSet()}`);
      yield* settle(...ts, tk);
      const d = loop.createTask(w("d"));
      yield* sleep(0);
      log.push(`d done ${d.done()}`);
      ev.set();
      yield* d;
    });
    assert.equal(log, [
      "a wait", "b wait", "c wait", "t0", "set true", "cleared false", "t1", "a woke true", "b woke true",
      "c woke true", "t2", "t3", "t4", "d wait", "d done false", "d woke true",
    ]);
  });

  test("a cancelled waiter leaves; set() twice is harmless; toString", ({ loop }) => {
    const ev = new Event();
    run(loop, function* () {
      const a = loop.createTask((function* () { yield* ev.wait(); })());
      const b = loop.createTask((function* () { return yield* ev.wait(); })());
      yield* sleep(0);
      assert.is(String(ev), "<Event [unset, waiters:2]>");
      a.cancel();
      yield* sleep(0);
      assert.ok(a.cancelled());
      assert.is(String(ev), "<Event [unset, waiters:1]>");
      ev.set();
      ev.set();
      assert.is(yield* b, true);
      assert.is(String(ev), "<Event [set]>");
      const f = ev.wait();
      assert.ok(f.done());
    });
  });

  test("await ev.wait() from an async function", async ({ loop }) => {
    const ev = new Event();
    const log: string[] = [];
    const waiter = loop.createTask((function* () {
      const f = ev.wait();
      f.then((v) => log.push(`then ${v}`));
      yield* sleep(10);
      ev.set();
      yield* f;
    })());
    await loop.runUntilComplete(waiter);
    await Promise.resolve();
    assert.equal(log, ["then true"]);
  });
});

bothCores("Condition", (test) => {
  test("trace: notify(1), notify(2), notifyAll() wake in FIFO order, each re-acquiring the lock", ({ loop }) => {
    const log: string[] = [];
    const cond = new Condition();
    run(loop, function* () {
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
    });
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
    run(loop, function* () {
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
    });
    assert.equal(log, ["c ok0", "t0", "n=1", "t1", "a ok1", "n=2", "t2", "b ok2", "n=3", "t3", "t4", "t5", "t6", "t7", "t8", "t9"]);
  });

  test("trace: wait() re-acquires the lock before the cancellation is raised", ({ loop }) => {
    const log: string[] = [];
    const cond = new Condition();
    run(loop, function* () {
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
    });
    assert.equal(log, [
      "t0", "main holds", "t1", "t2", "a done false", "main released", "t3", "a cancelled locked=true", "t4",
      "a cancelled", "end locked=false", "t5", "t6", "t7",
    ]);
  });

  test("trace: a notified waiter cancelled before it runs passes the notification on", ({ loop }) => {
    const log: string[] = [];
    const cond = new Condition();
    run(loop, function* () {
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
    });
    assert.equal(log, ["t0", "notified a, cancelled a", "t1", "a cancelled", "t2", "b woke", "t3", "t4", "t5", "t6", "t7"]);
  });

  test("wait()/notify() without the lock throw; notify with no waiters is a no-op; a shared Lock", ({ loop }) => {
    const lock = new Lock();
    const cond = new Condition(lock);
    assert.throws(() => cond.wait(), (e: unknown) => e instanceof Error && e.message === "cannot wait on un-acquired lock");
    assert.throws(() => cond.notify(), (e: unknown) => e instanceof Error && e.message === "cannot notify on un-acquired lock");
    assert.throws(() => cond.notifyAll(), (e: unknown) => e instanceof Error && e.message === "cannot notify on un-acquired lock");
    run(loop, function* () {
      yield* lock.acquire();
      assert.ok(cond.locked());
      cond.notify();
      cond.notifyAll();
      cond.release();
      assert.not.ok(lock.locked());
      assert.is(String(cond), "<Condition [unlocked]>");
    });
    assert.throws(() => new Condition(42 as never), (e: unknown) => e instanceof TypeError && /^new Condition\(\) expected lock/.test((e as Error).message));
    assert.throws(() => cond.waitFor(5 as never), (e: unknown) => e instanceof TypeError && /^Condition\.waitFor\(\) expected a function, got 5$/.test((e as Error).message));
  });

  test("await cond.wait() from a plain Future consumer (driven): notified, re-acquired", ({ loop }) => {
    const cond = new Condition();
    const log: string[] = [];
    run(loop, function* () {
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
    });
    assert.equal(log, ["done locked=true", "resumed locked=true"]);
  });

  test("cancelling the future of a driven wait() re-acquires the lock, then ends cancelled", ({ loop }) => {
    const cond = new Condition();
    run(loop, function* () {
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
    });
  });
});

bothCores("Semaphore", (test) => {
  test("trace: order and counts with value 2 and five tasks", ({ loop }) => {
    const log: string[] = [];
    const sem = new Semaphore(2);
    run(loop, function* () {
      function* w(name: string, d: number): Coroutine<void> {
        log.push(`${name} wait locked=${sem.locked()}`);
        yield* sem.acquire();
        log.push(`${name} got ${sem._value}`);
        yield* sleep(d);
        sem.release();
        log.push(`${name} rel ${sem._value}`);
      }
      const ts = (["a", "b", "c", "d", "e"] as const).map((n, i) => loop.createTask(w(n, [0, 10, 0, 0, 0][i])));
      const tk = loop.createTask(ticker(log, 10));
      yield* settle(...ts, tk);
      log.push(`end ${sem._value} ${sem.locked()}`);
    });
    assert.equal(log, [
      "a wait locked=false", "a got 1", "b wait locked=false", "b got 0", "c wait locked=true", "d wait locked=true",
      "e wait locked=true", "t0", "a rel 0", "t1", "c got 0", "t2", "c rel 0", "t3", "d got 0", "t4", "d rel 0", "t5",
      "e got 0", "t6", "e rel 1", "t7", "t8", "t9", "b rel 2", "end 2 false",
    ]);
  });

  test("trace: a waiter cancelled after being handed a unit gives it to the next", ({ loop }) => {
    const log: string[] = [];
    const sem = new Semaphore(0);
    run(loop, function* () {
      function* w(name: string): Coroutine<void> {
        try {
          yield* sem.acquire();
        } catch (e) {
          log.push(`${name} cancelled ${sem._value}`);
          throw e;
        }
        log.push(`${name} got ${sem._value}`);
      }
      const ts = ["a", "b", "c"].map((n) => loop.createTask(w(n)));
      const tk = loop.createTask(ticker(log, 8));
      yield* sleep(0);
      sem.release();
      ts[0].cancel();
      log.push(`released, cancelled a ${sem._value}`);
      yield* sleep(0);
      sem.release();
      log.push(`released ${sem._value}`);
      yield* settle(...ts, tk);
      log.push(`end ${sem._value}`);
    });
    assert.equal(log, [
      "t0", "released, cancelled a 0", "t1", "a cancelled 0", "released 0", "t2", "b got 0", "c got 0", "t3", "t4",
      "t5", "t6", "t7", "end 0",
    ]);
  });

  test("locked(), toString and the default value 1", ({ loop }) => {
    const sem = new Semaphore();
    assert.not.ok(sem.locked());
    assert.is(String(sem), "<Semaphore [unlocked, value:1]>");
    run(loop, function* () {
      yield* sem.acquire();
      assert.ok(sem.locked());
      const w = sem.acquire();
      assert.is(String(sem), "<Semaphore [locked, waiters:1]>");
      sem.release();
      assert.is(yield* w, true);
      sem.release();
      assert.is(sem._value, 1);
    });
  });

  test("BoundedSemaphore: over-release throws RangeError; a plain Semaphore may grow", ({ loop }) => {
    const b = new BoundedSemaphore(2);
    run(loop, function* () {
      yield* b.acquire();
      b.release();
    });
    assert.throws(() => b.release(), (e: unknown) => e instanceof RangeError && e.message === "BoundedSemaphore released too many times");
    assert.is(String(b), "<BoundedSemaphore [unlocked, value:2]>");
    const s = new Semaphore(1);
    s.release();
    assert.is(s._value, 2);
    assert.throws(() => new BoundedSemaphore().release(), (e: unknown) => e instanceof RangeError);
  });

  test("bad values throw at the call, naming it", () => {
    assert.throws(() => new Semaphore(-1), (e: unknown) => e instanceof RangeError && e.message === "new Semaphore() expected value to be a non-negative integer, got -1");
    assert.throws(() => new BoundedSemaphore(-2), (e: unknown) => e instanceof RangeError && e.message === "new BoundedSemaphore() expected value to be a non-negative integer, got -2");
    assert.throws(() => new Semaphore(1.5), (e: unknown) => e instanceof RangeError);
    assert.throws(() => new Semaphore(NaN), (e: unknown) => e instanceof RangeError);
    assert.throws(() => new Semaphore("2" as never), (e: unknown) => e instanceof TypeError && e.message === 'new Semaphore() expected value to be a non-negative integer, got "2"');
    assert.is(new Semaphore(0).locked(), true);
  });
});

bothCores("Barrier", (test) => {
  test("trace: three parties, arrival indexes, two rounds", ({ loop }) => {
    const log: string[] = [];
    const b = new Barrier(3);
    run(loop, function* () {
      function* w(name: string, d: number): Coroutine<void> {
        yield* sleep(d);
        log.push(`${name} arrive n=${b.nWaiting}`);
        const i = yield* b.wait();
        log.push(`${name} idx=${i} n=${b.nWaiting}`);
        const j = yield* b.wait();
        log.push(`${name} idx2=${j}`);
      }
      const ts = [loop.createTask(w("a", 20)), loop.createTask(w("b", 10)), loop.createTask(w("c", 30))];
      const tk = loop.createTask(ticker(log, 12));
      yield* sleep(25);
      const tk2 = loop.createTask(ticker(log, 12));
      yield* settle(...ts, tk, tk2);
      log.push(`end n=${b.nWaiting} broken=${b.broken}`);
    });
    assert.equal(log, [
      "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10", "t11", "b arrive n=0", "a arrive n=1", "t0",
      "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10", "t11", "c arrive n=2", "c idx=2 n=0", "b idx=0 n=0",
      "a idx=1 n=0", "b idx2=2", "a idx2=0", "c idx2=1", "end n=0 broken=false",
    ]);
  });

  test("trace: abort() makes waiters raise BrokenBarrierError; later wait() too; reset() repairs", ({ loop }) => {
    const log: string[] = [];
    const b = new Barrier(3);
    run(loop, function* () {
      function* w(name: string): Coroutine<void> {
        try {
          yield* b.wait();
        } catch (e) {
          if (e instanceof BrokenBarrierError) log.push(`${name} broken ${e.message}`);
          else throw e;
        }
      }
      const ts = ["a", "b"].map((n) => loop.createTask(w(n)));
      const tk = loop.createTask(ticker(log, 8));
      yield* sleep(0);
      log.push(`n=${b.nWaiting}`);
      yield* b.abort();
      log.push(`aborted broken=${b.broken} n=${b.nWaiting}`);
      yield* settle(...ts, tk);
      yield* w("c");
      yield* b.reset();
      log.push(`reset broken=${b.broken}`);
    });
    assert.equal(log, [
      "t0", "n=2", "aborted broken=true n=0", "t1", "a broken Abort or reset of barrier",
      "b broken Abort or reset of barrier", "t2", "t3", "t4", "t5", "t6", "t7", "c broken Barrier aborted",
      "reset broken=false",
    ]);
  });

  test("trace: reset() while a task waits breaks it; the barrier then fills again", ({ loop }) => {
    const log: string[] = [];
    const b = new Barrier(2);
    run(loop, function* () {
      function* w(name: string): Coroutine<void> {
        try {
          const r = yield* b.wait();
          log.push(`${name} ok ${r}`);
        } catch (e) {
          if (e instanceof BrokenBarrierError) log.push(`${name} broken ${e.message}`);
          else throw e;
        }
      }
      const a = loop.createTask(w("a"));
      const tk = loop.createTask(ticker(log, 8));
      yield* sleep(0);
      yield* b.reset();
      log.push(`reset n=${b.nWaiting} broken=${b.broken}`);
      const c = loop.createTask(w("c"));
      yield* sleep(0);
      const d = loop.createTask(w("d"));
      yield* settle(a, c, d, tk);
    });
    assert.equal(log, [
      "t0", "reset n=0 broken=false", "t1", "a broken Abort or reset of barrier", "t2", "d ok 1", "t3", "c ok 0",
      "t4", "t5", "t6", "t7",
    ]);
  });

  test("read-only properties, toString, bad parties", ({ loop }) => {
    const b = new Barrier(2);
    assert.is(b.parties, 2);
    assert.is(b.nWaiting, 0);
    assert.is(b.broken, false);
    assert.is(String(b), "<Barrier [filling, waiters:0/2]>");
    assert.throws(() => { (b as { parties: number }).parties = 5; }, (e: unknown) => e instanceof TypeError);
    assert.throws(() => new Barrier(0), (e: unknown) => e instanceof RangeError && e.message === "new Barrier() expected parties to be a positive integer, got 0");
    assert.throws(() => new Barrier(1.5), (e: unknown) => e instanceof RangeError);
    assert.throws(() => new (Barrier as unknown as new () => Barrier)(), (e: unknown) => e instanceof TypeError && /got undefined$/.test((e as Error).message));
    run(loop, function* () {
      const one = new Barrier(1);
      assert.is(yield* one.wait(), 0);
      assert.is(yield* one.wait(), 0);
      yield* b.abort();
      assert.is(String(b), "<Barrier [broken]>");
    });
  });
});

bothCores("withLock / withSemaphore", (test) => {
  test("withLock returns the body's value and releases", ({ loop }) => {
    const lock = new Lock();
    const v = run(loop, function* () {
      const r: number = yield* withLock(lock, function* (l) {
        assert.is(l, lock);
        assert.ok(lock.locked());
        yield* sleep(5);
        return 42;
      });
      assert.not.ok(lock.locked());
      return r;
    });
    assert.is(v, 42);
  });

  test("withLock releases on an exception and on cancellation", ({ loop }) => {
    const lock = new Lock();
    const log: string[] = [];
    run(loop, function* () {
      try {
        yield* withLock(lock, function* () {
          yield* sleep(1);
          throw new RangeError("boom");
        });
      } catch (e) {
        log.push(`caught ${(e as Error).message} locked=${lock.locked()}`);
      }
      const t = loop.createTask(withLock(lock, function* () {
        log.push("body");
        yield* sleep(1000);
        log.push("not reached");
      }));
      yield* sleep(10);
      assert.ok(lock.locked());
      t.cancel();
      yield* settle(t);
      log.push(`cancelled=${t.cancelled()} locked=${lock.locked()}`);
      // A task cancelled while waiting to acquire never runs its body and releases nothing.
      yield* lock.acquire();
      const u = loop.createTask(withLock(lock, function* () { log.push("never"); }));
      yield* sleep(0);
      u.cancel();
      yield* settle(u);
      assert.ok(lock.locked());
      lock.release();
    });
    assert.equal(log, ["caught boom locked=false", "body", "cancelled=true locked=false"]);
  });

  test("withSemaphore limits concurrency; withLock works with a Condition", ({ loop }) => {
    const sem = new BoundedSemaphore(2);
    const log: string[] = [];
    let active = 0;
    let peak = 0;
    run(loop, function* () {
      const ts = [1, 2, 3, 4, 5].map((i) => loop.createTask(withSemaphore(sem, function* () {
        active++;
        peak = Math.max(peak, active);
        yield* sleep(10);
        active--;
        log.push(`job${i} at ${loop.time()}`);
        return i;
      })));
      yield* settle(...ts);
      assert.equal(ts.map((t) => t.result()), [1, 2, 3, 4, 5]);
      const cond = new Condition();
      const r = yield* withLock(cond, function* (c) {
        assert.ok(c.locked());
        return "cond";
      });
      assert.is(r, "cond");
      assert.not.ok(cond.locked());
    });
    assert.is(peak, 2);
    assert.equal(log, ["job1 at 10", "job2 at 10", "job3 at 20", "job4 at 20", "job5 at 30"]);
  });

  test("bad arguments throw at the call, naming it", () => {
    assert.throws(() => withLock({} as never, function* () {}), (e: unknown) => e instanceof TypeError && /^withLock\(\) expected a Lock or Condition as lock, got Object$/.test((e as Error).message));
    assert.throws(() => withLock(new Lock(), null as never), (e: unknown) => e instanceof TypeError && e.message === "withLock() expected a function, got null");
    assert.throws(() => withSemaphore(3 as never, function* () {}), (e: unknown) => e instanceof TypeError && /^withSemaphore\(\) expected a Semaphore/.test((e as Error).message));
  });
});

bothCores("WaitQueue", (test) => {
  test("park, unpark(n) in FIFO order, unparkAll, length; a lost wake-up goes to the next", ({ loop }) => {
    const q = new WaitQueue<string>();
    const log: string[] = [];
    run(loop, function* () {
      const ts = ["a", "b", "c", "d"].map((n) => loop.createTask((function* () {
        try {
          log.push(`${n} got ${yield* q.wait(loop)}`);
        } catch (e) {
          log.push(`${n} cancelled`);
          throw e;
        }
      })()));
      yield* sleep(0);
      assert.is(q.length, 4);
      assert.is(q.unpark(1, "x"), 1);
      ts[0].cancel(); // woken, then cancelled before running: "x" goes to b
      yield* sleep(0);
      yield* sleep(0);
      assert.is(q.length, 2);
      assert.is(q.unparkAll("y"), 2);
      yield* settle(...ts);
      assert.is(q.length, 0);
      assert.is(q.unpark(3, "z"), 0);
    });
    assert.equal(log, ["a cancelled", "b got x", "c got y", "d got y"]);
  });
});

bothCores("more traces from CPython", (test) => {
  test("trace: Semaphore - releases while waiters are woken; newcomers queue behind (FIFO)", ({ loop }) => {
    const log: string[] = [];
    const sem = new Semaphore(0);
    run(loop, function* () {
      function* w(name: string): Coroutine<void> {
        yield* sem.acquire();
        log.push(`${name} got ${sem._value} ${sem.locked()}`);
      }
      const a = loop.createTask(w("a"));
      const b = loop.createTask(w("b"));
      const tk = loop.createTask(ticker(log, 8));
      yield* sleep(0);
      sem.release();
      sem.release();
      sem.release();
      log.push(`released3 ${sem._value} ${sem.locked()}`);
      const c = loop.createTask(w("c"));
      const d = loop.createTask(w("d"));
      yield* sleep(0);
      log.push(`after ${sem._value} ${sem.locked()}`);
      yield* sleep(0);
      sem.release();
      yield* settle(a, b, c, d, tk);
      log.push(`end ${sem._value}`);
    });
    assert.equal(log, [
      "t0", "released3 1 true", "t1", "a got 1 true", "b got 1 false", "c got 0 true", "after 0 true", "t2", "t3",
      "d got 0 true", "t4", "t5", "t6", "t7", "end 0",
    ]);
  });

  test("trace: Barrier - a cancelled party leaves the count; the next round fills", ({ loop }) => {
    const log: string[] = [];
    const b = new Barrier(3);
    run(loop, function* () {
      function* w(name: string): Coroutine<void> {
        try {
          const i = yield* b.wait();
          log.push(`${name} idx=${i}`);
        } catch (e) {
          log.push(`${name} cancelled n=${b.nWaiting}`);
          throw e;
        }
      }
      const a = loop.createTask(w("a"));
      const c = loop.createTask(w("c"));
      const tk = loop.createTask(ticker(log, 10));
      yield* sleep(0);
      log.push(`n=${b.nWaiting}`);
      a.cancel();
      yield* sleep(0);
      yield* sleep(0);
      log.push(`n=${b.nWaiting}`);
      const d = loop.createTask(w("d"));
      const e = loop.createTask(w("e"));
      yield* settle(a, c, d, e, tk);
      log.push(`end n=${b.nWaiting} ${b}`);
    });
    assert.equal(log, [
      "t0", "n=2", "t1", "a cancelled n=1", "t2", "n=1", "t3", "e idx=2", "t4", "c idx=1", "d idx=1", "t5", "t6", "t7",
      "t8", "t9", "end n=0 <Barrier [filling, waiters:0/3]>",
    ]);
  });

  test("trace: Condition.waitFor - cancelled after notifyAll, re-acquires before raising", ({ loop }) => {
    const log: string[] = [];
    const cond = new Condition();
    const st = { v: false };
    run(loop, function* () {
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
    });
    assert.equal(log, [
      "t0", "set, notified all, cancelled a", "t1", "main still holds", "t2", "a cancelled true", "t3", "b true", "t4",
      "t5", "t6", "t7", "t8", "t9",
    ]);
  });

  test("trace: Lock - three tasks taking turns with async-with in loops", ({ loop }) => {
    const log: string[] = [];
    const lock = new Lock();
    run(loop, function* () {
      function* w(name: string, n: number): Coroutine<void> {
        for (let i = 0; i < n; i++) {
          yield* withLock(lock, function* () {
            log.push(`${name}${i}`);
            yield* sleep(0);
          });
        }
      }
      yield* settle(loop.createTask(w("a", 3)), loop.createTask(w("b", 2)), loop.createTask(w("c", 3)));
    });
    assert.equal(log, ["a0", "b0", "c0", "a1", "b1", "c1", "a2", "c2"]);
  });

  test("trace: Event - a waiter cancelled right after set() raises; the others wake", ({ loop }) => {
    const log: string[] = [];
    const ev = new Event();
    run(loop, function* () {
      function* w(name: string): Coroutine<void> {
        try {
          yield* ev.wait();
          log.push(`${name} woke`);
        } catch (e) {
          log.push(`${name} cancelled`);
          throw e;
        }
      }
      const a = loop.createTask(w("a"));
      const b = loop.createTask(w("b"));
      const tk = loop.createTask(ticker(log, 5));
      yield* sleep(0);
      ev.set();
      a.cancel();
      log.push("set+cancel a");
      yield* settle(a, b, tk);
    });
    assert.equal(log, ["t0", "set+cancel a", "t1", "a cancelled", "b woke", "t2", "t3", "t4"]);
  });
});
