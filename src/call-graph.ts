// Who awaits whom: asyncio 3.14's call graph (Lib/asyncio/graph.py), camelCase. asyncio
// records `awaited_by` on each future as tasks, gather, shield and TaskGroup wait; here
// nothing is recorded on the hot path: a future's done callbacks already say who waits on
// it. A task waiting on it is registered as itself; the callbacks of gather (on each child),
// shield (on the inner future) and TaskGroup (on each child task) carry the future or task
// they stand for (`_tagAwaiter`, once per gather/shield/group). So the graph is read on demand.
import { Future } from "./future.js";
import { Task, currentTask } from "./task.js";
import { _runningLoopOrNull } from "./running.js";
import { _captureTrace, _parseFrame, _userFrames, type StackFrame } from "./suspension.js";
import { expected } from "./checks.js";
import { _unwrapCallback } from "./context.js";

export type { StackFrame } from "./suspension.js";

/**
 * One frame of a call stack. asyncio's has the frame object; JavaScript has none, so this is
 * the frame as a stack trace line describes it (function name, file, line, column).
 * @example
 * const entry: FrameCallGraphEntry = { frame: { name: "worker", file: "/app/main.js", line: 3, column: 12 } }
 */
export interface FrameCallGraphEntry {
  frame: StackFrame;
}

/**
 * A future or task, its call stack (innermost first) and the graphs of what awaits it.
 * @example
 * const graph: FutureCallGraph | undefined = captureCallGraph(task)
 * graph?.awaitedBy.map((g) => g.future)   // the tasks and futures waiting on `task`
 */
export interface FutureCallGraph {
  future: Future<any>;
  callStack: FrameCallGraphEntry[];
  awaitedBy: FutureCallGraph[];
}

/**
 * Options of `captureCallGraph()` and `formatCallGraph()`.
 * @example
 * const options: CallGraphOptions = { limit: 3 }
 */
export interface CallGraphOptions {
  /** For the current task: how many of the caller's frames to skip, 1 (the default) being the caller itself. */
  depth?: number;
  /**
   * Cut each call stack to `|limit|` entries: the outermost (closest to where the task
   * started) if positive, the innermost if negative; 0 leaves only "awaited by".
   */
  limit?: number | null;
}

/** A done callback standing for the future or task that waits through it. */
type Tagged = { _awaiter?: Future<any> };

/** @internal Marks `callback` (a done callback on the awaited futures) as standing for `awaiter`. */
export function _tagAwaiter(callback: Function, awaiter: Future<any>): void {
  (callback as Tagged)._awaiter = awaiter;
}

/** @internal The futures and tasks waiting on `fut`, read from its done callbacks. */
export function _awaitersOf(fut: Future<any>): Future<any>[] {
  const cbs = fut._callbacks;
  if (cbs === null || cbs === undefined) return [];
  const out: Future<any>[] = [];
  for (const cb of Array.isArray(cbs) ? cbs : [cbs]) {
    const awaiter = cb instanceof Future ? cb : typeof cb === "function" ? (_unwrapCallback(cb) as Tagged)._awaiter : undefined;
    if (awaiter !== undefined && !out.includes(awaiter)) out.push(awaiter);
  }
  return out;
}

const ids = new WeakMap<object, number>();
let lastId = 0;

/** @internal A number naming `obj` for as long as it lives (asyncio shows `id()`), given on first use. */
export function _objectId(obj: object): number {
  let id = ids.get(obj);
  if (id === undefined) ids.set(obj, (id = ++lastId));
  return id;
}

/** @internal `0x1f`: how the graph and the task dumps show an id. */
export function _hexId(obj: object): string {
  return `0x${_objectId(obj).toString(16)}`;
}

/** @internal A string as Python's repr() quotes it ('name'), as asyncio's outputs show names. */
export function _pyRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t");
  return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q;
}

function checkOptions(call: string, options: unknown): { depth: number; limit: number | null } {
  if (options === undefined || options === null) return { depth: 1, limit: null };
  if (typeof options !== "object") throw expected(call, "options to be an object", options);
  const { depth = 1, limit = null } = options as CallGraphOptions;
  if (typeof depth !== "number" || !Number.isInteger(depth) || depth < 0) throw expected(call, "options.depth to be an integer >= 0", depth);
  if (limit !== null && (typeof limit !== "number" || !Number.isInteger(limit))) throw expected(call, "options.limit to be an integer or null", limit);
  return { depth, limit };
}

/** asyncio's trimming: positive keeps the outermost entries, negative the innermost (stacks are innermost first). */
function trim(frames: string[], limit: number | null): FrameCallGraphEntry[] {
  const kept = limit === null ? frames : limit > 0 ? frames.slice(-limit) : limit < 0 ? frames.slice(0, -limit) : [];
  const out: FrameCallGraphEntry[] = [];
  for (const line of kept) {
    const frame = _parseFrame(line);
    if (frame !== null) out.push({ frame });
  }
  return out;
}

function build(fut: Future<any>, limit: number | null, path: Set<Future<any>>): FutureCallGraph {
  const frames = fut instanceof Task && limit !== 0 ? fut._suspendedFrames() : [];
  return { future: fut, callStack: trim(frames, limit), awaitedBy: awaitedBy(fut, limit, path) };
}

