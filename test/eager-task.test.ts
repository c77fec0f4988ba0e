// Eager tasks (asyncio 3.12's eager task factory, 3.14's `eager_start`), on both cores in
// virtual time. Mirrors CPython's test_asyncio/test_eager_task_factory.py: the first step
// runs inside createTask with the task current and in its own Context; a task that ends
// there never touches the ready queue; a loop that is not running ignores eagerStart.
import * as assert from "uvu/assert";
import {
  CancelledError, ContextVar, ExceptionGroup, Task, TaskGroup, allTasks, createEagerTaskFactory, createTask,
  currentTask, eagerTaskFactory, gather, sleep, startTrace, taskGroup, type Coroutine, type EventLoop, type Instrument,
  type TaskOptions,
} from "../src/index.js";
import { _schedulerCore } from "../src/testing/inspect.js";
import { MiniLoop } from "./core-fixtures.js";
import { bothCores, caught, runIn } from "./helpers.js";
import { validateTrace } from "./trace-format.js";

/** Runs `main` as a task of `loop` until it is done; its result. */
function runMain<T>(loop: EventLoop, main: () => Coroutine<T>): T {
  return runIn<T>(loop, loop.createTask(main(), { name: "main" }));
}

bothCores("eager tasks: createTask(coro, { eagerStart: true })", (test) => {
  test("the first step runs inside createTask, before the creator goes on; a non-eager task waits for the next iteration", ({ loop }) => {
    const events: string[] = [];
    function* child(name: string): Coroutine<void> {
      events.push(`${name} step 1`);
      yield* sleep(0);
      events.push(`${name} step 2`);
    }
    runMain(loop, function* () {
      const lazy1 = createTask(child("lazy1"));
      events.push("created lazy1");
      const eager = createTask(child("eager"), { eagerStart: true });
      events.push("created eager");
      const lazy2 = loop.createTask(child("lazy2"), { eagerStart: false });
      events.push("created lazy2");
      yield* sleep(0);
      events.push("main resumed");
      yield* gather(lazy1, eager, lazy2);
    });
    // asyncio: the eager task's sleep(0) queued its next step right then, after lazy1's first.
    assert.equal(events, [
      "created lazy1", "eager step 1", "created eager", "created lazy2",
      "lazy1 step 1", "eager step 2", "lazy2 step 1", "main resumed", "lazy1 step 2", "lazy2 step 2",
    ]);
  });

  test("a task that finishes eagerly is done on return and never touches the ready queue", ({ loop }) => {
    const scheduled: string[] = [];
    loop.addInstrument({ taskScheduled: (t) => void scheduled.push(t.getName()) });
    const core = _schedulerCore(loop);
    runMain(loop, function* () {
      const before = loop.metrics();
      const staged = core.pending();
      const t = createTask((function* () { return "hello" })(), { name: "quick", eagerStart: true });
      assert.ok(t.done());
      assert.is(t.result(), "hello");
      assert.is(core.pending(), staged, "nothing queued");
      const after = loop.metrics();
      assert.is(after.tasksSpawned - before.tasksSpawned, 1);
      assert.is(after.tasksFinished - before.tasksFinished, 1);
      assert.is(after.callbacksRun, before.callbacksRun);
      assert.is(yield* t, "hello");
    });
    assert.ok(!scheduled.includes("quick"), `quick was never scheduled: ${scheduled.join(", ")}`);
  });

  test("a future set during the eager step (test_await_future_during_eager_step)", ({ loop }) => {
    const result = runMain(loop, function* () {
      const fut = loop.createFuture<string>();
      const t = createTask((function* () { fut.setResult("my message") })(), { eagerStart: true });
      assert.ok(t.done());
      return yield* fut;
    });
    assert.is(result, "my message");
  });

  test("a task that suspends goes on as usual: it is pending on return and resumes when its wait ends", ({ loop }) => {
    const events: string[] = [];
    const result = runMain(loop, function* () {
      const fut = loop.createFuture<number>();
      const t = createTask((function* () {
        events.push("waiting");
        const v = yield* fut;
        events.push(`woke with ${v} at ${loop.time()}`);
        yield* sleep(10);
        return v * 2;
      })(), { eagerStart: true });
      assert.not.ok(t.done());
      assert.ok(allTasks().has(t), "a suspended eager task is among allTasks()");
      loop.callLater(5, () => fut.setResult(21));
      return yield* t;
    });
    assert.is(result, 42);
    assert.equal(events, ["waiting", "woke with 21 at 5"]);
    assert.is(loop.time(), 15);
  });

  test("an exception in the eager step ends the task with it; createTask itself does not throw", ({ loop }) => {
    const boom = new Error("boom");
    runMain(loop, function* () {
      const t = createTask((function* (): Coroutine<never> { throw boom })(), { eagerStart: true });
      assert.ok(t.done());
      assert.is(t.exception(), boom);
      assert.is(caught(() => t.result()), boom);
    });
  });

  test("cancelled during its eager step: the future it then awaits is cancelled and it wakes with CancelledError", ({ loop }) => {
    const events: string[] = [];
    runMain(loop, function* () {
      const fut = loop.createFuture<void>();
      const t = createTask((function* () {
        currentTask()!.cancel("early");
        try {
          yield* fut;
        } catch (e) {
          events.push(`${(e as Error).name}: ${(e as Error).message} at ${loop.time()}`);
          throw e;
        }
      })(), { eagerStart: true });
      assert.ok(fut.cancelled(), "asyncio cancels the awaited future at once");
      assert.not.ok(t.done());
      yield* sleep(0);
      yield* sleep(0);
      assert.ok(t.cancelled());
    });
    assert.equal(events, ["CancelledError: early at 0"]);
  });

  test("cancelled after its eager step blocked: CancelledError with the message (test_cancellation_after_eager_step_blocks)", ({ loop }) => {
    const err = caught(() => runMain(loop, function* () {
      const t = createTask(sleep(100, "late"), { eagerStart: true });
      t.cancel("cancellation message");
      assert.ok(t.cancelling() > 0);
      yield* t;
    }));
    assert.instance(err, CancelledError);
    assert.is((err as Error).message, "cancellation message");
    assert.is(loop.time(), 0, "the sleep was cancelled at once");
  });

  test("cancelling a task that finished eagerly fails: its result stands (test_cancellation_after_eager_completion)", ({ loop }) => {
    const result = runMain(loop, function* () {
      const t = createTask((function* () { return "finished without blocking" })(), { eagerStart: true });
      assert.not.ok(t.cancel());
      const r = yield* t;
      assert.not.ok(t.cancelled());
      return r;
    });
    assert.is(result, "finished without blocking");
  });

  test("currentTask() is the eager task inside its step, and the creator again after, through nesting", ({ loop }) => {
    const seen: string[] = [];
    const name = () => currentTask()?.getName() ?? "none";
    runMain(loop, function* () {
      seen.push(`main: ${name()}`);
      const outer = createTask((function* () {
        seen.push(`outer: ${name()}`);
        const inner = createTask((function* () {
          seen.push(`inner: ${name()}`);
          yield* sleep(1);
          seen.push(`inner resumed: ${name()}`);
        })(), { name: "inner", eagerStart: true });
        seen.push(`outer after inner: ${name()}`);
        yield* inner;
      })(), { name: "outer", eagerStart: true });
      seen.push(`main after outer: ${name()}`);
      yield* outer;
    });
    // From a plain callback of the running loop: no creator task, none after.
    loop.callSoon(() => {
      loop.createTask((function* () { seen.push(`from a callback: ${name()}`) })(), { name: "cb-task", eagerStart: true });
      seen.push(`callback after: ${name()}`);
    });
    runIn(loop, sleep(0));
    assert.equal(seen, [
      "main: main", "outer: outer", "inner: inner", "outer after inner: outer", "main after outer: main",
      "inner resumed: inner", "from a callback: cb-task", "callback after: none",
    ]);
  });

  test("allTasks() includes the task during its eager step; a task that finished there is gone after", ({ loop }) => {
    runMain(loop, function* () {
      let during: Set<Task<any>> | undefined;
      const t = createTask((function* () { during = allTasks() })(), { eagerStart: true });
      assert.ok(during!.has(t));
      assert.not.ok(allTasks().has(t));
      const fut1 = loop.createFuture<void>(), fut2 = loop.createFuture<void>();
      const b = createTask((function* () {
        during = allTasks();
        yield* fut1;
        fut2.setResult();
      })(), { eagerStart: true });
      assert.ok(during!.has(b));
      assert.ok(allTasks().has(b));
      fut1.setResult();
      yield* fut2;
      yield* sleep(0);
      assert.not.ok(allTasks().has(b));
    });
  });

  test("a ContextVar set in the eager step stays in the task, not the creator (test_context_vars)", ({ loop }) => {
    const cv = new ContextVar<number>("cv", { default: 0 });
    const steps: string[] = [];
    runMain(loop, function* () {
      cv.set(1);
      const t = createTask((function* () {
        steps.push(`first sees ${cv.get()}`);
        cv.set(2);
        yield* sleep(10);
        steps.push(`second sees ${cv.get()}`);
        cv.set(3);
      })(), { eagerStart: true });
      steps.push(`creator sees ${cv.get()}`);
      yield* t;
      steps.push(`creator after sees ${cv.get()}`);
      assert.is(t.getContext().get(cv), 3);
    });
    assert.equal(steps, ["first sees 1", "creator sees 1", "second sees 2", "creator after sees 1"]);
  });

  test("the eager step runs in the Context given ({ context }); that Context already entered: createTask throws, as asyncio's", (ctx) => {
    const { loop } = ctx;
    const cv = new ContextVar<string>("who", { default: "-" });
    runMain(loop, function* () {
      const mine = currentTask()!.getContext().copy();
      const t = createTask((function* () { cv.set("task") })(), { context: mine, eagerStart: true });
      assert.ok(t.done());
      assert.is(mine.get(cv), "task");
      assert.is(cv.get(), "-");
      const err = caught(() => createTask((function* () {})(), { context: currentTask()!.getContext(), eagerStart: true }));
      assert.match(String(err), /cannot enter context/);
    });
    // asyncio leaves that task registered and never stepped: the loop keeps its slot until it closes.
    ctx.allowLive = true;
  });

  test("the loop not running: eagerStart is ignored, the first step is scheduled", ({ loop }) => {
    const events: string[] = [];
    const t = loop.createTask((function* () { events.push("ran"); return 1 })(), { eagerStart: true });
    const u = new Task((function* () { events.push("ran too"); return 2 })(), { loop, eagerStart: true });
    assert.equal(events, []);
    assert.not.ok(t.done());
    assert.equal(runIn<unknown[]>(loop, gather(t, u)), [1, 2]);
    assert.equal(events, ["ran", "ran too"]);
  });

  test("done callbacks of a task that finished eagerly are scheduled (callSoon), in order", ({ loop }) => {
    const events: string[] = [];
    runMain(loop, function* () {
      loop.callSoon(() => events.push("callSoon before"));
      const t = createTask((function* () { return 7 })(), { eagerStart: true });
      t.addDoneCallback((f) => events.push(`done callback: ${f.result()}`));
      events.push("after addDoneCallback");
      yield* sleep(0);
    });
    assert.equal(events, ["after addDoneCallback", "callSoon before", "done callback: 7"]);
  });

  test("instruments see the eager step as a step: spawned, stepped and exited inside the creator's step", ({ loop }) => {
    const events: string[] = [];
    const log = (what: string) => (t: Task<any>) => void events.push(`${what} ${t.getName()}`);
    const instrument: Instrument = {
      taskSpawned: log("spawned"), taskScheduled: log("scheduled"), beforeTaskStep: log("before"),
      afterTaskStep: log("after"), taskExited: log("exited"),
    };
    loop.addInstrument(instrument);
    runMain(loop, function* () {
      createTask((function* () {})(), { name: "child", eagerStart: true });
    });
    loop.removeInstrument(instrument);
    assert.equal(events, [
      "spawned main", "scheduled main", "before main",
      "spawned child", "before child", "exited child", "after child",
      "exited main", "after main",
    ]);
  });

  test("a trace shows the eager step on its own track, nested in the creator's step, and the creator's step whole", ({ loop }) => {
    const recorder = startTrace(loop);
    runMain(loop, function* () {
      yield* sleep(1);
      const child = createTask((function* () { yield* sleep(1) })(), { name: "child", eagerStart: true });
      yield* child;
    });
    const trace = recorder.stop();
    validateTrace(trace);
    const steps = trace.traceEvents.filter((e) => e.ph === "X" && e.cat === "task");
    assert.equal(steps.map((e) => e.name), ["main", "child", "main", "child", "main"]);
    const [, child, main] = steps;
    assert.ok(child.ts > main.ts && child.ts + child.dur! < main.ts + main.dur!, "the child's first step lies within main's");
    assert.is.not(child.tid, main.tid);
  });

  test("a loop of the user's own (no isRunning): eager while one of its tasks steps, scheduled otherwise", () => {
    const mini = new MiniLoop();
    const events: string[] = [];
    const outside = new Task((function* () { events.push("outside ran") })(), { loop: mini, eagerStart: true });
    const main = new Task((function* () {
      const inner = new Task((function* () { events.push("inner ran") })(), { loop: mini, eagerStart: true });
      events.push(`inner done: ${inner.done()}`);
    })(), { loop: mini });
    assert.equal(events, []);
    mini.runUntilDone(main);
    assert.ok(outside.done());
    assert.equal(events, ["outside ran", "inner ran", "inner done: true"]);
  });
});

