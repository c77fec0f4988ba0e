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
// (end of stream reader)

// --- Node: sockets, transports, servers (no node: imports here; this module loads anywhere)
// (start of Node: transports and servers)
/** Throws unless `factory` is a protocol factory (a function or a class). @internal */
export function checkFactory(call: string, factory: unknown): void {
  if (typeof factory !== "function") throw expected(call, "a protocol factory (a function or a class)", factory);
}

/** Throws unless `cb` (a stream server's clientConnected) is a function. @internal */
export function checkClientConnected(call: string, cb: unknown): void {
  if (typeof cb !== "function") throw expected(call, "clientConnected to be a function", cb);
}

/** Throws unless `value` is a string, undefined or null (`what`: how the message names it). @internal */
export function checkOptionalString(call: string, name: string, value: unknown, what = "a string"): void {
  if (value !== undefined && value !== null && typeof value !== "string") throw expected(call, `${name} to be ${what}`, value);
}

/** The hosts a server listens on: null for all interfaces (undefined, null or ""). @internal */
export function checkHosts(call: string, host: unknown): string[] | null {
  if (host === undefined || host === null || host === "") return null;
  if (typeof host === "string") return [host];
  if (Array.isArray(host) && host.length > 0 && host.every((h) => typeof h === "string" && h !== "")) return [...host];
  throw expected(call, "host to be a string, an array of strings or null", host);
}

/** A socket path argument (not yet checked against sun_path's size), or null if omitted. @internal */
export function checkSocketPath(call: string, name: string, path: unknown): string | null {
  if (path === undefined || path === null) return null;
  if (typeof path !== "string" || path === "") throw expected(call, `${name} to be a socket path`, path);
  return path;
}

/** A `[host, port]` argument's shape (its port is checked by checkPort), or null if omitted. @internal */
export function checkHostPort(call: string, name: string, addr: unknown): [string, number] | null {
  if (addr === undefined || addr === null) return null;
  if (!Array.isArray(addr) || addr.length !== 2 || typeof addr[0] !== "string" || typeof addr[1] !== "number") {
    throw expected(call, `${name} to be [host, port]`, addr);
  }
  return [addr[0], addr[1]];
}

/** A listen backlog: a non-negative integer. @internal */
export function checkBacklog(call: string, backlog: unknown): number {
  if (typeof backlog !== "number") throw expected(call, "options.backlog to be a non-negative integer", backlog);
  if (!Number.isInteger(backlog) || backlog < 0) throw expected(call, "options.backlog to be a non-negative integer", backlog, RangeError);
  return backlog;
}

/** A datagram endpoint's family: one of `families` (AF_INET, AF_INET6, AF_UNSPEC). @internal */
export function checkFamily(call: string, family: unknown, families: readonly number[]): number {
  if (!families.includes(family as number)) {
    throw expected(call, "options.family to be AF_INET, AF_INET6 or AF_UNSPEC", family, RangeError);
  }
  return family as number;
}

/** A TLS handshake timeout: a positive number of milliseconds. @internal */
export function checkHandshakeTimeout(call: string, timeout: unknown): number {
  if (typeof timeout !== "number" || !(timeout > 0)) {
    throw expected(call, "options.sslHandshakeTimeout to be a positive number of milliseconds", timeout, RangeError);
  }
  return timeout;
}

/** Throws a RangeError `<call>: <what> can not be specified at the same time` if `both`. @internal */
export function checkExclusive(call: string, both: boolean, what: string): void {
  if (both) throw new RangeError(`${call}: ${what} can not be specified at the same time`);
}

/** A transport's write buffer mark (high or low): a number of bytes, or undefined/null for the default. @internal */
export function checkWaterMark(call: string, name: string, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "number" || Number.isNaN(value)) throw expected(call, `${name} to be a number of bytes`, value);
  return value;
}

/** asyncio's check of a transport's write buffer marks: high >= low >= 0. @internal */
export function checkWaterMarks(call: string, high: number, low: number): void {
  if (!(high >= low && low >= 0)) throw new RangeError(`${call}: high (${high}) must be >= low (${low}) must be >= 0`);
}

/** Throws unless `protocol` is an object (what a datagram transport can call). @internal */
export function checkProtocolObject(call: string, protocol: unknown): void {
  if (typeof protocol !== "object" || protocol === null) throw expected(call, "a protocol object", protocol);
}
// (end of Node: transports and servers)
// (end of Node)
