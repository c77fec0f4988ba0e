// The live task tree: who awaits whom, read from the public introspection API as a user
// of the package would. `captureCallGraph(task)` says what awaits each pending task of
// `allTasks(loop)` (a task, or a future such as gather's standing for its caller), so the
// tree is those edges turned round: each awaiter above what it awaits, as asyncio 3.14's
// `python -m asyncio pstree` prints it. What a task waits on now comes from `getStack()`.
import { Task, allTasks, captureCallGraph, currentTask, type EventLoop, type Future, type FutureCallGraph } from "../../src/index.js";

/** One line of the tree: a task, or a future a task awaits through (gather's). */
export interface TreeRow {
  depth: number;
  /** The task's name, or the future's class ("GatheringFuture"). */
  name: string;
  isTask: boolean;
  /** "running", "ready", "sleeping 120 ms", "awaiting GET /docs/1-4", "cancelling", ... */
  state: string;
}

/** What `task` waits on, from the first wait line of its `getStack()`. */
export function stateOf(task: Task<any>, loop: EventLoop): string {
  if (task.done()) return task.cancelled() ? "cancelled" : "done";
  if (task === currentTask(loop)) return "running";
  // In debug mode the stack starts with the user's frames ("    at ..."): skip them.
  const wait = task.getStack().find((line) => line.startsWith("awaiting ") || line.startsWith("sleeping until "));
  const cancelling = task.cancelling() > 0 ? "cancelling, " : "";
  if (wait === undefined) return cancelling + "ready";
  if (wait.startsWith("sleeping until ")) {
    const left = Number(wait.slice("sleeping until ".length)) - loop.time();
    return `${cancelling}sleeping ${Math.max(0, Math.round(left))} ms`;
  }
  // "awaiting <Task pending name="x">" or "awaiting <GatheringFuture pending>".
  const named = /^awaiting <Task \w+ name=("(?:[^"\\]|\\.)*")/.exec(wait);
  if (named) return `${cancelling}awaiting ${JSON.parse(named[1]) as string}`;
  const cls = /^awaiting <(\w+)/.exec(wait);
  return `${cancelling}awaiting a ${cls ? cls[1] : "future"}`;
}

/** The class name a future's repr starts with: "<GatheringFuture pending>" → "GatheringFuture". */
function kindOf(fut: Future<any>): string {
  return /^<(\w+)/.exec(String(fut))?.[1] ?? "Future";
}

/**
 * The pending tasks of `loop` as a tree, depth first: roots (awaited by nobody) first, each
 * followed by what it awaits; siblings by name. A task awaited by two is shown under the
 * first. `maxRows` bounds the work of a redraw.
 */
export function taskTree(loop: EventLoop, maxRows = Infinity): TreeRow[] {
  const tasks = [...allTasks(loop)];
  const children = new Map<Future<any>, Future<any>[]>();
  const parent = new Map<Future<any>, Future<any>>();
  const link = (child: Future<any>, graphs: FutureCallGraph[]) => {
    const first = graphs[0];
    if (first === undefined || parent.has(child)) return;
    parent.set(child, first.future);
    let list = children.get(first.future);
    if (list === undefined) children.set(first.future, (list = []));
    list.push(child);
    // A plain future between two tasks (gather's, shield's) is a node of its own; a task
    // above it gets its own turn in the loop below.
    if (!(first.future instanceof Task)) link(first.future, first.awaitedBy);
  };
  // limit 0: no call stacks, only who awaits whom (cheap, and the same in and out of debug mode).
  for (const task of tasks) link(task, captureCallGraph(task, { limit: 0 })?.awaitedBy ?? []);

  const byName = (a: Future<any>, b: Future<any>) => {
    const na = a instanceof Task ? a.getName() : "", nb = b instanceof Task ? b.getName() : "";
    return na < nb ? -1 : na > nb ? 1 : 0;
  };
  const rows: TreeRow[] = [];
  const visit = (node: Future<any>, depth: number) => {
    if (rows.length >= maxRows) return;
    rows.push(node instanceof Task
      ? { depth, name: node.getName(), isTask: true, state: stateOf(node, loop) }
      : { depth, name: kindOf(node), isTask: false, state: node.done() ? "done" : "pending" });
    for (const child of (children.get(node) ?? []).sort(byName)) visit(child, depth + 1);
  };
  const roots = [...tasks.filter((t) => !parent.has(t)), ...[...children.keys()].filter((f) => !(f instanceof Task) && !parent.has(f))];
  for (const root of roots.sort(byName)) visit(root, 0);
  return rows;
}
