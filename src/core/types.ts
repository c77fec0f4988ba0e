/**
 * The scheduler core: a FIFO ready queue and the timers (a timing wheel) of handle ids.
 * Two implementations (Wasm, pure TypeScript) share this interface and one test suite.
 * The host owns every callback; a core only orders ids.
 * @internal
 */
export interface SchedulerCore {
  readonly kind: "wasm" | "js";
  /** Appends `id` to the ready queue (no crossing into Wasm). */
  push(id: number): void;
  /** Ids pushed since the last tick. */
  pending(): number;
  /**
   * One crossing per loop iteration: moves the timers due at `now` behind the pushed
   * ids and returns the size of the batch to run, read with `batchAt(0..n-1)`. A timer
   * in the batch has left the core (fired).
   */
  tick(now: number): number;
  /** The i-th id of the current batch. */
  batchAt(i: number): number;
  /** The batch has run: the ring may reuse its positions (without this, only the next tick frees them). */
  batchDone(): void;
  /** Schedules timer `id` (which must hold none) at `when`. +Infinity never fires. */
  timerAdd(id: number, when: number): void;
  /**
   * Removes the timer of `id` at once: when this returns, the id is no longer in the core
   * and the host may reuse it. `id` must hold a timer (cancelling one that does not is the
   * caller's bug: undefined behaviour, an assertion in the Wasm core's debug build).
   */
  timerCancel(id: number): void;
  /** The earliest deadline held, exactly, or +Infinity. */
  timerNext(): number;
  /** Timers held. */
  timerCount(): number;
  /** Test hook: the next timer sequence number. */
  timerSetSeq(seq: number): void;
  /** Resets the core to empty, for reuse. */
  reset(): void;
  /** Bytes of memory the core holds (a Wasm core's memory never shrinks). */
  memoryBytes(): number;
}

// First capacities: small, since every loop holds a core and most loops stay small
// (1,500 loops used to take 16 MiB of Wasm memory each). Each grows by doubling; the Wasm
// core's first layout fits in the one page it starts with (about 11 KiB).
/** First capacity of the ready ring (a power of two). */
export const RING_CAPACITY = 1024;
/** First capacity of the run and of the near heap (the current tick's timers). */
export const NEAR_CAPACITY = 64;
/** First size of the per-id position table (the loop's first slot table has 1,024 ids). */
export const ID_CAPACITY = 1024;
/** The wheel's resolution in production: one tick per millisecond. */
export const TICKS_PER_MS = 1;

/** Throws unless `ticksPerMs` is a power of two (ticks and ms then convert exactly). @internal */
export function checkTicksPerMs(ticksPerMs: number): void {
  if (!(ticksPerMs > 0 && ticksPerMs <= 2 ** 20 && Math.log2(ticksPerMs) % 1 === 0)) {
    throw new RangeError(`scheduler core: ticksPerMs must be a power of two, got ${ticksPerMs}`);
  }
}
