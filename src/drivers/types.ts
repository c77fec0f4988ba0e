/**
 * How a loop waits and wakes on its host. The loop runs in slices on the host's
 * macrotask queue: `immediate` queues the next slice at once, `sleep` wakes it at the
 * next deadline. @internal
 */
export interface HostDriver {
  readonly name: string;
  /** Monotonic milliseconds. */
  now(): number;
  /** Runs `fn` as soon as the host has run its pending I/O and promise callbacks. */
  immediate(fn: () => void): void;
  /** Runs `fn` after `ms` milliseconds; returns a token for `cancel`. */
  sleep(fn: () => void, ms: number): unknown;
  cancel(token: unknown): void;
}

/** setTimeout's largest delay (2^31 - 1 ms); longer sleeps wake early and sleep again. */
export const MAX_SLEEP_MS = 2147483647;

/** Node's setImmediate, looked up on globalThis so the browser build needs no Node types. @internal */
export const hostSetImmediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
