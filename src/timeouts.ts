// timeout() and timeoutAt(): asyncio.timeout / asyncio.timeout_at. JavaScript has no
// `async with`, so the block is a body generator function run inline in the current
// task (`yield*`), under a scope that cancels that task at the deadline and turns the
// resulting CancelledError into TimeoutError. The scope is a CancelScope (cancel-scope.ts),
// whose cancelling()/uncancel() counting keeps a cancellation from outside from being
// mistaken for the timeout (asyncio 3.12).
import type { Coroutine } from "./events.js";
import { InvalidStateError, TimeoutError } from "./errors.js";
import { getRunningLoop } from "./running.js";
import { isGenerator } from "./util.js";
import { checkBody, checkMs, expected } from "./checks.js";
import { CancelScope } from "./cancel-scope.js";

/**
 * The body of `timeout()`: a generator function that receives the scope (or a coroutine).
 * @example
 * const body: TimeoutBody<string> = function* (scope) { return yield* fetchText(url) }
 */
export type TimeoutBody<T> = ((scope: Timeout) => Coroutine<T>) | Coroutine<T>;

type State = "created" | "active" | "expiring" | "expired" | "finished";

/**
 * The scope of a `timeout()`/`timeoutAt()` body (asyncio's `Timeout`): read or move its
 * deadline while the body runs. Times are the loop's (`loop.time()`, ms). It is a
 * `CancelScope` with a deadline whose caught cancellation becomes `TimeoutError`, so it
 * nests with `cancelScope()` as Trio's `fail_after` does (a shielded scope inside holds
 * the expiry back until it ends).
 * @example
 * yield* timeout(1000, function* (scope) {
 *   const header = yield* readHeader()
 *   scope.reschedule(scope.when()! + 5000)   // more time for the body
 *   return yield* readBody(header)
 * })
 */
export class Timeout {
  #state: "created" | "active" | "exited" = "created";
  #when: number | null;
  #scope: CancelScope;
  #message: string;

  /**
   * A scope with deadline `when` (loop time in ms; `null`: none). Made by `timeout()` and
   * `timeoutAt()`; it takes effect when entered by them.
   * @param message the message of the TimeoutError raised at the deadline
   */
  constructor(when: number | null, message = "the timeout expired") {
    if (when !== null) checkMs("new Timeout()", "when", when);
    this.#when = when;
    this.#scope = new CancelScope({ deadline: when ?? Infinity });
    this.#message = message;
  }

  /** The deadline (loop time, ms), or `null` for none. */
  when(): number | null {
    return this.#when;
  }

  /**
   * Moves the deadline to `when` (loop time, ms; `null`: no deadline). A time already
   * past expires the scope in the next loop iteration. Only while the body runs.
   */
  reschedule(when: number | null): void {
    if (when !== null) checkMs("Timeout.reschedule()", "when", when);
    const state = this.#fullState();
    if (state !== "active") {
      if (state === "created") throw new InvalidStateError("Timeout.reschedule(): the timeout has not been entered");
      throw new InvalidStateError(`Timeout.reschedule(): cannot change the state of an ${state} timeout`);
    }
    this.#when = when;
    this.#scope.deadline = when ?? Infinity;
  }

  /** Whether the deadline passed while the body ran (the body was cancelled). */
  expired(): boolean {
    return this.#scope.cancelCalled;
  }

  /**
   * The scope as asyncio's repr shows it: its state and deadline.
   * @example
   * String(scope)   // "<Timeout [active] when=1500>"
   */
  toString(): string {
    const state = this.#fullState();
    const when = state === "active" ? ` when=${this.#when === null ? "null" : Math.round(this.#when * 1000) / 1000}` : "";
    return `<Timeout [${state}]${when}>`;
  }

  /** @internal Enters the scope in the current task (asyncio's `__aenter__`). */
  _enter(call: string): void {
    if (this.#state !== "created") throw new InvalidStateError(`${call}: the timeout has already been entered`);
    this.#scope._enter(call);
    this.#state = "active";
  }

  /**
   * @internal Leaves the scope (asyncio's `__aexit__`): throws TimeoutError when the body
   * ended with the CancelledError of this scope's own expiry.
   */
  _exit(raised: boolean, exc: unknown): void {
    this.#state = "exited";
    if (this.#scope._exit(raised, exc)) throw new TimeoutError(this.#message, { cause: exc });
  }

  // asyncio's five states, from whether the scope runs and whether its deadline passed.
  #fullState(): State {
    if (this.#state === "created") return "created";
    if (this.#state === "active") return this.#scope.cancelCalled ? "expiring" : "active";
    return this.#scope.cancelCalled ? "expired" : "finished";
  }
}

/** @internal Runs `body` under `scope` in the current task: the shared core of timeout(), timeoutAt() and waitFor(). */
export function* _runScope<T>(call: string, makeScope: () => Timeout, body: TimeoutBody<T>): Coroutine<T> {
  const scope = makeScope();
  scope._enter(call);
  let result: T;
  try {
    const coro = typeof body === "function" ? body(scope) : body;
    if (!isGenerator(coro)) throw expected(call, "the body to return a generator (a coroutine)", coro);
    result = yield* coro;
  } catch (e) {
    scope._exit(true, e);
    throw e;
  }
  scope._exit(false, undefined);
  return result;
}

/**
 * Runs `body` (a generator function receiving the scope) in the current task with a
 * deadline `ms` from now: at the deadline the task is cancelled where it waits, and the
 * CancelledError becomes a `TimeoutError` here. Returns the body's value. `ms` `null`
 * (or undefined): no deadline, until `scope.reschedule()` sets one. A cancellation of the
 * task from outside stays a CancelledError.
 * @example
 * try {
 *   const page = yield* timeout(5000, function* () { return yield* fetchPage(url) })
 * } catch (e) {
 *   if (e instanceof TimeoutError) console.log("too slow")
 * }
 */
export function timeout<T>(ms: number | null | undefined, body: TimeoutBody<T>): Coroutine<T> {
  if (ms !== null && ms !== undefined) checkMs("timeout()", "ms", ms);
  checkBody("timeout()", "the body to be a generator function", body, true);
  return _runScope("timeout()", () => {
    const when = ms === null || ms === undefined ? null : getRunningLoop().time() + ms;
    return new Timeout(when, "timeout(): the deadline passed");
  }, body);
}

/**
 * `timeout()` with an absolute deadline `when` in the loop's time (`loop.time()`, ms);
 * `null`: no deadline.
 * @example
 * const deadline = loop.time() + 10_000
 * yield* timeoutAt(deadline, function* () { yield* step1() })
 * yield* timeoutAt(deadline, function* () { yield* step2() })  // the same overall budget
 */
export function timeoutAt<T>(when: number | null | undefined, body: TimeoutBody<T>): Coroutine<T> {
  if (when !== null && when !== undefined) checkMs("timeoutAt()", "when", when);
  checkBody("timeoutAt()", "the body to be a generator function", body, true);
  return _runScope("timeoutAt()", () => new Timeout(when ?? null, "timeoutAt(): the deadline passed"), body);
}
