// installTaskDump() and `wasyncio ps|pstree <pid>` against a real child process.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { installTaskDump, run, sleep } from "../../src/node/index.js";

const ROOT = resolve(new URL(".", import.meta.url).pathname, "../..");
const CLI = join(ROOT, "src/node/cli.ts");

const CHILD = `
import { createTask, gather, installTaskDump, run, sleep } from ${JSON.stringify(join(ROOT, "src/node/index.ts"))};
installTaskDump();
function* leaf() {
  yield* sleep(60_000); // LEAF
}
function* middle() {
  yield* gather(createTask(leaf(), { name: "leaf-1" }), createTask(leaf(), { name: "leaf-2" })); // MIDDLE
}
function* main() {
  const m = createTask(middle(), { name: "middle" });
  yield* sleep(0);
  console.log("ready");
  yield* m; // MAIN
}
await run(main, { debug: true });
`;

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: ROOT, encoding: "utf8" });
}

test("ps and pstree print a live child's tasks, as python -m asyncio ps/pstree", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wasyncio-dump-"));
  const file = join(dir, "child.mts");
  writeFileSync(file, CHILD);
  const lineOf = (m: string) => CHILD.split("\n").findIndex((l) => l.includes(m)) + 1;
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", file], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  try {
    await new Promise<void>((ok, fail) => {
      child.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && ok());
      child.on("exit", (code) => fail(new Error(`the child exited (${code})`)));
    });
    const ps = cli("ps", String(child.pid));
    assert.is(ps.status, 0, ps.stderr);
    const [header, , ...rows] = ps.stdout.trimEnd().split("\n");
    assert.equal(header.split(/\s{2,}/), ["loop", "task id", "task name", "state", "coroutine stack", "awaiter chain", "awaiter name", "awaiter id"]);
    const cells = rows.map((r) => r.split(/\s{2,}/));
    const row = (name: string) => cells.find((c) => c[2] === name)!;
    assert.equal(row("leaf-1").slice(3, 7), ["sleeping", "leaf", "middle", "middle"]);
    assert.equal(row("leaf-2").slice(5, 7), ["middle", "middle"]);
    assert.equal(row("middle").slice(3, 7), ["waiting", "middle", "main", "Task-1"]);
    assert.equal(row("Task-1").slice(4), ["main", "0x0"]);

    const tree = cli("pstree", String(child.pid));
    assert.is(tree.status, 0, tree.stderr);
    assert.is(tree.stdout, [
      "└── (T) Task-1",
      `    └──  main ${file}:${lineOf("// MAIN")}`,
      "        └── (T) middle",
      `            └──  middle ${file}:${lineOf("// MIDDLE")}`,
      "                ├── (T) leaf-1",
      `                │   └──  leaf ${file}:${lineOf("// LEAF")}`,
      "                └── (T) leaf-2",
      `                    └──  leaf ${file}:${lineOf("// LEAF")}`,
      "",
    ].join("\n"));
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a process with no dump installed gets a clear error and no signal; bad usage exits 2", () => {
  const r = cli("ps", String(process.pid));
  assert.is(r.status, 1);
  assert.match(r.stderr, new RegExp(`process ${process.pid} has no task dump installed: call installTaskDump\\(\\)`));
  assert.is(cli("top", "1").status, 2);
  assert.is(cli("ps", "x").status, 2);
  assert.match(cli("--help").stdout, /usage: wasyncio \{ps,pstree\} <pid>/);
});

test("installTaskDump: the signal writes the running loops' tasks to dir; uninstall removes the listener", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wasyncio-dump-"));
  const before = process.listenerCount("SIGUSR2");
  const uninstall = installTaskDump({ dir });
  const file = join(dir, `wasyncio-${process.pid}.json`);
  try {
    assert.is(process.listenerCount("SIGUSR2"), before + 1);
    await run(function* () {
      process.kill(process.pid, "SIGUSR2");
      // The signal is handled on Node's loop, between the loop's slices: while this task sleeps.
      while (!existsSync(file)) yield* sleep(5);
    });
    const dump = JSON.parse(readFileSync(file, "utf8"));
    assert.is(dump.pid, process.pid);
    assert.is(dump.loops.length, 1);
    assert.equal(dump.loops[0].tasks.map((t: { state: string }) => t.state), ["sleeping"]);
    assert.match(dump.loops[0].tasks[0].name, /^Task-\d+$/);
  } finally {
    uninstall();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.is(process.listenerCount("SIGUSR2"), before);
  assert.throws(() => installTaskDump({ signal: "nope" as never }), /installTaskDump\(\) expected options.signal/);
  assert.throws(() => installTaskDump({ dir: 1 as never }), /installTaskDump\(\) expected options.dir/);
});

test.run();
