// Where a task is suspended (debug mode). JavaScript cannot look into a suspended
// generator, but while a task's step runs, every `yield*` of the coroutine chain is a frame
// on the stack: when the innermost iterator (a future's, a sleep's) yields, a stack trace
// taken there shows the user's own frames, file and line. Each of those iterators makes one
// check, `_debugLoops !== 0`, a module-level count of the open loops in debug mode: with no
// such loop the hot path costs one load and compare. V8 formats a captured trace only when
// `.stack` is read, so a suspension costs the capture, not the text.
import type { LoopLike } from "./events.js";
import { _steppingTask } from "./running.js";
import { LIBRARY_DIR } from "./util.js";

/** @internal The open loops in debug mode (EventLoop counts them): the iterators' one check. */
export let _debugLoops = 0;

/** @internal A loop entered (+1) or left (-1) debug mode, or closed in it (-1). */
export function _countDebugLoop(delta: 1 | -1): void {
  _debugLoops += delta;
}

/** @internal Where a task last suspended: what it yielded to wait on, and a stack trace taken there. */
export interface _Suspension {
  /** The Future, sleep, or `SWITCH` the innermost iterator yielded. */
  on: unknown;
  /** A holder of the (lazily formatted) `stack`. */
  trace: { stack?: string };
}

interface Recording {
  getLoop(): LoopLike;
  _rareFields(): { suspension: _Suspension | null };
}

type CaptureStackTrace = (target: object, constructorOpt?: Function) => void;
const captureStackTrace = (Error as unknown as { captureStackTrace?: CaptureStackTrace }).captureStackTrace;

/** @internal A stack trace holder from the caller of `above` up (V8), or the whole stack elsewhere. */
export function _captureTrace(above: Function): { stack?: string } {
  const holder: { stack?: string } = {};
  if (typeof captureStackTrace === "function") captureStackTrace(holder, above);
  else holder.stack = new Error().stack;
  return holder;
}

/**
 * @internal Records, on the task being stepped if its loop is in debug mode, that it suspends
 * on `on` here. Called by the iterators that yield to a task, only while `_debugLoops !== 0`.
 */
export function _recordSuspension(on: unknown): void {
  const task = _steppingTask() as Recording | null;
  if (task === null || !task.getLoop().getDebug()) return;
  task._rareFields().suspension = { on, trace: _captureTrace(_recordSuspension) };
}

/**
 * One frame of a stack trace, as the call graph and the task dumps show it.
 * @example
 * const frame: StackFrame = { name: "worker", file: "/app/main.js", line: 3, column: 12 }
 */
export interface StackFrame {
  /** The function's name (`<anonymous>` if it has none). */
  name: string;
  /** The file (a path or URL), as the stack trace names it. */
  file: string;
  /** The 1-based line. */
  line: number;
  /** The 1-based column. */
  column: number;
}

// V8: "    at name (file:1:2)", "    at file:1:2", "    at async name (file:1:2)".
const V8_FRAME = /^\s*at (?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/;
// SpiderMonkey and JavaScriptCore: "name@file:1:2".
const GECKO_FRAME = /^(.*?)@(.+?):(\d+):(\d+)$/;

/** @internal One stack trace line as a frame, or null for a native or unparsable one. */
export function _parseFrame(line: string): StackFrame | null {
  const m = V8_FRAME.exec(line) ?? GECKO_FRAME.exec(line);
  if (m === null) return null;
  let file = m[2];
  if (file.startsWith("file://")) {
    try {
      file = decodeURIComponent(new URL(file).pathname);
    } catch {
      // Not a valid URL after all: keep it as written.
    }
  }
  return { name: m[1] || "<anonymous>", file, line: Number(m[3]), column: Number(m[4]) };
}

/** The library's own frames (its src/ or its bundle's chunks/) and the host's internal ones. */
function isInternal(line: string): boolean {
  return (LIBRARY_DIR !== null && line.includes(LIBRARY_DIR)) || /\(node:|at node:|\(native\)|\[native code\]/.test(line);
}

/**
 * @internal The user's frames of a trace taken inside a task's step, innermost first: the
 * lines above the task's step (the coroutine chain, and whatever the innermost frame
 * called), less the library's and the host's frames. The trace holds at most
 * `Error.stackTraceLimit` frames (10 by default in V8): a deeper chain is cut.
 */
export function _userFrames(stack: string | undefined): string[] {
  if (stack === undefined) return [];
  const out: string[] = [];
  const lines = stack.split("\n");
  // V8 starts with the error's own line ("Error" or the holder's), not a frame.
  for (const line of lines) {
    if (!V8_FRAME.test(line) && !GECKO_FRAME.test(line)) continue;
    if (isInternal(line)) {
      // The task's step resumed the coroutine: what is below is the loop, not the task.
      if (/\b_step\b/.test(line)) break;
      continue;
    }
    out.push(line);
  }
  return out;
}
