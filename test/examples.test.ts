// The seed's sections, ported to examples/: each prints what the seed's output shows.
// In process on the virtual clock (microseconds, deterministic), and, for the examples
// that finish quickly on the real clock, as the one-command program a reader runs.
import { execFile } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { test } from "uvu";
import { freePort } from "./host.js";
import * as assert from "uvu/assert";
import { main as eventLoop } from "../examples/event-loop.js";
import { main as createServer } from "../examples/create-server.js";
import { main as simpleRun } from "../examples/simple-run.js";
import { main as sockMethods } from "../examples/sock-methods.js";
import { main as wait } from "../examples/wait.js";
import { EventLoop } from "../src/node/index.js";
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
async function stdoutOf(name: string, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", `examples/${name}.ts`, ...args], { cwd: root, timeout: 20_000 });
  return stdout;
}

const SEED = {
  // The seed shows "hello Foo", a typo: its code prints "Hello Foo".
  whatIsATask: ["Hello Bar", "Hello Foo"],
  eventLoop: ["Foo", "Bar"],
  wait: ["---> wait", 'sleep "1" sec', 'sleep "2" sec', "---> asyncio.wait", 'sleep "1" sec', 'sleep "2" sec'],
};

/**
 * simple-run: the seed prints nothing; the example prints what getaddrinfo returned in each
 * run. The tests resolve localhost (the machines have no DNS): both runs give the same
 * list, with 127.0.0.1's TCP entry as getaddrinfo(3) gives it.
 */
function checkSimpleRun(lines: string[]): void {
  assert.is(lines.length, 2);
  assert.is(lines[0], lines[1]);
  const infos = JSON.parse(lines[0]) as unknown[];
  assert.ok(infos.some((info) => JSON.stringify(info) === JSON.stringify([2, 1, 6, "", ["127.0.0.1", 443]])), lines[0]);
}

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
  const lines: string[] = [];
  await simpleRun({ clock: "virtual", host: "localhost", print: (line) => void lines.push(line) });
  checkSimpleRun(lines);
});

// what-is-a-task (3 s) and wait (4 s) are too slow on the real clock for the suite.
test("event-loop - as a program: npx tsx examples/event-loop.ts", async () => {
  assert.is(await stdoutOf("event-loop"), SEED.eventLoop.join("\n") + "\n");
});

test("simple-run - as a program: npx tsx examples/simple-run.ts localhost", async () => {
  checkSimpleRun((await stdoutOf("simple-run", "localhost")).trimEnd().split("\n"));
});

test("sock-methods - the hand-written sockAccept/sockRecv/sockSendall serve three nc-like clients at once", async () => {
  const stop = new AbortController();
  let ready!: (port: number) => void;
  const listening = new Promise<number>((resolve) => (ready = resolve));
  // A port known up front, as the walkthrough's 9527: on Node 20/22 a port-0 bind's number
  // is not known right after bind() (Node binds within the host tick).
  const served = sockMethods({ port: await freePort(), ready, signal: stop.signal });
  const port = await listening;
  // The seed's two consoles, and a third: each line typed comes back; all at once.
  const replies = await Promise.all([
    talk(port, ["Hello\n"]),
    talk(port, ["asyncio\n"]),
    talk(port, ["one\n", "two\n", "x".repeat(100_000) + "\n"]),
  ]);
  assert.equal(replies, ["Hello\n", "asyncio\n", "one\ntwo\n" + "x".repeat(100_000) + "\n"]);
  stop.abort();
  await served;
  // The library's own methods are back once the example has ended.
  assert.is(EventLoop.prototype.sockRecv.name, "sockRecv");
  assert.not.ok(EventLoop.prototype.sockRecv.toString().includes("registed"));
});

for (const builtin of [false, true]) {
  const how = builtin ? "loop.createServer(EchoProtocol, \"localhost\", port)" : "the hand-built server on a listening socket";
  test(`create-server - ${how} echoes two nc-like clients and logs each connection`, async () => {
    const stop = new AbortController();
    const lines: string[] = [];
    let ready!: (port: number) => void;
    const listening = new Promise<number>((resolve) => (ready = resolve));
    const served = createServer({ port: 0, builtin, ready, print: (line) => void lines.push(line), signal: stop.signal });
    const port = await listening;
    const replies = await Promise.all([talk(port, ["Hello\n"]), talk(port, ["asyncio\n", "more\n"])]);
    assert.equal(replies, ["Hello\n", "asyncio\nmore\n"]);
    stop.abort();
    await served;
    assert.is(lines.length, 2);
    for (const line of lines) assert.match(line, /^Connection from \["127\.0\.0\.1",\d+\]$/);
  });
}

/** An nc-like client: sends each line, waiting for its echo before the next; returns all it got. */

function talk(port: number, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = net.connect(port, "127.0.0.1");
    let got = "", sent = "", i = 0;
    const next = () => {
      if (i === lines.length) return void conn.end();
      sent += lines[i];
      conn.write(lines[i++]);
    };
    conn.setEncoding("utf8");
    conn.on("connect", next);
    conn.on("data", (chunk: string) => {
      got += chunk;
      if (got.length === sent.length) next();
    });
    conn.on("end", () => resolve(got));
    conn.on("error", reject);
  });
}

test.run();
