// TaskGroup: asyncio 3.12's structured concurrency, on both cores, in virtual time.
import * as assert from "uvu/assert";
import { CancelledError, ExceptionGroup, currentTask, sleep, type Coroutine, type EventLoop, type Task } from "../src/index.js";
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

  test("cancel() from a child ends the group early without an error; the code after it runs", ({ loop }) => {
    const log: string[] = [];
    const v = runIn(loop, (function* () {
      const r = yield* taskGroup(function* (tg) {
        tg.createTask(work(log, "slow", 1000));
        tg.createTask((function* () {
          yield* sleep(10);
          log.push("stopping");
          tg.cancel();
          tg.cancel(); // idempotent
        })());
        yield* work(log, "body", 500);
        return "not reached";
      });
      log.push(`after the group at ${loop.time()}`);
      yield* sleep(5); // the parent is not left cancelled
      return [r, currentTask()!.cancelling(), loop.time()];
    })());
    assert.equal(v, [undefined, 0, 15]);
    assert.equal(log, ["stopping", "slow cancelled", "body cancelled", "after the group at 10"]);
  });

  test("cancel() in the body before it returns: the group keeps the body's value and waits for the cancelled children", ({ loop }) => {
    const log: string[] = [];
    const v = runIn(loop, (function* () {
      const r = yield* taskGroup(function* (tg) {
        tg.createTask((function* () {
          try {
            yield* sleep(1000);
          } finally {
            yield* sleep(20); // cleanup takes time: the group waits for it
            log.push(`child cleaned up at ${loop.time()}`);
          }
        })());
        yield* sleep(0); // the child starts (a task cancelled before its first step never runs)
        tg.cancel();
        return "value";
      });
      yield* sleep(5);
      return [r, loop.time()];
    })());
    assert.equal(v, ["value", 25]);
    assert.equal(log, ["child cleaned up at 20"]);
  });

  test("cancel() while the group waits for its children (the body is done) ends it too; after the group, a no-op", ({ loop }) => {
    const log: string[] = [];
    let group: TaskGroup | undefined;
    const v = runIn(loop, (function* () {
      yield* taskGroup(function* (tg) {
        group = tg;
        tg.createTask(work(log, "a", 1000));
        tg.createTask((function* () {
          yield* sleep(30);
          tg.cancel();
        })());
      });
      group!.cancel();
      yield* sleep(1);
      return loop.time();
    })());
    assert.is(v, 31);
    assert.equal(log, ["a cancelled"]);
    assert.is(String(group), "<TaskGroup cancelling>");
  });

  test("cancel() does not hide a child's failure: the group still throws its ExceptionGroup", ({ loop }) => {
    const boom = new Error("cleanup failed");
    const e = groupError(loop, function* (tg) {
      tg.createTask((function* () {
        try {
          yield* sleep(1000);
        } finally {
          throw boom;
        }
      })());
      yield* sleep(10);
      tg.cancel();
      yield* sleep(10);
    });
    assert.instance(e, ExceptionGroup);
    assert.equal((e as ExceptionGroup).exceptions, [boom]);
  });

  test("cancel() with the parent cancelled from outside too: the outside cancellation propagates", ({ loop }) => {
    const log: string[] = [];
    let parent: Task<unknown> | undefined;
    const outer = loop.createTask((function* () {
      parent = currentTask()!;
      yield* taskGroup(function* (tg) {
        tg.createTask(work(log, "a", 1000));
        tg.createTask((function* () {
          yield* sleep(10);
          tg.cancel();
          parent!.cancel("from outside");
        })());
        yield* sleep(500);
      });
      log.push("not reached");
    })());
    const e = caught(() => runIn(loop, outer));
    assert.instance(e, CancelledError);
    assert.ok(outer.cancelled());
    assert.equal(log, ["a cancelled"]);
  });

  test("cancelled from outside while a child fails: the ExceptionGroup is thrown and the cancellation stays pending (gh-116720)", ({ loop }) => {
    const log: string[] = [];
    const outer = loop.createTask((function* () {
      try {
        yield* taskGroup(function* (tg) {
          tg.createTask((function* () {
            try {
              yield* sleep(1000);
            } catch {
              throw new Error("failed while cancelled");
            }
          })());
          yield* sleep(1000);
        });
      } catch (e) {
        log.push(`group: ${(e as ExceptionGroup).errors.map((x) => (x as Error).message).join()}; cancelling ${currentTask()!.cancelling()}`);
      }
      try {
        yield* sleep(1000);
        log.push("slept: the outside cancellation was lost");
      } catch (e) {
        log.push(e instanceof CancelledError ? "cancelled at the next wait" : String(e));
        throw e;
      }
    })());
    loop.callLater(10, () => outer.cancel());
    assert.instance(caught(() => runIn(loop, outer)), CancelledError);
    assert.equal(log, ["group: failed while cancelled; cancelling 1", "cancelled at the next wait"]);
  });

  test("cancel() before the group is entered cancels it on entry", ({ loop }) => {
    const log: string[] = [];
    const tg = new TaskGroup();
    tg.cancel();
    const v = runIn(loop, (function* () {
      tg._enter();
      assert.throws(() => tg.createTask(work(log, "late", 1)), /is shutting down/);
      let failed = false, error: unknown;
      try {
        yield* sleep(100);
      } catch (e) {
        failed = true;
        error = e;
      }
      yield* tg._exit(failed, error);
      return [failed, loop.time()];
    })());
    assert.equal(v, [true, 0]);
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
