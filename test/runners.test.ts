// run(), runSync(), the current-loop functions, ensureFuture, wrapPromise, testing.advance.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as wasyncio from "../src/index.js";
import {
  CancelledError, EventLoop, Future, Task, allTasks, ensureFuture, getEventLoop, getRunningLoop,
  newEventLoop, Runner, run, runSync, setEventLoop, sleep, wrapPromise, type Coroutine,
} from "../src/index.js";
import { advance, loopStats } from "../src/testing/index.js";
import { CORES, runIn } from "./helpers.js";

/** `loop` is not the current loop: getEventLoop() makes another (closed again here). */
function assertNotCurrent(loop: EventLoop): void {
  const current = getEventLoop();
  assert.is.not(current, loop);
  setEventLoop(null);
  current.close();
}

for (const core of CORES) {
  test(`run() - runs main to completion on a new loop and closes it [${core}]`, async () => {
    let seen: EventLoop | undefined;
    const v = await run(function* () {
      seen = getRunningLoop() as EventLoop;
      yield* sleep(5);
      return "main";
    }, { core });
    assert.is(v, "main");
    assert.ok(seen!.isClosed());
    assert.is(loopStats(seen!).core, core);
  });

  test(`run() - cancels and drains leftover tasks; their finally blocks run [${core}]`, async () => {
    const log: string[] = [];
    await run(function* () {
      const loop = getRunningLoop() as EventLoop;
      loop.createTask((function* () {
        try {
          yield* sleep(10_000);
        } finally {
          log.push("leftover cleaned up");
        }
      })());
      yield;
      return 1;
    }, { core, clock: "virtual" });
    assert.equal(log, ["leftover cleaned up"]);
  });

  test(`run() - rejects with main's exception; reports leftovers that failed on cancel [${core}]`, async () => {
    const reports: string[] = [];
    try {
      await run(function* (): Coroutine<never> {
        const loop = getRunningLoop() as EventLoop;
        loop.setExceptionHandler((_l, ctx) => void reports.push(ctx.message));
        loop.createTask((function* () {
          try {
            yield* sleep(1000);
          } catch {
            throw new Error("failed while cancelled");
          }
        })());
        yield;
        throw new RangeError("main failed");
      }, { core, clock: "virtual" });
      assert.unreachable();
    } catch (e) {
      assert.instance(e, RangeError);
    }
    assert.equal(reports, ["unhandled exception during run() shutdown"]);
  });

  test(`runSync() - synchronous on the virtual clock; 10 minutes take no time [${core}]`, () => {
    const t0 = performance.now();
    const result = runSync(function* () {
      yield* sleep(10 * 60_000);
      return getRunningLoop().constructor.name + " " + (getRunningLoop() as EventLoop).time();
    }, { core });
    assert.is(result, "EventLoop 600000");
    assert.ok(performance.now() - t0 < 1000);
  });

  test(`runSync() - waiting on a Promise is an error that says to use run() [${core}]`, () => {
    assert.throws(
      () => runSync(function* () {
        yield new Promise(() => {});
      }, { core }),
      /use run\(\)/,
    );
    assert.throws(() => runSync(sleep(1), { clock: "real" } as never), (e: unknown) => e instanceof RangeError);
  });

  test(`run() - main throwing undefined or null rejects with an Error that keeps the value [${core}]`, async () => {
    for (const value of [undefined, null]) {
      const err = await run(function* (): Coroutine<void> {
        yield* sleep(1);
        throw value;
      }, { core }).then(() => assert.unreachable(), (e: unknown) => e);
      assert.instance(err, Error);
      assert.is((err as Error).message, `the coroutine threw ${value}`);
      assert.ok((err as Error).cause === value);
    }
  });

  test(`runSync() - a main that waits on nothing scheduled says so, not "use run()" [${core}]`, () => {
    const nothing = /runSync\(\): the loop has nothing scheduled, so <Task pending name="[^"]+"> can never finish/;
    assert.throws(() => runSync(sleep(Infinity), { core }), nothing);
    assert.throws(() => runSync(function* () {
      yield* (getRunningLoop() as EventLoop).createFuture();
    }, { core }), nothing);
    // A Promise can still settle: only a real host delivers it.
    assert.throws(() => runSync(function* () {
      yield* wrapPromise(new Promise(() => {}));
    }, { core }), /runSync\(\): <Task pending name="[^"]+"> waits on a Promise, which only a real host can deliver: use run\(\)/);
  });

  test(`run()/runSync() cannot nest inside a running loop [${core}]`, async () => {
    let nested: Promise<unknown> | undefined;
    runSync(function* () {
      assert.throws(() => runSync(sleep(0)), /runSync\(\) cannot be called from a running event loop/);
      nested = run(sleep(0));
      yield;
    }, { core });
    await nested!.then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /^run\(\) cannot be called from a running event loop/));
  });

  test(`run() accepts a generator object or a function returning one; rejects others [${core}]`, async () => {
    assert.is(await run(sleep(1, "obj"), { core }), "obj");
    assert.is(await run(() => sleep(1, "fn"), { core }), "fn");
    await run(42 as never).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /^run\(\) expected a generator/));
  });

  test(`Runner - runs several mains on one loop; leftovers carry over; closeSync() cancels them [${core}]`, () => {
    const log: string[] = [];
    const runner = new Runner({ clock: "virtual", core });
    assert.is(String(runner), "<Runner created>");
    const loop = runner.getLoop();
    assert.is(getEventLoop(), loop);
    const first = runner.runSync(function* () {
      getRunningLoop().createTask((function* () {
        try {
          for (;;) {
            yield* sleep(100);
            log.push(`tick ${getRunningLoop().time()}`);
          }
        } finally {
          log.push("leftover cancelled");
        }
      })());
      yield* sleep(150);
      return getRunningLoop().time();
    });
    assert.is(first, 150);
    assert.is(runner.getLoop(), loop);
    const second = runner.runSync(function* () {
      yield* sleep(100);
      return getRunningLoop().time();
    });
    assert.is(second, 250);
    assert.equal(log, ["tick 100", "tick 200"]);
    assert.not.ok(loop.isClosed());
    runner.closeSync();
    assert.equal(log, ["tick 100", "tick 200", "leftover cancelled"]);
    assert.ok(loop.isClosed());
    assert.is(String(runner), "<Runner closed>");
    assertNotCurrent(loop);
    assert.throws(() => runner.runSync(sleep(0)), /Runner.runSync\(\): the Runner is closed/);
    assert.throws(() => runner.getLoop(), /the Runner is closed/);
    runner.closeSync(); // idempotent
  });

  test(`Runner - async run() and close() await the leftovers; close() reports those that failed [${core}]`, async () => {
    const log: string[] = [];
    const reported: string[] = [];
    const runner = new Runner({ clock: "virtual", core });
    runner.getLoop().setExceptionHandler((_loop, ctx) => void reported.push(`${ctx.message}: ${(ctx.exception as Error).message}`));
    const v = await runner.run(function* () {
      getRunningLoop().createTask((function* () {
        try {
          yield* sleep(10_000);
        } finally {
          yield* sleep(5);
          log.push(`cleaned up at ${getRunningLoop().time()}`);
          throw new Error("cleanup failed");
        }
      })());
      yield* sleep(1);
      return "a";
    });
    assert.is(v, "a");
    assert.is(await runner.run(() => Promise.resolve("b")), "b");
    await runner.close();
    assert.equal(log, ["cleaned up at 6"]);
    assert.equal(reported, ["unhandled exception during run() shutdown: cleanup failed"]);
    await runner.run(sleep(0)).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /Runner.run\(\): the Runner is closed/));
  });

  test(`Runner - loopFactory makes the loop (debug set on it; not made the current loop); run(main, { loopFactory }) [${core}]`, async () => {
    let made: EventLoop | undefined;
    const factory = () => (made = new EventLoop({ clock: "virtual", core }));
    const runner = new Runner({ loopFactory: factory, debug: true });
    assert.is(runner.getLoop(), made);
    assert.ok(made!.getDebug());
    assertNotCurrent(made!);
    assert.is(runner.runSync(function* () { return getRunningLoop(); }), made);
    runner.closeSync();
    assert.ok(made!.isClosed());
    const loops: EventLoop[] = [];
    const t = await run(function* () {
      loops.push(getRunningLoop() as EventLoop);
      yield* sleep(1000);
      return getRunningLoop().time();
    }, { loopFactory: () => new EventLoop({ clock: "virtual", core }) });
    assert.is(t, 1000);
    assert.ok(loops[0].isClosed());
    assert.is(runSync(function* () { return getRunningLoop(); }, { loopFactory: factory }), made);
  });

  test(`Runner - Symbol.dispose closes synchronously, Symbol.asyncDispose asynchronously [${core}]`, async () => {
    const runner = new Runner({ clock: "virtual", core });
    runner.runSync(sleep(10));
    runner[Symbol.dispose]();
    assert.ok(runner.getLoop === Runner.prototype.getLoop && String(runner) === "<Runner closed>");
    const other = new Runner({ clock: "virtual", core });
    const loop = other.getLoop();
    await other[Symbol.asyncDispose]();
    assert.ok(loop.isClosed());
  });

  test(`Runner - bad input and misuse: clear errors naming the call [${core}]`, async () => {
    assert.throws(() => new Runner(42 as never), /new Runner\(\) expected options to be an object, got 42/);
    assert.throws(() => new Runner({ loopFactory: 1 as never }), /new Runner\(\) expected options.loopFactory to be a function or null, got 1/);
    assert.throws(() => new Runner({ loopFactory: () => new EventLoop(), clock: "virtual" }), /new Runner\(\) got options.loopFactory and the loop option "clock"/);
    assert.throws(() => new Runner({ clock: "fast" as never }), /new Runner\(\) expected options.clock/);
    assert.throws(() => new Runner({ loopFactory: () => ({}) as never }).getLoop(), /Runner.getLoop\(\) expected options.loopFactory to return an EventLoop/);
    const real = new Runner({ core });
    assert.throws(() => real.runSync(sleep(0)), /Runner.runSync\(\) needs a loop on the virtual clock; use Runner.run\(\)/);
    await real.close();
    const runner = new Runner({ clock: "virtual", core });
    assert.throws(() => runner.runSync(sleep(0), { context: {} as never }), /Runner.runSync\(\) expected options.context to be a Context, got Object/);
    assert.throws(() => runner.runSync(sleep(0), { ctx: 1 } as never), /Runner.runSync\(\) got an unknown option "ctx"/);
    assert.throws(() => runner.runSync(42 as never), /Runner.runSync\(\) expected a generator/);
    assert.throws(() => runner.runSync(function* () { runner.runSync(sleep(0)); }), /Runner.runSync\(\) cannot be called from a running event loop/);
    runner.closeSync();
  });

  test(`Runner.run(main, { context }) - main runs in the given Context; without one, in the runner's own, copied when it made its loop [${core}]`, async () => {
    const requestId = new wasyncio.ContextVar<string>("requestId", { default: "-" });
    const runner = new Runner({ clock: "virtual", core });
    const ctx = new wasyncio.Context();
    const seen: string[] = [];
    runner.runSync(function* () {
      seen.push(requestId.get());
      requestId.set("in ctx");
      yield* sleep(1);
      seen.push(requestId.get());
    }, { context: ctx });
    assert.is(ctx.get(requestId), "in ctx");
    // The runner's context was copied before this set: the mains do not see it...
    const token = requestId.set("caller");
    try {
      runner.runSync(function* () {
        seen.push(requestId.get());
        requestId.set("inside");
      });
      seen.push(requestId.get());
      await runner.run(function* () {
        seen.push(requestId.get());
      }, { context: ctx });
      // ...and what one main set there, the next main sees (asyncio's Runner shares it).
      runner.runSync(function* () {
        seen.push(requestId.get());
      });
    } finally {
      requestId.reset(token);
      runner.closeSync();
    }
    assert.equal(seen, ["-", "in ctx", "-", "caller", "in ctx", "inside"]);
  });

  test(`advance(ms, loop) - runs what is due within ms, synchronously, and moves the clock [${core}]`, () => {
    const loop = new EventLoop({ clock: "virtual", core });
    const log: number[] = [];
    loop.callLater(50, () => log.push(loop.time()));
    loop.callLater(150, () => log.push(loop.time()));
    loop.callSoon(() => log.push(-1));
    advance(100, loop);
    assert.equal(log, [-1, 50]);
    assert.is(loop.time(), 100);
    advance(50, loop);
    assert.equal(log, [-1, 50, 150]);
    assert.is(loop.time(), 150);
    assert.throws(() => advance(1, new EventLoop()), /virtual clock/);
    assert.throws(() => advance(NaN, loop), (e: unknown) => e instanceof RangeError);
    loop.close();
  });
}

