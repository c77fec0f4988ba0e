// Task: driving generator coroutines, cancellation, the yield protocol, on both cores.
import * as assert from "uvu/assert";
import {
  CancelledError, EventLoop, Future, Task, allTasks, createTask, currentTask, ensureFuture, getRunningLoop, sleep, taskGroup, waitFor, gather, shield, asCompleted, wrapPromise,
  type Coroutine, type ExceptionContext,
} from "../src/index.js";
import { loopStats } from "../src/testing/index.js";
import { bothCores, caught, runIn } from "./helpers.js";
import { MiniLoop, assertUnretrieved } from "./core-fixtures.js";

bothCores("Task", (test) => {
  test("createTask() the function - a task on the running loop, with a name; outside a loop it is an error", ({ loop }) => {
    const log: string[] = [];
    const result = runIn(loop, function* () {
      const t = createTask(function* () {
        log.push(`in ${currentTask()!.getName()}`);
        return 7;
      }(), { name: "child" });
      assert.ok(t.getLoop() === loop);
      log.push("created");
      return yield* t;
    }());
    assert.is(result, 7);
    assert.equal(log, ["created", "in child"]);
    assert.throws(() => createTask(function* () {}()), (e: unknown) => /no running event loop/.test(String(e)));
  });

  test("createTask() - runs the coroutine from the next iteration; result and names", ({ loop }) => {
    const log: string[] = [];
    function* work(n: number): Coroutine<number> {
      log.push(`start ${n}`);
      yield* sleep(10);
      return n * 2;
    }
    const a = loop.createTask(work(1));
    const b = loop.createTask(work(2), { name: "second" });
    assert.equal(log, []);
    assert.match(a.getName(), /^Task-\d+$/);
    assert.is(b.getName(), "second");
    b.setName("renamed");
    assert.is(b.getName(), "renamed");
    assert.is(String(b), `<Task pending name="renamed">`);
    assert.is(runIn(loop, a), 2);
    assert.is(b.result(), 4);
    assert.equal(log, ["start 1", "start 2"]);
    assert.is(String(b), `<Task finished name="renamed" result=4>`);
    const n1 = Number(a.getName().slice(5));
    const c = loop.createTask(work(3));
    assert.is(c.getName(), `Task-${n1 + 1}`); // a named task takes no number, as asyncio
    runIn(loop, c);
  });

  test("cancel() - CancelledError is thrown at the current yield; finally blocks run", ({ loop }) => {
    const log: string[] = [];
    const task = loop.createTask((function* () {
      try {
        log.push("sleeping");
        yield* sleep(1000);
        log.push("not reached");
      } finally {
        log.push("finally");
      }
    })());
    loop.callLater(10, () => log.push(`cancel returns ${task.cancel("enough")}`));
    const error = caught(() => runIn(loop, task));
    assert.instance(error, CancelledError);
    assert.is((error as Error).message, "enough");
    assert.ok(task.cancelled());
    assert.equal(log, ["sleeping", "cancel returns true", "finally"]);
    assert.not.ok(task.cancel());
    assert.is(loop.time(), 10);
  });

  test("cancel() before the first step: the coroutine never starts", ({ loop }) => {
    const log: string[] = [];
    const task = loop.createTask((function* () {
      log.push("started");
      yield;
    })());
    task.cancel();
    assert.is(task.cancelling(), 1);
    runIn(loop, sleep(0));
    assert.ok(task.cancelled());
    assert.equal(log, []);
  });

  test("a task that swallows the cancellation keeps running; cancelling()/uncancel()", ({ loop }) => {
    const log: unknown[] = [];
    const task = loop.createTask((function* () {
      try {
        yield* sleep(100);
      } catch (e) {
        log.push(e instanceof CancelledError ? "caught" : "other");
        log.push(currentTask()!.cancelling());
        log.push(currentTask()!.uncancel());
      }
      yield* sleep(5);
      return "survived";
    })());
    loop.callLater(1, () => task.cancel());
    assert.is(runIn(loop, task), "survived");
    assert.equal(log, ["caught", 1, 0]);
    assert.is(loop.time(), 6);
  });

  test("cancel() while the task waits on another task cancels that one too", ({ loop }) => {
    const log: string[] = [];
    const inner = loop.createTask((function* () {
      try {
        yield* sleep(100);
      } finally {
        log.push("inner finally");
      }
    })());
    const outer = loop.createTask((function* () {
      try {
        yield* inner;
      } finally {
        log.push("outer finally");
      }
    })());
    loop.callLater(1, () => outer.cancel());
    runIn(loop, sleep(2));
    assert.ok(inner.cancelled());
    assert.ok(outer.cancelled());
    assert.equal(log, ["inner finally", "outer finally"]);
  });

  test("an exception in the coroutine becomes the task's exception; awaiting re-throws it", ({ loop }) => {
    const failing = loop.createTask((function* (): Coroutine<never> {
      yield* sleep(1);
      throw new TypeError("broken");
    })());
    const waiter = loop.createTask((function* () {
      try {
        yield* failing;
        return "no";
      } catch (e) {
        return (e as Error).message;
      }
    })());
    assert.is(runIn(loop, waiter), "broken");
    assert.instance(failing.exception(), TypeError);
  });

  test("yield of a Promise waits for it (real clock); rejection is thrown in", async ({ newLoop }) => {
    const loop = newLoop({ clock: "real" });
    const v = await loop.runUntilComplete((function* () {
      const a = (yield Promise.resolve(5)) as number;
      const b = (yield new Promise<number>((r) => setTimeout(() => r(6), 2))) as number;
      try {
        yield Promise.reject(new Error("rejected"));
      } catch (e) {
        return a + b + (e as Error).message;
      }
    })());
    assert.is(v, "11rejected");
  });

  test("plain `yield fut` works (untyped) and receives the result", ({ loop }) => {
    const fut = loop.createFuture<string>();
    loop.callLater(3, () => fut.setResult("plain"));
    const v = runIn(loop, (function* () {
      return (yield fut) as string;
    })());
    assert.is(v, "plain");
  });

  test("bad yields throw a TypeError with a hint into the coroutine", ({ loop }) => {
    const messages: string[] = [];
    runIn(loop, (function* () {
      for (const bad of [42, "text", sleep(1)]) {
        try {
          yield bad;
        } catch (e) {
          assert.instance(e, TypeError);
          messages.push((e as Error).message);
        }
      }
    })());
    assert.match(messages[0], /^Task got bad yield: 42: .*did you mean yield\*\?/);
    assert.match(messages[1], /^Task got bad yield: "text"/);
    assert.match(messages[2], /^Task got bad yield: a generator: did you mean yield\* instead of yield\?/);
  });

  test("a task cannot await itself, nor a future of another loop", ({ loop, newLoop }) => {
    const other = newLoop();
    const foreign = other.createFuture();
    const messages: string[] = [];
    const holder: { self?: Task<void> } = {};
    const self = (holder.self = loop.createTask((function* () {
      try {
        yield* holder.self!;
      } catch (e) {
        messages.push((e as Error).message);
      }
      try {
        yield* foreign;
      } catch (e) {
        messages.push((e as Error).message);
      }
    })()));
    runIn(loop, self);
    assert.match(messages[0], /^Task cannot await on itself/);
    assert.match(messages[1], /attached to a different loop$/);
    foreign.cancel();
  });

  test("setResult()/setException() on a task throw", ({ loop }) => {
    const t = loop.createTask(sleep(0));
    assert.throws(() => t.setResult(undefined), /Task does not support setResult\(\)/);
    assert.throws(() => t.setException(new Error()), /Task does not support setException\(\)/);
    runIn(loop, t);
  });

  test("getCoro(), getStack(), currentTask(), allTasks(), getRunningLoop() inside a task", ({ loop }) => {
    const ref: { task?: Task<void> } = {};
    const coro = (function* () {
      assert.is(getRunningLoop(), loop);
      assert.is(currentTask(), ref.task);
      assert.ok(allTasks().has(ref.task!));
      yield* sleep(1);
    })();
    const task = (ref.task = loop.createTask(coro));
    assert.is(task.getCoro(), coro);
    const waiter = loop.createTask((function* () {
      yield* task;
    })());
    loop._runOnce();
    loop._runOnce();
    // The inner task is parked in its sleep (no future): the stack says until when.
    assert.equal(waiter.getStack(), [`awaiting ${task}`, "sleeping until 1"]);
    assert.equal(waiter.getStack({ limit: 1 }), ["sleeping until 1"]);
    assert.is(allTasks(loop).size, 2);
    runIn(loop, waiter);
    assert.equal(task.getStack(), []);
    assert.is(allTasks(loop).size, 0);
    assert.is(currentTask(loop), null);
  });

  test("strong references: a fire-and-forget task survives garbage collection", async ({ loop }) => {
    const gc = (globalThis as { gc?: () => void }).gc;
    const log: string[] = [];
    (() => {
      loop.createTask((function* () {
        yield* sleep(10);
        log.push("finished");
      })());
    })();
    gc?.();
    await new Promise((r) => setTimeout(r, 1));
    gc?.();
    runIn(loop, sleep(20));
    assert.equal(log, ["finished"]);
  });

  test("an unretrieved task exception is reported at close", ({ loop, errors }) => {
    const task = loop.createTask((function* (): Coroutine<never> {
      yield;
      throw new Error("nobody looked");
    })());
    runIn(loop, sleep(5));
    loop.close();
    assertUnretrieved(errors, "Task", "nobody looked");
  });

  test("debug mode records the creation site of a task for its report", ({ newLoop, errors }) => {
    const loop = newLoop({ debug: true });
    loop.createTask((function* (): Coroutine<never> {
      throw new Error("x");
    })());
    runIn(loop, sleep(1));
    loop.close();
    assert.is(errors.length, 1);
    assert.match(String(errors[0].sourceTraceback).split("\n")[0], /task\.test\.ts/);
    errors.length = 0;
  });

  test("createTask({ signal }) - abort cancels with the reason; the listener is removed at the end", async ({ loop }) => {
    const controller = new AbortController();
    const task = loop.createTask(sleep(1000), { signal: controller.signal });
    loop.callLater(5, () => controller.abort("user left"));
    const error = caught(() => runIn(loop, task));
    assert.instance(error, CancelledError);
    assert.is((error as Error).message, "user left");
    const aborted = loop.createTask(sleep(10), { signal: AbortSignal.abort(new Error("already")) });
    runIn(loop, sleep(1));
    assert.ok(aborted.cancelled());
    // Listeners go away when tasks end: many tasks on one signal leave none behind.
    const late = new AbortController();
    const cancelledLater = [loop.createTask(sleep(50), { signal: late.signal }), loop.createTask(sleep(60), { signal: late.signal })];
    loop.callLater(5, () => late.abort("late"));
    runIn(loop, sleep(10));
    assert.ok(cancelledLater.every((t) => t.cancelled()));
    const shared = new AbortController();
    // 1,000 tasks share it at once: not a leak, Node just warns past 10 (a browser has no such warning, nor node:events).
    if (typeof process !== "undefined") (await import("node:events")).default.setMaxListeners(2000, shared.signal);
    let added = 0, removed = 0;
    const { addEventListener, removeEventListener } = shared.signal;
    shared.signal.addEventListener = function (...a: Parameters<typeof addEventListener>) {
      added++;
      return addEventListener.apply(this, a);
    };
    shared.signal.removeEventListener = function (...a: Parameters<typeof removeEventListener>) {
      removed++;
      return removeEventListener.apply(this, a);
    };
    for (let i = 0; i < 1000; i++) loop.createTask(sleep(i % 10), { signal: shared.signal });
    runIn(loop, sleep(20));
    // One listener serves every task on the signal; it goes with the last task.
    assert.is(added, 1);
    assert.is(removed, 1);
    assert.throws(() => loop.createTask(sleep(1), { signal: {} as AbortSignal }), /options\.signal to be an AbortSignal/);
  });

  test("setTaskFactory() - createTask goes through the factory; the name is applied", ({ loop }) => {
    const made: string[] = [];
    class Traced<T> extends Task<T> {}
    const factory = (l: EventLoop, coro: Coroutine<any>) => {
      made.push("made");
      return new Traced(coro, { loop: l });
    };
    loop.setTaskFactory(factory);
    assert.is(loop.getTaskFactory(), factory);
    const t = loop.createTask(sleep(1, "v"), { name: "traced" });
    assert.instance(t, Traced);
    assert.is(t.getName(), "traced");
    assert.is(runIn(loop, t), "v");
    loop.setTaskFactory(null);
    assert.not.instance(loop.createTask(sleep(0)), Traced);
    runIn(loop, sleep(1));
    assert.equal(made, ["made"]);
  });

  test("a task step allocates no slot: 1,000 tasks x 100 switches keep live ids at the task count", ({ loop }) => {
    let switches = 0;
    const tasks: Task<void>[] = [];
    for (let i = 0; i < 1000; i++) {
      tasks.push(loop.createTask((function* () {
        for (let k = 0; k < 100; k++) {
          yield* sleep(0);
          switches++;
        }
      })()));
    }
    let maxLive = 0;
    while (!tasks.every((t) => t.done())) {
      loop._runOnce();
      maxLive = Math.max(maxLive, loopStats(loop).liveIds);
    }
    assert.is(switches, 100_000);
    assert.ok(maxLive <= 1000, `live ids peaked at ${maxLive}`);
  });
});

// Future and Task depend only on a small loop interface: a user's own loop runs them.
bothCores("Task on a user's own loop", (test) => {
  test("a minimal loop class (callSoon, callExceptionHandler, getDebug) runs real Tasks", () => {
    const loop = new MiniLoop();
    const log: string[] = [];
    const fut = loop.createFuture<number>();
    const t = new Task((function* () {
      log.push("step 1");
      assert.is(getRunningLoop(), loop);
      yield;
      log.push("step 2");
      const v = yield* fut;
      log.push(`got ${v}`);
      return v + 1;
    })(), { loop });
    loop.runOnce();
    loop.runOnce();
    fut.setResult(41);
    for (let i = 0; i < 3; i++) loop.runOnce();
    assert.ok(t.done());
    assert.is(t.result(), 42);
    assert.equal(log, ["step 1", "step 2", "got 41"]);
  });
});
