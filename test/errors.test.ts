// Every error class the package exports is named after itself: `.name`, `String(e)` and
// the stack's first line say "CancelledError: ...", in the main entry and in wasyncio/node,
// and a user's subclass is named after the subclass (as the built-in errors behave).
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as main from "../src/index.js";
import * as node from "../src/node/index.js";

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
