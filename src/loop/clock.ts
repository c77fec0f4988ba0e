// The loop's clocks: the host's monotonic time, or a virtual time that jumps to the next
// timer when nothing else is ready (Trio's MockClock with autojump). One interface, so the
// loop has one drive loop for every way it runs: in slices on the host (run), or
// synchronously (runSync, advance).
import type { HostDriver } from "../drivers/types.js";

/** `untilNext`: give the host a turn, then ask again. @internal */
export const YIELD = -1;

/** @internal */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /**
   * Nothing is ready and the next timer is due at `next` (Infinity: none): how many ms
   * to wait for it. 0: it is due, run (a virtual clock may have jumped to it); Infinity:
   * nothing to wait for; YIELD: let the host run first. `horizon`: a virtual clock jumps
   * no further (advance()). `sync`: no host to yield to (runSync, advance).
   */
  untilNext(next: number, horizon: number, sync: boolean): number;
  /** The loop ran an iteration. */
  ran(): void;
}

/** The host's clock (`performance.now()`). @internal */
export class RealClock implements Clock {
  readonly #host: HostDriver;

  constructor(host: HostDriver) {
    this.#host = host;
  }

  now(): number {
    return this.#host.now();
  }

  untilNext(next: number): number {
    if (next === Infinity) return Infinity;
    const now = this.#host.now();
    return next <= now ? 0 : next - now;
  }

  ran(): void {}
}

/** Virtual time from 0, jumping to the next timer whenever nothing is ready. @internal */
export class VirtualClock implements Clock {
  #now = 0;
  /** The host has had a turn since the loop last ran anything. */
  #hostTurnSinceWork = false;

  now(): number {
    return this.#now;
  }

  /** Sets the time (advance() ends exactly where it was asked to). */
  set(now: number): void {
    this.#now = now;
  }

  /**
   * Jumps to `next`, but when the host drives the loop only after one turn of the host
   * with nothing to do, so promises that are already settling are not overtaken by a jump
   * of time.
   */
  untilNext(next: number, horizon: number, sync: boolean): number {
    if (next === Infinity || next > horizon) return Infinity;
    if (next <= this.#now) return 0;
    if (!sync && !this.#hostTurnSinceWork) {
      this.#hostTurnSinceWork = true;
      return YIELD;
    }
    this.#now = next;
    return 0;
  }

  ran(): void {
    this.#hostTurnSinceWork = false;
  }
}
