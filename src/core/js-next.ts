// The TS core's cache of the earliest deadlines of the wheel (and the overflow): the twin
// of assembly/timer-next.ts (read its header: the NEXT_KEPT smallest distinct deadlines,
// each with its count, so timerNext rescans the next slot only once every kept deadline
// was cancelled, or a tick moved the wheel).

import type { JsWheel } from "./js-wheel.js";

const NEXT_KEPT = 16;

/** @internal */
export class NextCache {
  readonly #when = new Float64Array(NEXT_KEPT);
  readonly #count = new Uint32Array(NEXT_KEPT);
  /** Entries kept, in increasing order; 0: unknown. */
  kept = 0;

  forget(): void {
    this.kept = 0;
  }

  first(): number {
    return this.#when[0];
  }

  /** A record of deadline `when` came in; `full`: while scanning (see assembly/timer-next.ts keep). */
  keep(when: number, full: boolean): void {
    const W = this.#when, C = this.#count, n = this.kept;
    if (n === 0 && !full) return;
    if (n > 0 && when > W[n - 1] && (!full || n === NEXT_KEPT)) return;
    let i = 0;
    while (i < n && W[i] < when) i++;
    if (i < n && W[i] === when) {
      C[i]++;
      return;
    }
    for (let k = n < NEXT_KEPT ? n : n - 1; k > i; k--) {
      W[k] = W[k - 1];
      C[k] = C[k - 1];
    }
    W[i] = when;
    C[i] = 1;
    if (n < NEXT_KEPT) this.kept = n + 1;
  }

  /** A record of deadline `when` left the wheel or the overflow (cancelled). */
  cancelled(when: number): void {
    const W = this.#when, C = this.#count, n = this.kept;
    if (n === 0 || when > W[n - 1]) return;
    let i = 0;
    while (W[i] !== when) i++;
    if (--C[i] !== 0) return;
    for (let k = i; k + 1 < n; k++) {
      W[k] = W[k + 1];
      C[k] = C[k + 1];
    }
    this.kept = n - 1;
  }

  /** Fills the cache from bucket `b`, the next to come due. */
  scan(wheel: JsWheel, b: number): void {
    this.kept = 0;
    const F = wheel.f, U = wheel.u;
    for (let c = wheel.buckets[b]; c !== 0; c = U[c * 128]) {
      const end = c * 32 + U[c * 128 + 2];
      for (let r = c * 32 + 1; r <= end; r++) this.keep(F[2 * r], true);
    }
  }
}
