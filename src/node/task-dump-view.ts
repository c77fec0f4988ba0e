// Where a task dump (task-dump.ts) is found and how `npx wasyncio ps` and `pstree` print
// it: as CPython 3.14's `python -m asyncio ps` table and `pstree` await tree
// (Lib/asyncio/tools.py), with the loop's index where asyncio shows the thread id. The CLI
// bundles this file without the loop.
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { _TaskDump } from "./task-dump.js";
import type { _TaskRecord } from "../dump-tasks.js";
import { frameLabel, textTable } from "../util/text-table.js";

/** @internal Where the control file of process `pid` is: it says a dump is installed, on which signal, written where. */
export function _controlFile(pid: number): string {
  return join(tmpdir(), `wasyncio-${pid}.control.json`);
}

/** @internal One task of a dump, with the loop it runs on. */
interface Row extends _TaskRecord {
  loopIndex: number;
}

function rowsOf(dump: _TaskDump): Row[] {
  return dump.loops.flatMap((l, loopIndex) => l.tasks.map((t) => ({ ...t, loopIndex })));
}

/** A task's coroutine stack, innermost first, as ps shows it: function names joined by " -> ". */
function chain(task: _TaskRecord | undefined): string {
  return task === undefined ? "" : task.stack.map((f) => f.name).join(" -> ");
}

/** @internal The ps table: one row per (task, awaiter) pair; a task nobody awaits gets one row. */
export function _formatTaskTable(dump: _TaskDump): string {
  const rows = rowsOf(dump);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const table: string[][] = [];
  for (const task of rows) {
    const base = [String(task.loopIndex), task.id, task.name, task.state, chain(task)];
    if (task.awaitedBy.length === 0) table.push([...base, "", "", "0x0"]);
    for (const parent of task.awaitedBy) table.push([...base, chain(byId.get(parent.id)), parent.name, parent.id]);
  }
  return textTable(["loop", "task id", "task name", "state", "coroutine stack", "awaiter chain", "awaiter name", "awaiter id"], table);
}

/** @internal Thrown by `_formatTaskTree` when tasks await each other in a cycle (a deadlock). */
export class _CycleError extends Error {
  constructor(readonly cycles: string[][]) {
    super(`await-graph contains cycles - cannot print a tree!\n\n${cycles.map((c) => `cycle: ${c.join(" → ")}`).join("\n")}`);
  }
}

/**
 * @internal The pstree trees, as asyncio's: each task not awaited by another is a root;
 * under a task, the frames of its own stack where it awaits (outermost first) lead to the
 * tasks it awaits; a task that awaits no task shows its own stack.
 */
export function _formatTaskTree(dump: _TaskDump): string {
  const rows = rowsOf(dump);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const label = new Map<string, string>();
  const children = new Map<string, string[]>();
  const corNodes = new Map<string, Map<string, string>>();
  let nextCor = 0;
  const kids = (node: string): string[] => {
    let list = children.get(node);
    if (list === undefined) children.set(node, (list = []));
    return list;
  };
  const corNode = (parent: string, frame: string): string => {
    let map = corNodes.get(parent);
    if (map === undefined) corNodes.set(parent, (map = new Map()));
    let key = map.get(frame);
    if (key === undefined) {
      key = `c${++nextCor}`;
      label.set(key, ` ${frame}`);
      kids(parent).push(key);
      map.set(frame, key);
    }
    return key;
  };
  for (const task of rows) label.set(`t${task.id}`, `(T) ${task.name}`);
  // Cycles first: a tree cannot be drawn through them.
  const edges = new Map<string, Set<string>>();
  for (const task of rows) for (const p of task.awaitedBy) {
    if (!edges.has(p.id)) edges.set(p.id, new Set());
    edges.get(p.id)!.add(task.id);
  }
  const cycles = findCycles(edges).map((c) => c.map((id) => byId.get(id)?.name ?? id));
  if (cycles.length > 0) throw new _CycleError(cycles);
  const awaiting = new Set<string>();
  for (const task of rows) {
    for (const p of task.awaitedBy) {
      awaiting.add(p.id);
      let cur = `t${p.id}`;
      const parent = byId.get(p.id);
      for (const frame of [...(parent?.stack ?? [])].reverse()) cur = corNode(cur, frameLabel(frame));
      if (!kids(cur).includes(`t${task.id}`)) kids(cur).push(`t${task.id}`);
    }
  }
  for (const task of rows) {
    if (awaiting.has(task.id)) continue;
    let cur = `t${task.id}`;
    for (const frame of [...task.stack].reverse()) cur = corNode(cur, frameLabel(frame));
  }
  const all = new Set([...children.values()].flat());
  const out: string[] = [];
  const render = (node: string, prefix: string, last: boolean): void => {
    out.push(`${prefix}${last ? "└── " : "├── "}${label.get(node)}`);
    const list = children.get(node) ?? [];
    list.forEach((kid, i) => render(kid, prefix + (last ? "    " : "│   "), i === list.length - 1));
  };
  for (const node of label.keys()) if (node.startsWith("t") && !all.has(node)) render(node, "", true);
  return out.join("\n");
}

/** Depth-first search for back edges: each cycle as a list of ids, its first repeated last. */
function findCycles(graph: Map<string, Set<string>>): string[][] {
  const color = new Map<string, number>();
  const path: string[] = [];
  const cycles: string[][] = [];
  const dfs = (v: string): void => {
    color.set(v, 1);
    path.push(v);
    for (const w of graph.get(v) ?? []) {
      const c = color.get(w) ?? 0;
      if (c === 0) dfs(w);
      else if (c === 1) cycles.push([...path.slice(path.indexOf(w)), w]);
    }
    color.set(v, 2);
    path.pop();
  };
  for (const v of graph.keys()) if ((color.get(v) ?? 0) === 0) dfs(v);
  return cycles;
}
