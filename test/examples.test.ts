// The seed's sections, ported to examples/: each prints what the seed's output shows.
// In process on the virtual clock (microseconds, deterministic), and, for the examples
// that finish quickly on the real clock, as the one-command program a reader runs.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { main as eventLoop } from "../examples/event-loop.js";
import { main as simpleRun } from "../examples/simple-run.js";
import { main as wait } from "../examples/wait.js";
import { main as whatIsATask } from "../examples/what-is-a-task.js";

type ExampleMain = (options?: { clock?: "real" | "virtual"; print?: (line: string) => void }) => Promise<void>;

const root = fileURLToPath(new URL("..", import.meta.url));

/** The lines an example prints on the virtual clock. */
async function linesOf(main: ExampleMain): Promise<string[]> {
  const lines: string[] = [];
  await main({ clock: "virtual", print: (line) => void lines.push(line) });
  return lines;
}

/** The stdout of `node --import tsx examples/<name>.ts`: the real clock, as a reader runs it. */
async function stdoutOf(name: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", `examples/${name}.ts`], { cwd: root, timeout: 20_000 });
  return stdout;
}

const SEED = {
  // The seed shows "hello Foo", a typo: its code prints "Hello Foo".
  whatIsATask: ["Hello Bar", "Hello Foo"],
  eventLoop: ["Foo", "Bar"],
  wait: ["---> wait", 'sleep "1" sec', 'sleep "2" sec', "---> asyncio.wait", 'sleep "1" sec', 'sleep "2" sec'],
  // The seed prints nothing here; the example prints the stand-in getaddrinfo's result of each run.
  simpleRun: ['[["google.com",443]]', '[["google.com",443]]'],
};

test("what-is-a-task - the user's own Task beside the library's: bar first, then foo", async () => {
  assert.equal(await linesOf(whatIsATask), SEED.whatIsATask);
});

test("event-loop - library Tasks on the user's own minimal Loop", async () => {
  assert.equal(await linesOf(eventLoop), SEED.eventLoop);
});

test("wait - the hand-written wait, twice", async () => {
  assert.equal(await linesOf(wait), SEED.wait);
});

test("simple-run - the user's own run() and the library's run()", async () => {
  assert.equal(await linesOf(simpleRun), SEED.simpleRun);
});

// what-is-a-task (3 s) and wait (4 s) are too slow on the real clock for the suite.
test("event-loop - as a program: npx tsx examples/event-loop.ts", async () => {
  assert.is(await stdoutOf("event-loop"), SEED.eventLoop.join("\n") + "\n");
});

test("simple-run - as a program: npx tsx examples/simple-run.ts", async () => {
  assert.is(await stdoutOf("simple-run"), SEED.simpleRun.join("\n") + "\n");
});

test.run();
