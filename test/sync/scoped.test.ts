// withLock and withSemaphore: asyncio's `async with`, on both cores.
import * as assert from "uvu/assert";
import { sleep } from "../../src/index.js";
import { Lock } from "../../src/sync/lock.js";
import { Condition } from "../../src/sync/condition.js";
import { BoundedSemaphore, Semaphore } from "../../src/sync/semaphore.js";
import { withLock, withSemaphore } from "../../src/sync/scoped.js";
import { bothCores, caught, runIn } from "../helpers.js";
import { settle } from "./trace.js";

bothCores("withLock / withSemaphore", (test) => {
  test("withLock returns the body's value and releases", ({ loop }) => {
    const lock = new Lock();
    const v = runIn(loop, (function* () {
      const r: number = yield* withLock(lock, function* (l) {
        assert.is(l, lock);
        assert.ok(lock.locked());
        yield* sleep(5);
        return 42;
      });
      assert.not.ok(lock.locked());
      return r;
    })());
    assert.is(v, 42);
  });

  test("withLock releases on an exception and on cancellation", ({ loop }) => {
    const lock = new Lock();
    const log: string[] = [];
    runIn(loop, (function* () {
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
    })());
    assert.equal(log, ["caught boom locked=false", "body", "cancelled=true locked=false"]);
  });

  test("withSemaphore limits concurrency; withLock works with a Condition", ({ loop }) => {
    const sem = new BoundedSemaphore(2);
    const log: string[] = [];
    let active = 0;
    let peak = 0;
    runIn(loop, (function* () {
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
    })());
    assert.is(peak, 2);
    assert.equal(log, ["job1 at 10", "job2 at 10", "job3 at 20", "job4 at 20", "job5 at 30"]);
  });

  test("bad arguments throw at the call, naming it", () => {
    assert.throws(() => withLock({} as never, function* () {}), (e: unknown) => e instanceof TypeError && /^withLock\(\) expected a Lock or Condition as lock, got Object$/.test((e as Error).message));
    assert.throws(() => withLock(new Lock(), null as never), (e: unknown) => e instanceof TypeError && e.message === "withLock() expected a function, got null");
    assert.throws(() => withSemaphore(3 as never, function* () {}), (e: unknown) => e instanceof TypeError && /^withSemaphore\(\) expected a Semaphore/.test((e as Error).message));
  });
});
