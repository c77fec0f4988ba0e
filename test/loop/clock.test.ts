// The clocks (src/loop/clock.ts): the virtual clock jumps to the next timer when nothing
// is ready, but not over a promise that is already settling.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { sleep } from "../../src/index.js";
import { RealClock, VirtualClock, YIELD } from "../../src/loop/clock.js";
import { bothCores, runIn } from "../helpers.js";

bothCores("clocks", (test) => {
  test(".callLater() - never fires early; the virtual clock jumps to the deadline", ({ loop }) => {
    const seen: number[] = [];
    for (const d of [0.5, 1, 7.25, 1000, 60_000]) loop.callLater(d, () => seen.push(loop.time()));
    runIn(loop, sleep(70_000));
    assert.equal(seen, [0.5, 1, 7.25, 1000, 60_000]);
    assert.is(loop.time(), 70_000);
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
});

test("VirtualClock: jumps to the next timer at once when run synchronously, never past the horizon", () => {
  const clock = new VirtualClock();
  assert.is(clock.now(), 0);
  assert.is(clock.untilNext(Infinity, Infinity, true), Infinity, "no timer: nothing to wait for");
  assert.is(clock.untilNext(50, 40, true), Infinity, "past the horizon: not jumped to");
  assert.is(clock.now(), 0);
  assert.is(clock.untilNext(50, Infinity, true), 0);
  assert.is(clock.now(), 50);
  assert.is(clock.untilNext(20, Infinity, true), 0, "already due");
  assert.is(clock.now(), 50, "time never goes back");
  clock.set(80);
  assert.is(clock.now(), 80);
});

test("VirtualClock: driven by the host, it yields once after work before it jumps", () => {
  const clock = new VirtualClock();
  assert.is(clock.untilNext(10, Infinity, false), YIELD);
  assert.is(clock.now(), 0);
  assert.is(clock.untilNext(10, Infinity, false), 0, "after a host turn with nothing to do: jumps");
  assert.is(clock.now(), 10);
  clock.ran();
  assert.is(clock.untilNext(30, Infinity, false), YIELD, "the loop ran since: yields again first");
  assert.is(clock.untilNext(10, Infinity, false), 0, "a due timer never waits");
});

test("RealClock: the host's time; the wait until the next timer", () => {
  let now = 100;
  const host = { name: "fake", now: () => now, immediate: () => {}, sleep: () => undefined, cancel: () => {} };
  const clock = new RealClock(host);
  assert.is(clock.now(), 100);
  assert.is(clock.untilNext(Infinity), Infinity);
  assert.is(clock.untilNext(130), 30);
  now = 130;
  assert.is(clock.untilNext(130), 0);
  assert.is(clock.untilNext(120), 0);
});

test.run();
