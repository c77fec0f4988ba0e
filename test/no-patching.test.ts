// wasyncio never replaces a global or a Node module's export, not even for the length of a
// call. A child process locks the exports an event-loop library might be tempted to patch
// (dns.lookup, process.nextTick, setImmediate, ...) read-only, then drives the socket
// facade, the servers and the connections through them: in strict code (ES modules) an
// assignment to a locked property throws, so a patch anywhere on the way fails the run.
// And no line of src/, nor of the tests, examples or benchmarks, assigns to a global, a
// console method, a built-in or a Node module's export (a test reads a child's stderr).
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

const PROGRAM = `
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const locked = [
  [process, "nextTick"], [globalThis, "setImmediate"], [globalThis, "setTimeout"], [globalThis, "queueMicrotask"],
  [globalThis, "Promise"], [require("node:dns"), "lookup"], [require("node:dns").promises, "lookup"],
  [require("node:net"), "createServer"], [require("node:net"), "connect"], [require("node:timers"), "setImmediate"],
];
// A data property becomes read-only; an accessor (some globals are) loses its setter: in
// strict code, assigning to either throws.
for (const [object, key] of locked) {
  const d = Object.getOwnPropertyDescriptor(object, key);
  if (!d.configurable && !d.writable && !d.set) continue;
  Object.defineProperty(object, key, "value" in d ? { value: d.value, writable: false, configurable: false } : { get: d.get, configurable: false });
}

const { run, getRunningLoop, socket, AF_INET6, Protocol } = await import(${JSON.stringify(join(ROOT, "src/node/index.ts"))});
const hostTick = () => new Promise((resolve) => setImmediate(resolve));
const result = await run(function* () {
  const loop = getRunningLoop();
  const out = {};
  // The socket facade: bind, listen, connect, accept, over IPv4 and IPv6.
  for (const [family, host] of [[undefined, "127.0.0.1"], [AF_INET6, "::1"], [undefined, "localhost"]]) {
    const srv = socket(family);
    srv.bind([host, 0]);
    srv.listen(5);
    yield hostTick();
    const cli = socket(family);
    yield* loop.sockConnect(cli, srv.getsockname());
    const [conn] = yield* loop.sockAccept(srv);
    yield* loop.sockSendall(cli, "ping");
    out[host] = new TextDecoder().decode(yield* loop.sockRecv(conn, 10));
    for (const s of [cli, conn, srv]) s.close();
  }
  // A server, a connection to it by name, and getaddrinfo.
  class Echo extends Protocol {
    connectionMade(t) { this.t = t; }
    dataReceived(d) { this.t.write(d); }
  }
  const server = yield* loop.createServer(() => new Echo(), "localhost", 0);
  const port = server.sockets[0].getsockname()[1];
  const got = loop.createFuture();
  class Client extends Protocol {
    connectionMade(t) { t.write("echo"); }
    dataReceived(d) { got.setResult(new TextDecoder().decode(d)); }
  }
  const [transport] = yield* loop.createConnection(() => new Client(), "localhost", port);
  out.echo = yield* got;
  transport.close();
  server.close();
  yield* server.waitClosed();
  out.addresses = (yield* loop.getaddrinfo("localhost", 80)).length > 0;
  return out;
});
console.log(JSON.stringify({ result }));
`;

test("no global or Node module export is replaced while sockets bind, listen, connect and resolve", async () => {
  const out = await new Promise<string>((resolve, reject) => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    execFile(process.execPath, ["--import", "tsx", "--input-type=module", "-e", PROGRAM], { cwd: ROOT, env, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
  // A patch anywhere on the way would have thrown (strict code, read-only properties).
  const { result } = JSON.parse(out.trim().split("\n").at(-1)!);
  assert.equal(result, { "127.0.0.1": "ping", "::1": "ping", localhost: "ping", echo: "echo", addresses: true });
});

/** The files under `dir` (relative to the repository) whose names end with one of `exts`. */
function sources(dir: string, exts: string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules") walk(path);
      } else if (exts.some((ext) => path.endsWith(ext))) files.push(path);
    }
  };
  walk(join(ROOT, dir));
  return files;
}

// `X.name = ...`, `X["name"] = ...`, `X.prototype[Symbol.iterator] = ...` or
// `(X as T).name = ...` where X is a global object (console included), a built-in or a
// module namespace; or X (or a property of it) given to Object.defineProperty,
// Object.defineProperties or Object.assign as the target.
const GLOBALS = "globalThis|window|self|process|console|dns|net|tls|dgram|fs|os|timers|Promise|Object|Array|Function|Error|Symbol|Math|Date|performance|JSON|Reflect|Buffer";
const ASSIGNED = new RegExp(`^\\s*\\(?\\s*(${GLOBALS})(\\s+as\\s+[^)]*\\))?(\\s*(\\.\\s*[\\w$]+|\\[[^\\]]*\\]))+\\s*=[^=]`);
const REDEFINED = new RegExp(`Object\\.(defineProperty|defineProperties|assign)\\(\\s*(${GLOBALS})(\\.[\\w$.]+)?\\s*,`);

/** The lines of `files` that assign to a global or a module export: `file:line: text`. */
function patches(files: string[], allowed: (line: string) => boolean = () => false): string[] {
  const found: string[] = [];
  for (const file of files) {
    readFileSync(file, "utf8").split("\n").forEach((line, i) => {
      if ((ASSIGNED.test(line) || REDEFINED.test(line)) && !allowed(line)) found.push(`${file.slice(ROOT.length)}:${i + 1}: ${line.trim()}`);
    });
  }
  return found;
}

test("src/ assigns to no global and no Node module export", () => {
  assert.equal(patches(sources("src", [".ts"])), []);
});

test("tests, examples and benchmarks replace no console method, global or module export either (their output is read from a child's stderr)", () => {
  const files = ["test", "examples", "bench"].flatMap((dir) => sources(dir, [".ts", ".mts", ".cts", ".mjs", ".cjs", ".js"]));
  assert.ok(files.length > 50, `only ${files.length} files found`);
  // New globals, nothing replaced: a page's script hands its result to the harness
  // (window.__result); a program plays another copy of wasyncio registering itself.
  const newGlobal = (line: string) => /^\s*(window|globalThis|self)(\.__\w+|\[Symbol\.for\("wasyncio"\)\])\s*=[^=]/.test(line);
  assert.equal(patches(files, newGlobal), []);
});

test.run();
