// The built package as a user gets it: dist/ through the package's "exports" map, in fresh
// Node processes (not through tsx and src/, which the other suites use), ESM and CJS.
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DIST = join(ROOT, "dist");
const WASM = join(ROOT, "build", "core.wasm");
/**
 * Chrome refuses `new WebAssembly.Module` on the main thread past 8 MB ("WebAssembly.Compile
 * is disallowed on the main thread, if the buffer size is larger than 8MB"; checked on
 * Chromium 156). It was 4 KB until 2023; the core's own budget is in test/core.
 */
const WASM_LIMIT = 8 * 2 ** 20;
const TIMEOUT_MS = 30_000;

interface Output {
  stdout: string;
  stderr: string;
}

/** Runs `node ...args` with cwd = the package root, so "wasyncio" resolves through the package's self-reference. */
function node(args: string[], cwd = ROOT): Promise<Output> {
  // NODE_OPTIONS is dropped so that nothing (a tsx loader, say) stands between the child and dist/.
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd, env, timeout: TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error) reject(new Error(`node ${args.join(" ").slice(0, 200)} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** The JSON the child printed as its last line. */
function lastJson(out: Output): any {
  const lines = out.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

/** Bytes of a file, or -1 when it is missing (the test then fails with the path). */
function size(path: string): number {
  return existsSync(path) ? statSync(path).size : -1;
}

// The same program in both module systems: a real-clock task, and the virtual clock of
// wasyncio/testing used together with the main entry (they must share one loop state).
const PROGRAM = `
  const t0 = Date.now();
  const answer = await run(function* () { yield* sleep(5); return 42; });
  const t1 = Date.now();
  const virtual = runSync(function* () { yield* sleep(60000); return 1; });
  const virtualMs = Date.now() - t1;
  const loop = new EventLoop({ clock: "virtual" });
  const log = [];
  loop.callLater(50, () => log.push("fired"));
  advance(100, loop);
  const advanced = { log, time: loop.time() };
  loop.close();
  console.log(JSON.stringify({ answer, realMs: t1 - t0, virtual, virtualMs, advanced, coreKind: loopStats(new EventLoop()).core }));
`;

function checkProgram(result: any): void {
  assert.is(result.answer, 42, "run() returns main's result");
  assert.ok(result.realMs >= 5, `sleep(5) on the real clock took ${result.realMs} ms`);
  assert.is(result.virtual, 1, "runSync() returns main's result");
  // A correctness bound, not a benchmark: a virtual minute must not be waited for.
  assert.ok(result.virtualMs < 10_000, `runSync(sleep(60000)) took ${result.virtualMs} ms of real time`);
  assert.equal(result.advanced, { log: ["fired"], time: 100 }, "advance(100, loop) runs the timer due at 50");
  assert.is(result.coreKind, "wasm", "Node has WebAssembly, so the loop uses the Wasm core");
}

test("ESM: import from 'wasyncio' and 'wasyncio/testing' through the exports map", async () => {
  const program = `
    import { run, sleep, EventLoop } from "wasyncio";
    import { runSync, advance, loopStats } from "wasyncio/testing";
    import { createRequire } from "node:module";
    // The resolution must land in dist/, the file a user gets.
    if (!import.meta.resolve("wasyncio").endsWith("/dist/index.js")) throw new Error("resolved " + import.meta.resolve("wasyncio"));
    ${PROGRAM}
  `;
  checkProgram(lastJson(await node(["--input-type=module", "-e", program])));
});

test("CJS: require('wasyncio') and require('wasyncio/testing')", async () => {
  const program = `
    const { run, sleep, EventLoop } = require("wasyncio");
    const { runSync, advance, loopStats } = require("wasyncio/testing");
    if (!require.resolve("wasyncio").endsWith("/dist/index.cjs")) throw new Error("resolved " + require.resolve("wasyncio"));
    (async () => { ${PROGRAM} })().catch((e) => { console.error(e); process.exit(1); });
  `;
  checkProgram(lastJson(await node(["--input-type=commonjs", "-e", program])));
});

test("wasyncio/node: ESM and CJS, one EventLoop class with the main entry, Node methods installed on load", async () => {
  const check = `
    const loop = new main.EventLoop();
    const result = {
      same: node.EventLoop === main.EventLoop && node.run === main.run,
      exports: ["socket", "Socket", "Protocol", "createServer" in loop, "sockRecv" in loop, "addReader" in loop].map(String),
      echo: await loop.runUntilComplete((function* () {
        const srv = node.socket(); srv.bind(["127.0.0.1", 0]); srv.listen(1);
        yield new Promise((resolve) => setImmediate(resolve)); // Node 20/22 bind within the host tick
        const cli = node.socket();
        yield* loop.sockConnect(cli, srv.getsockname());
        const [conn] = yield* loop.sockAccept(srv);
        yield* loop.sockSendall(cli, "ping");
        const got = yield* loop.sockRecv(conn, 10);
        cli.close(); conn.close(); srv.close();
        return new TextDecoder().decode(got);
      })()),
    };
    loop.close();
    console.log(JSON.stringify(result));
  `;
  const esm = lastJson(await node(["--input-type=module", "-e", `
    import * as main from "wasyncio";
    import * as node from "wasyncio/node";
    ${check}
  `]));
  const cjs = lastJson(await node(["--input-type=commonjs", "-e", `
    const main = require("wasyncio");
    const before = "sockRecv" in main.EventLoop.prototype;
    const node = require("wasyncio/node");
    if (before) throw new Error("require('wasyncio') installed the Node methods without wasyncio/node");
    (async () => { ${check} })().catch((e) => { console.error(e); process.exit(1); });
  `]));
  for (const result of [esm, cjs]) {
    assert.ok(result.same, "wasyncio/node re-exports the main entry's EventLoop (one class, one loop state)");
    assert.equal(result.exports, ["socket", "Socket", "Protocol", "true", "true", "true"]);
    assert.is(result.echo, "ping");
  }
});

test("wasyncio/testing exports runSync and advance, and nothing the main entry lacks", async () => {
  const out = await node(["--input-type=module", "-e", `
    import * as main from "wasyncio";
    import * as testing from "wasyncio/testing";
    console.log(JSON.stringify({ testing: Object.keys(testing).sort(), same: testing.runSync === main.runSync }));
  `]);
  const { testing, same } = lastJson(out);
  assert.ok(testing.includes("runSync") && testing.includes("advance"), `wasyncio/testing exports ${testing.join(", ")}`);
  assert.ok(same, "wasyncio/testing's runSync is the main entry's (one shared chunk, not a copy)");
});

test("every export of each source entry is defined in the built ESM and CJS entries (no name lost to a clash in the shared chunk)", async () => {
  const entries = [["wasyncio", "index"], ["wasyncio/testing", "testing/index"], ["wasyncio/node", "node/index"]];
  for (const [spec, file] of entries) {
    const source = (await import(`../src/${file}.js`)) as Record<string, unknown>;
    const names = Object.keys(source).filter((k) => source[k] !== undefined);
    const out = await node(["--input-type=module", "-e", `
      import * as esm from ${JSON.stringify(spec)};
      import { createRequire } from "node:module";
      const cjs = createRequire(import.meta.url)(${JSON.stringify(spec)});
      const names = ${JSON.stringify(names)};
      console.log(JSON.stringify({ esm: names.filter((n) => esm[n] === undefined), cjs: names.filter((n) => cjs[n] === undefined) }));
    `]);
    assert.equal(lastJson(out), { esm: [], cjs: [] }, `${spec}: names undefined in dist`);
  }
});

test("Node's ESM loader sees the CJS entry's named exports (import { run } from a .cjs)", async () => {
  const out = await node(["--input-type=module", "-e", `
    import * as cjs from ${JSON.stringify(join(DIST, "index.cjs"))};
    console.log(JSON.stringify(Object.keys(cjs)));
  `]);
  const names: string[] = lastJson(out);
  for (const name of ["run", "runSync", "sleep", "EventLoop", "Future", "Task"]) assert.ok(names.includes(name), `missing ${name} in ${names.join(", ")}`);
});

test("dist/types/index.d.ts exists and declares EventLoop and run", () => {
  const index = join(DIST, "types", "index.d.ts");
  assert.ok(existsSync(index), `${index} is missing: did build:types run?`);
  const indexText = readFileSync(index, "utf8");
  assert.match(indexText, /\bEventLoop\b/);
  assert.match(indexText, /\brun\b/);
  assert.match(readFileSync(join(DIST, "types", "base-loop.d.ts"), "utf8"), /export declare class EventLoop\b/);
  assert.match(readFileSync(join(DIST, "types", "runners.d.ts"), "utf8"), /export declare function run</);
  // stripInternal: the internal hooks are not part of the published types.
  assert.not.match(readFileSync(join(DIST, "types", "base-loop.d.ts"), "utf8"), /_runOnce|_loopScheduler/);

});

const wasmBytes = size(WASM);
/** The ESM files an entry loads: itself and the chunks it imports, transitively. */
function reachable(entries: string[]): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file) || !existsSync(join(DIST, file))) return;
    seen.add(file);
    const dir = file.includes("/") ? file.slice(0, file.lastIndexOf("/") + 1) : "";
    for (const m of readFileSync(join(DIST, file), "utf8").matchAll(/(?:from|import)\s*["'](\.\.?\/[^"']+)["']/g)) {
      visit(join(dir, m[1]).replace(/\\/g, "/"));
    }
  };
  for (const entry of entries) visit(entry);
  return [...seen];
}

// What a browser loads: the main and testing entries (wasyncio/node is Node's alone).
const esmFiles = reachable(["index.js", "testing.js"]);
const esmBytes = esmFiles.reduce((sum, f) => sum + size(join(DIST, f)), 0);

test(`the ESM bundle has no node: imports (${esmBytes} bytes of JS in ${esmFiles.length} files), the Wasm core is under ${WASM_LIMIT} bytes (${wasmBytes})`, () => {
  console.log(`  bundle: ${esmBytes} bytes of ESM JavaScript (${esmFiles.join(", ")}); build/core.wasm: ${wasmBytes} bytes`);
  assert.ok(esmFiles.length >= 2, "dist/index.js is missing: run the build");
  for (const file of esmFiles) {
    const text = readFileSync(join(DIST, file), "utf8");
    // A browser (and a bundler targeting one) cannot load Node's built-in modules.
    for (const pattern of [/from\s*["']node:/, /import\s*\(\s*["']node:/, /require\s*\(\s*["']node:/]) {
      assert.not.match(text, pattern, `dist/${file} imports a node: module`);
    }
  }
  assert.ok(wasmBytes > 0, `${WASM} is missing: run the build`);
  // Chrome compiles a module synchronously on the main thread only up to 8 MB; the loop
  // instantiates its core synchronously, so the core must stay below that.
  assert.ok(wasmBytes < WASM_LIMIT, `build/core.wasm is ${wasmBytes} bytes, the limit is ${WASM_LIMIT}`);
});

test.run();
