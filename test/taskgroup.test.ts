// TaskGroup: asyncio 3.12's structured concurrency, on both cores, in virtual time.
import * as assert from "uvu/assert";
import { CancelledError, ExceptionGroup, sleep, type Coroutine, type EventLoop } from "../src/index.js";
import { TaskGroup, taskGroup } from "../src/taskgroup.js";
import { bothCores, caught, runIn } from "./helpers.js";

function* work(log: string[], name: string, ms: number, fail?: Error): Coroutine<string> {
  try {
    yield* sleep(ms);
    if (fail) throw fail;
    log.push(`${name} done`);
    return name;
  } catch (e) {
    if (e instanceof CancelledError) log.push(`${name} cancelled`);
    throw e;
  }
}

/** Runs a task group of `body` in a task on `loop`; returns what the group threw (null: nothing). */
function groupError(loop: EventLoop, body: (tg: TaskGroup) => Coroutine<void>): unknown {
  return runIn(loop, (function* () {
    try {
      yield* taskGroup(body);
      return null;
    } catch (e) {
      return e;
    }
  })());
}

bothCores("TaskGroup", (test) => {
  test("waits for every child and returns the body's value", ({ loop }) => {
    const log: string[] = [];
    const v = runIn(loop, (function* () {
      const r = yield* taskGroup(function* (tg) {
        const a = tg.createTask(work(log, "a", 20), { name: "A" });
        const b = tg.createTask(work(log, "b", 10));
        log.push("body done");
        return [a, b] as const;
      });
      log.push(`group done at ${loop.time()}`);
      return r.map((t) => t.result()).join(",") + ` ${r[0].getName()}`;
    })());
    assert.is(v, "a,b A");
    assert.equal(log, ["body done", "b done", "a done", "group done at 20"]);
  });

  test("the first failure cancels the siblings and the body; ExceptionGroup of the failures", ({ loop }) => {
    const log: string[] = [];
    const boom = new RangeError("boom");
    const group = groupError(loop, function* (tg) {
      tg.createTask(work(log, "slow", 100));
      tg.createTask(work(log, "failing", 10, boom));
      try {
        yield* sleep(1000);
      } catch (e) {
        log.push(`body ${e instanceof CancelledError ? "cancelled" : "failed"} at ${loop.time()}`);
        throw e;
      }
    });
    assert.instance(group, ExceptionGroup);
    assert.instance(group, AggregateError);
    assert.equal((group as ExceptionGroup).exceptions, [boom]);
    assert.is((group as ExceptionGroup).message, "unhandled errors in a TaskGroup");
    // asyncio's order: the group cancels the siblings first, then the parent (the body).
    assert.equal(log, ["slow cancelled", "body cancelled at 10"]);
  });

  test("several failures are all in the group; the parent task is not left cancelled", ({ loop }) => {
    const log: string[] = [];
    const e1 = new Error("one"), e2 = new Error("two");
    const result = runIn(loop, (function* () {
      let group: unknown;
      try {
        yield* taskGroup(function* (tg) {
          tg.createTask(work(log, "x", 5, e1));
          tg.createTask((function* () {
            try {
              yield* sleep(50);
            } finally {
              throw e2; // fails while being cancelled
            }
          })());
        });
      } catch (e) {
        group = e;
      }
      yield* sleep(1); // the parent was uncancelled: it keeps running
      return group;
    })());
    assert.equal((result as ExceptionGroup).exceptions, [e1, e2]);
  });

  test("an exception in the body cancels the children and joins the group", ({ loop }) => {
    const log: string[] = [];
    const bodyError = new TypeError("body");
    const group = groupError(loop, function* (tg) {
      tg.createTask(work(log, "child", 100));
      yield* sleep(5);
      throw bodyError;
    });
    assert.equal((group as ExceptionGroup).exceptions, [bodyError]);
    assert.equal(log, ["child cancelled"]);
  });

  test("cancelling the parent cancels the group's children; CancelledError propagates", ({ loop }) => {
    const log: string[] = [];
    const parent = loop.createTask((function* () {
      yield* taskGroup(function* (tg) {
        tg.createTask(work(log, "c1", 100));
        tg.createTask(work(log, "c2", 200));
      });
      log.push("not reached");
    })());
    loop.callLater(10, () => parent.cancel("stop"));
    assert.instance(caught(() => runIn(loop, parent)), CancelledError);
    assert.ok(parent.cancelled());
    assert.equal(log, ["c1 cancelled", "c2 cancelled"]);
  });

  test("TaskGroup.createTask of a Promise or a Task says what to do instead, naming TaskGroup.createTask()", ({ loop }) => {
    const messages = runIn<string[]>(loop, taskGroup(function* (tg) {
      const got: string[] = [];
      const child = tg.createTask(sleep(1));
      for (const bad of [Promise.resolve(1), child]) {
        try {
          tg.createTask(bad as never);
        } catch (e) {
          got.push(String(e));
        }
      }
      return got;
    }));
    assert.match(messages[0], /^TypeError: TaskGroup\.createTask\(\) expected a generator \(a coroutine\), got a Promise: .*wrapPromise\(p\)/);
    assert.match(messages[1], /^TypeError: TaskGroup\.createTask\(\) expected .*a Task is already scheduled: yield\* it/);
  });

  test("createTask after the group finished, or outside a task, throws", ({ loop }) => {
    let kept: TaskGroup | undefined;
    runIn(loop, (function* () {
      yield* taskGroup(function* (tg) {
        kept = tg;
      });
    })());
    assert.throws(() => kept!.createTask(sleep(1)), /is finished/);
    assert.throws(() => new TaskGroup().createTask(sleep(1)), /has not been entered/);
    assert.throws(() => new TaskGroup()._enter(), /cannot determine the parent task/);
    assert.throws(() => runIn(loop, (function* () {
      yield* taskGroup(function* (tg) {
        tg.createTask((() => 1) as never);
      });
    })()), (e: unknown) => e instanceof ExceptionGroup && /TaskGroup\.createTask\(\) expected a generator/.test(String((e.exceptions[0] as Error).message)));
  });
});
