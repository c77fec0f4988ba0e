/**
 * The scheduler core: a FIFO ready queue and a timer heap of handle ids. Two
 * implementations (Wasm, pure TypeScript) share this interface and one test suite.
 * The host owns every callback; a core only orders ids.
 * @internal
 */
export interface SchedulerCore {
  readonly kind: "wasm" | "js";
  /** Called with each id the core drops from its heap (a cancelled timer), so the host may reuse it. */
  release: ReleaseFn;
  /** Appends `id` to the ready queue (no crossing into Wasm). */
  push(id: number): void;
  /** Ids pushed since the last tick. */
  pending(): number;
  /**
   * One crossing per loop iteration: moves the timers due at `now` behind the pushed
   * ids and returns the size of the batch to run, read with `batchAt(0..n-1)`.
   */
  tick(now: number): number;
  /** The i-th id of the current batch. */
  batchAt(i: number): number;
  /** The batch has run: the ring may reuse its positions (without this, only the next tick frees them). */
  batchDone(): void;
  /** Schedules timer `id` at `when`. */
  timerAdd(id: number, when: number): void;
  /** Cancels the scheduled timer `id` (lazily: its record is dropped later). */
  timerCancel(id: number): void;
  /** The earliest live deadline, or +Infinity. */
  timerNext(): number;
  /** Timer records held, cancelled ones included. */
  timerCount(): number;
  /** Test hook: the next timer sequence number. */
  timerSetSeq(seq: number): void;
  /** Resets the core to empty, for reuse. */
  reset(): void;
  /** Bytes of memory the core holds (a Wasm core's memory never shrinks). */
  memoryBytes(): number;
}

/** Called with each id a core drops from its heap, so the host may reuse it. */
export type ReleaseFn = (id: number) => void;

// First capacities: small, since every loop holds a core and most loops stay small
// (1,500 loops used to take 16 MiB of Wasm memory each). Each grows by doubling; the Wasm
// core's first layout fits in the one page it starts with (about 11 KiB).
/** First capacity of the ready ring (a power of two). */
export const RING_CAPACITY = 1024;
/** First capacity of the timer heap. */
export const HEAP_CAPACITY = 256;
/** First size of the per-id cancelled-flag table (the loop's first slot table has 1,024 ids). */
export const ID_CAPACITY = 1024;
/** asyncio's _MIN_SCHEDULED_TIMER_HANDLES: no rebuild of a smaller heap. */
export const MIN_SCHEDULED_FOR_REBUILD = 100;
/** Sequence numbers are u32; the heap is renumbered before one would wrap. */
export const SEQ_LIMIT = 0xffffffff;
