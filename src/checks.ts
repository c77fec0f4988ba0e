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
// (end of sync primitives and queues)

// --- Stream reader -----------------------------------------------------------------------

/** Throws unless `limit` is a positive integer (or Infinity): a reader's buffer limit. @internal */
export function checkLimit(call: string, limit: unknown): number {
  if (typeof limit !== "number") throw expected(call, "limit to be a positive integer", limit);
  if (!(limit > 0) || (!Number.isInteger(limit) && limit !== Infinity)) {
    throw expected(call, "limit to be a positive integer", limit, RangeError);
  }
  return limit;
}

/** Throws unless `n` is an integer: a count of bytes to read. @internal */
export function checkCount(call: string, n: unknown): number {
  if (typeof n !== "number" || !Number.isInteger(n)) throw expected(call, "n to be an integer", n);
  return n;
}
// (end of stream reader)

// --- Node: sockets, transports, servers (no node: imports here; this module loads anywhere)
// (end of Node)
