// CancelScope and cancelScope(): Trio's cancel scopes on asyncio's tasks. A scope cancels
// the task it runs in with task.cancel() and counts what it asked for, so on exit it
// uncancel()s its own requests and swallows the CancelledError only when nobody else
// (an enclosing scope, timeout(), another task) also asked: asyncio 3.11's uncancel
// counting is exactly "a scope only catches its own cancellation". timeout() is a scope
// with a deadline whose caught cancellation becomes TimeoutError (src/timeouts.ts).
import type { Coroutine, LoopLike } from "./events.js";
import { CancelledError, InvalidStateError } from "./errors.js";
import { currentTask, type Task } from "./task.js";
import { isGenerator } from "./util.js";
import { checkBody, checkMs, checkOptions, expected, loopLacks } from "./checks.js";

interface TimerLoop extends LoopLike {
  time?(): number;
  callAt?(when: number, cb: () => unknown): { cancel(): void };
  callLater?(delay: number, cb: () => unknown): { cancel(): void };
}

/**
 * Options of `cancelScope()` and `new CancelScope()`.
 * @example
 * const options: CancelScopeOptions = { deadline: loop.time() + 5000, shield: false }
 */
export interface CancelScopeOptions {
  /** The deadline in loop time (`loop.time()`, ms); `Infinity` (the default): none. */
  deadline?: number;
  /** Whether cancellations of enclosing scopes wait until this scope ends (default false). */
  shield?: boolean;
}

/**
 * The body of `cancelScope()`: a generator function receiving the scope.
 * @example
 * const body: CancelScopeBody<number> = function* (scope) { yield* sleep(10); return 1 }
 */
export type CancelScopeBody<T> = (scope: CancelScope) => Coroutine<T>;

// The innermost active scope of each task; scopes link outward through #parent.
const innermost = new WeakMap<Task<unknown>, CancelScope>();

/**
 * Trio's `CancelScope` on asyncio tasks: `cancel()` (or reaching `deadline`) cancels the
 * body where it waits, and the scope catches that CancelledError at its end
 * (`cancelledCaught`). Scopes nest in a task: cancelling an outer one reaches the bodies
 * of inner ones, unless an inner scope between them has `shield` set, in which case the
 * cancellation is delivered when the shielded scope ends (or its shield is cleared).
 *
 * How it relates to asyncio: a scope's cancellation is `task.cancel()` of the task it runs
 * in, and at its end the scope calls `task.uncancel()` once for each request it made. Only
 * when the count `task.cancelling()` is then back to what it was at entry, and the body
 * ended with a CancelledError, does the scope swallow it: so a scope catches only its own
 * cancellation, and one requested by an enclosing scope, `timeout()` or `task.cancel()`
 * from elsewhere passes through, exactly as asyncio's `timeout()` and `TaskGroup` count.
 * Differences from Trio, as asyncio tasks work: a cancellation is delivered once (a body
 * that catches the CancelledError and waits again is not cancelled again), `shield`
 * holds back the cancellations of enclosing scopes (including `timeout()`/`timeoutAt()`),
 * not a direct `task.cancel()` (use `shield()` for that), and a cancellation already
 * delivered to the task when a shield is set is not withdrawn. Children of a `TaskGroup`
 * in the body are reached as asyncio does: the cancelled body cancels the group.
 * @example
 * yield* cancelScope(function* (scope) {
 *   loop.callLater(100, () => scope.cancel())
 *   yield* sleep(1000)                       // cancelled at 100
 * })
 * // execution continues here: the scope caught its own cancellation
 */
export class CancelScope {
  #deadline: number;
  #shield: boolean;
  #cancelCalled = false;
  #cancelledCaught = false;
  #state: "created" | "active" | "exited" = "created";
  #task: Task<unknown> | null = null;
  #parent: CancelScope | null = null;
  /** task.cancelling() at entry: what is left when every request of this scope is withdrawn. */
  #cancelling = 0;
  /** Whether this scope has called task.cancel() (once at most: Trio's cancel is idempotent). */
  #delivered = false;
  #handle: { cancel(): void } | null = null;
  /** The call that entered the scope, for the error of a loop without timers. */
  #call = "cancelScope()";

