// The argument checks of the core (src/checks.ts): a value that is not a coroutine is
// described with what to do instead, and every error names the call that was made.
import * as assert from "uvu/assert";
import { Future, Task, createTask, ensureFuture, gather, sleep, taskGroup } from "../src/index.js";
import { bothCores, caught, runIn } from "./helpers.js";

bothCores("checks: not a coroutine", (test) => {
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
    const inside = runIn<string>(loop, function* () {
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
    const e3 = runIn<string>(loop, function* () {
      return (caught(() => createTask(task as never)) as Error).message;
    }());
    assert.match(e3, /^createTask\(\) expected a generator \(a coroutine\), got <Task .*>: a Task is already scheduled: yield\* it to wait for it, or pass it to ensureFuture\(\)$/);
    assert.is(runIn(loop, task), "t");
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
    const inside = runIn<string[]>(loop, function* () {
      const named = [message(() => createTask(work as never))];
      yield* taskGroup(function* (tg) {
        named.push(message(() => tg.createTask(42 as never)));
      });
      return named;
    }());
    assert.match(inside[0], /^createTask\(\) expected a generator \(a coroutine\), got function work/);
    assert.match(inside[1], /^TaskGroup\.createTask\(\) expected a generator/);
  });

  test("gather() of a function not called: the same hint as createTask() and ensureFuture(), naming the function", ({ loop }) => {
    function* work() {
      return 1;
    }
    const message = (fn: () => unknown) => (caught(fn) as Error).message;
    const inside = runIn<string[]>(loop, function* () {
      return [message(() => gather(work as never)), message(() => gather(sleep(0), (() => 1) as never))];
    }());
    assert.is(inside[0], "gather() expected argument 1 to be a Future, a coroutine or a Promise, got function work " +
      "(did you mean to call the generator function: work()?)");
    assert.is(inside[1], "gather() expected argument 2 to be a Future, a coroutine or a Promise, got an anonymous function " +
      "(did you mean to call it?)");
  });
});
