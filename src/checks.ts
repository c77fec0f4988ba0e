// Every "X() expected Y, got Z" in one place, as libuv's UV_ERRNO_MAP makes every errno
// message from one table and AssemblyScript keeps its messages in util/error.ts. A check
// names the public call and the argument, so the user sees which call of theirs was wrong;
// checks return the checked value so a call site reads `const n = checkCount(call, n)`.
import { AF_INET, AF_INET6, AF_UNIX, SHUT_RD, SHUT_RDWR, SHUT_WR, SOCK_DGRAM, SOCK_STREAM } from "./node/constants.js";
import { isAwaitable, isFutureLike, isGenerator, isThenable, isWaitable, repr } from "./util.js";
import type { LoopOptions } from "./events.js";

type ErrorClass = new (message: string) => Error;

/** `TypeError: <call> expected <what>, got <value>`: the one shape of a bad-argument error. @internal */
export function expected(call: string, what: string, value: unknown, Class: ErrorClass = TypeError, describe = repr): Error {
  return new Class(`${call} expected ${what}, got ${describe(value)}`);
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

/** The Task class, passed in: this module cannot import it (future.ts imports this module). */
type TaskClass = abstract new (...args: never[]) => unknown;

/**
 * `value`, described for an error about a value that is not a coroutine, with what to do
 * instead for the usual mistakes: a generator function not called, a Promise or an async
 * function (which cannot be a task), a future or task (already scheduled). The one "did
 * you mean to call the generator function" of the library; `Task` names a task as one.
 */
function describeNotCoroutine(value: unknown, Task: TaskClass): string {
  if (typeof value === "function") {
    const kind = (value as { constructor?: { name?: string } }).constructor?.name;
    const name = value.name || "fn";
    if (kind === "AsyncFunction" || kind === "AsyncGeneratorFunction") {
      return `async function ${name}: an async function cannot be driven or cancelled as a task; write it as a ` +
        `generator function (function*), or wait for its promise with wrapPromise(${name}()) or ensureFuture(${name}())`;
    }
    if (kind === "GeneratorFunction") return `${repr(value)} (did you mean to call the generator function: ${name}()?)`;
    return `${repr(value)} (did you mean to call it?)`;
  }
  if (isFutureLike(value)) {
    const what = value instanceof Task ? "a Task" : "a Future";
    return `${repr(value)}: ${what} is already scheduled: yield* it to wait for it, or pass it to ensureFuture()`;
  }
  if (isThenable(value)) {
    const advice = "cannot be driven or cancelled as a task; wait for it with wrapPromise(p) or ensureFuture(p), " +
      "or write the coroutine as a generator function (function*)";
    if (value instanceof Promise) return `a Promise: a Promise (what an async function returns) ${advice}`;
    return `a thenable (${repr(value)}): a thenable ${advice}`;
  }
  return repr(value);
}

/** `<call> expected <what>, got <value>` where the value is described with `describeNotCoroutine`'s hints. */
function expectedAwaitable(call: string, what: string, value: unknown, Task: TaskClass): TypeError {
  return expected(call, what, value, TypeError, (v) => describeNotCoroutine(v, Task));
}

/** Throws the TypeError naming `call` unless `coro` is a coroutine (a generator object). @internal */
export function checkCoroutine(call: string, coro: unknown, Task: TaskClass): void {
  if (!isGenerator(coro)) throw expectedAwaitable(call, "a generator (a coroutine)", coro, Task);
}

/** The TypeError of `call` (ensureFuture(), waitFor(), ...) given something it cannot wait for. @internal */
export function notAwaitable(call: string, aw: unknown, Task: TaskClass): TypeError {
  return expectedAwaitable(call, "a Future, a generator (coroutine) or a Promise", aw, Task);
}

/**
 * Throws the TypeError naming `call` unless `aw` is awaitable: a Future (of this or another
 * copy of the library), a coroutine or a Promise. For the checks made at the call by
 * functions that adopt `aw` later (waitFor, shield). @internal
 */
export function checkAwaitable(call: string, aw: unknown, Task: TaskClass): void {
  if (!isAwaitable(aw)) throw notAwaitable(call, aw, Task);
}

/** The TypeError of `gather()` given, as its argument number `n`, something it cannot wait for. @internal */
export function notGatherable(n: number, aw: unknown, Task: TaskClass): TypeError {
  return expectedAwaitable("gather()", `argument ${n} to be a Future, a coroutine or a Promise`, aw, Task);
}

/**
 * The TypeError thrown into a task's coroutine that yielded `value` (a `generator`, or any
 * other value that is neither a future, a promise nor undefined). @internal
 */
export function badYield(value: unknown, generator: boolean): TypeError {
  if (generator) return new TypeError("Task got bad yield: a generator: did you mean yield* instead of yield?");
  return new TypeError(`Task got bad yield: ${repr(value)}: a task may yield a Future, a Promise or undefined; did you mean yield*?`);
}

/** Throws unless `options` has no key but `known` (a key of `call`'s options object). @internal */
export function checkOptionKeys(call: string, options: object, known: string): void {
  for (const key of Object.keys(options)) {
    if (key !== known) throw new TypeError(`${call} got an unknown option ${repr(key)}`);
  }
}

/**
 * Throws the TypeError naming `call` unless `value` is an iterable of futures; `single` says
 * that `value` is one awaitable (a future, a coroutine) rather than a collection of them. @internal
 */
export function checkIterable(call: string, value: unknown, single: boolean): void {
  if (single || typeof value !== "object" || value === null || typeof (value as Iterable<unknown>)[Symbol.iterator] !== "function") {
    throw expected(call, "an iterable of futures", value);
  }
}

/** `wait()`'s futures `fs` (not empty, no coroutine) and its `returnWhen` (one of `whens`). @internal */
export function checkWaitArgs(fs: Set<unknown>, returnWhen: unknown, whens: readonly string[]): void {
  if (fs.size === 0) throw new RangeError("wait() expected a non-empty set of futures, got an empty one");
  if (!whens.includes(returnWhen as string)) {
    const what = `${whens.slice(0, -1).join(", ")} or ${whens[whens.length - 1]}`;
    throw expected("wait()", `options.returnWhen to be ${what}`, returnWhen, RangeError);
  }
  for (const f of fs) {
    if (isGenerator(f)) throw new TypeError("wait(): passing coroutines is forbidden, use tasks explicitly");
    if (!isWaitable(f)) throw expected("wait()", "futures or tasks", f);
  }
}

/**
 * Throws unless every element of `aws` is a Future, a coroutine or a Promise (`asCompleted()`
 * takes no future of another copy of the library that is not thenable). @internal
 */
export function checkAwaitables(call: string, aws: readonly unknown[]): void {
  for (let i = 0; i < aws.length; i++) {
    const aw = aws[i];
    if (!isGenerator(aw) && !isThenable(aw)) throw expected(call, `element ${i} to be a Future, a coroutine or a Promise`, aw);
  }
}

/** Throws the RangeError of `call` given a future `fut` of another loop than `loop`. @internal */
export function checkSameLoop(call: string, fut: { getLoop(): unknown }, loop: unknown): void {
  if (fut.getLoop() !== loop) throw new RangeError(`${call}: the future belongs to a different loop than the one given`);
}

/** The error of `call` on a loop without the methods it needs (`what`: "callLater() for a timeout"). @internal */
export function loopLacks(call: string, what: string): TypeError {
  return new TypeError(`${call} needs a loop with ${what}`);
}

/** Throws unless `body` is a generator function (or, where `coroutineToo`, a coroutine). @internal */
export function checkBody(call: string, what: string, body: unknown, coroutineToo: boolean): void {
  if (typeof body !== "function" && !(coroutineToo && isGenerator(body))) throw expected(call, what, body);
}

/** A count: a non-negative integer. */
function isCount(n: unknown): n is number {
  return Number.isInteger(n) && (n as number) >= 0;
}

/** Throws unless `value` is a number (TypeError) for which `valid` holds (RangeError): the shape of every numeric check. @internal */
export function checkNumber(call: string, what: string, value: unknown, valid: (n: number) => boolean): number {
  if (typeof value !== "number") throw expected(call, what, value);
  if (!valid(value)) throw expected(call, what, value, RangeError);
  return value;
}

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
/** Throws unless `fn` is a function or null. @internal */
export function checkFunctionOrNull(call: string, fn: unknown): void {
  if (fn !== null && typeof fn !== "function") throw expected(call, "a function or null", fn);
}

/** Throws unless `context` is an exception handler's context object. @internal */
export function checkContext(call: string, context: unknown): void {
  if (typeof context !== "object" || context === null) throw expected(call, "a context object", context);
}

/** Throws unless `signal` is an AbortSignal (createTask's `signal` option). @internal */
export function checkSignal(signal: unknown): void {
  const s = signal as { addEventListener?: unknown; aborted?: unknown } | null;
  if (typeof s !== "object" || s === null || typeof s.addEventListener !== "function" || typeof s.aborted !== "boolean") {
    throw expected("createTask()", "options.signal to be an AbortSignal", signal);
  }
}

/** `new EventLoop()`'s options, checked: the clock and core named, the slow-callback threshold a number. @internal */
export function checkLoopOptions(call: string, options: unknown): LoopOptions {
  const checked = checkOptions<LoopOptions>(call, options);
  const clock = checked.clock;
  if (clock !== undefined && clock !== "real" && clock !== "virtual") throw expected(call, 'options.clock to be "real" or "virtual"', clock, RangeError);
  const core = checked.core;
  if (core !== undefined && core !== "wasm" && core !== "js") throw expected(call, 'options.core to be "wasm" or "js"', core, RangeError);
  if (checked.slowCallbackMs !== undefined) checkMs(call, "options.slowCallbackMs", checked.slowCallbackMs);
  if (checked.shuffle !== undefined) checkNumber(call, "options.shuffle to be a seed (a non-negative integer)", checked.shuffle, (n) => Number.isSafeInteger(n) && n >= 0);
  return checked;
}

// --- Sync primitives and queues ----------------------------------------------------------

/** An instrument: any object (its hooks are optional). @internal */
export function checkInstrument(call: string, instrument: unknown): void {
  if (typeof instrument !== "object" || instrument === null) throw expected(call, "an object", instrument);
}

/** A Semaphore's initial value: a non-negative integer, 1 if undefined. @internal */
export function checkSemaphoreValue(call: string, value: unknown): number {
  if (value === undefined) return 1;
  return checkNumber(call, "value to be a non-negative integer", value, isCount);
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

// --- Stream reader -----------------------------------------------------------------------

/** Throws unless `limit` is a positive integer (or Infinity): a reader's buffer limit. @internal */
export function checkLimit(call: string, limit: unknown): number {
  return checkNumber(call, "limit to be a positive integer", limit, (n) => n > 0 && (Number.isInteger(n) || n === Infinity));
}

/** Throws unless `n` is an integer: a count of bytes to read. @internal */
export function checkCount(call: string, n: unknown): number {
  if (typeof n !== "number" || !Number.isInteger(n)) throw expected(call, "n to be an integer", n);
  return n;
}

// --- Node: sockets, transports, servers (no node: imports here; this module loads anywhere)
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

/** Throws unless `value` is a boolean, undefined or null (an option such as `eagerStart`). @internal */
export function checkOptionalBoolean(call: string, name: string, value: unknown): void {
  if (value !== undefined && value !== null && typeof value !== "boolean") throw expected(call, `${name} to be a boolean`, value);
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
  return checkNumber(call, "options.backlog to be a non-negative integer", backlog, isCount);
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
  if (type === SOCK_DGRAM && family === AF_UNIX) throw new RangeError(`${call}: AF_UNIX SOCK_DGRAM sockets are not offered (node:dgram has no Unix datagrams)`);
  if (type !== SOCK_STREAM && type !== SOCK_DGRAM) throw expected(call, "type SOCK_STREAM or SOCK_DGRAM", type, RangeError);
  if (!Number.isInteger(proto)) throw expected(call, "proto to be an integer", proto, RangeError);
}

/** Checks a count or offset: RangeError unless a non-negative integer. @internal */
export function checkNonNegative(call: string, name: string, n: unknown): number {
  if (!isCount(n)) throw expected(call, `${name} to be a non-negative integer`, n, RangeError);
  return n as number;
}

/** recv()'s `bufsize`: TypeError unless a number, RangeError unless a non-negative integer. @internal */
export function checkBufsize(call: string, bufsize: unknown): number {
  return checkNumber(call, "bufsize to be a non-negative integer", bufsize, isCount);
}

/** listen()'s backlog: TypeError unless an integer. @internal */
export function checkListenBacklog(call: string, backlog: unknown): number {
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
