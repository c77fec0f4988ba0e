// When a loop's iterations run: in slices on the host's macrotask queue (runForever), or
// synchronously on the virtual clock (runSync, advance). One drive loop serves all three:
// the clock says whether to run, wait, jump or yield when nothing is ready.
import { MAX_SLEEP_MS, type HostDriver } from "../drivers/types.js";
import { _runningLoopOrNull, _setRunningLoop } from "../running.js";
import type { EventLoop } from "../base-loop.js";
import type { Awaitable } from "../events.js";
import { _ensureFuture } from "../ensure-future.js";
import { loopClosed } from "../checks.js";
import type { Resources } from "./resources.js";
import { VirtualClock, YIELD, type Clock } from "./clock.js";
import type { Scheduler } from "./scheduler.js";
import type { Future } from "../future.js";
import type { MetricsCounters } from "./metrics.js";

/** Longest run of loop iterations before yielding to the host's I/O and promise callbacks. */
const SLICE_MS = 4;
/** What the drive loop returns when the loop was stopped. */
const STOPPED = 0;

/**
 * The loops inside runForever() (or runUntilComplete()). Between two iterations no loop is
 * "running" in getRunningLoop()'s sense, yet that is where an async function resumes (in a
 * microtask): `await sleep()` there sleeps on the one loop in this set.
 */
const runningLoops = new Set<EventLoop>();

/** @internal The loops whose runForever() is in progress. */
export function _runningLoops(): ReadonlySet<EventLoop> {
  return runningLoops;
}

/** @internal The run state of one loop. */
export class LoopRunner {
  running = false;
  stopping = false;
  #sliceQueued = false;
  #sleepToken: unknown = undefined;
  #stopped: (() => void) | null = null;
  #failed: ((e: unknown) => void) | null = null;
  /** When the last slice ended with the loop idle (host time), or -1: counted as idle time. */
  #idleSince = -1;
  /** The idle wait's timeout, passed to afterIoWait when the next slice starts (-1: none). */
  #ioWait = -1;
  readonly #loop: EventLoop;
  readonly #sched: Scheduler;
  readonly #clock: Clock;
  readonly #host: HostDriver;
  readonly #resources: Resources;
  readonly #metrics: MetricsCounters;

  constructor(loop: EventLoop, sched: Scheduler, clock: Clock, host: HostDriver, resources: Resources, metrics: MetricsCounters) {
    this.#loop = loop;
    this.#metrics = metrics;
    this.#sched = sched;
    this.#clock = clock;
    this.#host = host;
    this.#resources = resources;
    sched.wake = () => this.#wake();
  }