test("getRunningLoop() outside a loop throws; getEventLoop()/setEventLoop()/newEventLoop()", () => {
  assert.throws(() => getRunningLoop(), /no running event loop/);
  const mine = newEventLoop({ clock: "virtual" });
  setEventLoop(mine);
  assert.is(getEventLoop(), mine);
  runSync(function* () {
    assert.is.not(getEventLoop(), mine); // the running loop wins
    yield;
  });
  setEventLoop(mine);
  const made = (() => {
    setEventLoop(null);
    return getEventLoop();
  })();
  assert.instance(made, EventLoop);
  assert.is(getEventLoop(), made);
  setEventLoop(null);
  (made as EventLoop).close();
  mine.close();
  assert.throws(() => setEventLoop(5 as never), (e: unknown) => e instanceof TypeError);
});

test("ensureFuture() - Future as is, coroutine to Task, Promise adopted, others rejected", () => {
  const loop = new EventLoop({ clock: "virtual" });
  const fut = loop.createFuture();
  assert.is(ensureFuture(fut, loop), fut);
  const task = ensureFuture(sleep(1, 3), loop);
  assert.instance(task, Task);
  const adopted = ensureFuture(Promise.resolve(1), loop);
  assert.instance(adopted, Future);
  assert.throws(() => ensureFuture(5 as never, loop), /ensureFuture\(\) expected a Future, a generator \(coroutine\) or a Promise, got 5/);
  assert.throws(() => ensureFuture(fut, new EventLoop()), (e: unknown) => e instanceof RangeError);
  assert.is(runIn(loop, task), 3);
  fut.cancel();
  adopted.cancel();
  loop.close();
});

