// Promise and AbortSignal interop.
import { getEventListeners } from "node:events";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CancelledError, EventLoop, currentTask, getRunningLoop, run, sleep, wrapPromise } from "../src/index.js";
import { toAbortSignal } from "../src/promises.js";
import { bothCores } from "./helpers.js";

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

  test("createTask({ signal }): 100,000 tasks on one signal leave no listener behind", ({ loop }) => {
    const controller = new AbortController();
    let done = 0;
    for (let i = 0; i < 100_000; i++) {
      loop.createTask((function* () {
        yield* sleep(i % 50);
        done++;
      })(), { signal: controller.signal });
    }
    loop._runUntilCompleteSync(sleep(100));
    assert.is(done, 100_000);
    assert.is(getEventListeners(controller.signal, "abort").length, 0);
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
