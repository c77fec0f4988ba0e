// `npx wasyncio ps <pid>` / `npx wasyncio pstree <pid>`: asks a process that called
// installTaskDump() for a dump of its tasks (by its signal) and prints it as CPython 3.14's
// `python -m asyncio ps` / `pstree` do. Built to dist/cli.js, the package's `bin`.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { _CycleError, _controlFile, _formatTaskTable, _formatTaskTree } from "./task-dump-view.js";
import type { _TaskDump } from "./task-dump.js";

const USAGE = `usage: wasyncio {ps,pstree} <pid> [--timeout <ms>]

  ps      print a table of every pending task of the process
  pstree  print the tree of which task awaits which

The process must have called installTaskDump() from wasyncio/node (frames and ages are
shown when its loop runs in debug mode). --timeout: how long to wait for the dump (5000 ms).`;

class UsageError extends Error {}

/** Polls for `file` until `deadline` (Date.now()); its parsed JSON, or undefined. */
async function waitForDump(file: string, deadline: number): Promise<_TaskDump | undefined> {
  for (;;) {
    if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as _TaskDump;
    if (Date.now() >= deadline) return undefined;
    await delay(20);
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  const [command, pidText, ...rest] = argv;
  if (command !== "ps" && command !== "pstree") throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) throw new UsageError(`expected a process id, got ${JSON.stringify(pidText ?? "")}`);
  let timeout = 5000;
  if (rest.length > 0) {
    if (rest[0] !== "--timeout" || !(Number(rest[1]) > 0)) throw new UsageError(`unexpected arguments: ${rest.join(" ")}`);
    timeout = Number(rest[1]);
  }
  const controlFile = _controlFile(pid);
  if (!existsSync(controlFile)) {
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code === "EPERM";
    }
    console.error(alive
      ? `wasyncio: process ${pid} has no task dump installed: call installTaskDump() from wasyncio/node in it`
      : `wasyncio: no process ${pid}`);
    return 1;
  }
  const { signal, file } = JSON.parse(readFileSync(controlFile, "utf8")) as { signal: NodeJS.Signals; file: string };
  // An older dump must not pass for the answer to this signal.
  rmSync(file, { force: true });
  process.kill(pid, signal);
  const dump = await waitForDump(file, Date.now() + timeout);
  if (dump === undefined) {
    console.error(`wasyncio: process ${pid} wrote no task dump within ${timeout} ms (is its event loop blocked?)`);
    return 1;
  }
  rmSync(file, { force: true });
  if (command === "ps") {
    console.log(_formatTaskTable(dump));
    return 0;
  }
  try {
    const tree = _formatTaskTree(dump);
    if (tree !== "") console.log(tree);
    return 0;
  } catch (e) {
    if (!(e instanceof _CycleError)) throw e;
    console.error(`ERROR: ${e.message}`);
    return 1;
  }
}

// process.exit, not an assignment to process.exitCode (src/ assigns to no Node export):
// on POSIX, writes to a pipe or a file are synchronous, so nothing printed is lost.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`wasyncio: ${e instanceof Error ? e.message : String(e)}`);
    if (e instanceof UsageError) console.error(USAGE);
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
