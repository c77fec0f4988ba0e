// Promise and AbortSignal interop.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CancelledError, EventLoop, currentTask, getRunningLoop, run, sleep, wrapPromise, type Coroutine } from "../src/index.js";
import { toAbortSignal } from "../src/promises.js";
import { bothCores, caught, runIn } from "./helpers.js";

bothCores("Interop", (test) => {
  test("toAbortSignal(fut) aborts with the CancelledError when the future is cancelled", ({ loop }) => {
    const fut = loop.createFuture();
    const signal = toAbortSignal(fut);
    const seen: unknown[] = [];
    signal.addEventListener("abort", () => seen.push(signal.reason));
    fut.cancel("enough");
    loop._runOnce();
    assert.ok(signal.aborted);
    assert.instance(seen[0], CancelledError);
    assert.is((seen[0] as Error).message, "enough");
    const done = loop.createFuture();
    done.setResult(1);
    assert.not.ok(toAbortSignal(done).aborted);
    const finished = loop.createFuture();
    const s2 = toAbortSignal(finished);
    finished.setResult(2);
    loop._runOnce();
    assert.not.ok(s2.aborted); // only a cancellation aborts
    const already = loop.createFuture();
    already.cancel();
    assert.ok(toAbortSignal(already).aborted);
    assert.throws(() => toAbortSignal({} as never), /toAbortSignal\(\) expected a Future/);
  });

  test("a task's own signal: cancelling the task aborts the promise-based work it started", async ({ newLoop }) => {
    const loop = newLoop({ clock: "real" });
    const log: string[] = [];
    const task = loop.createTask((function* () {
      const signal = toAbortSignal(currentTask()!);
      const work = new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => resolve("finished"), 1000);
        signal.addEventListener("abort", () => {
          clearTimeout(t);
          log.push("work aborted");
          reject(signal.reason);
        });
      });
      try {
        return yield* wrapPromise(work);
      } catch (e) {
        log.push(e instanceof CancelledError ? "task cancelled" : "other");
        throw e;
      }
    })());
    loop.callLater(5, () => task.cancel());
    await loop.runUntilComplete(task).catch(() => {});
    await loop.runUntilComplete(sleep(1));
    assert.ok(task.cancelled());
    assert.equal(log, ["task cancelled", "work aborted"]);
  });

  test("createTask({ signal }): 100,000 tasks on one signal leave no listener behind", async ({ loop }) => {
    const controller = new AbortController();
    let done = 0;
    for (let i = 0; i < 100_000; i++) {
      loop.createTask((function* () {
        yield* sleep(i % 50);
        done++;
      })(), { signal: controller.signal });
    }
    runIn(loop, sleep(100));
    assert.is(done, 100_000);
    // Only Node can list an EventTarget's listeners; in a browser the count of tasks done is what is checked.
    if (typeof process !== "undefined") assert.is((await import("node:events")).default.getEventListeners(controller.signal, "abort").length, 0);
  });

  test("await sleep(ms, value) in an async function waits ms on the running loop, then gives value", async ({ core }) => {
    const log: string[] = [];
    const result = await run(async () => {
      const loop = getRunningLoop(); // only before the first await: an async function resumes between iterations
      const t0 = loop.time();
      loop.callLater(50, () => log.push(`timer at ${loop.time() - t0}`));
      loop.createTask(function* () {
        yield* sleep(150);
        log.push(`task at ${loop.time() - t0}`);
      }());
      const v = await sleep(100, "slept");
      log.push(`awaited sleep(100) at ${loop.time() - t0}: ${v}`);
      await sleep(0);
      log.push(`awaited sleep(0) at ${loop.time() - t0}`);
      const w = await sleep(100);
      log.push(`awaited sleep(100) at ${loop.time() - t0}: ${w}`);
      return loop.time() - t0;
    }, { clock: "virtual", core });
    assert.is(result, 200);
    assert.equal(log, [
      "timer at 50", "awaited sleep(100) at 100: slept", "awaited sleep(0) at 100", "task at 150", "awaited sleep(100) at 200: undefined",
    ]);
  });

  test("await sleep() on a loop run by runUntilComplete(), and from a Promise chain", async ({ newLoop }) => {
    const loop = newLoop();
    const log: string[] = [];
    const main = async () => {
      await sleep(30);
      log.push(`slept until ${loop.time()}`);
      return Promise.resolve(sleep(20, "chained")).then((v) => `${v} at ${loop.time()}`);
    };
    assert.is(await loop.runUntilComplete(main()), "chained at 50");
    assert.equal(log, ["slept until 30"]);
  });

  test("await sleep() whose loop closes before the sleep ends rejects, rather than never settling", async ({ newLoop }) => {
    const loop = newLoop();
    let late!: Promise<unknown>;
    await loop.runUntilComplete((async () => {
      late = (async () => await sleep(1000, "too late"))().then((v) => v, (e: unknown) => e);
      await sleep(10);
    })());
    loop.close();
    const outcome = await late;
    assert.instance(outcome, Error);
    assert.match((outcome as Error).message, /^sleep\(1000\) was awaited on an event loop that closed before the sleep ended$/);
  });

  test("await sleep() with no running loop rejects with an Error that says so", async () => {
    const outcome = await (async () => await sleep(10, "never"))().then((v) => v, (e: unknown) => e);
    assert.instance(outcome, Error);
    assert.match((outcome as Error).message, /^sleep\(\) was awaited outside a running event loop; /);
    const zero = await (async () => await sleep(0))().then((v) => v, (e: unknown) => e);
    assert.match((zero as Error).message, /^sleep\(\) was awaited outside a running event loop; /);
  });

  test("yield sleep(ms) without the star is a bad yield, thenable or not: a TypeError, no timer, no wait", ({ loop }) => {
    const log: string[] = [];
    const t0 = loop.time();
    const result = runIn(loop, function* (): Coroutine<string> {
      for (const s of [sleep(100, "v"), sleep(0, "w")]) {
        try {
          const got: unknown = yield s;
          log.push(`got ${String(got)}`);
        } catch (e) {
          log.push(`${(e as Error).name}: ${(e as Error).message} at ${loop.time() - t0}`);
        }
      }
      return yield* sleep(5, "starred");
    }());
    assert.is(result, "starred");
    assert.equal(log, [
      "TypeError: Task got bad yield: a generator: did you mean yield* instead of yield? at 0",
      "TypeError: Task got bad yield: a generator: did you mean yield* instead of yield? at 0",
    ]);
    assert.is(loop.time() - t0, 5);
  });

  test("two loops running: await sleep() between their iterations cannot tell which, and says so", async ({ newLoop }) => {
    const a = newLoop({ clock: "real" }), b = newLoop({ clock: "real" });
    const stopA = a.createFuture<void>(), stopB = b.createFuture<void>();
    const runs = [a.runUntilComplete(stopA), b.runUntilComplete(stopB)];
    const outcome = await (async () => await sleep(1))().then((v) => v, (e: unknown) => e);
    stopA.setResult();
    stopB.setResult();
    await Promise.all(runs);
    assert.instance(outcome, Error);
    assert.match((outcome as Error).message, /^sleep\(\) was awaited while 2 event loops are running/);
    assert.ok(caught(() => sleep(NaN)) instanceof RangeError, "a bad ms still throws at the call");
  });
});

test("run() drives an async function; a Future is awaitable from it", async () => {
  const v = await run(async () => {
    const loop = getRunningLoopSafe();
    const t = loop?.createTask(sleep(5, 21));
    return t ? (await t) * 2 : -1;
  });
  assert.is(v, 42);
});

// An async function passed to run() starts inside the loop's first step.
function getRunningLoopSafe(): EventLoop | null {
  try {
    return getRunningLoop();
  } catch {
    return null;
  }
}

test.run();
