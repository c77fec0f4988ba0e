// Handle and TimerHandle: what callSoon/callLater return. A handle names a slot of the
// loop's table by (id, generation), so a handle kept after its callback ran can never
// cancel the callback that later reuses the id. A handle is small because a program may
// keep a million of them (W4): three fields, plus the deadline of a TimerHandle. Its
// callback stays in the loop's slot table (the handle looks it up while the slot is its
// own), and being cancelled is a generation of -1.

import { Context, _unwrapCallback, type _InContext } from "./context.js";
import { InvalidStateError } from "./errors.js";

/** @internal The loop side of a handle: what `Handle.cancel()` and a handle's repr call. */
export interface HandleOwner {
  _cancelSlot(id: number, gen: number): void;
  /** The callback in slot `id` if the slot still holds generation `gen`. */
  _slotCallback(id: number, gen: number): ((...args: any[]) => unknown) | undefined;
}

/** A handle's generation once cancelled (a slot's generations are u32). */
const CANCELLED = -1;

/**
 * A callback scheduled with `loop.callSoon()`.
 * @example
 * const h = loop.callSoon(() => console.log("never"))
 * h.cancel()
 * h.cancelled() // true
 */
export class Handle {
  /** @internal */ readonly _owner: HandleOwner | null;
  /** @internal */ readonly _id: number;
  /** @internal The slot's generation (a u32), or CANCELLED. */
  _gen: number;

  /** @internal */
  constructor(owner: HandleOwner | null, id = -1, gen = 0) {
    this._owner = owner;
    this._id = id;
    this._gen = gen;
  }

  /** Cancels the callback; a no-op once it ran or was cancelled. */
  cancel(): void {
    if (this._gen === CANCELLED) return;
    this._owner?._cancelSlot(this._id, this._gen);
    this._gen = CANCELLED;
  }

  /** Whether `cancel()` was called. */
  cancelled(): boolean {
    return this._gen === CANCELLED;
  }

  /** @internal */
  protected _describe(): string {
    if (this._gen === CANCELLED) return " cancelled";
    const cb = this._owner?._slotCallback(this._id, this._gen);
    return cb === undefined ? "" : ` ${_unwrapCallback(cb).name || "anonymous"}()`;
  }

  /**
   * The Context the callback runs in (asyncio's `Handle.get_context()`): the one given
   * in the call's options, else the copy made when it was scheduled. A callback scheduled
   * before any ContextVar existed has none of its own: an empty Context is returned. Known
   * while the callback is scheduled (and in the report of its error): after it ran, or
   * once cancelled, this throws InvalidStateError (the handle keeps no reference to it).
   * @example
   * const h = loop.callSoon({ context: ctx }, report)
   * h.getContext() === ctx   // true
   */
  getContext(): Context {
    if (this._owner?._slotCallback(this._id, this._gen) === undefined) {
      throw new InvalidStateError(`Handle.getContext(): ${this} is no longer scheduled`);
    }
    return this._contextOrNull() ?? new Context();
  }

  /** @internal The callback's Context, or null if it has none (or is no longer scheduled). */
  _contextOrNull(): Context | null {
    if (this._gen === CANCELLED) return null;
    const cb = this._owner?._slotCallback(this._id, this._gen) as _InContext | undefined;
    return cb?._context ?? null;
  }

  /**
   * The handle as asyncio's repr shows it: its class, state and callback (the callback
   * while it is scheduled: once it ran, its slot is another's).
   * @example
   * String(loop.callSoon(tick))   // "<Handle tick()>"
   */
  toString(): string {
    return `<${this.constructor.name}${this._describe()}>`;
  }
}

/** @internal A handle that only names `callback`: what an error report about a callback carries. */
export function _reportHandle(callback: (...args: any[]) => unknown): Handle {
  return new Handle({ _cancelSlot() {}, _slotCallback: () => callback });
}

/**
 * A callback scheduled with `loop.callLater()` or `loop.callAt()`.
 * @example
 * const h = loop.callLater(100, tick)
 * h.when() // loop.time() + 100 at the call
 */
export class TimerHandle extends Handle {
  /** @internal */ readonly _when: number;

  /** @internal */
  constructor(when: number, owner: HandleOwner | null, id = -1, gen = 0) {
    super(owner, id, gen);
    this._when = when;
  }

  /** The scheduled time, in `loop.time()` milliseconds. */
  when(): number {
    return this._when;
  }

  /** @internal */
  protected override _describe(): string {
    return ` when=${this._when}${super._describe()}`;
  }
}
