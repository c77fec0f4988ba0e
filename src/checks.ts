// Every "X() expected Y, got Z" in one place, as libuv's UV_ERRNO_MAP makes every errno
// message from one table and AssemblyScript keeps its messages in util/error.ts. A check
// names the public call and the argument, so the user sees which call of theirs was wrong;
// checks return the checked value so a call site reads `const n = checkCount(call, n)`.
import { AF_INET, AF_INET6, AF_UNIX, SHUT_RD, SHUT_RDWR, SHUT_WR, SOCK_DGRAM, SOCK_STREAM } from "./node/constants.js";
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
/** Checks a port number: TypeError unless an integer, RangeError outside 0-65535. @internal */
export function checkPort(call: string, name: string, port: unknown): number {
  if (typeof port !== "number" || !Number.isInteger(port)) throw expected(call, `${name} to be an integer 0-65535`, port);
  if (port < 0 || port > 65535) throw expected(call, `${name} to be an integer 0-65535`, port, RangeError);
  return port;
}

/** Checks an `[host, port]` address. @internal */
export function checkInetAddress(call: string, address: unknown): [string, number] {
  if (!Array.isArray(address) || address.length < 2 || typeof address[0] !== "string") {
    throw expected(call, "an address [host, port]", address);
  }
  return [address[0], checkPort(call, "port", address[1])];
}

/** getaddrinfo's port: a number, its digits, or null (0). Named services are not looked up. @internal */
export function checkService(call: string, port: unknown): number {
  if (port === null || port === undefined) return 0;
  if (typeof port === "string" && !/^\d+$/.test(port)) {
    throw expected(call, "port to be an integer 0-65535 or its digits (service names are not looked up)", port, RangeError);
  }
  return checkPort(call, "port", typeof port === "string" ? Number(port) : port);
}

/** The checks of socket()'s arguments, for `socket()` and `new Socket()`. @internal */
export function checkKind(call: string, family: unknown, type: unknown, proto: unknown): void {
  for (const [name, value] of [["family", family], ["type", type], ["proto", proto]] as const) {
    if (typeof value !== "number") throw expected(call, `${name} to be a number`, value);
  }
  if (family !== AF_INET && family !== AF_INET6 && family !== AF_UNIX) {
    throw expected(call, "family AF_INET, AF_INET6 or AF_UNIX", family, RangeError);
  }
  if (type === SOCK_DGRAM) throw new RangeError(`${call}: SOCK_DGRAM sockets are not offered; use loop.createDatagramEndpoint() for UDP`);
  if (type !== SOCK_STREAM) throw expected(call, "type SOCK_STREAM", type, RangeError);
  if (!Number.isInteger(proto)) throw expected(call, "proto to be an integer", proto, RangeError);
}

/** Checks a count or offset: RangeError unless a non-negative integer. @internal */
export function checkNonNegative(call: string, name: string, n: unknown): number {
  if (!Number.isInteger(n) || (n as number) < 0) throw expected(call, `${name} to be a non-negative integer`, n, RangeError);
  return n as number;
}

/** recv()'s `bufsize`: TypeError unless a number, RangeError unless a non-negative integer. @internal */
export function checkBufsize(call: string, bufsize: unknown): number {
  if (typeof bufsize !== "number") throw expected(call, "bufsize to be a non-negative integer", bufsize);
  return checkNonNegative(call, "bufsize", bufsize);
}

/** listen()'s backlog: TypeError unless an integer. @internal */
export function checkBacklog(call: string, backlog: unknown): number {
  if (!Number.isInteger(backlog)) throw expected(call, "backlog to be an integer", backlog);
  return backlog as number;
}

/** shutdown()'s `how`: `SHUT_RD`, `SHUT_WR` or `SHUT_RDWR`. @internal */
export function checkShutdownHow(call: string, how: unknown): number {
  if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) throw expected(call, "SHUT_RD, SHUT_WR or SHUT_RDWR", how, RangeError);
  return how;
}

/** setsockopt()/getsockopt()'s level and option: integers. @internal */
export function checkSockopt(call: string, level: unknown, option: unknown): void {
  if (!Number.isInteger(level) || !Number.isInteger(option)) {
    throw new TypeError(`${call} expected integer level and option, got ${repr(level)}, ${repr(option)}`);
  }
}
// (end of Node)
