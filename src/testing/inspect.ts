// What a test may check of a loop's insides: the ids it holds, its slot table's size, its
// scheduler core. Read through _loopScheduler, not members of the loop, so EventLoop's own
// surface is asyncio's.
import { EventLoop, _loopScheduler } from "../base-loop.js";
import type { SchedulerCore } from "../core/index.js";
import type { Scheduler } from "../loop/scheduler.js";
import { expected } from "../checks.js";

/**
 * What `loopStats` reports of a loop.
 * @example
 * const { liveIds, timers }: LoopStats = loopStats(loop)
 */
export interface LoopStats {
  /** Ids in use: callbacks and timers not yet run or released, and live tasks (0 once closed). */
  liveIds: number;
  /** Size of the slot table: it only grows when more ids are live at once (0 once closed). */
  slotCapacity: number;
  /** The scheduler core the loop runs on (or ran on, once closed). */
  core: "wasm" | "js";
  /** Timers the core holds (a cancelled one is gone at once; 0 once closed). */
  timers: number;
}

function schedulerOf(call: string, loop: unknown): Scheduler {
  if (!(loop instanceof EventLoop)) throw expected(call, "an EventLoop", loop);
  return _loopScheduler(loop);
}

/**
 * A snapshot of what `loop` holds, for tests that check nothing leaks: ids still in use,
 * the slot table's size, the core's kind and its timer records.
 * @example
 * const loop = new EventLoop({ clock: "virtual" })
 * loop.callSoon(() => {})
 * loopStats(loop).liveIds // 1
 * advance(0, loop)
 * loopStats(loop).liveIds // 0
 */
export function loopStats(loop: EventLoop): LoopStats {
  const sched = schedulerOf("loopStats()", loop), { slots, core } = sched;
  // A closed loop's core is the shared empty one: it holds no timers.
  return { liveIds: slots.live(), slotCapacity: slots.state.length, core: sched.kind(), timers: loop.isClosed() ? 0 : core.timerCount() };
}

/** @internal The loop's scheduler core, for the core's own tests. */
export function _schedulerCore(loop: EventLoop): SchedulerCore {
  return schedulerOf("_schedulerCore()", loop).core;
}

/** @internal Test hook: sets slot `id`'s generation, as if it had been reused that many more times. */
export function _setSlotGeneration(loop: EventLoop, id: number, gen: number): void {
  schedulerOf("_setSlotGeneration()", loop).slots.gen[id] = gen;
}
