// The exception handler (src/loop/exception-handler.ts): what nothing else handled goes
// to the loop's handler, or to the default one, which writes it to console.error.
import * as assert from "uvu/assert";
import { EventLoop, Handle, sleep } from "../../src/index.js";
import { bothCores, runIn } from "../helpers.js";

bothCores("EventLoop errors", (test) => {
  test("a callback that throws goes to the exception handler; the loop keeps running", (ctx) => {
    const { loop } = ctx;
    const log: string[] = [];
    const boom = new Error("boom");
    loop.callSoon(function failing() {
      throw boom;
    });
    loop.callSoon(() => log.push("next"));
    loop.callLater(1, (x: number) => {
      throw new RangeError(`late ${x}`);
    }, 7);
    runIn(loop, sleep(5));
    assert.equal(log, ["next"]);
    assert.is(ctx.errors.length, 2);
    assert.is(ctx.errors[0].exception, boom);
    assert.match(ctx.errors[0].message, /^Exception in callback <Handle failing\(\)>/);
    assert.instance(ctx.errors[0].handle, Handle);
    assert.is((ctx.errors[1].exception as Error).message, "late 7");
    ctx.errors.length = 0;
  });

  test(".setExceptionHandler() - an error in the handler goes to the default handler", ({ loop }) => {
    const original = console.error;
    const printed: unknown[][] = [];
    console.error = (...a: unknown[]) => void printed.push(a);
    try {
      loop.setExceptionHandler(() => {
        throw new Error("handler broke");
      });
      loop.callSoon(() => {
        throw new Error("cb broke");
      });
      loop._runOnce();
    } finally {
      console.error = original;
    }
    assert.is(printed.length, 1);
    assert.match(String(printed[0][0]), /Unhandled error in exception handler/);
    assert.is((printed[0][1] as Error).message, "handler broke");
  });

  test(".getExceptionHandler() is null by default; handler(loop, context) receives the loop", () => {
    const loop = new EventLoop({ clock: "virtual" });
    assert.is(loop.getExceptionHandler(), null);
    let got: unknown;
    const h = (l: EventLoop) => void (got = l);
    loop.setExceptionHandler(h);
    assert.is(loop.getExceptionHandler(), h);
    loop.callExceptionHandler({ message: "x" });
    assert.is(got, loop);
    loop.setExceptionHandler(null);
    assert.is(loop.getExceptionHandler(), null);
    loop.close();
  });

  test(".defaultExceptionHandler() writes the message, context and exception to console.error", ({ loop }) => {
    const original = console.error;
    const printed: unknown[][] = [];
    console.error = (...a: unknown[]) => void printed.push(a);
    try {
      const err = new Error("e");
      loop.defaultExceptionHandler({ message: "Something failed", exception: err, extra: "info" });
      assert.match(String(printed[0][0]), /^Something failed\nextra: info/);
      assert.is(printed[0][1], err);
    } finally {
      console.error = original;
    }
  });

  test(".defaultExceptionHandler() shows an object by its class (protocol: <Echo>), never [object Object]", ({ loop }) => {
    const original = console.error;
    const printed: unknown[][] = [];
    console.error = (...a: unknown[]) => void printed.push(a);
    try {
      class Echo {}
      class Named {
        toString() {
          return "<Named 1>";
        }
      }
      loop.defaultExceptionHandler({ message: "Fatal error", protocol: new Echo(), plain: {}, own: new Named(), fut: loop.createFuture() });
      assert.equal(String(printed[0][0]).split("\n"), ["Fatal error", "fut: <Future pending>", "own: <Named 1>", "plain: <Object>", "protocol: <Echo>"]);
    } finally {
      console.error = original;
    }
  });
});
