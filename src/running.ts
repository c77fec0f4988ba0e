// Which loop is running and which task is stepping. Single-threaded, so plain module state.
import type { LoopLike } from "./events.js";
import type { EventLoop } from "./base-loop.js";
import { checkLoop } from "./checks.js";

interface Stepping {
  getLoop(): LoopLike;
}

let runningLoop: LoopLike | null = null;
let stepping: Stepping | null = null;
let currentLoop: LoopLike | null = null;
let makeLoop: (() => LoopLike) | null = null;

/** @internal Marks `loop` as the loop whose iteration runs; returns the previous one. */
export function _setRunningLoop(loop: LoopLike | null): LoopLike | null {
  const prev = runningLoop;
  runningLoop = loop;
  return prev;
}

/** @internal Marks `task` as the task being stepped; returns the previous one. */
export function _swapCurrentTask<T extends Stepping | null>(task: T): Stepping | null {
  const prev = stepping;
  stepping = task;
  return prev;
}

/** @internal The task being stepped, if any. */
export function _steppingTask(): Stepping | null {
  return stepping;
}

/** @internal The running loop or null. */
export function _runningLoopOrNull(): LoopLike | null {
  return stepping !== null ? stepping.getLoop() : runningLoop;
}

/** @internal Installs how `getEventLoop()` makes a loop when none is set. */
export function _setLoopFactory(factory: () => LoopLike): void {
  makeLoop = factory;
}

/**
 * The running loop: the loop of the task being stepped, or else the loop whose iteration
 * is running. Throws when there is none.
 * @example
 * function* main() { const loop = getRunningLoop(); loop.callSoon(() => console.log("hi")) }
 */
export function getRunningLoop(): EventLoop {
  const loop = _runningLoopOrNull();
  if (loop === null) throw new Error("getRunningLoop(): no running event loop");
  // Typed as EventLoop for convenience; on a user's own loop class it is that loop.
  return loop as EventLoop;
}

/**
 * The running loop if there is one, else the current loop (set by `setEventLoop`),
 * creating one the first time.
 * @example
 * const loop = getEventLoop(); await loop.runUntilComplete(loop.createTask(main()))
 */
export function getEventLoop(): EventLoop {
  const loop = _runningLoopOrNull();
  if (loop !== null) return loop as EventLoop;
  if (currentLoop === null) {
    if (makeLoop === null) throw new Error("getEventLoop(): no event loop is set");
    currentLoop = makeLoop();
  }
  return currentLoop as EventLoop;
}

/**
 * Sets the current loop, returned by `getEventLoop()` when no loop is running.
 * @example
 * const loop = newEventLoop(); setEventLoop(loop)
 */
export function setEventLoop(loop: LoopLike | null): void {
  if (loop !== null) checkLoop("setEventLoop()", "loop", loop);
  currentLoop = loop;
}
