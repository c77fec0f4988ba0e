// loop.metrics(): counts from a known program on the virtual clock (exact), times as
// consistent non-negative numbers (host time, never exact), on both cores.
import * as assert from "uvu/assert";
import { sleep, type Coroutine, type LoopMetrics } from "../../src/index.js";
import { bothCores, runIn } from "../helpers.js";

const KEYS: (keyof LoopMetrics)[] = [
  "iterations", "callbacksRun", "tasksSpawned", "tasksFinished", "tasksAlive", "timersScheduled", "timersCancelled",
  "timersFired", "busyMs", "idleMs", "longestIterationMs", "slowCallbacks",
];

bothCores("loop.metrics()", (test) => {
  test("a new loop: every counter 0", ({ loop }) => {
    const m = loop.metrics();
    assert.equal(Object.keys(m).sort(), [...KEYS].sort());
    for (const k of KEYS) assert.is(m[k], 0, k);
  });

  test("tasks, timers, iterations and callbacks of a known program", ({ loop }) => {
    loop.callSoon(() => {});
    loop.callLater(5, () => {}); // fires
    loop.callLater(50, () => {}).cancel(); // cancelled before it fires
    const main = loop.createTask((function* (): Coroutine<void> {
      const a = loop.createTask(sleep(10)); // parks: a timer that fires
      const b = loop.createTask(sleep(20)); // parks, then is cancelled: a timer cancelled
      yield* sleep(0);
      const alive = loop.metrics().tasksAlive;
      assert.is(alive, 3);
      yield* a;
      b.cancel();
      try {
        yield* b;
      } catch {
        // cancelled
      }
    })());
    runIn(loop, main);
    const m = loop.metrics();
    assert.is(m.tasksSpawned, 3);
    assert.is(m.tasksFinished, 3);
    assert.is(m.tasksAlive, 0);
    assert.is(m.timersScheduled, 4, "callLater ×2, and sleep(10) and sleep(20) parked (sleep(0) is a switch, no timer)");
    assert.is(m.timersCancelled, 2);
    assert.is(m.timersFired, 2);
    assert.is(m.timersScheduled, m.timersCancelled + m.timersFired, "none pending at the end");
    assert.ok(m.iterations >= 5, `${m.iterations} iterations`);
    assert.ok(m.callbacksRun >= m.iterations, "each iteration ran a batch of at least one entry");
    assert.is(m.slowCallbacks, 0, "only debug mode times callbacks");
  });

  test("times: busy covers the longest iteration; runSync is never idle", ({ loop }) => {
    // One iteration holds the host's clock for 2 ms: a browser's performance.now() is coarse
    // (100 µs steps, with jitter), so iterations of microseconds may all read 0.
    loop.callSoon(() => {
      const t0 = performance.now();
      while (performance.now() - t0 < 2);
    });
    runIn(loop, loop.createTask((function* () {
      for (let i = 0; i < 50; i++) yield* sleep(1);
    })()));
    const m = loop.metrics();
    for (const k of ["busyMs", "idleMs", "longestIterationMs"] as const) assert.ok(Number.isFinite(m[k]) && m[k] >= 0, `${k} ${m[k]}`);
    assert.ok(m.busyMs >= m.longestIterationMs);
    assert.ok(m.longestIterationMs >= 1.5, `longest ${m.longestIterationMs} ms`);
    assert.is(m.idleMs, 0);
  });

  test("run on the host: the time asleep until a real timer counts as idle", async ({ newLoop }) => {
    const loop = newLoop({ clock: "real" });
    await loop.runUntilComplete(sleep(20));
    const m = loop.metrics();
    assert.ok(m.idleMs >= 10, `idle ${m.idleMs} ms over a 20 ms sleep`);
    assert.ok(m.busyMs >= 0 && m.busyMs < m.idleMs + 1000);
    assert.is(m.timersFired, 1);
  });

  test("slow callbacks: none counted under the threshold (debug mode counting them: test/loop/debug-mode.test.ts)", ({ newLoop }) => {
    const loop = newLoop({ debug: true, slowCallbackMs: 1e9 });
    loop.callSoon(() => {});
    runIn(loop, sleep(1));
    assert.is(loop.metrics().slowCallbacks, 0);
    const snapshot = loop.metrics();
    snapshot.iterations = -1; // a copy: the loop's counters are untouched
    assert.ok(loop.metrics().iterations > 0);
  });
});
