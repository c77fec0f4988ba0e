// Every error class the package exports is named after itself: `.name`, `String(e)` and
// the stack's first line say "CancelledError: ...", in the main entry and in wasyncio/node,
// and a user's subclass is named after the subclass (as the built-in errors behave).
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as main from "../src/index.js";
import * as node from "../src/node/index.js";
import { createTask, gather, shield, asCompleted, sleep, taskGroup, waitFor, wrapPromise, type Coroutine, type Future, type Task } from "../src/index.js";
import { bothCores, runIn } from "./helpers.js";

const errorClasses = Object.entries({ ...main, ...node }).filter(
  ([, value]) => typeof value === "function" && value.prototype instanceof Error,
) as [string, new (...args: any[]) => Error][];

test("the error classes are found (CancelledError, ExceptionGroup, BlockingIOError ...)", () => {
  const names = errorClasses.map(([name]) => name);
  for (const name of ["CancelledError", "InvalidStateError", "TimeoutError", "QueueShutDown", "IncompleteReadError", "ExceptionGroup", "BlockingIOError"]) {
    assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
  }
});

test("every exported error class: .name is the class's own name, in String(e) and the stack too", () => {
  for (const [name, Class] of errorClasses) {
    const e = Object.create(Class.prototype) as Error;
    assert.is(e.name, name, `${name}.prototype.name`);
  }
  const e = new main.CancelledError("stop");
  assert.is(String(e), "CancelledError: stop");
  assert.match(e.stack!.split("\n")[0], /^CancelledError: stop$/);
  assert.not.ok(Object.keys(e).includes("name"), "no own enumerable name property (as the built-in errors)");
  const group = new main.ExceptionGroup("two failed", [new Error("a"), new Error("b")]);
  assert.is(String(group), "ExceptionGroup: two failed");
});

test("a subclass is named after itself; an assigned name sticks", () => {
  class RetryLater extends main.TimeoutError {}
  assert.is(new RetryLater("soon").name, "RetryLater");
  const e = new main.QueueEmpty("empty");
  e.name = "Custom";
  assert.is(String(e), "Custom: empty");
});

test.run();

bothCores("what a coroutine throws or yields", (test) => {
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
      runIn(loop, function* () {
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
    runIn(loop, sleep(1));
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
      runIn(loop, sleep(1));
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
    runIn(loop, function* () {
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
    runIn(loop, sleep(1));
    assert.ok(task.done());
    assert.ok(task.exception() === hostile);
  });

  test("waitFor() and a TaskGroup with a child that throws undefined - both end", ({ loop }) => {
    const log: string[] = [];
    runIn(loop, function* () {
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
