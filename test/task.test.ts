// Task: driving generator coroutines, cancellation, the yield protocol, on both cores.
import * as assert from "uvu/assert";
import {
  CancelledError, EventLoop, Future, Task, allTasks, createTask, currentTask, ensureFuture, getRunningLoop, sleep, taskGroup, waitFor, gather, shield, asCompleted, wrapPromise,
  type Coroutine, type ExceptionContext,
} from "../src/index.js";
import { setMaxListeners } from "node:events";
import { loopStats } from "../src/testing/index.js";
import { bothCores, caught } from "./helpers.js";

bothCores("Task", (test) => {
  test("createTask() the function - a task on the running loop, with a name; outside a loop it is an error", ({ loop }) => {
    const log: string[] = [];
    const result = loop._runUntilCompleteSync(function* () {
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
    assert.is(loop._runUntilCompleteSync(a), 2);
    assert.is(b.result(), 4);
    assert.equal(log, ["start 1", "start 2"]);
    assert.is(String(b), `<Task finished name="renamed" result=4>`);
    const n1 = Number(a.getName().slice(5));
    const c = loop.createTask(work(3));
    assert.is(c.getName(), `Task-${n1 + 1}`); // a named task takes no number, as asyncio
    loop._runUntilCompleteSync(c);
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
    let caught: unknown;
    try {
      loop._runUntilCompleteSync(task);
    } catch (e) {
      caught = e;
    }
    assert.instance(caught, CancelledError);
    assert.is((caught as Error).message, "enough");
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
    loop._runUntilCompleteSync(sleep(0));
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
    assert.is(loop._runUntilCompleteSync(task), "survived");
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
    loop._runUntilCompleteSync(sleep(2));
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
    assert.is(loop._runUntilCompleteSync(waiter), "broken");
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
    const v = loop._runUntilCompleteSync((function* () {
      return (yield fut) as string;
    })());
    assert.is(v, "plain");
  });

  test("bad yields throw a TypeError with a hint into the coroutine", ({ loop }) => {
    const messages: string[] = [];
    loop._runUntilCompleteSync((function* () {
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
    loop._runUntilCompleteSync(self);
    assert.match(messages[0], /^Task cannot await on itself/);
    assert.match(messages[1], /attached to a different loop$/);
    foreign.cancel();
  });

  test("setResult()/setException() on a task throw", ({ loop }) => {
    const t = loop.createTask(sleep(0));
    assert.throws(() => t.setResult(undefined), /Task does not support setResult\(\)/);
    assert.throws(() => t.setException(new Error()), /Task does not support setException\(\)/);
    loop._runUntilCompleteSync(t);
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
    assert.equal(waiter.getStack(), [`awaiting ${task}`, "awaiting <Future pending>"]);
    assert.equal(waiter.getStack({ limit: 1 }), ["awaiting <Future pending>"]);
    assert.is(allTasks(loop).size, 2);
    loop._runUntilCompleteSync(waiter);
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
    loop._runUntilCompleteSync(sleep(20));
    assert.equal(log, ["finished"]);
  });

  test("an unretrieved task exception is reported at close", ({ loop, errors }) => {
    const task = loop.createTask((function* (): Coroutine<never> {
      yield;
      throw new Error("nobody looked");
    })());
    loop._runUntilCompleteSync(sleep(5));
    loop.close();
    assert.is(errors.length, 1);
    assert.is(errors[0].message, "Task exception was never retrieved");
    assert.is((errors[0].exception as Error).message, "nobody looked");
    assert.not.ok("future" in errors[0]);
    errors.length = 0;
  });

  test("debug mode records the creation site of a task for its report", ({ newLoop, errors }) => {
    const loop = newLoop({ debug: true });
    loop.createTask((function* (): Coroutine<never> {
      throw new Error("x");
    })());
    loop._runUntilCompleteSync(sleep(1));
    loop.close();
    assert.is(errors.length, 1);
    assert.match(String(errors[0].sourceTraceback).split("\n")[0], /task\.test\.ts/);
    errors.length = 0;
  });

  test("debug mode: a slow task step is reported with the task's name and creation site", ({ newLoop }) => {
    const loop = newLoop({ debug: true, slowCallbackMs: 0 });
    const original = console.warn;
    const warned: string[] = [];
    console.warn = (m: string) => void warned.push(m);
    try {
      loop.createTask(sleep(0), { name: "slowpoke" });
      loop._runOnce();
    } finally {
      console.warn = original;
    }
    assert.is(warned.length, 1);
    assert.match(warned[0], /^Executing <Task pending name="slowpoke"> \(created at .*task\.test\.ts:\d+:\d+\)?\) took \d+\.\d{3} ms$/);
    loop._runUntilCompleteSync(sleep(1));
  });

  test("createTask({ signal }) - abort cancels with the reason; the listener is removed at the end", ({ loop }) => {
    const controller = new AbortController();
    const task = loop.createTask(sleep(1000), { signal: controller.signal });
    loop.callLater(5, () => controller.abort("user left"));
    let caught: unknown;
    try {
      loop._runUntilCompleteSync(task);
    } catch (e) {
      caught = e;
    }
    assert.instance(caught, CancelledError);
    assert.is((caught as Error).message, "user left");
    const aborted = loop.createTask(sleep(10), { signal: AbortSignal.abort(new Error("already")) });
    loop._runUntilCompleteSync(sleep(1));
    assert.ok(aborted.cancelled());
    // Listeners go away when tasks end: many tasks on one signal leave none behind.
    const late = new AbortController();
    const cancelledLater = [loop.createTask(sleep(50), { signal: late.signal }), loop.createTask(sleep(60), { signal: late.signal })];
    loop.callLater(5, () => late.abort("late"));
    loop._runUntilCompleteSync(sleep(10));
    assert.ok(cancelledLater.every((t) => t.cancelled()));
    const shared = new AbortController();
    setMaxListeners(2000, shared.signal); // 1,000 tasks share it at once: not a leak, Node just warns past 10
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
    loop._runUntilCompleteSync(sleep(20));
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
    assert.is(loop._runUntilCompleteSync(t), "v");
    loop.setTaskFactory(null);
    assert.not.instance(loop.createTask(sleep(0)), Traced);
    loop._runUntilCompleteSync(sleep(1));
    assert.equal(made, ["made"]);
  });

  test("createTask() of a Promise or an async function: says what it is and what to do instead", ({ loop }) => {
    async function fetchJson(): Promise<number> {
      return 1;
    }
    const promise = fetchJson();
    const thenable = { then(resolve: (v: number) => void) { resolve(2); } };
    const messages = [promise, thenable, fetchJson].map((bad) => {
      const e = caught(() => loop.createTask(bad as never)) as Error;
      assert.instance(e, TypeError);
      return e.message;
    });
    assert.is(messages[0], "loop.createTask() expected a generator (a coroutine), got a Promise: a Promise (what an async " +
      "function returns) cannot be driven or cancelled as a task; wait for it with wrapPromise(p) or ensureFuture(p), or write " +
      "the coroutine as a generator function (function*)");
    assert.match(messages[1], /^loop\.createTask\(\) expected a generator \(a coroutine\), got a thenable \(Object\): a thenable cannot be driven or cancelled as a task; wait for it with wrapPromise\(p\) or ensureFuture\(p\)/);
    assert.is(messages[2], "loop.createTask() expected a generator (a coroutine), got async function fetchJson: an async " +
      "function cannot be driven or cancelled as a task; write it as a generator function (function*), or wait for its " +
      "promise with wrapPromise(fetchJson()) or ensureFuture(fetchJson())");
    for (const m of messages) assert.not.match(m, /did you mean to call/);
    // The module-level createTask() names itself; ensureFuture() of a promise is legitimate.
    const inside = loop._runUntilCompleteSync(function* () {
      const e = caught(() => createTask(promise as never)) as Error;
      const fut = ensureFuture(promise);
      assert.instance(fut, Future);
      fut.cancel();
      yield* sleep(0);
      return e.message;
    }());
    assert.match(inside, /^createTask\(\) expected a generator \(a coroutine\), got a Promise: .*cannot be driven or cancelled as a task; wait for it with wrapPromise\(p\) or ensureFuture\(p\)/);
  });

  test("createTask() of a Future or a Task: it is already scheduled; yield* it or pass it to ensureFuture()", ({ loop }) => {
    const fut = loop.createFuture<number>();
    const task = loop.createTask(sleep(1, "t"), { name: "worker" });
    const e1 = caught(() => loop.createTask(fut as never)) as Error;
    const e2 = caught(() => loop.createTask(task as never)) as Error;
    assert.instance(e1, TypeError);
    assert.is(e1.message, "loop.createTask() expected a generator (a coroutine), got <Future pending>: a Future is already " +
      "scheduled: yield* it to wait for it, or pass it to ensureFuture()");
    assert.is(e2.message, `loop.createTask() expected a generator (a coroutine), got <Task pending name="worker">: a Task is ` +
      "already scheduled: yield* it to wait for it, or pass it to ensureFuture()");
    const e3 = loop._runUntilCompleteSync(function* () {
      return (caught(() => createTask(task as never)) as Error).message;
    }());
    assert.match(e3, /^createTask\(\) expected a generator \(a coroutine\), got <Task .*>: a Task is already scheduled: yield\* it to wait for it, or pass it to ensureFuture\(\)$/);
    assert.is(loop._runUntilCompleteSync(task), "t");
    fut.cancel();
  });

  test("errors name the call that was made: new Task(), loop.createTask(), createTask(), ensureFuture(), TaskGroup.createTask()", ({ loop }) => {
    function* work() {
      return 1;
    }
    const made: string[] = [];
    const message = (fn: () => unknown) => (caught(fn) as Error).message;
    assert.match(message(() => new Task(42 as never, { loop })), /^new Task\(\) expected a generator \(a coroutine\), got 42$/);
    assert.match(message(() => new Task(work(), { loop: 42 as never })), /^new Task\(\) expected options\.loop to be an event loop, got 42$/);
    assert.match(message(() => loop.createTask(work as never)), /^loop\.createTask\(\) expected a generator \(a coroutine\), got function work \(did you mean to call the generator function: work\(\)\?\)$/);
    // With a task factory too: the check is the loop's, before the factory is called.
    loop.setTaskFactory((l, coro) => {
      made.push("factory");
      return new Task(coro, { loop: l });
    });
    assert.match(message(() => loop.createTask(42 as never)), /^loop\.createTask\(\) expected a generator \(a coroutine\), got 42$/);
    loop.setTaskFactory(null);
    assert.equal(made, []);
    assert.match(message(() => ensureFuture(work as never, loop)), /^ensureFuture\(\) expected a Future, a generator \(coroutine\) or a Promise, got function work \(did you mean to call the generator function: work\(\)\?\)$/);
    const inside = loop._runUntilCompleteSync(function* () {
      const named = [message(() => createTask(work as never))];
      yield* taskGroup(function* (tg) {
        named.push(message(() => tg.createTask(42 as never)));
      });
      return named;
    }());
    assert.match(inside[0], /^createTask\(\) expected a generator \(a coroutine\), got function work/);
    assert.match(inside[1], /^TaskGroup\.createTask\(\) expected a generator/);
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
  // Issue 10, bug 1: whatever a coroutine throws or yields, its task ends, and no error
  // escapes a task step to the loop's exception handler (bothCores checks ctx.errors).
  const revoked = (): object => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };
  for (const [what, value] of [["undefined", undefined], ["null", null]] as const) {
    test(`a coroutine that throws ${what} - its task ends with an Error that keeps the value`, ({ loop }) => {
      const task = loop.createTask(function* () {
        yield* sleep(1);
        throw value;
      }());
      loop._runUntilCompleteSync(function* () {
        yield* sleep(5);
      }());
      assert.ok(task.done(), "the task ended");
      const exc = task.exception() as Error;
      assert.instance(exc, Error);
      assert.match(exc.message, new RegExp(`threw ${what}`));
      assert.ok("cause" in exc && exc.cause === value, "the thrown value is the cause");
    });
  }

  test("a coroutine that throws a revoked Proxy - its task ends with an Error that keeps it", ({ loop }) => {
    const proxy = revoked();
    const task = loop.createTask(function* (): Coroutine<void> {
      throw proxy;
    }());
    loop._runUntilCompleteSync(sleep(1));
    assert.ok(task.done());
    const exc = task.exception() as Error;
    assert.instance(exc, Error);
    assert.ok(exc.cause === proxy);
    assert.match(String(task), /exception=Error\("the coroutine threw an object that cannot be inspected/);
  });

  const badThenables: [string, () => unknown, string][] = [
    ["a thenable whose then getter throws", () => ({ get then() { throw new Error("getter boom"); } }), "getter boom"],
    ["a thenable whose then() throws", () => ({ then() { throw new Error("then boom"); } }), "then boom"],
    ["a revoked Proxy", revoked, "revoked"],
  ];
  for (const [what, make, message] of badThenables) {
    test(`a coroutine that yields ${what} - the error is thrown into it; uncaught, the task ends with it`, ({ loop }) => {
      const log: string[] = [];
      const caughtTask = loop.createTask(function* (): Coroutine<string> {
        try {
          yield make() as Future<unknown>;
        } catch (e) {
          log.push(`caught ${(e as Error).message}`);
        }
        return "went on";
      }());
      const failed = loop.createTask(function* (): Coroutine<void> {
        yield make() as Future<unknown>;
      }());
      loop._runUntilCompleteSync(sleep(1));
      assert.is(caughtTask.result(), "went on");
      assert.is(log.length, 1);
      assert.match(log[0], new RegExp(message));
      assert.ok(failed.done());
      assert.match(String((failed.exception() as Error).message), new RegExp(message));
    });
  }

  test("a thrown function is passed on as it is: gather, shield and asCompleted end with that very value", ({ loop }) => {
    const thrown = () => 1;
    function* bad(): Coroutine<void> {
      yield;
      throw thrown;
    }
    const seen: unknown[] = [];
    loop._runUntilCompleteSync(function* () {
      for (const wrap of [(t: Task<void>) => gather(t), (t: Task<void>) => shield(t), (t: Task<void>) => [...asCompleted([t])][0]]) {
        try {
          yield* wrap(loop.createTask(bad()));
        } catch (e) {
          seen.push(e);
        }
      }
      try {
        // A thenable that rejects at once (a Promise would settle only after runSync's job).
        yield* wrapPromise({ then: (_: unknown, reject: (e: unknown) => void) => reject(thrown) } as PromiseLike<never>);
      } catch (e) {
        seen.push(e);
      }
    }());
    assert.equal(seen.length, 4);
    for (const e of seen) assert.ok(e === thrown, `got ${String(e)}`);
  });

  test("a Proxy that throws on its second inspection ends its task (one guarded look decides)", ({ loop }) => {
    let n = 0;
    const hostile = new Proxy({}, {
      getPrototypeOf() {
        if (n++ > 0) throw new Error("inspected twice");
        return Object.prototype;
      },
    });
    const task = loop.createTask(function* (): Coroutine<void> {
      yield;
      throw hostile;
    }());
    loop._runUntilCompleteSync(sleep(1));
    assert.ok(task.done());
    assert.ok(task.exception() === hostile);
  });

  test("waitFor() and a TaskGroup with a child that throws undefined - both end", ({ loop }) => {
    const log: string[] = [];
    loop._runUntilCompleteSync(function* () {
      const child = createTask(function* (): Coroutine<void> {
        yield* sleep(10);
        throw undefined;
      }());
      try {
        yield* waitFor(child, 2000);
      } catch (e) {
        log.push(`waitFor: ${(e as Error).message}`);
      }
      try {
        yield* taskGroup(function* (tg) {
          tg.createTask(function* (): Coroutine<void> {
            throw null;
          }());
          yield* sleep(100);
        });
      } catch (e) {
        log.push(`group: ${(e as Error).name} ${((e as AggregateError).errors?.[0] as Error)?.message}`);
      }
    }());
    assert.equal(log, ["waitFor: the coroutine threw undefined", "group: ExceptionGroup the coroutine threw null"]);
  });
});

// Future and Task depend only on a small loop interface: a user's own loop runs them.
bothCores("Task on a user's own loop", (test) => {
  test("a minimal loop class (callSoon, callExceptionHandler, getDebug) runs real Tasks", () => {
    class MiniLoop {
      ready: [(...a: any[]) => unknown, unknown[]][] = [];
      errors: ExceptionContext[] = [];
      callSoon(cb: (...a: any[]) => unknown, ...args: unknown[]) {
        this.ready.push([cb, args]);
      }
      callExceptionHandler(c: ExceptionContext) {
        this.errors.push(c);
      }
      getDebug() {
        return false;
      }
      createFuture<T>(): Future<T> {
        return new Future<T>({ loop: this });
      }
      runOnce() {
        for (const [cb, args] of this.ready.splice(0, this.ready.length)) cb(...args);
      }
    }
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
