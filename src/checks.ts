// Every "X() expected Y, got Z" in one place, as libuv's UV_ERRNO_MAP makes every errno
// message from one table and AssemblyScript keeps its messages in util/error.ts. A check
// names the public call and the argument, so the user sees which call of theirs was wrong;
// checks return the checked value so a call site reads `const n = checkCount(call, n)`.
import { repr } from "./util.js";

type ErrorClass = new (message: string) => Error;

/** `TypeError: <call> expected <what>, got <value>`: the one shape of a bad-argument error. @internal */
export function expected(call: string, what: string, value: unknown, Class: ErrorClass = TypeError): Error {
  return new Class(`${call} expected ${what}, got ${repr(value)}`);
}

/** asyncio's "Event loop is closed", naming the call that met it. @internal */
export function loopClosed(call: string): Error {
  return new Error(`Event loop is closed: ${call}`);
}

/** Throws asyncio's "Event loop is closed", naming `call`, if `loop` is closed. @internal */
export function checkNotClosed(call: string, loop: { isClosed(): boolean }): void {
  if (loop.isClosed()) throw loopClosed(call);
}

// --- Core -------------------------------------------------------------------------------
// (start of core)

/** Throws unless `fn` is a function. @internal */
export function checkFunction(call: string, fn: unknown): void {
  if (typeof fn !== "function") throw expected(call, "a function", fn);
}

/** Throws unless `ms` is a number of milliseconds (not NaN). @internal */
export function checkMs(call: string, arg: string, ms: unknown): number {
  if (typeof ms !== "number") throw expected(call, `${arg} to be a number of milliseconds`, ms);
  if (Number.isNaN(ms)) throw expected(call, `${arg} to be a number of milliseconds`, ms, RangeError);
  return ms;
}

/** Throws unless `loop` is an event loop (anything with `callSoon`), naming `call` and `arg`. @internal */
export function checkLoop(call: string, arg: string, loop: unknown): void {
  if (typeof loop !== "object" || loop === null || typeof (loop as { callSoon?: unknown }).callSoon !== "function") {
    throw expected(call, `${arg} to be an event loop`, loop);
  }
}

/** `options` as an object (undefined or null: none), or a TypeError naming `call`. @internal */
export function checkOptions<T extends object>(call: string, options: unknown): Partial<T> {
  if (options === undefined || options === null) return {};
  if (typeof options !== "object") throw expected(call, "options to be an object", options);
  return options as Partial<T>;
}
// (end of core)

// --- Sync primitives and queues ----------------------------------------------------------

/** Throws unless `value` is a number (TypeError) for which `valid` holds (RangeError). */
function checkNumber(call: string, what: string, value: unknown, valid: (n: number) => boolean): number {
  if (typeof value !== "number") throw expected(call, what, value);
  if (!valid(value)) throw expected(call, what, value, RangeError);
  return value;
}

/** A Semaphore's initial value: a non-negative integer, 1 if undefined. @internal */
export function checkSemaphoreValue(call: string, value: unknown): number {
  if (value === undefined) return 1;
  return checkNumber(call, "value to be a non-negative integer", value, (n) => Number.isInteger(n) && n >= 0);
}

/** A Barrier's parties: a positive integer. @internal */
export function checkParties(call: string, parties: unknown): number {
  return checkNumber(call, "parties to be a positive integer", parties, (n) => Number.isInteger(n) && n >= 1);
}

/** A queue's maxsize: an integer or an infinity. @internal */
export function checkMaxsize(call: string, maxsize: unknown): number {
  const integral = (n: number): boolean => Number.isInteger(n) || n === Infinity || n === -Infinity;
  return checkNumber(call, "maxsize to be an integer", maxsize, integral);
}

/** `Condition.notify(n)`'s n: a number, not NaN (TypeError either way). @internal */
export function checkNotifyCount(call: string, n: unknown): number {
  if (typeof n !== "number" || Number.isNaN(n)) throw expected(call, "n to be a number", n);
  return n;
}

/** Throws unless `value` has `acquire()` and `release()` (and `locked()` if `lockLike`). @internal */
export function checkAcquirable(call: string, what: string, value: unknown, lockLike = false): void {
  const v = value as { acquire?: unknown; release?: unknown; locked?: unknown } | null;
  if (
    typeof v !== "object" || v === null || typeof v.acquire !== "function" || typeof v.release !== "function" ||
    (lockLike && typeof v.locked !== "function")
  ) {
    throw expected(call, what, value);
  }
}
// (end of sync primitives and queues)

// --- Stream reader -----------------------------------------------------------------------
// (end of stream reader)

// --- Node: sockets, transports, servers (no node: imports here; this module loads anywhere)
// (end of Node)