  /**
   * A scope not yet entered: run a body in it with `cancelScope(scope, body)`. `cancel()`
   * before that cancels the body at its first wait.
   * @example
   * const scope = new CancelScope({ deadline: loop.time() + 1000 })
   * stopButton.onclick = () => scope.cancel()
   * yield* cancelScope(scope, function* () { yield* work() })
   */
  constructor(options?: CancelScopeOptions) {
    const o = checkOptions<CancelScopeOptions>("new CancelScope()", options);
    this.#deadline = o.deadline === undefined ? Infinity : checkMs("new CancelScope()", "deadline", o.deadline);
    this.#shield = o.shield === undefined ? false : checkShield("new CancelScope()", o.shield);
  }

  /** Whether `cancel()` was called or the deadline passed. */
  get cancelCalled(): boolean {
    return this.#cancelCalled;
  }

  /** Whether the scope swallowed its own CancelledError at its end. */
  get cancelledCaught(): boolean {
    return this.#cancelledCaught;
  }

  /** The deadline in loop time (ms); `Infinity`: none. Setting it while the body runs reschedules it. */
  get deadline(): number {
    return this.#deadline;
  }

  /** Moves the deadline (loop time, ms; `Infinity`: none); a past one cancels in the next loop iteration. */
  set deadline(when: number) {
    checkMs("CancelScope.deadline", "the deadline", when);
    this.#deadline = when;
    if (this.#state === "active") this.#schedule();
  }

  /** Whether the cancellations of enclosing scopes wait until this scope ends. */
  get shield(): boolean {
    return this.#shield;
  }

  /** Sets or clears the shield; clearing it while the body runs delivers the cancellations it held back. */
  set shield(value: boolean) {
    this.#shield = checkShield("CancelScope.shield", value);
    // Cleared while running: what enclosing scopes held back reaches the body now.
    if (!value && this.#state === "active") _deliverPending(this.#task!);
  }

  /**
   * Cancels the scope: its body gets a CancelledError where it waits (now, or when an
   * inner shielded scope ends), caught at the scope's end. Idempotent; after the end, no effect.
   */
  cancel(): void {
    if (this.#cancelCalled) return;
    this.#cancelCalled = true;
    this.#cancelTimer();
    if (this.#state === "active") this.#deliver();
  }

  /**
   * The scope's state, as Trio's repr shows it.
   * @example
   * String(scope)   // "<CancelScope active, cancelled>"
   */
  toString(): string {
    const parts: string[] = [this.#state];
    if (this.#cancelCalled) parts.push("cancelled");
    if (this.#shield) parts.push("shielded");
    if (this.#deadline !== Infinity && !this.#cancelCalled) parts.push(`deadline=${Math.round(this.#deadline * 1000) / 1000}`);
    return `<CancelScope ${parts.join(", ")}>`;
  }

  /** @internal Enters the scope in the current task (Trio's `__enter__`). */
  _enter(call: string): void {
    if (this.#state !== "created") throw new InvalidStateError(`${call}: the cancel scope has already been entered`);
    const task = currentTask();
    if (task === null) throw new Error(`${call} should be used inside a task`);
    this.#state = "active";
    this.#call = call;
    this.#task = task;
    this.#parent = innermost.get(task) ?? null;
    innermost.set(task, this);
    this.#cancelling = task.cancelling();
    if (this.#cancelCalled) this.#deliver();
    else this.#schedule();
  }

  /**
   * @internal Leaves the scope (Trio's `__exit__`): withdraws this scope's request and
   * returns true when the body's CancelledError was this scope's own (swallow it).
   */
  _exit(raised: boolean, exc: unknown): boolean {
    this.#cancelTimer();
    const task = this.#task!;
    this.#state = "exited";
    if (this.#parent === null) innermost.delete(task);
    else innermost.set(task, this.#parent);
    let caught = false;
    if (this.#delivered && task.uncancel() <= this.#cancelling && raised && exc instanceof CancelledError) {
      caught = this.#cancelledCaught = true;
    }
    // Enclosing cancellations held back by this shield reach the rest of the body now.
    if (this.#shield) _deliverPending(task);
    return caught;
  }

  /** @internal Whether a shielded scope between the task's innermost scope and this one holds its cancellation back. */
  _blocked(): boolean {
    for (let s = innermost.get(this.#task!) ?? null; s !== null && s !== this; s = s.#parent) {
      if (s.#shield) return true;
    }
    return false;
  }

  /** @internal Delivers a cancellation requested and held back (called outward from the innermost scope). */
  _deliverIfPending(): void {
    if (this.#cancelCalled && !this.#delivered) this.#deliver();
  }

  /** @internal The enclosing scope in the same task. */
  _parent(): CancelScope | null {
    return this.#parent;
  }

  #deliver(): void {
    if (this.#delivered || this._blocked()) return;
    this.#delivered = true;
    this.#task!.cancel();
  }

  #cancelTimer(): void {
    if (this.#handle !== null) {
      this.#handle.cancel();
      this.#handle = null;
    }
  }

  // The deadline's timer, as asyncio's Timeout.reschedule(): a past deadline cancels in
  // the next loop iteration, an infinite one needs no timer.
  #schedule(): void {
    this.#cancelTimer();
    const when = this.#deadline;
    if (this.#cancelCalled || when === Infinity) return;
    const loop = this.#task!.getLoop() as TimerLoop;
    const now = typeof loop.time === "function" ? loop.time() : undefined;
    const onDeadline = (): void => {
      this.#handle = null;
      if (this.#state === "active") this.cancel();
    };
    if (now !== undefined && when <= now) {
      this.#handle = loop.callSoon(onDeadline) as { cancel(): void };
    } else if (typeof loop.callAt === "function") {
      this.#handle = loop.callAt(when, onDeadline);
    } else if (typeof loop.callLater === "function" && now !== undefined) {
      this.#handle = loop.callLater(when - now, onDeadline);
    } else {
      throw loopLacks(this.#call, "time() and callAt() for a deadline");
    }
  }
}

function checkShield(call: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw expected(call, "shield to be a boolean", value);
  return value;
}

/** Delivers, from the task's innermost scope outward, the cancellations no shield holds back any more. */
function _deliverPending(task: Task<unknown>): void {
  for (let s = innermost.get(task) ?? null; s !== null; s = s._parent()) {
    s._deliverIfPending();
    if (s.shield) return;
  }
}

/** @internal Runs `body` under `scope` in the current task; `onCaught` gives the value when the scope swallowed its cancellation. */
export function* _runInScope<T, U>(
  call: string, scope: CancelScope, body: unknown, arg: unknown, onCaught: (e: CancelledError) => U,
): Coroutine<T | U> {
  scope._enter(call);
  let result: T;
  try {
    const coro = typeof body === "function" ? (body as (arg: unknown) => unknown)(arg) : body;
    if (!isGenerator(coro)) throw expected(call, "the body to return a generator (a coroutine)", coro);
    result = yield* (coro as Coroutine<T>);
  } catch (e) {
    if (scope._exit(true, e)) return onCaught(e as CancelledError);
    throw e;
  }
  scope._exit(false, undefined);
  return result;
}

/**
 * Runs `body` (a generator function receiving the scope) in the current task inside a new
 * `CancelScope` (or the one given), Trio's `with trio.CancelScope() as scope:`. Returns the
 * body's value, or `undefined` when the scope was cancelled and caught its cancellation.
 * @example
 * const r = yield* cancelScope(function* (scope) {
 *   yield* sleep(50)
 *   scope.cancel()
 *   yield* sleep(1000)         // CancelledError here, caught by the scope
 *   return "not reached"
 * }, { deadline: loop.time() + 5000 })
 * // r === undefined
 */
export function cancelScope<T>(body: CancelScopeBody<T>, options?: CancelScopeOptions): Coroutine<T | undefined>;
export function cancelScope<T>(scope: CancelScope, body: CancelScopeBody<T>): Coroutine<T | undefined>;
export function cancelScope<T>(a: CancelScopeBody<T> | CancelScope, b?: CancelScopeOptions | CancelScopeBody<T>): Coroutine<T | undefined> {
  let scope: CancelScope;
  let body: unknown;
  if (a instanceof CancelScope) {
    checkBody("cancelScope()", "the body to be a generator function", b, false);
    scope = a;
    body = b;
  } else {
    checkBody("cancelScope()", "the body to be a generator function or a CancelScope", a, false);
    scope = new CancelScope(b as CancelScopeOptions | undefined);
    body = a;
  }
  return _runInScope<T, undefined>("cancelScope()", scope, body, scope, () => undefined);
}