function awaitedBy(fut: Future<any>, limit: number | null, path: Set<Future<any>>): FutureCallGraph[] {
  const out: FutureCallGraph[] = [];
  path.add(fut);
  // A wait cycle (two tasks awaiting each other) is shown once round, not followed forever.
  for (const parent of _awaitersOf(fut)) if (!path.has(parent)) out.push(build(parent, limit, path));
  path.delete(fut);
  return out;
}

function capture(call: string, fut: unknown, options: unknown, above: Function): FutureCallGraph | undefined {
  const { depth, limit } = checkOptions(call, options);
  const loop = _runningLoopOrNull();
  if (fut !== undefined && fut !== null) {
    if (!(fut instanceof Future)) throw expected(call, "fut to be a Future or Task", fut);
    if (loop === null || fut !== currentTask(loop)) return build(fut, limit, new Set());
  } else {
    if (loop === null) throw new Error(`${call}: called outside a running event loop, and no future to introspect was given`);
    fut = currentTask(loop);
    // Not a general stack tool: outside a task, with no future given, there is no graph.
    if (fut === null) return undefined;
  }
  // The current task: its stack is live, from the caller (depth 1) down to the task's step.
  const frames = limit === 0 ? [] : _userFrames(_captureTrace(above).stack).slice(Math.max(depth - 1, 0));
  return { future: fut as Future<any>, callStack: trim(frames, limit), awaitedBy: awaitedBy(fut as Future<any>, limit, new Set()) };
}

/**
 * The call graph of `fut` (default: the current task), as asyncio 3.14's
 * `capture_call_graph`: its call stack and, recursively, what awaits it through tasks,
 * `gather`, `shield`, `TaskGroup` and plain futures. The call stack of a task other than the
 * current one is known in debug mode only (the loop records it where the task suspends);
 * the current task's is taken now. `undefined` when called inside a loop but outside a task
 * with no `fut`; throws outside a running loop with no `fut`.
 * @example
 * function* child() { yield* sleep(10) }
 * function* main() {
 *   const t = createTask(child(), { name: "child" })
 *   yield* sleep(0)
 *   const graph = captureCallGraph(t)!
 *   graph.awaitedBy.length   // 0: nobody awaits `t` yet
 *   yield* t
 * }
 */
export function captureCallGraph(fut?: Future<any> | null, options?: CallGraphOptions): FutureCallGraph | undefined {
  return capture("captureCallGraph()", fut, options, captureCallGraph);
}

function render(graph: FutureCallGraph, buf: string[], level: number): void {
  const indent = "    ".repeat(level);
  const fut = graph.future;
  buf.push(indent + (fut instanceof Task ? `* Task(name=${_pyRepr(fut.getName())}, id=${_hexId(fut)})` : `* Future(id=${_hexId(fut)})`));
  if (graph.callStack.length > 0) {
    buf.push(`${indent}  + Call stack:`);
    for (const { frame } of graph.callStack) buf.push(`${indent}  |   File ${_pyRepr(frame.file)}, line ${frame.line}, in ${frame.name}()`);
  }
  if (graph.awaitedBy.length > 0) {
    buf.push(`${indent}  + Awaited by:`);
    for (const parent of graph.awaitedBy) render(parent, buf, level + 1);
  }
}

function format(call: string, fut: unknown, options: unknown, above: Function): string {
  const graph = capture(call, fut, options, above);
  if (graph === undefined) return "";
  const buf: string[] = [];
  render(graph, buf, 0);
  return buf.join("\n");
}

/**
 * `captureCallGraph()` as text, as asyncio 3.14's `format_call_graph`: each future or
 * task, its call stack ("File '...', line N, in name()") and, indented below, what awaits
 * it. An empty string when there is no graph (outside a task, with no `fut`).
 * @example
 * console.log(formatCallGraph(task))
 * // * Task(name='child', id=0x2)
 * //   + Awaited by:
 * //       * Task(name='main', id=0x1)
 */
export function formatCallGraph(fut?: Future<any> | null, options?: CallGraphOptions): string {
  return format("formatCallGraph()", fut, options, formatCallGraph);
}

/**
 * Prints `formatCallGraph(fut, options)` to `options.file` (anything with `write(text)`)
 * or the console; prints nothing when there is no graph.
 * @example
 * function* child() { printCallGraph() }   // the current task and who awaits it
 * printCallGraph(task, { file: process.stderr, limit: 5 })
 */
export function printCallGraph(fut?: Future<any> | null, options?: CallGraphOptions & { file?: { write(text: string): unknown } | null }): void {
  const file = options?.file;
  if (file !== undefined && file !== null && typeof (file as { write?: unknown }).write !== "function") {
    throw expected("printCallGraph()", "options.file to have a write() method", file);
  }
  const text = format("printCallGraph()", fut, options === undefined || options === null ? options : { depth: options.depth, limit: options.limit }, printCallGraph);
  if (text === "") return;
  if (file !== undefined && file !== null) file.write(text + "\n");
  else console.log(text);
}
