// Every error class of the public API. asyncio's ValueError is RangeError and its
// RuntimeError is Error (or InvalidStateError where a state is wrong); those are thrown
// as the built-in classes, with a message that names the call and the argument.

/**
 * `value` as a future's exception: itself, unless it cannot be one. `undefined` and `null`
 * cannot (`exception()` returns null for "none"), nor can an object that throws when
 * inspected (a revoked Proxy: every `instanceof` on it throws). Those become an Error whose
 * message starts with `what` and whose `cause` keeps the value.
 * @internal
 */
export function _asException(value: unknown, what: string): unknown {
  return _classifyThrown(value, what)[0];
}

/**
 * `_asException(value, what)` and whether it is a CancelledError, in one guarded look: a
 * Proxy may throw on any inspection, the second as well as the first. @internal
 */
export function _classifyThrown(value: unknown, what: string): [exception: unknown, cancelled: boolean] {
  if (value === undefined || value === null) return [new Error(`${what} ${value}`, { cause: value }), false];
  if (typeof value !== "object" && typeof value !== "function") return [value, false];
  try {
    return [value, value instanceof CancelledError];
  } catch (e) {
    const why = e instanceof Error ? `: ${e.message}` : "";
    return [new Error(`${what} an object that cannot be inspected${why}`, { cause: value }), false];
  }
}

/**
 * Thrown into a coroutine when its Task is cancelled, and by `result()` of a cancelled Future.
 *
 * Unlike Python (where it is a `BaseException`), a plain `catch (e)` catches it too:
 * rethrow it unless you mean to swallow the cancellation.
 * @example
 * try { yield* sleep(1000) }
 * catch (e) { if (e instanceof CancelledError) cleanup(); throw e }
 */
export class CancelledError extends Error {}

/**
 * The user interrupted the program (Python's KeyboardInterrupt): `run()` and `Runner.run()`
 * reject with it when a SIGINT (Ctrl-C) cancelled the main task, or at once on a second
 * SIGINT. Unlike Python's, it is an Error like any other: a `catch` catches it.
 * @example
 * try { await run(main) }
 * catch (e) { if (e instanceof KeyboardInterrupt) process.exitCode = 130; else throw e }
 */
export class KeyboardInterrupt extends Error {}

/**
 * A Future or Task is in the wrong state for the call (asyncio's InvalidStateError).
 * @example
 * const fut = loop.createFuture(); fut.result() // throws InvalidStateError: Result is not ready.
 */
export class InvalidStateError extends Error {}

/**
 * An operation ran past its deadline (`waitFor`, `timeout`).
 * @example
 * try { yield* waitFor(slow(), 100) } catch (e) { if (e instanceof TimeoutError) retry() }
 */
export class TimeoutError extends Error {}

/**
 * A ContextVar has no value in the current context and no default (Python's LookupError,
 * which `ContextVar.get()` raises).
 * @example
 * const user = new ContextVar<string>("user")
 * try { user.get() } catch (e) { if (e instanceof LookupError) console.log("no user") }
 */
export class LookupError extends Error {}

/**
 * `getNowait()` on an empty queue.
 * @example
 * try { q.getNowait() } catch (e) { if (e instanceof QueueEmpty) idle() }
 */
export class QueueEmpty extends Error {}

/**
 * `putNowait()` on a full queue.
 * @example
 * try { q.putNowait(x) } catch (e) { if (e instanceof QueueFull) drop(x) }
 */
export class QueueFull extends Error {}

/**
 * An operation on a queue that was shut down.
 * @example
 * try { yield* q.get() } catch (e) { if (e instanceof QueueShutDown) return }
 */
export class QueueShutDown extends Error {}

/**
 * `readexactly(n)` reached EOF first. `.partial` holds the bytes read, `.expected` the count asked for.
 * @example
 * try { yield* reader.readexactly(4) } catch (e) { if (e instanceof IncompleteReadError) log(e.partial) }
 */
export class IncompleteReadError extends Error {
  /** The bytes read before EOF. */
  readonly partial: Uint8Array;
  /** How many bytes were asked for (null: up to a separator). */
  readonly expected: number | null;
  /** `partial`: the bytes read before EOF; `expected`: how many were asked for. */
  constructor(partial: Uint8Array, expected: number | null) {
    super(`${partial.length} bytes read on a total of ${expected === null ? "undefined" : expected} expected bytes`);
    this.partial = partial;
    this.expected = expected;
  }
}

/**
 * A stream read found no separator within the buffer limit. `.consumed` is how many bytes to consume.
 * @example
 * try { yield* reader.readuntil("\n") } catch (e) { if (e instanceof LimitOverrunError) reader.read(e.consumed) }
 */
export class LimitOverrunError extends Error {
  /** How many bytes to consume from the buffer to get past the overrun. */
  readonly consumed: number;
  /** `consumed`: how many bytes to consume to get past the overrun. */
  constructor(message: string, consumed: number) {
    super(message);
    this.consumed = consumed;
  }
}

/**
 * A `Barrier` was aborted or reset while a task waited on it.
 * @example
 * try { yield* barrier.wait() } catch (e) { if (e instanceof BrokenBarrierError) giveUp() }
 */
export class BrokenBarrierError extends Error {}

/**
 * A non-blocking socket operation would block (Python's BlockingIOError).
 * @example
 * try { conn.recv(1024) } catch (e) { if (e instanceof BlockingIOError) loop.addReader(conn, retry) }
 */
export class BlockingIOError extends Error {
  readonly code = "EAGAIN";
}

/**
 * `sendfile` is not available for this transport or socket.
 * @example
 * try { yield* loop.sockSendfile(sock, file) } catch (e) { if (e instanceof SendfileNotAvailableError) fallback() }
 */
export class SendfileNotAvailableError extends Error {}

/**
 * Several errors raised together, as by a TaskGroup. An `AggregateError`:
 * `.errors` and `.exceptions` are the same list.
 * @example
 * catch (e) { if (e instanceof ExceptionGroup) for (const err of e.exceptions) log(err) }
 */
export class ExceptionGroup extends AggregateError {
  /** A group of `errors` (asyncio's argument order: the message first). */
  constructor(message: string, errors: Iterable<unknown>) {
    super(errors, message);
  }
  /** The errors of the group (asyncio's name for `.errors`). */
  get exceptions(): unknown[] {
    return this.errors;
  }
}

// `.name` is the class's name (a subclass's too), as for the built-in errors; a getter on
// the prototype rather than a shared base class, which would show in the public types.
for (const cls of [
  CancelledError, InvalidStateError, TimeoutError, QueueEmpty, QueueFull, QueueShutDown, IncompleteReadError,
  LimitOverrunError, BrokenBarrierError, BlockingIOError, SendfileNotAvailableError, ExceptionGroup, LookupError, KeyboardInterrupt,
]) {
  Object.defineProperty(cls.prototype, "name", {
    get(this: Error): string {
      return this.constructor.name;
    },
    set(this: Error, value: string) {
      Object.defineProperty(this, "name", { value, writable: true, configurable: true });
    },
    configurable: true,
  });
}