  /** runUntilComplete(): runs `loop.runForever()` until `aw` is done. */
  runUntilComplete<T>(aw: Awaitable<T>): Promise<T> {
    let fut: Future<T>;
    try {
      this.#checkRunnable("runUntilComplete()");
      fut = _ensureFuture("runUntilComplete()", aw, this.#loop);
    } catch (e) {
      return Promise.reject(e);
    }
    const loop = this.#loop, stop = () => loop.stop();
    fut.addDoneCallback(stop);
    return loop.runForever().then(() => {
      fut.removeDoneCallback(stop);
      return outcome(fut);
    });
  }

  /** runSync's engine: runs until `aw` is done, synchronously on the virtual clock. */
  runUntilCompleteSync<T>(aw: Awaitable<T>): T {
    this.#checkRunnable("runSync()");
    this.#virtualClock("runSync()");
    const fut = _ensureFuture("runSync()", aw, this.#loop);
    const stop = () => this.#loop.stop();
    fut.addDoneCallback(stop);
    try {
      this.#sync(() => {
        if (this.#drive(true, Infinity) !== STOPPED) throw this.#resources.deadlock(fut);
      });
    } finally {
      fut.removeDoneCallback(stop);
    }
    return outcome(fut);
  }

  /** runForever(): runs in slices until stop(); the promise settles when the loop stops. */
  runForever(): Promise<void> {
    try {
      this.#checkRunnable("runForever()");
    } catch (e) {
      return Promise.reject(e);
    }
    this.running = true;
    runningLoops.add(this.#loop);
    this.#loop._instruments?.call("beforeRun");
    return new Promise<void>((resolve, reject) => {
      this.#stopped = resolve;
      this.#failed = reject;
      this.#queueSlice();
    });
  }

  /** Stops the loop after the current iteration (or the next one, if not running). */
  stop(): void {
    this.stopping = true;
    if (this.#sched.sleeping) this.#wake();
  }

  /** testing.advance: runs everything due within `ms` of virtual time; the clock ends `ms` later. */
  advance(ms: number): void {
    this.#checkRunnable("advance()");
    const clock = this.#virtualClock("advance()");
    const target = clock.now() + (ms > 0 ? ms : 0);
    this.#sync(() => {
      // stop() does not end an advance: everything due by `target` runs.
      while (this.#drive(true, target) === STOPPED) this.stopping = false;
      clock.set(target);
    });
  }

  #checkRunnable(call: string): void {
    if (this.#sched.closed) throw loopClosed(call);
    if (this.running) throw new Error("This event loop is already running");
    const other = _runningLoopOrNull();
    if (other !== null && other !== this.#loop) throw new Error("Cannot run the event loop while another loop is running");
  }

  #virtualClock(call: string): VirtualClock {
    if (!(this.#clock instanceof VirtualClock)) throw new Error(`${call} needs a loop with the virtual clock`);
    return this.#clock;
  }

  #sync(body: () => void): void {
    this.running = true;
    const prev = _setRunningLoop(this.#loop);
    this.#loop._instruments?.call("beforeRun");
    try {
      body();
    } finally {
      this.stopping = false;
      this.running = false;
      this.#loop._instruments?.call("afterRun");
      _setRunningLoop(prev);
    }
  }

  // The driver: slices on the host's macrotask queue.
  #queueSlice(): void {
    if (this.#sliceQueued) return;
    this.#sliceQueued = true;
    this.#host.immediate(this.#slice);
  }

  #wake(): void {
    this.#sched.sleeping = false;
    this.#queueSlice();
  }

  #slice = (): void => {
    this.#sliceQueued = false;
    this.#sched.sleeping = false;
    if (this.#sleepToken !== undefined) {
      this.#host.cancel(this.#sleepToken);
      this.#sleepToken = undefined;
    }
    if (!this.running) return;
    if (this.#idleSince >= 0) {
      this.#metrics.idleMs += this.#host.now() - this.#idleSince;
      this.#idleSince = -1;
    }
    const prev = _setRunningLoop(this.#loop);
    try {
      if (this.#ioWait >= 0) {
        const timeout = this.#ioWait;
        this.#ioWait = -1;
        this.#loop._instruments?.call("afterIoWait", timeout);
      }
      const wait = this.#drive(false, Infinity);
      if (wait === STOPPED) {
        this.#finish(null);
      } else if (wait === YIELD) {
        this.#idleSince = this.#host.now();
        this.#queueSlice();
      } else {
        // Nothing to do until the next timer, or until something is scheduled from
        // outside (a promise settling, I/O): callSoon and callLater wake us.
        this.#idleSince = this.#host.now();
        this.#sched.sleeping = true;
        if (wait !== Infinity) this.#sleepToken = this.#host.sleep(this.#slice, Math.min(Math.ceil(wait), MAX_SLEEP_MS));
        // Last: what the hook schedules wakes the loop, as anything scheduled while it sleeps.
        const instruments = this.#loop._instruments;
        if (instruments !== null) {
          this.#ioWait = wait;
          instruments.call("beforeIoWait", wait);
        }
      }
    } catch (e) {
      this.#finish(e);
    } finally {
      _setRunningLoop(prev);
    }
  };

  /**
   * The one drive loop, for slices on the host (`sync` false) and for runSync and advance
   * (`sync`: the clock jumps at once, never past `horizon`). Runs iterations until the loop
   * stops (STOPPED), the slice is over (YIELD), or nothing is ready: then returns how
   * long to wait for the next timer (Infinity: there is none).
   */
  #drive(sync: boolean, horizon: number): number {
    const core = this.#sched.core, clock = this.#clock, host = this.#host, loop = this.#loop, metrics = this.#metrics;
    // The host's clock is read after every iteration anyway (the slice's end); the same
    // reading times the iteration, for the metrics' busy time and longest iteration.
    let t = host.now();
    const end = sync ? Infinity : t + SLICE_MS;
    for (;;) {
      if (!this.stopping && core.pending() === 0) {
        const wait = loop._instruments === null ? clock.untilNext(core.timerNext(), horizon, sync) : this.#untilNextObserved(horizon, sync);
        if (wait !== 0) return wait;
      }
      loop._runOnce();
      clock.ran();
      const now = host.now(), ms = now - t;
      t = now;
      metrics.busyMs += ms;
      if (ms > metrics.longestIterationMs) metrics.longestIterationMs = ms;
      if (this.stopping) return STOPPED;
      if (now >= end) return YIELD;
    }
  }

  /**
   * `clock.untilNext()` with instruments installed: a virtual clock's jump to the next timer
   * is the loop's idle wait there, so it is reported as one (beforeIoWait at the time
   * before the jump, afterIoWait after it). The jump is made, undone to call beforeIoWait
   * at the old time, and redone: the clock decides alone when it jumps.
   */
  #untilNextObserved(horizon: number, sync: boolean): number {
    const clock = this.#clock, before = clock.now();
    const wait = clock.untilNext(this.#sched.core.timerNext(), horizon, sync);
    const after = clock.now();
    if (after !== before && clock instanceof VirtualClock) {
      clock.set(before);
      this.#loop._instruments?.call("beforeIoWait", after - before);
      clock.set(after);
      this.#loop._instruments?.call("afterIoWait", after - before);
    }
    return wait;
  }

  #finish(error: unknown): void {
    this.stopping = false;
    this.running = false;
    this.#idleSince = this.#ioWait = -1;
    runningLoops.delete(this.#loop);
    this.#loop._instruments?.call("afterRun");
    const stopped = this.#stopped!, failed = this.#failed!;
    this.#stopped = this.#failed = null;
    if (error === null) stopped();
    else failed(error);
  }
}

/** What a run until `fut` is done returns: its result, or its exception thrown. */
function outcome<T>(fut: Future<T>): T {
  if (!fut.done()) throw new Error("Event loop stopped before Future completed.");
  return fut.result();
}
