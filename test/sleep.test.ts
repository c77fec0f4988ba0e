// sleep(): the task traps (traps.ts) on both cores, in virtual time. A sleeping task parks
// its own slot in the timer structure; sleep(0) switches without allocating; a driver of
// its own (the asyncio walkthrough's Task) still gets a Future.
import * as assert from "uvu/assert";
import { CancelledError, Future, sleep, Task, type Coroutine, type LoopLike } from "../src/index.js";
import { loopStats } from "../src/testing/index.js";
import { bothCores, runIn } from "./helpers.js";

bothCores("sleep: parked tasks", (test) => {
  test("a sleeping task holds no future, timer handle or extra slot: its own slot is in the timers", ({ loop }) => {
    const tasks = Array.from({ length: 100 }, (_, i) => loop.createTask(sleep(10 + i, i)));
    loop._runOnce();
    const stats = loopStats(loop);
    assert.is(stats.liveIds, 100, "one slot per task, none for the sleeps");
    assert.is(stats.timers, 100);
    assert.equal(runIn(loop, tasks[99]), 99);
    assert.is(loop.time(), 109);
    assert.equal(tasks.map((t) => t.result()), Array.from({ length: 100 }, (_, i) => i));
    assert.is(loopStats(loop).liveIds, 0);
  });

  test("a sleeping task resumes the iteration after its timer fires, as asyncio's sleep future wakes its task", ({ loop }) => {
    const events: string[] = [];
    const task = loop.createTask((function* () {
      yield* sleep(10);
      events.push("task");
    })());
    loop._runOnce(); // the task parks until 10
    loop.callLater(10, () => events.push("callback due with it, scheduled after"));
    runIn(loop, task);
    // asyncio: at 10 the sleep's timer sets its future (the task's wake-up is queued), then the callback runs.
    assert.equal(events, ["callback due with it, scheduled after", "task"]);
  });

  test("cancelled after its timer fired, before it resumed: CancelledError at that resumption (asyncio's must-cancel)", ({ loop }) => {
    const events: string[] = [];
    const holder: { task?: Task<void> } = {};
    holder.task = loop.createTask((function* () {
      try {
        yield* sleep(10);
        events.push("slept");
      } catch (e) {
        events.push(`${(e as Error).name} at ${loop.time()}`);
      }
    })());
    loop._runOnce();
    // Due with the task's timer, scheduled after it: runs once the wake-up is queued.
    loop.callLater(10, () => {
      events.push("cancel");
      assert.ok(holder.task!.cancel());
    });
    runIn(loop, holder.task);
    assert.equal(events, ["cancel", "CancelledError at 10"]);
  });

  test("cancelled while parked, then sleeping again: the old deadline never wakes it", ({ loop }) => {
    const events: string[] = [];
    const task = loop.createTask((function* () {
      try {
        yield* sleep(100);
        events.push("first sleep ended");
      } catch (e) {
        events.push(`cancelled at ${loop.time()}: ${(e as Error).message}`);
      }
      yield* sleep(200);
      events.push(`woke at ${loop.time()}`);
      return "done";
    })());
    loop.callLater(10, () => task.cancel("stop"));
    assert.is(runIn(loop, task), "done");
    assert.equal(events, ["cancelled at 10: stop", "woke at 210"]);
    assert.is(loopStats(loop).timers, 0);
  });

  test("cancelled and re-parked many times over: every wake-up is the latest deadline's", ({ loop }) => {
    const woke: number[] = [];
    const task = loop.createTask((function* () {
      for (let round = 0; round < 50; round++) {
        const start = loop.time();
        try {
          yield* sleep(30);
          woke.push(loop.time() - start);
        } catch {
          // cancelled: sleep again from now
        }
      }
    })());
    // Cancel every 7 ms: most sleeps are cut short, and no stale wake-up may end one early.
    const h = { stop: false };
    const tick = (): void => {
      if (h.stop) return;
      task.cancel();
      loop.callLater(7, tick);
    };
    loop.callLater(7, tick);
    loop.callLater(200, () => (h.stop = true));
    runIn(loop, task);
    assert.ok(woke.length > 0);
    assert.ok(woke.every((ms) => ms === 30), `woke after ${woke.join(", ")} ms`);
  });

  test("cancelled in the iteration its timer fires, before it runs: CancelledError next iteration, as asyncio", ({ loop }) => {
    const events: string[] = [];
    const holder: { task?: Task<void> } = {};
    // Scheduled first, so it runs before the task's wake-up in the iteration at t=100.
    loop.callAt(100, () => {
      events.push("cancel");
      holder.task!.cancel();
      loop.callSoon(() => events.push("soon, scheduled after the cancel"));
    });
    holder.task = loop.createTask((function* () {
      try {
        yield* sleep(100);
        events.push("slept");
      } catch (e) {
        events.push(e instanceof CancelledError ? "CancelledError" : String(e));
      }
    })());
    runIn(loop, holder.task);
    // asyncio: the cancel schedules the task's wake-up before the callSoon, in the next iteration.
    assert.equal(events, ["cancel", "CancelledError", "soon, scheduled after the cancel"]);
  });

  test("a task that cancels itself, then sleeps: CancelledError at that sleep, next iteration", ({ loop }) => {
    const events: string[] = [];
    const holder: { task?: Task<void> } = {};
    const task = (holder.task = loop.createTask((function* () {
      holder.task!.cancel("self");
      loop.callSoon(() => events.push("soon"));
      try {
        yield* sleep(50);
      } catch (e) {
        events.push(`${(e as Error).name}: ${(e as Error).message} at ${loop.time()}`);
      }
    })()));
    runIn(loop, task);
    assert.equal(events, ["soon", "CancelledError: self at 0"]);
  });

  test("uncancel() after cancelling a parked task does not stop its CancelledError (as a cancelled sleep future)", ({ loop }) => {
    const events: string[] = [];
    const task = loop.createTask((function* () {
      try {
        yield* sleep(50);
        events.push("slept");
      } catch (e) {
        events.push(`caught ${(e as Error).name}`);
      }
    })());
    loop.callLater(5, () => {
      task.cancel();
      events.push(`uncancel -> ${task.uncancel()}`);
    });
    runIn(loop, task);
    assert.equal(events, ["uncancel -> 0", "caught CancelledError"]);
  });

  test("getStack() of a parked task says until when", ({ loop }) => {
    const task = loop.createTask(sleep(25));
    loop._runOnce();
    assert.equal(task.getStack(), ["sleeping until 25"]);
    runIn(loop, task);
    assert.equal(task.getStack(), []);
  });

  test("sleep(0) inside a task is one shared object; a task switch takes one iteration", ({ loop }) => {
    const order: string[] = [];
    function* worker(name: string): Coroutine<void> {
      for (let i = 0; i < 3; i++) {
        order.push(`${name}${i}`);
        yield* sleep(0);
      }
    }
    const seen = new Set<unknown>();
    runIn(loop, loop.createTask((function* () {
      seen.add(sleep(0));
      seen.add(sleep(0));
      const a = loop.createTask(worker("a")), b = loop.createTask(worker("b"));
      yield* a;
      yield* b;
    })()));
    assert.is(seen.size, 1);
    assert.equal(order, ["a0", "b0", "a1", "b1", "a2", "b2"]);
  });

  test("a bare yield still resumes with undefined; sleep(0, value) returns its value", ({ loop }) => {
    const got: unknown[] = [];
    runIn(loop, loop.createTask((function* () {
      got.push(yield);
      got.push(yield* sleep(0, "v"));
      got.push(yield* sleep(0));
    })()));
    assert.equal(got, [undefined, "v", undefined]);
  });

  test("a generator driver of its own (the asyncio walkthrough's Task) gets a Future from sleep(ms)", ({ loop }) => {
    const events: string[] = [];
    function* coro(): Coroutine<string> {
      yield* sleep(30);
      return "slept";
    }
    const gen = coro();
    const done = loop.createFuture<string>();
    // Stepped from plain callbacks, never inside a wasyncio Task's step.
    const step = (value?: unknown): void => {
      const r = gen.next(value);
      if (r.done) {
        done.setResult(r.value);
        return;
      }
      assert.instance(r.value, Future);
      events.push(`waits on a Future at ${loop.time()}`);
      (r.value as Future<unknown>).addDoneCallback((f) => step(f.result()));
    };
    loop.callSoon(step);
    assert.is(runIn(loop, done), "slept");
    assert.equal(events, ["waits on a Future at 0"]);
    assert.is(loop.time(), 30);
  });
});

