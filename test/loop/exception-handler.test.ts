// The exception handler (src/loop/exception-handler.ts): what nothing else handled goes
// to the loop's handler, or to the default one, which writes it to console.error. What
// the default handler prints is read from a child process's stderr (no test replaces
// console methods).
import * as assert from "uvu/assert";
import { EventLoop, Handle, sleep } from "../../src/index.js";
import { bothCores, runIn, type CoreKind } from "../helpers.js";
import { runChild } from "../host.js";

/**
 * The default handler at work in a child process on `core`, one scenario after another:
 * its stderr cut at the end of each scenario, and util.inspect() of the errors it was
 * given (console.error prints its second argument so). One child per core, for all tests.
 */
const SCENARIOS = `
import { inspect } from "node:util";
import { EventLoop } from WASYNCIO;
const end = (name: string) => process.stderr.write(\`-- \${name}\\n\`);
const inspected: Record<string, string> = {};
const loop = new EventLoop({ clock: "virtual", core: CORE });

let handlerError: Error | undefined;
loop.setExceptionHandler(() => {
  throw (handlerError = new Error("handler broke"));
});
loop.callSoon(() => {
  throw new Error("cb broke");
});
loop._runOnce();
end("handler broke");
inspected.handlerError = inspect(handlerError);
loop.setExceptionHandler(null);

const err = new Error("e");
loop.defaultExceptionHandler({ message: "Something failed", exception: err, extra: "info" });
end("message, context, exception");
inspected.err = inspect(err);

class Echo {}
class Named {
  toString() {
    return "<Named 1>";
  }
}
loop.defaultExceptionHandler({ message: "Fatal error", protocol: new Echo(), plain: {}, own: new Named(), fut: loop.createFuture() });
end("objects");
loop.close();
console.log(JSON.stringify(inspected));
`;
const printed = new Map<CoreKind, { stderr: Record<string, string>; inspected: Record<string, string> }>();
function defaultHandlerOutput(core: CoreKind): { stderr: Record<string, string>; inspected: Record<string, string> } {
  let output = printed.get(core);
  if (output === undefined) {
    const r = runChild(SCENARIOS.replace("CORE", JSON.stringify(core)));
    assert.is(r.status, 0, r.stderr);
    // "A\n-- a\nB\n-- b\n" -> ["A\n", "a", "B\n", "b", ""]
    const parts = r.stderr.split(/^-- (.+)\n/m);
    assert.is(parts.at(-1), "", r.stderr);
    const stderr: Record<string, string> = {};
    for (let i = 0; i + 1 < parts.length; i += 2) stderr[parts[i + 1]] = parts[i];
    output = { stderr, inspected: JSON.parse(r.stdout) };
    printed.set(core, output);
  }
  return output;
}

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

  test(".setExceptionHandler() - an error in the handler goes to the default handler", ({ core }) => {
    const { stderr, inspected } = defaultHandlerOutput(core);
    const out = stderr["handler broke"];
    // One console.error(report, the handler's error): the report's lines, a space, the error.
    const tail = ` ${inspected.handlerError}\n`;
    assert.ok(inspected.handlerError.startsWith("Error: handler broke\n"), inspected.handlerError);
    assert.ok(out.endsWith(tail), out);
    assert.match(out.slice(0, -tail.length), /^Unhandled error in exception handler(\n\w+: [^\n]*)*$/);
    assert.not.match(out, /cb broke/);
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

  test(".defaultExceptionHandler() writes the message, context and exception to console.error", ({ core }) => {
    const { stderr, inspected } = defaultHandlerOutput(core);
    assert.ok(inspected.err.startsWith("Error: e\n"), inspected.err);
    assert.is(stderr["message, context, exception"], `Something failed\nextra: info ${inspected.err}\n`);
  });

  test(".defaultExceptionHandler() shows an object by its class (protocol: <Echo>), never [object Object]", ({ core }) => {
    const { stderr } = defaultHandlerOutput(core);
    assert.equal(stderr.objects.split("\n"), ["Fatal error", "fut: <Future pending>", "own: <Named 1>", "plain: <Object>", "protocol: <Echo>", ""]);
  });
});
