// A loop's counters, in the spirit of tokio-metrics' RuntimeMetrics: plain number fields
// bumped where the loop already does the work (once per batch, per task, per timer), never
// once per callback, so keeping them costs nothing measurable.

/**
 * What `loop.metrics()` returns: a snapshot of the loop's counters since it was made.
 * Counts come from the loop's own bookkeeping; times are in ms on the host's clock
 * (`performance.now()`), never the virtual clock's, since they measure the program's work.
 * @example
 * const m: LoopMetrics = loop.metrics()
 * console.log(`${m.iterations} iterations, ${m.tasksAlive} tasks alive, busy ${m.busyMs.toFixed(1)} ms`)
 */
export interface LoopMetrics {
  /** Loop iterations run (each runs one batch of ready callbacks and task steps). */
  iterations: number;
  /**
   * Entries of the ready batches run: callbacks, task steps, and also cancelled handles
   * skipped and parked tasks whose sleep ended (counted once per batch, not per entry).
   */
  callbacksRun: number;
  /** Tasks created on the loop. */
  tasksSpawned: number;
  /** Tasks done (result, exception or cancellation set). */
  tasksFinished: number;
  /** Tasks not done yet: `tasksSpawned - tasksFinished`. */
  tasksAlive: number;
  /** Timers scheduled: `callLater`/`callAt` and every `sleep()` a task parked in. */
  timersScheduled: number;
  /** Timers cancelled before they fired (a cancelled handle, a cancelled sleep). */
  timersCancelled: number;
  /** Timers that fired (came due and were moved to the ready batch). */
  timersFired: number;
  /**
   * Host time spent running iterations (ms). Under `run()`/`runForever()` each slice of
   * iterations is timed; under `runSync()` and `advance()` (which never wait for the host)
   * each iteration is.
   */
  busyMs: number;
  /**
   * Host time the loop spent running but idle (ms): between slices, asleep until its next
   * timer or until woken (I/O, a promise), or giving the host its turn. `runSync()` and
   * `advance()` are never idle: a virtual clock jumps instead of waiting.
   */
  idleMs: number;
  /** The longest single iteration (ms, host time). */
  longestIterationMs: number;
  /**
   * Callbacks and task steps slower than `slowCallbackMs`. Only debug mode times each
   * callback, so outside debug mode this stays 0 (`longestIterationMs` is always kept).
   */
  slowCallbacks: number;
}

/** @internal The counters, shared by the loop (counts) and its runner (times). */
export class MetricsCounters {
  iterations = 0;
  callbacksRun = 0;
  tasksSpawned = 0;
  tasksFinished = 0;
  timersScheduled = 0;
  timersCancelled = 0;
  timersFired = 0;
  busyMs = 0;
  idleMs = 0;
  longestIterationMs = 0;
  slowCallbacks = 0;

  snapshot(): LoopMetrics {
    return {
      iterations: this.iterations,
      callbacksRun: this.callbacksRun,
      tasksSpawned: this.tasksSpawned,
      tasksFinished: this.tasksFinished,
      tasksAlive: this.tasksSpawned - this.tasksFinished,
      timersScheduled: this.timersScheduled,
      timersCancelled: this.timersCancelled,
      timersFired: this.timersFired,
      busyMs: this.busyMs,
      idleMs: this.idleMs,
      longestIterationMs: this.longestIterationMs,
      slowCallbacks: this.slowCallbacks,
    };
  }
}
