// The trace recorder: an instrument that writes what a loop does as Chrome's Trace Event
// Format (the JSON that Perfetto and chrome://tracing open): each task is a track of
// complete ("X") events, one per step, linked to the step that spawned it by a flow
// ("s" -> "f"); plain callbacks, timer callbacks and idle waits are on the loop's own track.
// Time is the loop's clock, so a trace of a virtual-clock run is the same every run.
import type { EventLoop } from "./base-loop.js";
import type { Instrument } from "./loop/instruments.js";
import type { Task } from "./task.js";
import { _runningLoopOrNull, getEventLoop } from "./running.js";
import { expected } from "./checks.js";
import { HAS_EXCEPTION } from "./future.js";

/** The one process of a trace: a loop runs on one thread; each task gets a track (tid). */
const PID = 1;
/** The loop's own track: plain callbacks, timers, idle waits, runs. */
const LOOP_TID = 0;
/**
 * Trace timestamps are µs; two readings of the loop's clock may be equal (always, within
 * one iteration of a virtual clock), so each is nudged 1 ns past the last. Events keep
 * their order and a step its width, and the trace stays exact (ts has ns precision).
 */
const NUDGE_US = 0.001;

/**
 * One event of Chrome's Trace Event Format: `ph` is its phase ("X" complete, with `dur`;
 * "i" instant; "s"/"f" a flow's start and end, paired by `id`; "M" metadata); `ts` and
 * `dur` are in microseconds of the loop's clock; `tid` is the track (0: the loop, then
 * one per task).
 * @example
 * const steps = recorder.events().filter((e: TraceEvent) => e.ph === "X" && e.cat === "task")
 */
export interface TraceEvent {
  name: string;
  ph: "X" | "i" | "s" | "f" | "M";
  ts: number;
  pid: number;
  tid: number;
  cat?: string;
  dur?: number;
  id?: number;
  /** A flow end's binding point: "e", the enclosing slice (the task's first step). */
  bp?: "e";
  /** An instant's scope: "t" its track, "g" the whole trace. */
  s?: "t" | "g";
  args?: Record<string, unknown>;
}

/**
 * What `recorder.stop()` returns: a Trace Event Format JSON object. Write it to a file
 * (`JSON.stringify(trace)`) and open it in https://ui.perfetto.dev or chrome://tracing.
 * @example
 * const trace: Trace = recorder.stop()
 * writeFileSync("trace.json", JSON.stringify(trace))
 */
export interface Trace {
  traceEvents: TraceEvent[];
  displayTimeUnit: "ms";
  otherData: { clock: "real" | "virtual"; producer: "wasyncio" };
}

/**
 * A recording in progress (`startTrace()`): read its events so far with `events()`, end
 * it with `stop()`.
 * @example
 * const recorder = startTrace(loop)
 * await loop.runUntilComplete(main())
 * const trace = recorder.stop()
 */
export class TraceRecorder {
  readonly #loop: EventLoop;
  readonly #meta: TraceEvent[] = [];
  readonly #events: TraceEvent[] = [];
  /** Each task's track, numbered as first seen (spawned, or first stepped). */
  readonly #tids = new WeakMap<Task<any>, number>();
  #nextTid = LOOP_TID + 1;
  /** Tracks whose task was spawned while recording: its first step ends a flow. */
  readonly #flows = new Set<number>();
  #last = -Infinity;
  /** The step running now (its track and start), or -1. */
  #stepTid = -1;
  #stepStart = 0;
  /** Steps the running one is nested in, innermost last: an eager task's first step runs inside its creator's. */
  readonly #outerSteps: [tid: number, start: number][] = [];
  /** The plain callback running now (name, start, from a timer), or null. */
  #callback: { name: string; ts: number; timer: boolean } | null = null;
  #ioStart = -1;
  #trace: Trace | null = null;
  readonly #instrument: Instrument;

