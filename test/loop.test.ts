// EventLoop: callbacks, timers, handles, running and closing, errors. Virtual clock.
import * as assert from "uvu/assert";
import { EventLoop, Handle, TimerHandle, sleep } from "../src/index.js";
import { loopStats } from "../src/testing/index.js";
import { bothCores } from "./helpers.js";

bothCores("EventLoop callbacks", (test) => {
  test(".callSoon() - FIFO, with arguments, returns a Handle", ({ loop }) => {
    const log: string[] = [];
    const h = loop.callSoon((a: string, b: string) => log.push(a + b), "a", "1");
    loop.callSoon(() => log.push("b"));
    loop.callSoon((x: string) => log.push(x), "c");
    assert.instance(h, Handle);
    loop._runUntilCompleteSync(sleep(0));
    assert.equal(log, ["a1", "b", "c"]);
  });

  test("._runOnce() - drains a snapshot: callbacks scheduled by callbacks run next iteration", ({ loop }) => {
    const log: string[] = [];
    loop.callSoon(() => {
      log.push("a");
      loop.callSoon(() => log.push("c"));
    });
    loop.callSoon(() => log.push("b"));
    loop._runOnce();
    assert.equal(log, ["a", "b"]);
    loop._runOnce();
    assert.equal(log, ["a", "b", "c"]);
  });

  test(".callLater() - by deadline, ties FIFO, after the ready callbacks of the same iteration", ({ loop }) => {
    const log: string[] = [];
    loop.callLater(20, () => log.push("20a"));
    loop.callLater(10, () => log.push("10"));
    loop.callLater(20, () => log.push("20b"));
    loop.callLater(0, () => log.push("0"));
    loop.callSoon(() => log.push("soon"));
    loop.callLater(-5, () => log.push("negative"));
    loop._runUntilCompleteSync(sleep(30));
    assert.equal(log, ["soon", "0", "negative", "10", "20a", "20b"]);
  });

  test(".callLater() - never fires early; the virtual clock jumps to the deadline", ({ loop }) => {
    const seen: number[] = [];
    for (const d of [0.5, 1, 7.25, 1000, 60_000]) loop.callLater(d, () => seen.push(loop.time()));
    loop._runUntilCompleteSync(sleep(70_000));
    assert.equal(seen, [0.5, 1, 7.25, 1000, 60_000]);
    assert.is(loop.time(), 70_000);
  });

  test(".callAt() - absolute deadlines on the loop clock; TimerHandle.when()", ({ loop }) => {
    const log: number[] = [];
    const h = loop.callAt(50, () => log.push(loop.time()));
    loop.callAt(25, () => log.push(loop.time()));
    assert.instance(h, TimerHandle);
    assert.is(h.when(), 50);
    loop._runUntilCompleteSync(sleep(100));
    assert.equal(log, [25, 50]);
  });

  test(".callLater(Infinity) never fires and can be cancelled", (ctx) => {
    const { loop } = ctx;
    let fired = false;
    const h = loop.callLater(Infinity, () => (fired = true));
    loop._runUntilCompleteSync(sleep(1e9));
    assert.is(fired, false);
    h.cancel();
    loop._runUntilCompleteSync(sleep(1));
    assert.is(fired, false);
    // Cancellation is lazy (asyncio's): the record of a timer that never comes due stays
    // until it reaches the top or a rebuild, and its id with it.
    ctx.allowLive = true;
  });

  test("Handle.cancel() - a cancelled callback or timer does not run; cancel is idempotent", ({ loop }) => {
    const log: string[] = [];
    const a = loop.callSoon(() => log.push("a"));
    loop.callSoon(() => log.push("b"));
    const t = loop.callLater(5, () => log.push("t"));
    a.cancel();
    a.cancel();
    t.cancel();
    assert.ok(a.cancelled());
    assert.ok(t.cancelled());
    loop._runUntilCompleteSync(sleep(10));
    assert.equal(log, ["b"]);
  });

  test("Handle.cancel() - a callback can cancel one later in the same batch, and a due timer", ({ loop }) => {
    const log: string[] = [];
    let t2: TimerHandle;
    loop.callLater(5, () => {
      log.push("t1");
      t2.cancel();
    });
    t2 = loop.callLater(5, () => log.push("t2"));
    let b: Handle;
    loop.callSoon(() => b.cancel());
    b = loop.callSoon(() => log.push("b"));
    loop._runUntilCompleteSync(sleep(10));
    assert.equal(log, ["t1"]);
  });

  test("Handle - a stale handle cannot cancel the callback that reuses its id", ({ loop }) => {
    const log: string[] = [];
    const old = loop.callSoon(() => log.push("old"));
    loop._runOnce();
    const fresh = loop.callSoon(() => log.push("fresh"));
    assert.is(fresh._id, old._id); // the id was recycled...
    old.cancel(); // ...but the old generation cannot touch it
    loop._runOnce();
    assert.equal(log, ["old", "fresh"]);
    const oldTimer = loop.callLater(1, () => log.push("timer"));
    oldTimer.cancel();
    loop._runUntilCompleteSync(sleep(5)); // the cancelled timer's id is released
    const reuse = loop.callLater(1, () => log.push("reused"));
    oldTimer.cancel();
    loop._runUntilCompleteSync(sleep(5));
    assert.equal(log, ["old", "fresh", "reused"]);
    void reuse;
  });

  test("ids are recycled: 2,000,000 handles with no growth of live ids", ({ loop }) => {
    let count = 0;
    const cb = () => count++;
    const capacity = loopStats(loop).slotCapacity;
    for (let round = 0; round < 2000; round++) {
      for (let i = 0; i < 500; i++) loop.callSoon(cb);
      for (let i = 0; i < 500; i++) loop.callLater(i % 7, cb).cancel();
      loop._runOnce();
      assert.ok(loopStats(loop).liveIds <= 1000);
    }
    loop._runUntilCompleteSync(sleep(10));
    assert.is(count, 1_000_000);
    assert.is(loopStats(loop).liveIds, 0);
    assert.is(loopStats(loop).slotCapacity, capacity);
  });

  test("1,000,000 timers: schedule, cancel half, fire the rest in virtual time", ({ loop }) => {
    let fired = 0, last = -1, ordered = true;
    let seed = 7;
    const handles: TimerHandle[] = [];
    const cb = () => {
      const t = loop.time();
      if (t < last) ordered = false;
      last = t;
      fired++;
    };
    for (let i = 0; i < 1_000_000; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      handles.push(loop.callLater((seed / 2 ** 32) * 100, cb));
    }
    for (let i = 0; i < handles.length; i += 2) handles[i].cancel();
    loop._runUntilCompleteSync(sleep(100));
    assert.is(fired, 500_000);
    assert.ok(ordered);
    assert.is(loopStats(loop).liveIds, 0);
    assert.is(loopStats(loop).timers, 0);
  });
});

