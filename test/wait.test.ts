// wait(): asyncio.wait, on both cores, in virtual time.
// Orders of events follow CPython 3.12's asyncio.
import * as assert from "uvu/assert";
import { CancelledError, Task, sleep, type Future, type Coroutine, type LoopLike } from "../src/index.js";
import { ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION, wait, type ReturnWhen } from "../src/wait.js";
import { bothCores, caught, runIn } from "./helpers.js";
import { cancelledAt, cpythonOrder, MiniLoop } from "./core-fixtures.js";

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
    const [done, pending] = runIn<[Set<Task<string>>, Set<Task<string>>]>(loop, (function* () {
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
    runIn(loop, (function* () {
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
    runIn(loop, (function* () {
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
    const [done, pending] = runIn<[Set<Task<string>>, Set<Task<string>>]>(loop, (function* () {
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
    runIn(loop, (function* () {
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
      runIn(loop, (function* () {
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
    runIn(loop, (function* () {
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
    runIn(loop, (function* () {
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
    const [done, pending] = runIn<[Set<Future<unknown>>, Set<Future<unknown>>]>(loop, w);
    assert.is(done.size, 0);
    assert.equal([...pending], [fut]);
    assert.is(loop.time(), 5);
  });

  test("the waiting task cancelled: CancelledError, the futures are untouched", ({ loop }) => {
    const fut = loop.createFuture<number>();
    const main = cancelledAt(loop, 5, (function* () {
      return yield* wait([fut]);
    })());
    assert.not.ok(fut.done());
    fut.setResult(1);
    runIn(loop, sleep(0));
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

cpythonOrder("wait", ({ log, ticker, work }) => [
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
]);
