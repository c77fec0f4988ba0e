// Callbacks in, ids out: a loop's callbacks and tasks take slots of its slot table, and
// their ids go to the scheduler core (the ready ring, the timing wheel). Only ids cross into
// the core (Wasm or TS); the callbacks stay here. This is per-callback work: plain code
// on plain fields, with no allocation beyond the slot.
import { acquireCore, releaseCore, type SchedulerCore } from "../core/index.js";
import { CALL1, CANCELLED, QUEUED, SlotTable, TASK, TASK_FIRED, TASK_QUEUED, TASK_SKIP, TASK_TIMER, TIMER } from "./slot-table.js";

/** The empty core every closed loop points at (never run: a closed loop schedules nothing). */
let closedCore: SchedulerCore | null = null;

/** What a task is to its loop's scheduler. @internal */
export interface TaskSlot {
  _slot: number;
  _run(): void;
  getLoop(): unknown;
}

/** @internal A loop's slot table and scheduler core. */
export class Scheduler {
  readonly slots = new SlotTable();
  core: SchedulerCore;
  /** The kind of core the loop ran on, kept when close() gives the core back. */
  #coreKind: "wasm" | "js" | undefined = undefined;
  /**
   * The loop sleeps until its next timer (set by its runner): whatever is scheduled now
   * calls `wake`, since it may be due sooner. A plain field, read on every push.
   */
  sleeping = false;
  wake: () => void = () => {};
  /** The loop is closed (set as close() begins): it schedules nothing. */
  closed = false;

  constructor(kind: "wasm" | "js" | undefined) {
    this.core = acquireCore(kind);
  }

  /** The kind of core the loop runs (or ran) on. */
  kind(): "wasm" | "js" {
    return this.#coreKind ?? this.core.kind;
  }

  /** Slot `id` runs in the next iteration, after those already scheduled. */
  soon(id: number): number {
    this.slots.state[id] = QUEUED;
    this.#push(id);
    return id;
  }

  /** Slot `id` runs at `when`; if the core cannot take it (out of memory), the slot is freed. */
  at(id: number, when: number): number {
    this.slots.state[id] = TIMER;
    try {
      this.core.timerAdd(id, when);
    } catch (e) {
      this.slots.release(id);
      throw e;
    }
    if (this.sleeping) this.wake();
    return id;
  }

  /** Handle.cancel(): acts only if the handle's generation is still the slot's. */
  cancel(id: number, gen: number): void {
    const slots = this.slots;
    if (id < 0 || slots.gen[id] !== gen) return;
    const st = slots.state[id];
    if (st === QUEUED) {
      slots.state[id] = CANCELLED;
    } else if (st === TIMER) {
      // The core removes the timer at once: its id is free for reuse now.
      this.core.timerCancel(id);
      slots.release(id);
      return;
    } else {
      return;
    }
    slots.clear(id);
  }

  /** A stable slot for a task's lifetime: each step runs `task._run()`. */
  registerTask(task: TaskSlot): number {
    const id = this.slots.alloc(task._run, CALL1, task);
    this.slots.state[id] = TASK;
    return id;
  }

  /** Schedules a step of the task in `slot`. */
  scheduleTask(slot: number): void {
    if (this.slots.state[slot] !== TASK) throw new Error(`internal error: task slot ${slot} scheduled twice`);
    this.slots.state[slot] = TASK_QUEUED;
    this.#push(slot);
  }

  /**
   * Schedules a step of `task`, woken by the future it waits on, if it is a task of `loop`
   * with an idle slot; false if not (the caller schedules its wakeup callback instead).
   */
  wakeTask(task: TaskSlot, loop: unknown): boolean {
    const state = this.slots.state;
    if (!(task._slot >= 0 && state[task._slot] === TASK && task.getLoop() === loop)) return false;
    state[task._slot] = TASK_QUEUED;
    this.#push(task._slot);
    return true;
  }

  /** Parks the idle task in `slot` in the timer structure until `when` (its sleep). */
  park(slot: number, when: number): void {
    const state = this.slots.state;
    if (state[slot] !== TASK) throw new Error(`internal error: task slot ${slot} parked while scheduled`);
    // Set first: the core may fail (out of memory), and then the slot is idle again.
    state[slot] = TASK_TIMER;
    try {
      this.core.timerAdd(slot, when);
    } catch (e) {
      state[slot] = TASK;
      throw e;
    }
    if (this.sleeping) this.wake();
  }

  /**
   * The parked task in `slot` is being cancelled: if its sleep has not ended yet (asyncio:
   * the sleep's future is pending), it leaves the timer structure at once and is queued
   * now, to run next iteration (where the cancelled future would queue its task's
   * wake-up); a timer that fired into the batch being run is skipped there (TASK_SKIP).
   * False if the sleep has ended and the wake-up is queued already (asyncio: the future is
   * done, so the task must cancel itself at that step).
   */
  unpark(slot: number): boolean {
    const state = this.slots.state;
    if (state[slot] === TASK_TIMER) {
      this.core.timerCancel(slot);
      state[slot] = TASK_QUEUED;
    } else if (state[slot] === TASK_FIRED) {
      state[slot] = TASK_SKIP;
    } else {
      return false;
    }
    this.#push(slot);
    return true;
  }

  /** A TASK_FIRED slot reached in its batch: the sleep has ended, the task runs next iteration. */
  fired(slot: number): void {
    this.slots.state[slot] = TASK_QUEUED;
    this.#push(slot);
  }

  /** The loop closed: its core goes back to the pool (or to the collector), its slot table empties. */
  dispose(): void {
    this.#coreKind = this.core.kind;
    releaseCore(this.core);
    this.core = closedCore ??= acquireCore("js");
    this.slots.dispose();
  }

  #push(id: number): void {
    try {
      this.core.push(id);
    } catch (e) {
      // The core could not grow its ring and is as it was: so is the slot table.
      if (this.slots.state[id] === TASK_QUEUED) this.slots.state[id] = TASK;
      else this.slots.release(id);
      throw e;
    }
    if (this.sleeping) this.wake();
  }
}
