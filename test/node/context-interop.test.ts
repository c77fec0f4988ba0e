// How Node's AsyncLocalStorage relates to ContextVar (the README's interop paragraph says
// this; each claim is checked here). ALS follows promise continuations and host callbacks;
// a task's steps are run by the loop, so ALS inside a task is whatever the loop's callback
// carries, the same for every task, while a ContextVar follows the task.
import { AsyncLocalStorage } from "node:async_hooks";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Context, ContextVar, createTask, run, sleep, wrapPromise, type Coroutine } from "../../src/index.js";

const requestId = new ContextVar<string>("requestId", { default: "-" });

test("a ContextVar set in a task survives a Promise awaited in it; ALS inside the task is the loop's store, the same for every task", async () => {
  const als = new AsyncLocalStorage<string>();
  const log: string[] = [];
  function* handle(id: string): Coroutine<void> {
    requestId.set(id);
    yield* wrapPromise(new Promise((resolve) => setTimeout(resolve, 1)));
    log.push(`${id}: var ${requestId.get()}, als ${als.getStore()}`);
  }
  await als.run("around run()", () => run(function* () {
    const a = createTask(handle("a")), b = createTask(handle("b"));
    yield* a;
    yield* b;
  }, { core: "js" }));
  assert.equal(log, ["a: var a, als around run()", "b: var b, als around run()"]);
});

test("ALS entered in a task step is seen by that step's promise continuations, not by the task's later steps; a ContextVar is the reverse", async () => {
  const als = new AsyncLocalStorage<string>();
  const log: string[] = [];
  await run(function* () {
    requestId.set("task");
    const p = als.run("in step", () => {
      log.push(`sync in als.run: als ${als.getStore()}, var ${requestId.get()}`);
      return Promise.resolve().then(() => log.push(`continuation: als ${als.getStore()}, var ${requestId.get()}`));
    });
    yield* wrapPromise(p);
    log.push(`next step: als ${als.getStore()}, var ${requestId.get()}`);
    yield* sleep(1);
  }, { core: "js" });
  assert.equal(log, [
    "sync in als.run: als in step, var task",
    "continuation: als in step, var -",
    "next step: als undefined, var task",
  ]);
});

test("Context.run and AsyncLocalStorage.run nest independently: neither sees the other's value", () => {
  const als = new AsyncLocalStorage<string>();
  const ctx = new Context();
  const seen = ctx.run(() => {
    requestId.set("ctx");
    return als.run("als", () => [requestId.get(), als.getStore()]);
  });
  assert.equal(seen, ["ctx", "als"]);
  assert.is(requestId.get(), "-");
  assert.is(als.getStore(), undefined);
});

test.run();
