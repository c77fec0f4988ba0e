// Semaphore and BoundedSemaphore: asyncio 3.12's, FIFO, on both cores.
// The "trace" tests replay event orders recorded from CPython (see ./trace.ts).
import * as assert from "uvu/assert";
import { sleep, type Coroutine } from "../../src/index.js";
import { BoundedSemaphore, Semaphore } from "../../src/sync/semaphore.js";
import { bothCores, runIn } from "../helpers.js";
import { settle, ticker } from "./trace.js";

bothCores("Semaphore", (test) => {
  test("trace: order and counts with value 2 and five tasks", ({ loop }) => {
    const log: string[] = [];
    const sem = new Semaphore(2);
    runIn(loop, (function* () {
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
    })());
    assert.equal(log, [
      "a wait locked=false", "a got 1", "b wait locked=false", "b got 0", "c wait locked=true", "d wait locked=true",
      "e wait locked=true", "t0", "a rel 0", "t1", "c got 0", "t2", "c rel 0", "t3", "d got 0", "t4", "d rel 0", "t5",
      "e got 0", "t6", "e rel 1", "t7", "t8", "t9", "b rel 2", "end 2 false",
    ]);
  });

  test("trace: a waiter cancelled after being handed a unit gives it to the next", ({ loop }) => {
    const log: string[] = [];
    const sem = new Semaphore(0);
    runIn(loop, (function* () {
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
    })());
    assert.equal(log, [
      "t0", "released, cancelled a 0", "t1", "a cancelled 0", "released 0", "t2", "b got 0", "c got 0", "t3", "t4",
      "t5", "t6", "t7", "end 0",
    ]);
  });

  test("locked(), toString and the default value 1", ({ loop }) => {
    const sem = new Semaphore();
    assert.not.ok(sem.locked());
    assert.is(String(sem), "<Semaphore [unlocked, value:1]>");
    runIn(loop, (function* () {
      yield* sem.acquire();
      assert.ok(sem.locked());
      const w = sem.acquire();
      assert.is(String(sem), "<Semaphore [locked, waiters:1]>");
      sem.release();
      assert.is(yield* w, true);
      sem.release();
      assert.is(sem._value, 1);
    })());
  });

  test("BoundedSemaphore: over-release throws RangeError; a plain Semaphore may grow", ({ loop }) => {
    const b = new BoundedSemaphore(2);
    runIn(loop, (function* () {
      yield* b.acquire();
      b.release();
    })());
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
  test("trace: Semaphore - releases while waiters are woken; newcomers queue behind (FIFO)", ({ loop }) => {
    const log: string[] = [];
    const sem = new Semaphore(0);
    runIn(loop, (function* () {
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
    })());
    assert.equal(log, [
      "t0", "released3 1 true", "t1", "a got 1 true", "b got 1 false", "c got 0 true", "after 0 true", "t2", "t3",
      "d got 0 true", "t4", "t5", "t6", "t7", "end 0",
    ]);
  });

});