  /** @internal Use `startTrace(loop)`. */
  constructor(loop: EventLoop) {
    this.#loop = loop;
    this.#meta.push(
      { name: "process_name", ph: "M", ts: 0, pid: PID, tid: LOOP_TID, args: { name: "wasyncio" } },
      { name: "thread_name", ph: "M", ts: 0, pid: PID, tid: LOOP_TID, args: { name: "event loop" } },
    );
    // The hooks live on a private object, not on the recorder: a user cannot call them.
    const self = this;
    this.#instrument = {
      beforeRun: () => self.#instant("run started", LOOP_TID, "g"),
      afterRun: () => self.#instant("run ended", LOOP_TID, "g"),
      taskSpawned: (task) => self.#spawned(task),
      beforeTaskStep: (task) => {
        if (self.#stepTid >= 0) self.#outerSteps.push([self.#stepTid, self.#stepStart]);
        self.#stepTid = self.#tid(task);
        self.#stepStart = self.#now();
        if (self.#flows.delete(self.#stepTid)) {
          self.#events.push({ name: "spawn", cat: "task", ph: "f", bp: "e", id: self.#stepTid, ts: self.#stepStart, pid: PID, tid: self.#stepTid });
        }
      },
      afterTaskStep: (task) => self.#endStep(task, false),
      taskExited: (task) => {
        self.#instant("exited", self.#tid(task), "t", { task: self.#tid(task), outcome: outcomeOf(task) });
      },
      beforeIoWait: () => {
        self.#ioStart = self.#now();
      },
      afterIoWait: (timeoutMs) => self.#endIoWait(timeoutMs),
    };
    Object.assign(this.#instrument, {
      _beforeCallback: (name: string, timer: boolean) => {
        self.#callback = { name, ts: self.#now(), timer };
      },
      _afterCallback: () => self.#endCallback(false),
      _timerFired: (task: Task<any>) => self.#instant("sleep ended", self.#tid(task), "t", { task: self.#tid(task) }),
    });
    loop.addInstrument(this.#instrument);
  }

  /**
   * The events recorded so far (a copy, metadata first), without stopping: a live view
   * can poll it. A step in progress is not in it yet.
   * @example
   * setInterval(() => draw(recorder.events()), 100)
   */
  events(): TraceEvent[] {
    return this.#trace !== null ? [...this.#trace.traceEvents] : [...this.#meta, ...this.#events];
  }

  /** Whether `stop()` was called. */
  get stopped(): boolean {
    return this.#trace !== null;
  }

  /**
   * Stops recording and returns the trace. A step, callback or idle wait in progress (the
   * recorder stopped from inside a task) ends at the stop, marked `args.open`. Calling it
   * again returns the same trace.
   * @example
   * const json = JSON.stringify(recorder.stop())
   */
  stop(): Trace {
    if (this.#trace !== null) return this.#trace;
    try {
      this.#loop.removeInstrument(this.#instrument);
    } catch {
      // A hook threw and the loop removed the instrument already (it was reported then).
    }
    while (this.#stepTid >= 0) this.#endStep(null, true);
    if (this.#callback !== null) this.#endCallback(true);
    if (this.#ioStart >= 0) this.#endIoWait(undefined, true);
    this.#trace = {
      traceEvents: [...this.#meta, ...this.#events],
      displayTimeUnit: "ms",
      otherData: { clock: this.#loop._isVirtualClock() ? "virtual" : "real", producer: "wasyncio" },
    };
    return this.#trace;
  }

  /** The loop's clock in µs, strictly after the last reading. */
  #now(): number {
    const t = Math.round(this.#loop.time() * 1e6) / 1e3;
    this.#last = t > this.#last ? t : Math.round((this.#last + NUDGE_US) * 1e3) / 1e3;
    return this.#last;
  }

  #tid(task: Task<any>): number {
    let tid = this.#tids.get(task);
    if (tid === undefined) {
      tid = this.#nextTid++;
      this.#tids.set(task, tid);
      this.#meta.push({ name: "thread_name", ph: "M", ts: 0, pid: PID, tid, args: { name: task.getName() } });
    }
    return tid;
  }

  #spawned(task: Task<any>): void {
    const tid = this.#tid(task);
    // From the spawning step (or callback) to the task's first step.
    const from = this.#stepTid >= 0 ? this.#stepTid : LOOP_TID;
    this.#flows.add(tid);
    this.#events.push({ name: "spawn", cat: "task", ph: "s", id: tid, ts: this.#now(), pid: PID, tid: from, args: { task: tid } });
  }

  #endStep(task: Task<any> | null, open: boolean): void {
    const tid = this.#stepTid, ts = this.#stepStart;
    // The step that started the recording was not seen to begin: it is left out.
    if (tid < 0) return;
    const outer = this.#outerSteps.pop();
    this.#stepTid = outer === undefined ? -1 : outer[0];
    if (outer !== undefined) this.#stepStart = outer[1];
    const name = task !== null ? task.getName() : String(this.#meta.find((m) => m.tid === tid && m.name === "thread_name")?.args?.name);
    const args: Record<string, unknown> = { task: tid };
    if (open) args.open = true;
    this.#events.push({ name, cat: "task", ph: "X", ts, dur: this.#now() - ts, pid: PID, tid, args });
  }

  #endCallback(open: boolean): void {
    const cb = this.#callback!;
    this.#callback = null;
    const args: Record<string, unknown> | undefined = open ? { open: true } : undefined;
    this.#events.push({ name: cb.name, cat: cb.timer ? "timer" : "callback", ph: "X", ts: cb.ts, dur: this.#now() - cb.ts, pid: PID, tid: LOOP_TID, ...(args && { args }) });
  }

  #endIoWait(timeoutMs: number | undefined, open = false): void {
    const ts = this.#ioStart;
    this.#ioStart = -1;
    if (ts < 0) return;
    const args: Record<string, unknown> = {};
    // JSON has no Infinity: a wait with no timer is "none".
    if (timeoutMs !== undefined) args.timeoutMs = Number.isFinite(timeoutMs) ? timeoutMs : "none";
    if (open) args.open = true;
    this.#events.push({ name: "idle (I/O wait)", cat: "io", ph: "X", ts, dur: this.#now() - ts, pid: PID, tid: LOOP_TID, args });
  }

  #instant(name: string, tid: number, scope: "t" | "g", args?: Record<string, unknown>): void {
    this.#events.push({ name, cat: tid === LOOP_TID ? "loop" : "task", ph: "i", s: scope, ts: this.#now(), pid: PID, tid, ...(args && { args }) });
  }
}

