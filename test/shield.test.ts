// shield(): asyncio.shield, on both cores, in virtual time.
// Orders of events follow CPython 3.12's asyncio.
import * as assert from "uvu/assert";
import { CancelledError, Future, Task, currentTask, sleep } from "../src/index.js";
import { shield } from "../src/shield.js";
import { bothCores, caught, runIn } from "./helpers.js";
import { cancelledAt, cpythonOrder } from "./core-fixtures.js";

bothCores("shield", (test) => {
  test("cancelling the outer leaves the inner task running; its result is not lost", ({ loop }) => {
    const log: string[] = [];
    const inner = loop.createTask((function* () {
      log.push("inner start");
      yield* sleep(100);
      log.push(`inner done at ${loop.time()}`);
      return "saved";
    })());
    const main = cancelledAt(loop, 10, (function* () {
      try {
        return yield* shield(inner);
      } catch (e) {
        log.push(`outer ${(e as Error).name} at ${loop.time()}`);
        throw e;
      }
    })());
    assert.not.ok(inner.done());
    assert.is(runIn(loop, inner), "saved");
    assert.equal(log, ["inner start", "outer CancelledError at 10", "inner done at 100"]);
  });

  test("the inner outcome goes to the outer: result, exception, cancellation", ({ loop }) => {
    const err = new RangeError("inner failed");
    runIn(loop, (function* () {
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
    const r = runIn<string>(loop, (function* () {
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
    assert.is(runIn(loop, inner), "inner");
    assert.ok(outer.cancelled());
  });
});

cpythonOrder("shield", ({ log, ticker, work }) => [
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
]);