bothCores("eager tasks: eagerTaskFactory, createEagerTaskFactory", (test) => {
  test("eagerTaskFactory: every task of the loop starts eagerly; eagerStart: false opts out", ({ loop }) => {
    loop.setTaskFactory(eagerTaskFactory);
    assert.is(loop.getTaskFactory(), eagerTaskFactory);
    const events: string[] = [];
    runIn(loop, (function* () {
      const a = createTask((function* () { events.push("a") })());
      events.push(`a created, done: ${a.done()}`);
      const b = createTask((function* () { events.push("b") })(), { eagerStart: false });
      events.push(`b created, done: ${b.done()}`);
      assert.instance(a, Task);
      yield* b;
    })());
    assert.equal(events, ["a", "a created, done: true", "b created, done: false", "b"]);
  });

  test("createEagerTaskFactory(Custom): tasks are `new Custom(coro, { loop, name, context, eagerStart: true })`", ({ loop }) => {
    const received: TaskOptions[] = [];
    class Traced<T> extends Task<T> {
      constructor(coro: Coroutine<T>, options: TaskOptions) {
        received.push({ ...options });
        super(coro, options);
      }
    }
    const factory = createEagerTaskFactory(Traced);
    loop.setTaskFactory(factory);
    const result = runIn(loop, (function* () {
      const t = loop.createTask((function* () { return currentTask() })(), { name: "traced" });
      assert.instance(t, Traced);
      assert.ok(t.done());
      assert.is(t.result(), t, "it was the current task in its eager step");
      assert.is(t.getName(), "traced");
      return "ok";
    })());
    assert.is(result, "ok");
    // The first is the main task the loop made through the factory (loop not running yet).
    assert.is(received.length, 2);
    assert.equal(received.map((o) => [o.loop === loop, o.name, o.eagerStart]), [[true, undefined, true], [true, "traced", true]]);
  });

  test("gather() of coroutines under the eager factory: eager ones and suspending ones, results in order", ({ loop }) => {
    loop.setTaskFactory(eagerTaskFactory);
    const order: string[] = [];
    function* quick(n: number): Coroutine<number> {
      order.push(`quick ${n}`);
      return n;
    }
    function* slow(n: number): Coroutine<number> {
      order.push(`slow ${n} start`);
      yield* sleep(n);
      order.push(`slow ${n} end`);
      return n;
    }
    const result = runMain(loop, function* () {
      return yield* gather(quick(1), slow(20), quick(3), slow(10));
    });
    assert.equal(result, [1, 20, 3, 10]);
    assert.equal(order, ["quick 1", "slow 20 start", "quick 3", "slow 10 start", "slow 10 end", "slow 20 end"]);
    assert.is(loop.time(), 20);
  });

  test("recursive gather and TaskGroups under the eager factory (test_eager_task_factory's counting tests)", ({ loop }) => {
    loop.setTaskFactory(eagerTaskFactory);
    let leaves = 0;
    function* recursiveGather(width: number, depth: number): Coroutine<void> {
      if (depth === 0) {
        leaves++;
        return;
      }
      yield* gather(...Array.from({ length: width }, () => recursiveGather(width, depth - 1)));
    }
    function* recursiveGroups(width: number, depth: number): Coroutine<void> {
      if (depth === 0) {
        leaves++;
        return;
      }
      yield* taskGroup(function* (tg) {
        for (let i = 0; i < width; i++) tg.createTask(recursiveGroups(width, depth - 1));
      });
    }
    // Each run: 1 + 5 + 25 + 125 + 625 tasks (the main task among them), as CPython's test.
    const scheduled = new Set<Task<any>>();
    loop.addInstrument({ taskScheduled: (t) => void scheduled.add(t) });
    const before = loop.metrics();
    runMain(loop, () => recursiveGather(5, 4));
    assert.is(leaves, 625);
    assert.is(loop.metrics().tasksSpawned - before.tasksSpawned, 781);
    // gather() of children that all finished eagerly is done at once (as CPython's, which runs
    // their done callbacks before returning), so the whole tree ends in eager steps: only the
    // main task, made before the loop ran, was ever queued.
    assert.is(scheduled.size, 1);
    scheduled.clear();
    runMain(loop, () => recursiveGroups(5, 4));
    assert.is(leaves, 2 * 625);
    assert.is(loop.metrics().tasksSpawned - before.tasksSpawned, 2 * 781);
    // A TaskGroup waits for its children's done callbacks (asyncio 3.14): the 625 leaves end in
    // their eager step, the 156 tasks that wait are queued once each.
    assert.is(scheduled.size, 156);
  });

  test("TaskGroup with the eager factory: eager results, and an eager failure seen a step later (asyncio 3.14, gh-128550)", ({ loop }) => {
    loop.setTaskFactory(eagerTaskFactory);
    const events: string[] = [];
    const results = runMain(loop, function* () {
      const tasks: Task<number>[] = [];
      yield* taskGroup(function* (tg) {
        tasks.push(tg.createTask((function* () { return 1 })()));
        tasks.push(tg.createTask((function* () { yield* sleep(5); return 2 })()));
        events.push(`first done: ${tasks[0].done()}`);
      });
      return tasks.map((t) => t.result());
    });
    assert.equal(results, [1, 2]);
    const start = loop.time();
    const err = caught(() => runMain(loop, function* () {
      yield* taskGroup(function* (tg: TaskGroup) {
        tg.createTask((function* (): Coroutine<never> { throw new Error("eager failure") })());
        events.push("body goes on after createTask");
        try {
          yield* sleep(100);
        } catch (e) {
          events.push(`body ${(e as Error).name} after ${loop.time() - start} ms`);
          throw e;
        }
      });
    }));
    assert.instance(err, ExceptionGroup);
    assert.is(((err as ExceptionGroup).exceptions[0] as Error).message, "eager failure");
    assert.equal(events, ["first done: true", "body goes on after createTask", "body CancelledError after 0 ms"]);
  });

  test("an eager child that cancels its group in its first step is cancelled too, though not yet in the group (gh-155418)", ({ loop }) => {
    const events: string[] = [];
    runMain(loop, function* () {
      yield* taskGroup(function* (tg) {
        tg.createTask((function* () {
          tg.cancel();
          try {
            yield* sleep(1000);
            events.push("child slept on");
          } catch (e) {
            events.push(`child ${(e as Error).name} at ${loop.time()}`);
            throw e;
          }
        })(), { eagerStart: true });
        yield* sleep(1000);
      });
      events.push(`group ended at ${loop.time()}`);
    });
    assert.equal(events, ["child CancelledError at 0", "group ended at 0"]);
  });
});

bothCores("eager tasks: bad input", (test) => {
  test("eagerStart that is not a boolean: a TypeError naming the call and the option", ({ loop }) => {
    function* noop(): Coroutine<void> {}
    const check = (err: unknown, call: string) => {
      assert.instance(err, TypeError);
      assert.ok((err as Error).message.startsWith(`${call} expected options.eagerStart to be a boolean, got "yes"`), (err as Error).message);
    };
    check(caught(() => loop.createTask(noop(), { eagerStart: "yes" as never })), "loop.createTask()");
    check(caught(() => new Task(noop(), { loop, eagerStart: "yes" as never })), "new Task()");
    runMain(loop, function* () {
      check(caught(() => createTask(noop(), { eagerStart: "yes" as never })), "createTask()");
      yield* taskGroup(function* (tg) {
        check(caught(() => tg.createTask(noop(), { eagerStart: "yes" as never })), "TaskGroup.createTask()");
      });
    });
  });

  test("createEagerTaskFactory() of a non-function: a TypeError", () => {
    const err = caught(() => createEagerTaskFactory(42 as never));
    assert.instance(err, TypeError);
    assert.match((err as Error).message, /^createEagerTaskFactory\(\) expected customTaskConstructor to be a Task class, got 42/);
  });
});
