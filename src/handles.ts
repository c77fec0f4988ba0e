// Handle and TimerHandle: what callSoon/callLater return. A handle names a slot of the
// loop's table by (id, generation), so a handle kept after its callback ran can never
// cancel the callback that later reuses the id.

/** @internal The loop side of a handle: what `Handle.cancel()` calls. */
export interface HandleOwner {
  _cancelSlot(id: number, gen: number): void;
}

/**
 * A callback scheduled with `loop.callSoon()`.
 * @example
 * const h = loop.callSoon(() => console.log("never"))
 * h.cancel()
 * h.cancelled() // true
 */
export class Handle {
  /** @internal */ _callback: ((...args: any[]) => unknown) | null;
  /** @internal */ readonly _owner: HandleOwner | null;
  /** @internal */ readonly _id: number;
  /** @internal The slot's generation, a u32: the loop retires a slot rather than let it wrap. */
  readonly _gen: number;
  #cancelled = false;

  /** @internal */
  constructor(callback: (...args: any[]) => unknown, owner: HandleOwner | null, id = -1, gen = 0) {
    this._callback = callback;
    this._owner = owner;
    this._id = id;
    this._gen = gen;
  }

  /** Cancels the callback; a no-op once it ran or was cancelled. */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this._owner?._cancelSlot(this._id, this._gen);
    this._callback = null;
  }

  /** Whether `cancel()` was called. */
  cancelled(): boolean {
    return this.#cancelled;
  }

  /** @internal */
  protected _describe(): string {
    const cb = this._callback;
    const name = cb === null ? "" : ` ${cb.name || "anonymous"}()`;
    return `${this.#cancelled ? " cancelled" : ""}${name}`;
  }

  /**
   * The handle as asyncio's repr shows it: its class, state and callback.
   * @example
   * String(loop.callSoon(tick))   // "<Handle tick()>"
   */
  toString(): string {
    return `<${this.constructor.name}${this._describe()}>`;
  }
}

/**
 * A callback scheduled with `loop.callLater()` or `loop.callAt()`.
 * @example
 * const h = loop.callLater(100, tick)
 * h.when() // loop.time() + 100 at the call
 */
export class TimerHandle extends Handle {
  readonly #when: number;

  /** @internal */
  constructor(when: number, callback: (...args: any[]) => unknown, owner: HandleOwner | null, id = -1, gen = 0) {
    super(callback, owner, id, gen);
    this.#when = when;
  }

  /** The scheduled time, in `loop.time()` milliseconds. */
  when(): number {
    return this.#when;
  }

  /** @internal */
  protected override _describe(): string {
    return ` when=${this.#when}${super._describe()}`;
  }
}