/** How a done task ended, for its "exited" event. */
function outcomeOf(task: Task<any>): string {
  // Not task.exception(): that would count as retrieving it and silence its report.
  if (task.cancelled()) return "cancelled";
  return (task._state & HAS_EXCEPTION) !== 0 ? "exception" : "result";
}

/**
 * Starts recording `loop` (default: the running loop, else the current one) as a Chrome
 * trace: every task step, which step spawned which task, plain and timer callbacks, the
 * ends of sleeps and the loop's idle waits, timed on the loop's clock. Built on
 * `loop.addInstrument()`; `recorder.stop()` returns the trace.
 * @example
 * const loop = new EventLoop({ clock: "virtual" })
 * const recorder = startTrace(loop)
 * await loop.runUntilComplete(main())
 * writeFileSync("trace.json", JSON.stringify(recorder.stop()))   // open in ui.perfetto.dev
 */
export function startTrace(loop?: EventLoop): TraceRecorder {
  const target = loop ?? (_runningLoopOrNull() as EventLoop | null) ?? (getEventLoop() as EventLoop);
  if (typeof (target as Partial<EventLoop> | null)?.addInstrument !== "function" || typeof target._isVirtualClock !== "function") {
    throw expected("startTrace()", "loop to be an EventLoop", loop);
  }
  return new TraceRecorder(target);
}