bothCores("EventLoop errors", (test) => {
  test("a callback that throws goes to the exception handler; the loop keeps running", (ctx) => {
    const { loop } = ctx;
    const log: string[] = [];
    const boom = new Error("boom");
    loop.callSoon(function failing() {
      throw boom;
    });
    loop.callSoon(() => log.push("next"));
    loop.callLater(1, (x: number) => {
      throw new RangeError(`late ${x}`);
    }, 7);
    loop._runUntilCompleteSync(sleep(5));
    assert.equal(log, ["next"]);
    assert.is(ctx.errors.length, 2);
    assert.is(ctx.errors[0].exception, boom);
    assert.match(ctx.errors[0].message, /^Exception in callback <Handle failing\(\)>/);
    assert.instance(ctx.errors[0].handle, Handle);
    assert.is((ctx.errors[1].exception as Error).message, "late 7");
    ctx.errors.length = 0;
  });

  test(".setExceptionHandler() - an error in the handler goes to the default handler", ({ loop }) => {
    const original = console.error;
    const printed: unknown[][] = [];
    console.error = (...a: unknown[]) => void printed.push(a);
    try {
      loop.setExceptionHandler(() => {
        throw new Error("handler broke");
      });
      loop.callSoon(() => {
        throw new Error("cb broke");
      });
      loop._runOnce();
    } finally {
      console.error = original;
    }
    assert.is(printed.length, 1);
    assert.match(String(printed[0][0]), /Unhandled error in exception handler/);
    assert.is((printed[0][1] as Error).message, "handler broke");
  });

  test(".getExceptionHandler() is null by default; handler(loop, context) receives the loop", () => {
    const loop = new EventLoop({ clock: "virtual" });
    assert.is(loop.getExceptionHandler(), null);
    let got: unknown;
    const h = (l: EventLoop) => void (got = l);
    loop.setExceptionHandler(h);
    assert.is(loop.getExceptionHandler(), h);
    loop.callExceptionHandler({ message: "x" });
    assert.is(got, loop);
    loop.setExceptionHandler(null);
    assert.is(loop.getExceptionHandler(), null);
    loop.close();
  });

  test(".defaultExceptionHandler() writes the message, context and exception to console.error", ({ loop }) => {
    const original = console.error;
    const printed: unknown[][] = [];
    console.error = (...a: unknown[]) => void printed.push(a);
    try {
      const err = new Error("e");
      loop.defaultExceptionHandler({ message: "Something failed", exception: err, extra: "info" });
      assert.match(String(printed[0][0]), /^Something failed\nextra: info/);
      assert.is(printed[0][1], err);
    } finally {
      console.error = original;
    }
  });

  test("toString() - the loop's class and state (a subclass shows its own name), as asyncio's repr", async ({ loop, core }) => {
    assert.is(String(loop), "<EventLoop running=false closed=false debug=false>");
    class MyLoop extends EventLoop {}
    const mine = new MyLoop({ clock: "virtual", core, debug: true });
    const seen = await mine.runUntilComplete(function* () {
      yield* sleep(0);
      return String(mine);
    }());
    mine.close();
    assert.is(seen, "<MyLoop running=true closed=false debug=true>");
    assert.is(String(mine), "<MyLoop running=false closed=true debug=true>");
  });

  test(".defaultExceptionHandler() shows an object by its class (protocol: <Echo>), never [object Object]", ({ loop }) => {
    const original = console.error;
    const printed: unknown[][] = [];
    console.error = (...a: unknown[]) => void printed.push(a);
    try {
      class Echo {}
      class Named {
        toString() {
          return "<Named 1>";
        }
      }
      loop.defaultExceptionHandler({ message: "Fatal error", protocol: new Echo(), plain: {}, own: new Named(), fut: loop.createFuture() });
      assert.equal(String(printed[0][0]).split("\n"), ["Fatal error", "fut: <Future pending>", "own: <Named 1>", "plain: <Object>", "protocol: <Echo>"]);
    } finally {
      console.error = original;
    }
  });

  test("bad arguments throw clear errors naming the call and the argument", ({ loop }) => {
    assert.throws(() => loop.callSoon(42 as never), (e: Error) => e instanceof TypeError && e.message === "callSoon() expected a function, got 42");
    assert.throws(() => loop.callLater("5" as never, () => {}), (e: Error) => e instanceof TypeError && /callLater\(\) expected delayMs to be a number of milliseconds, got "5"/.test(e.message));
    assert.throws(() => loop.callLater(NaN, () => {}), (e: Error) => e instanceof RangeError && /callLater\(\).*NaN/.test(e.message));
    assert.throws(() => loop.callLater(5, null as never), (e: Error) => e instanceof TypeError && e.message === "callLater() expected a function, got null");
    assert.throws(() => loop.callAt(NaN, () => {}), (e: Error) => e instanceof RangeError && /callAt\(\)/.test(e.message));
    assert.throws(() => loop.setExceptionHandler(1 as never), (e: Error) => e instanceof TypeError && /setExceptionHandler\(\)/.test(e.message));
    assert.throws(() => loop.setTaskFactory("x" as never), (e: Error) => e instanceof TypeError && /setTaskFactory\(\)/.test(e.message));
    assert.throws(() => new EventLoop({ clock: "fast" as never }), (e: Error) => e instanceof RangeError && /options\.clock/.test(e.message));
    assert.throws(() => new EventLoop({ core: "c" as never }), (e: Error) => e instanceof RangeError && /options\.core/.test(e.message));
    assert.throws(() => loop.createTask((() => 1) as never), (e: Error) => e instanceof TypeError && /expected a generator/.test(e.message));
  });
});

