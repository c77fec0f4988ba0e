// asCompleted(): asyncio.as_completed, on both cores, in virtual time.
// Orders of events follow CPython 3.12's asyncio.
import * as assert from "uvu/assert";
import { CancelledError, Task, TimeoutError, sleep, type Future } from "../src/index.js";
import { wait } from "../src/wait.js";
import { asCompleted } from "../src/as-completed.js";
import { bothCores, caught, runIn } from "./helpers.js";
import { cpythonOrder } from "./core-fixtures.js";

bothCores("asCompleted", (test) => {
  test("futures in completion order", ({ loop }) => {
    const log: string[] = [];
    const r = runIn(loop, (function* () {
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
    runIn(loop, (function* () {
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
    runIn(loop, (function* () {
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

  test("async iterator (3.13): the original tasks and futures themselves, in completion order", async ({ loop }) => {
    const log: string[] = [];
    const a = loop.createTask(sleep(30, "a"));
    const fut = loop.createFuture<string>();
    loop.callLater(20, () => fut.setResult("fut"));
    const seen = await loop.runUntilComplete((function* () {
      return (yield (async () => {
        const out: Future<string>[] = [];
        // TypeScript types a `for await` variable as the awaited value (it assumes async
        // iterators never yield thenables); at run time it is the future itself.
        for await (const value of asCompleted([a, fut, sleep(10, "coro"), a])) {
          const f = value as unknown as Future<string>;
          out.push(f);
          log.push(`${f.result()} at ${loop.time()}`);
        }
        return out;
      })()) as Future<string>[];
    })());
    assert.equal(log, ["coro at 10", "fut at 20", "a at 30"]);
    assert.instance(seen[0], Task);
    assert.is(seen[1], fut);
    assert.is(seen[2], a);
  });

  test("async iterator: past the timeout next() throws TimeoutError; the sync and async sides share the awaitables", async ({ loop }) => {
    const log: string[] = [];
    await loop.runUntilComplete((function* () {
      const it = asCompleted([sleep(10, "x"), sleep(20, "y"), sleep(100, "z")], { timeout: 50 });
      log.push(`sync ${yield* it.next().value!}`);
      yield (async () => {
        try {
          const async = it[Symbol.asyncIterator]();
          for (let r; !(r = await async.next()).done; ) log.push(`async ${r.value!.result()} at ${loop.time()}`);
        } catch (e) {
          log.push(`${(e as Error).name} at ${loop.time()}`);
        }
        const rest = await it[Symbol.asyncIterator]().next();
        log.push(`done ${rest.done}`);
      })();
      yield* sleep(60); // z, not cancelled, ends at 100
    })());
    assert.equal(log, ["sync x", "async y at 20", "TimeoutError at 50", "done true"]);
  });

  test("timeout: every remaining future throws", ({ loop }) => {
    const a = loop.createTask(sleep(100));
    const b = loop.createTask(sleep(100));
    const r = runIn(loop, (function* () {
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
    const r = runIn(loop, (function* () {
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
    const r = runIn(loop, (function* () {
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
    assert.instance(caught(() => runIn(loop, first)), CancelledError);
    const r = runIn(loop, (function* () {
      const out: string[] = [];
      for (const f of it) out.push(yield* f);
      return out;
    })());
    assert.equal(r, ["x"]);
    runIn(loop, sleep(20));
  });
});

cpythonOrder("asCompleted", ({ log, ticker, work }) => [
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
]);