/** A user's own loop (LoopLike with callSoon/callLater/createFuture): a Task on it cannot park. */
bothCores("sleep: tasks on a loop without task slots", (test) => {
  test("sleep(ms) waits on a fallback future; cancelling it cancels its timer", ({ loop }) => {
    // Forwards to a real loop, but hides its task-slot internals.
    const own: LoopLike = {
      callSoon: (cb: (...a: any[]) => unknown, ...args: any[]) => loop.callSoon(cb, ...args),
      callLater: (ms: number, cb: (...a: any[]) => unknown, ...args: any[]) => loop.callLater(ms, cb, ...args),
      createFuture: () => new Future({ loop: own }),
      getDebug: () => false,
      callExceptionHandler: (ctx: Parameters<LoopLike["callExceptionHandler"]>[0]) => loop.callExceptionHandler(ctx),
      time: () => loop.time(),
      isClosed: () => false,
    } as unknown as LoopLike;
    const slept = new Task((function* () {
      const v = yield* sleep(40, "v");
      return `${v} at ${loop.time()}`;
    })(), { loop: own });
    const cancelled = new Task(sleep(1000), { loop: own });
    loop.callLater(10, () => cancelled.cancel());
    const main = loop.createTask((function* () {
      while (!slept.done() || !cancelled.done()) yield* sleep(5);
    })());
    runIn(loop, main);
    assert.is(slept.result(), "v at 40");
    assert.ok(cancelled.cancelled());
    assert.is(loopStats(loop).timers, 0);
  });
});

bothCores("sleep: memory", (test) => {
  test("10,000 parked-then-cancelled tasks leave no timer records behind", ({ loop }) => {
    const tasks = Array.from({ length: 10_000 }, (_, i) => loop.createTask(sleep(1000 + i)));
    loop._runOnce();
    for (const t of tasks) t.cancel();
    loop._runOnce();
    assert.is(loopStats(loop).timers, 0);
    assert.ok(tasks.every((t) => t.cancelled()));
    assert.is(loopStats(loop).liveIds, 0);
  });
});

