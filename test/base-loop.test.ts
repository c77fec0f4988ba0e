// EventLoop (src/base-loop.ts): callbacks, timers, handles, debug mode, its repr and its
// argument errors. Running, clocks, the slot table and the exception handler are in test/loop/.
import * as assert from "uvu/assert";
import { EventLoop, Handle, TimerHandle, sleep } from "../src/index.js";
import { loopStats } from "../src/testing/index.js";
import { bothCores, runIn } from "./helpers.js";

bothCores("EventLoop callbacks", (test) => {
  test(".callSoon() - FIFO, with arguments, returns a Handle", ({ loop }) => {
    const log: string[] = [];
    const h = loop.callSoon((a: string, b: string) => log.push(a + b), "a", "1");
    loop.callSoon(() => log.push("b"));
    loop.callSoon((x: string) => log.push(x), "c");
    assert.instance(h, Handle);
    runIn(loop, sleep(0));
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
    runIn(loop, sleep(30));
    assert.equal(log, ["soon", "0", "negative", "10", "20a", "20b"]);
  });

  test(".callAt() - absolute deadlines on the loop clock; TimerHandle.when()", ({ loop }) => {
    const log: number[] = [];
    const h = loop.callAt(50, () => log.push(loop.time()));
    loop.callAt(25, () => log.push(loop.time()));
    assert.instance(h, TimerHandle);
    assert.is(h.when(), 50);
    runIn(loop, sleep(100));
    assert.equal(log, [25, 50]);
  });

  test(".callLater(Infinity) never fires and can be cancelled", (ctx) => {
    const { loop } = ctx;
    let fired = false;
    const h = loop.callLater(Infinity, () => (fired = true));
    runIn(loop, sleep(1e9));
    assert.is(fired, false);
    h.cancel();
    runIn(loop, sleep(1));
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
    runIn(loop, sleep(10));
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
    runIn(loop, sleep(10));
    assert.equal(log, ["t1"]);
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
    runIn(loop, sleep(100));
    assert.is(fired, 500_000);
    assert.ok(ordered);
    assert.is(loopStats(loop).liveIds, 0);
    assert.is(loopStats(loop).timers, 0);
  });
  // The report of a slow callback is checked in a child's stderr: test/loop/debug-mode.test.ts.
  test("debug mode: getDebug()/setDebug()", ({ newLoop }) => {
    const loop = newLoop({ debug: true });
    assert.ok(loop.getDebug());
    loop.setDebug(false);
    assert.not.ok(loop.getDebug());
  });
});

bothCores("EventLoop errors", (test) => {
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

