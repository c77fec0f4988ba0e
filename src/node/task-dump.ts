// installTaskDump(): on a signal, writes every running loop's pending tasks as JSON to a
// file named by pid, for `npx wasyncio ps|pstree <pid>` (the CLI, src/cli.ts). A signal
// handler runs between the loop's slices on Node's own loop, so the loops to dump are those
// inside runForever/runUntilComplete (run() included): a loop that is not running has no
// task that can make progress, and a synchronous run cannot be interrupted by a signal.
//
// Beside the dump, a small control file in the temp dir says that a dump is installed, on
// which signal, and where it writes: the CLI reads it first, so it never sends a signal that
// would kill a process without a handler (SIGUSR2's default action ends the process).
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { _runningLoops } from "../loop/loop-runner.js";
import { _snapshotTasks, type _TaskRecord } from "../dump-tasks.js";
import { _controlFile } from "./task-dump-view.js";
import { checkOptionalString, checkOptions, expected } from "../checks.js";

/**
 * Options of `installTaskDump()`.
 * @example
 * const options: TaskDumpOptions = { signal: "SIGUSR2", dir: "/var/tmp" }
 */
export interface TaskDumpOptions {
  /** The signal that triggers a dump (default `SIGUSR2`). */
  signal?: NodeJS.Signals;
  /** Where the dump is written (default: `os.tmpdir()`). */
  dir?: string;
}

/** @internal The JSON a dump writes (and the CLI reads). */
export interface _TaskDump {
  pid: number;
  /** When it was written (ms since the epoch). */
  written: number;
  loops: { loop: string; time: number; tasks: _TaskRecord[] }[];
}

/** @internal The dump of the running loops' tasks. */
export function _taskDump(): _TaskDump {
  const loops = [];
  for (const loop of _runningLoops()) loops.push({ loop: String(loop), time: loop.time(), tasks: _snapshotTasks(loop) });
  return { pid: process.pid, written: Date.now(), loops };
}

/** Writes `text` to `file` all at once: a reader sees the old file or the new one, never half. */
function writeAtomically(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

/**
 * Node: when the process gets `options.signal` (default `SIGUSR2`), writes a JSON snapshot
 * of every running loop's pending tasks (ids, names, states, what each awaits, who awaits
 * it, where it is suspended) to `wasyncio-<pid>.json` in `options.dir` (default: the temp
 * dir). `npx wasyncio ps <pid>` and `npx wasyncio pstree <pid>` send the signal and print
 * it as a table or an await tree. Frames and ages are known in debug mode. Returns a
 * function that uninstalls it.
 * @example
 * const uninstall = installTaskDump()
 * await run(main, { debug: true })   // meanwhile, in a shell: npx wasyncio pstree <pid>
 * uninstall()
 */
export function installTaskDump(options?: TaskDumpOptions): () => void {
  const checked = checkOptions<TaskDumpOptions>("installTaskDump()", options);
  const signal = checked.signal ?? "SIGUSR2";
  // One this platform has: process.on() takes any event name, and an unknown one never fires.
  if (typeof signal !== "string" || !Object.hasOwn(constants.signals, signal)) throw expected("installTaskDump()", "options.signal to be a signal name like 'SIGUSR2'", signal);
  checkOptionalString("installTaskDump()", "options.dir", checked.dir);
  const file = join(checked.dir ?? tmpdir(), `wasyncio-${process.pid}.json`);
  const control = _controlFile(process.pid);
  const onSignal = (): void => writeAtomically(file, JSON.stringify(_taskDump()));
  const onExit = (): void => rmSync(control, { force: true });
  process.on(signal, onSignal);
  process.on("exit", onExit);
  writeAtomically(control, JSON.stringify({ pid: process.pid, signal, file }));
  let installed = true;
  return () => {
    if (!installed) return;
    installed = false;
    process.off(signal, onSignal);
    process.off("exit", onExit);
    onExit();
  };
}
