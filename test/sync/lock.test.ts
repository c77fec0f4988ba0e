// Lock: asyncio 3.12's, FIFO-fair, on both cores, in virtual time.
// The "trace" tests replay event orders recorded from CPython (see ./trace.ts).
import * as assert from "uvu/assert";
import { sleep, type Coroutine, type Task } from "../../src/index.js";
import { Lock } from "../../src/sync/lock.js";
import { withLock } from "../../src/sync/scoped.js";
import { bothCores, caught, runIn } from "../helpers.js";
import { settle, ticker } from "./trace.js";

bothCores("Lock", (test) => {
  test("trace: FIFO among three waiters; a released lock is taken when the waiter runs", ({ loop }) => {
    const log: string[] = [];
    const lock = new Lock();
    runIn(loop, (function* () {
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
    })());
    assert.equal(log, [
      "a wait", "b wait", "c wait", "t0", "main rel false", "t1", "a got true", "t2", "a rel false", "t3",
      "b got true", "t4", "b rel false", "t5", "c got true", "t6", "c rel false", "t7", "t8", "t9",
    ]);
  });

  test("trace: a waiter cancelled while being woken does not lose the lock for the next", ({ loop }) => {
    const log: string[] = [];
    const lock = new Lock();
    runIn(loop, (function* () {
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
    })());
    assert.equal(log, [
      "a wait", "b wait", "t0", "main released+cancelled a", "t1", "a cancelled locked=false", "c wait", "t2",
      "b got", "t3", "t4", "c got", "t5", "t6", "t7", "t8", "t9", "end locked=false",
    ]);
  });

  test("trace: a cancelled head waiter passes the lock on when it runs", ({ loop }) => {
    const log: string[] = [];
    const lock = new Lock();
    runIn(loop, (function* () {
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
    })());
    assert.equal(log, [
      "a wait", "b wait", "t0", "main cancelled a, released", "t1", "a cancelled", "t2", "b got",
      "t3", "t4", "t5", "t6", "t7", "t8", "t9",
    ]);
  });

  test("acquire() on a free lock is done at once; a new acquire queues behind a woken waiter", ({ loop }) => {
    const lock = new Lock();
    runIn(loop, (function* () {
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
    })());
  });

  test("acquire() jumps the queue when every waiter was cancelled", ({ loop }) => {
    const lock = new Lock();
    runIn(loop, (function* () {
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
    })());
  });

  test("release() of an unlocked lock throws Error: Lock is not acquired.", ({ loop }) => {
    const lock = new Lock();
    assert.throws(() => lock.release(), (e: unknown) => e instanceof Error && e.message === "Lock is not acquired.");
    runIn(loop, (function* () {
      yield* lock.acquire();
      lock.release();
    })());
    assert.throws(() => lock.release(), (e: unknown) => e instanceof Error && e.message === "Lock is not acquired.");
  });

  test("cancelling a returned future gives up the place; await lock.acquire() from an async function", async ({ loop }) => {
    const lock = new Lock();
    const log: string[] = [];
    runIn(loop, (function* () {
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
    })());
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
    runIn(ctx.loop, (function* () {
      yield* lock.acquire();
      const w = lock.acquire(); // binds to this loop
      lock.release();
      yield* w;
      lock.release();
    })());
    const other = ctx.newLoop();
    runIn(other, (function* () {
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
    })());
  });
  test("trace: Lock - three tasks taking turns with async-with in loops", ({ loop }) => {
    const log: string[] = [];
    const lock = new Lock();
    runIn(loop, (function* () {
      function* w(name: string, n: number): Coroutine<void> {
        for (let i = 0; i < n; i++) {
          yield* withLock(lock, function* () {
            log.push(`${name}${i}`);
            yield* sleep(0);
          });
        }
      }
      yield* settle(loop.createTask(w("a", 3)), loop.createTask(w("b", 2)), loop.createTask(w("c", 3)));
    })());
    assert.equal(log, ["a0", "b0", "c0", "a1", "b1", "c1", "a2", "c2"]);
  });

});