bothCores("EventLoop running", (test) => {
  test(".stop() before running: runForever runs one iteration and stops", async ({ loop }) => {
    const log: string[] = [];
    loop.callSoon(() => {
      log.push("a");
      loop.callSoon(() => log.push("b"));
    });
    loop.stop();
    await loop.runForever();
    assert.equal(log, ["a"]);
    assert.is(loop.isRunning(), false);
    loop.stop();
    await loop.runForever();
    assert.equal(log, ["a", "b"]);
  });

  test(".runForever() - runs until stop(), resolves after; isRunning() meanwhile", async ({ loop }) => {
    const log: unknown[] = [];
    loop.callLater(100, () => {
      log.push(loop.isRunning());
      loop.stop();
    });
    const p = loop.runForever();
    assert.ok(p instanceof Promise);
    assert.ok(loop.isRunning());
    await p;
    assert.equal(log, [true]);
    assert.is(loop.time(), 100);
  });

  test(".runUntilComplete() - resolves with the result, rejects with the exception", async ({ loop }) => {
    function* ok() {
      yield* sleep(10);
      return "done";
    }
    function* bad(): Generator<unknown, never> {
      yield* sleep(10);
      throw new Error("bad");
    }
    assert.is(await loop.runUntilComplete(ok()), "done");
    try {
      await loop.runUntilComplete(bad());
      assert.unreachable();
    } catch (e) {
      assert.is((e as Error).message, "bad");
    }
  });

  test(".runUntilComplete() - Event loop stopped before Future completed", async ({ loop }) => {
    const fut = loop.createFuture();
    loop.callSoon(() => loop.stop());
    try {
      await loop.runUntilComplete(fut);
      assert.unreachable();
    } catch (e) {
      assert.is((e as Error).message, "Event loop stopped before Future completed.");
    }
    fut.cancel();
  });

  test("runForever while running, close while running, use after close", async (ctx) => {
    const { loop } = ctx;
    const errors: string[] = [];
    loop.callSoon(() => {
      loop.runForever().catch((e: Error) => errors.push(e.message));
      try {
        loop.close();
      } catch (e) {
        errors.push((e as Error).message);
      }
      loop.stop();
    });
    await loop.runForever();
    await Promise.resolve();
    assert.equal(errors.sort(), ["Cannot close a running event loop", "This event loop is already running"]);
    loop.close();
    loop.close(); // idempotent
    assert.ok(loop.isClosed());
    assert.throws(() => loop.callSoon(() => {}), /Event loop is closed/);
    assert.throws(() => loop.callLater(1, () => {}), /Event loop is closed/);
    assert.throws(() => loop.createTask(sleep(1)), /Event loop is closed/);
    await loop.runForever().then(() => assert.unreachable(), (e: Error) => assert.is(e.message, "Event loop is closed: runForever()"));
  });

  test(".runUntilComplete() of another loop's future is a RangeError", async ({ loop, newLoop }) => {
    const other = newLoop();
    const fut = other.createFuture();
    await loop.runUntilComplete(fut).then(() => assert.unreachable(), (e: Error) => assert.instance(e, RangeError));
  });

  test("virtual clock under runUntilComplete: a settled promise is not overtaken by a jump of time", async ({ loop }) => {
    const log: string[] = [];
    loop.callLater(100, () => log.push(`timer at ${loop.time()}`));
    await loop.runUntilComplete((function* () {
      yield Promise.resolve("p");
      log.push(`promise at ${loop.time()}`);
      yield* sleep(200);
    })());
    assert.equal(log, ["promise at 0", "timer at 100"]);
  });

  test("real clock: timers wait for real time and never fire early", async ({ newLoop }) => {
    const loop = newLoop({ clock: "real" });
    const start = loop.time();
    const seen: number[] = [];
    loop.callLater(30, () => seen.push(loop.time() - start));
    loop.callLater(10, () => seen.push(loop.time() - start));
    await loop.runUntilComplete(sleep(40));
    assert.is(seen.length, 2);
    assert.ok(seen[0] >= 10 && seen[1] >= 30, `fired at ${seen}`);
  });

  test("real clock: the loop wakes when a promise settles from outside", async ({ newLoop }) => {
    const loop = newLoop({ clock: "real" });
    const fut = loop.createFuture<string>();
    setTimeout(() => fut.setResult("from outside"), 5);
    assert.is(await loop.runUntilComplete(fut), "from outside");
  });

  test("real clock: the loop yields to the host so promises and I/O are not starved", async ({ newLoop }) => {
    const loop = newLoop({ clock: "real" });
    let hostTurns = 0;
    let spinning = true;
    const spin = () => {
      if (spinning) loop.callSoon(spin);
    };
    loop.callSoon(spin);
    const host = setInterval(() => {
      if (++hostTurns === 3) {
        spinning = false;
        loop.stop();
      }
    }, 1);
    await loop.runForever();
    clearInterval(host);
    assert.is(hostTurns, 3);
  });

  test("debug mode: slow callbacks are reported with their duration", ({ newLoop }) => {
    const loop = newLoop({ debug: true, slowCallbackMs: 0 });
    assert.ok(loop.getDebug());
    const original = console.warn;
    const warned: string[] = [];
    console.warn = (m: string) => void warned.push(m);
    try {
      loop.callSoon(function slowOne() {});
      loop._runOnce();
    } finally {
      console.warn = original;
    }
    assert.is(warned.length, 1);
    assert.match(warned[0], /^Executing <Handle slowOne\(\)> took \d+\.\d{3} ms$/);
    loop.setDebug(false);
    assert.not.ok(loop.getDebug());
  });
});
