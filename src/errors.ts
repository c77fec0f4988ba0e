// Every error class of the public contract. asyncio's ValueError is RangeError and its
// RuntimeError is Error (or InvalidStateError where a state is wrong); those are thrown
// as the built-in classes, with a message that names the call and the argument.

/** Base of wasyncio's own error classes: sets `.name` to the class name. */
class WasyncioError extends Error {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
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
export class CancelledError extends WasyncioError {}

/**
 * A Future or Task is in the wrong state for the call (asyncio's InvalidStateError).
 * @example
 * const fut = loop.createFuture(); fut.result() // throws InvalidStateError: Result is not ready.
 */
export class InvalidStateError extends WasyncioError {}

/**
 * An operation ran past its deadline (`waitFor`, `timeout`).
 * @example
 * try { yield* waitFor(slow(), 100) } catch (e) { if (e instanceof TimeoutError) retry() }
 */
export class TimeoutError extends WasyncioError {}

/**
 * `getNowait()` on an empty queue.
 * @example
 * try { q.getNowait() } catch (e) { if (e instanceof QueueEmpty) idle() }
 */
export class QueueEmpty extends WasyncioError {}

/**
 * `putNowait()` on a full queue.
 * @example
 * try { q.putNowait(x) } catch (e) { if (e instanceof QueueFull) drop(x) }
 */
export class QueueFull extends WasyncioError {}

/**
 * An operation on a queue that was shut down.
 * @example
 * try { yield* q.get() } catch (e) { if (e instanceof QueueShutDown) return }
 */
export class QueueShutDown extends WasyncioError {}

/**
 * `readexactly(n)` reached EOF first. `.partial` holds the bytes read, `.expected` the count asked for.
 * @example
 * try { yield* reader.readexactly(4) } catch (e) { if (e instanceof IncompleteReadError) log(e.partial) }
 */
export class IncompleteReadError extends WasyncioError {
  readonly partial: Uint8Array;
  readonly expected: number | null;
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
export class LimitOverrunError extends WasyncioError {
  readonly consumed: number;
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
export class BrokenBarrierError extends WasyncioError {}

/**
 * A non-blocking socket operation would block (Python's BlockingIOError).
 * @example
 * try { conn.recv(1024) } catch (e) { if (e instanceof BlockingIOError) loop.addReader(conn, retry) }
 */
export class BlockingIOError extends WasyncioError {
  readonly code = "EAGAIN";
}

/**
 * `sendfile` is not available for this transport or socket.
 * @example
 * try { yield* loop.sockSendfile(sock, file) } catch (e) { if (e instanceof SendfileNotAvailableError) fallback() }
 */
export class SendfileNotAvailableError extends WasyncioError {}

/**
 * Several errors raised together, as by a TaskGroup. An `AggregateError`:
 * `.errors` and `.exceptions` are the same list.
 * @example
 * catch (e) { if (e instanceof ExceptionGroup) for (const err of e.exceptions) log(err) }
 */
export class ExceptionGroup extends AggregateError {
  constructor(message: string, errors: Iterable<unknown>) {
    super(errors, message);
    this.name = new.target.name;
  }
  /** The errors of the group (asyncio's name for `.errors`). */
  get exceptions(): unknown[] {
    return this.errors;
  }
}
