// dumpTasks(): every pending task of a loop, one row each, and the snapshot it is made from
// (which wasyncio/node's task dump writes as JSON). Read on demand from what the tasks
// already hold; the creation time and the frames are known in debug mode only.
import type { LoopLike } from "./events.js";
import { Future } from "./future.js";
import { Task, allTasks, currentTask } from "./task.js";
import { _awaitersOf, _hexId, _pyRepr } from "./call-graph.js";
import { _parseFrame, type StackFrame } from "./suspension.js";
import { _Parkable } from "./traps.js";
import { getRunningLoop } from "./running.js";
import { checkLoop } from "./checks.js";
import { frameLabel, textTable } from "./util/text-table.js";

/** @internal A task as the dumps show it. */
export interface _TaskRecord {
  id: string;
  name: string;
  /** running, ready, waiting, sleeping, or cancelling. */
  state: string;
  /** What it awaits: `Task 'name' 0x2`, `GatheringFuture 0x5`, `sleep until 10`, or "". */
  awaits: string;
  /** The tasks waiting on it, through plain futures, gather and shield too. */
  awaitedBy: { id: string; name: string }[];
  /** Its user frames where it is suspended, innermost first (debug mode). */
  stack: StackFrame[];
  /** Where it was made (debug mode). */
  createdAt: StackFrame | null;
  /** `loop.time()` minus its creation time, in ms (debug mode). */
  ageMs: number | null;
}

/** The tasks waiting on `fut`, looking through the futures between (gather, shield, a plain future). */
function awaitingTasks(fut: Future<any>, seen: Set<Future<any>>): Task<any>[] {
  const out: Task<any>[] = [];
  for (const awaiter of _awaitersOf(fut)) {
    if (seen.has(awaiter)) continue;
    seen.add(awaiter);
    if (awaiter instanceof Task) out.push(awaiter);
    else out.push(...awaitingTasks(awaiter, seen));
  }
  return out;
}

function describe(w: unknown): string {
  if (w === null || w === undefined) return "";
  if (w instanceof _Parkable) return `sleep until ${w._ms}`;
  if (w instanceof Task) return `Task ${_pyRepr(w.getName())} ${_hexId(w)}`;
  if (w instanceof Future) return `${w.constructor.name} ${_hexId(w)}`;
  return String(w);
}

/** @internal The pending tasks of `loop` as records. */
export function _snapshotTasks(loop: LoopLike): _TaskRecord[] {
  const now = (loop as { time?: () => number }).time?.();
  const running = currentTask(loop);
  const records: _TaskRecord[] = [];
  for (const task of allTasks(loop)) {
    const w = task._waiter();
    const state = task === running ? "running" : task.cancelling() > 0 ? "cancelling"
      : w instanceof _Parkable ? "sleeping" : w !== null && !w.done() ? "waiting" : "ready";
    const stack: StackFrame[] = [];
    for (const line of task._suspendedFrames()) {
      const frame = _parseFrame(line);
      if (frame !== null) stack.push(frame);
    }
    const rare = task._rare;
    const site = rare?.sourceTraceback?.split("\n")[0];
    const createdAt = rare?.createdAt;
    records.push({
      id: _hexId(task),
      name: task.getName(),
      state,
      awaits: describe(w),
      awaitedBy: awaitingTasks(task, new Set([task])).map((t) => ({ id: _hexId(t), name: t.getName() })),
      stack,
      createdAt: site === undefined ? null : _parseFrame(site),
      ageMs: createdAt === undefined || now === undefined ? null : now - createdAt,
    });
  }
  return records;
}

/**
 * A text table of every pending task of `loop` (default: the running loop): id, name,
 * state (running, ready, waiting, sleeping, cancelling), what it awaits, where it is
 * suspended, where it was made and its age. The last three are known in debug mode (the
 * loop records a task's creation and each suspension); elsewhere they are blank.
 * `loop.dumpTasks()` is the same. `allTasks()` gives the tasks themselves.
 * @example
 * const loop = new EventLoop({ clock: "virtual", debug: true })
 * loop.createTask((function* worker() { yield* sleep(10) })(), { name: "worker" })
 * loop._runOnce()
 * console.log(dumpTasks(loop))
 * // id   name    state     awaits          suspended at            created at            age
 * // ---------------------------------------------------------------------------------------
 * // 0x1  worker  sleeping  sleep until 10  worker /app/main.js:2   <anonymous> /app/main.js:2  0 ms
 */
export function dumpTasks(loop?: LoopLike): string {
  if (loop !== undefined) checkLoop("dumpTasks()", "loop", loop);
  const records = _snapshotTasks(loop ?? getRunningLoop());
  return textTable(
    ["id", "name", "state", "awaits", "suspended at", "created at", "age"],
    records.map((r) => [r.id, r.name, r.state, r.awaits, frameLabel(r.stack[0]), frameLabel(r.createdAt),
      r.ageMs === null ? "" : `${Math.round(r.ageMs * 1000) / 1000} ms`]),
  );
}
