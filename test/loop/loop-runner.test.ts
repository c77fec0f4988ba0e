// The runner (src/loop/loop-runner.ts): runForever, runUntilComplete and stop, in slices on
// the host; the real clock's waits and wake-ups.
import * as assert from "uvu/assert";
import { sleep } from "../../src/index.js";
import { bothCores } from "../helpers.js";

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
});
