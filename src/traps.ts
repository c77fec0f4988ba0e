// What a coroutine may yield to its task besides a Future (Trio's "traps"): the two cheap
// waits of sleep(). Each is a shared IteratorResult that `yield*` passes up unchanged from
// sleep's iterator to the task (V8 does not re-wrap a delegated result), so the task tells
// them apart by identity, and a task switch or a parked sleep allocates nothing for it.
//
// - SWITCH_RESULT (sleep(0)): give up the rest of this loop iteration. The task requeues
//   itself and resumes the coroutine with WAKE, on which sleep(0)'s iterator returns.
// - PARK_RESULT (sleep(ms > 0)): the task puts its own slot id in the loop's timer structure
//   until the deadline: no Future, no TimerHandle, no closure per sleep. When the timer
//   fires, the slot goes back to the ready ring and the task resumes next iteration, where
//   asyncio's sleep future would wake it. Its `value` is the sleep, set just before it is
//   returned and taken by the task at once.

/** The value a sleep(0) yields (seen only by code that is not a wasyncio Task). @internal */
export const SWITCH = Object.freeze({ toString: () => "<sleep(0): wasyncio's task switch>" });

/** What a task resumes a coroutine with after a SWITCH. @internal */
export const WAKE = Symbol("wasyncio.wake");

/** `yield* sleep(0)`'s one yield. @internal */
export const SWITCH_RESULT: IteratorYieldResult<unknown> = Object.freeze({ value: SWITCH, done: false });

/** A `yield*` of one of our iterators that returns undefined. @internal */
export const DONE_UNDEFINED: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/** A sleep a task can park on. @internal */
export abstract class _Parkable {
  /** The delay (ms) until parked; then the deadline, on the loop's clock (for getStack()). */
  abstract _ms: number;
  /** The task parked its slot until `when`. */
  abstract _parked(when: number): void;
  /** The task cannot park (a loop without task slots): a Future of the sleep's value, on `loop`'s timers. */
  abstract _fallback(loop: unknown): unknown;
}

/** `yield* sleep(ms > 0)`'s one yield: its value is the sleep, set just before it is returned. @internal */
export const PARK_RESULT: { value: _Parkable | undefined; done: false } = { value: undefined, done: false };
