// Barrier: asyncio's, on both cores, in virtual time.
// The "trace" tests replay event orders recorded from CPython (see ./trace.ts).
import * as assert from "uvu/assert";
import { BrokenBarrierError, sleep, type Coroutine } from "../../src/index.js";
import { Barrier } from "../../src/sync/barrier.js";
import { bothCores, runIn } from "../helpers.js";
import { settle, ticker } from "./trace.js";

bothCores("Barrier", (test) => {
  test("trace: three parties, arrival indexes, two rounds", ({ loop }) => {
    const log: string[] = [];
    const b = new Barrier(3);
    runIn(loop, (function* () {
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
    })());
    assert.equal(log, [
      "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10", "t11", "b arrive n=0", "a arrive n=1", "t0",
      "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10", "t11", "c arrive n=2", "c idx=2 n=0", "b idx=0 n=0",
      "a idx=1 n=0", "b idx2=2", "a idx2=0", "c idx2=1", "end n=0 broken=false",
    ]);
  });

  test("trace: abort() makes waiters raise BrokenBarrierError; later wait() too; reset() repairs", ({ loop }) => {
    const log: string[] = [];
    const b = new Barrier(3);
    runIn(loop, (function* () {
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
    })());
    assert.equal(log, [
      "t0", "n=2", "aborted broken=true n=0", "t1", "a broken Abort or reset of barrier",
      "b broken Abort or reset of barrier", "t2", "t3", "t4", "t5", "t6", "t7", "c broken Barrier aborted",
      "reset broken=false",
    ]);
  });

  test("trace: reset() while a task waits breaks it; the barrier then fills again", ({ loop }) => {
    const log: string[] = [];
    const b = new Barrier(2);
    runIn(loop, (function* () {
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
    })());
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
    runIn(loop, (function* () {
      const one = new Barrier(1);
      assert.is(yield* one.wait(), 0);
      assert.is(yield* one.wait(), 0);
      yield* b.abort();
      assert.is(String(b), "<Barrier [broken]>");
    })());
  });
  test("trace: Barrier - a cancelled party leaves the count; the next round fills", ({ loop }) => {
    const log: string[] = [];
    const b = new Barrier(3);
    runIn(loop, (function* () {
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
    })());
    assert.equal(log, [
      "t0", "n=2", "t1", "a cancelled n=1", "t2", "n=1", "t3", "e idx=2", "t4", "c idx=1", "d idx=1", "t5", "t6", "t7",
      "t8", "t9", "end n=0 <Barrier [filling, waiters:0/3]>",
    ]);
  });

});