test("wrapPromise() - settles with the promise; cancelling the future ignores it later", async () => {
  const v = await run(function* () {
    const a = yield* wrapPromise(Promise.resolve("a"));
    const cancelled = wrapPromise(new Promise((r) => setTimeout(() => r("late"), 5)));
    cancelled.cancel();
    try {
      yield* wrapPromise(Promise.reject(new Error("b")));
    } catch (e) {
      return a + (e as Error).message + cancelled.cancelled();
    }
  });
  assert.is(v, "abtrue");
  await new Promise((r) => setTimeout(r, 10));
  assert.throws(() => wrapPromise(5 as never), /wrapPromise\(\) expected a Promise/);
});

test("an async function can await tasks and futures (thenables)", async () => {
  const loop = new EventLoop();
  const task = loop.createTask(sleep(5, "awaited"));
  const running = loop.runUntilComplete(task);
  assert.is(await task, "awaited");
  await running;
  loop.close();
});

test("allTasks() of a closed loop is empty; a cancelled main is a CancelledError", async () => {
  const loop = new EventLoop({ clock: "virtual" });
  const t = loop.createTask(sleep(100));
  loop.callLater(1, () => t.cancel());
  await loop.runUntilComplete(t).then(() => assert.unreachable(), (e) => assert.instance(e, CancelledError));
  loop.close();
  assert.is(allTasks(loop).size, 0);
});

test("every error class has its name and is exported", () => {
  const names = [
    "CancelledError", "InvalidStateError", "TimeoutError", "QueueEmpty", "QueueFull", "QueueShutDown",
    "LimitOverrunError", "BrokenBarrierError", "BlockingIOError", "SendfileNotAvailableError",
  ] as const;
  for (const name of names) {
    const Cls = wasyncio[name] as unknown as new (m: string, n?: number) => Error;
    const e = new Cls("m", 1);
    assert.instance(e, Error);
    assert.is(e.name, name);
  }
  const inc = new wasyncio.IncompleteReadError(new Uint8Array(2), 5);
  assert.is(inc.name, "IncompleteReadError");
  assert.is(inc.expected, 5);
  assert.is(inc.partial.length, 2);
  assert.is(inc.message, "2 bytes read on a total of 5 expected bytes");
  const over = new wasyncio.LimitOverrunError("too long", 7);
  assert.is(over.consumed, 7);
  const group = new wasyncio.ExceptionGroup("several", [new Error("a"), new Error("b")]);
  assert.instance(group, AggregateError);
  assert.is(group.name, "ExceptionGroup");
  assert.is(group.exceptions.length, 2);
  assert.is(group.errors, group.exceptions);
});

test.run();
