// The TS core's run: the twin of assembly/timer-run.ts (read its header: a due slot's
// records, spread over groups by their fraction of the tick, each group sorted, then
// taken from the front; a cancel leaves a DEAD record). Records are 16 bytes as in Wasm,
// read through a Float64Array and a Uint32Array over one buffer; a record is copied as
// four u32 words (a double's bits copied through a Float64Array may change if it is NaN).

import { IN_RUN, Records, before } from "./js-heap.js";
import type { JsWheel } from "./js-wheel.js";

/** The id of a cancelled record left in the run. @internal */
export const DEAD = 0xffffffff;
const SMALL = 16;
const GROUPS = 1024;

/** @internal */
export class JsRun extends Records {
  /** The live records are among [head, end); the one at head is live. */
  head = 0;
  end = 0;
  readonly #groups = new Uint32Array(GROUPS);

  /** A buffer with room for `records` (the live part copied to its start), or null if it has room. */
  grownFor(records: number): ArrayBuffer | null {
    return this._grown(records, this.head, this.end);
  }

  /** Takes the buffer grownFor made (the records moved to its start: their positions are rewritten). */
  install(buf: ArrayBuffer, pos: Uint32Array): void {
    this._adopt(buf);
    this.end -= this.head;
    this.head = 0;
    for (let i = 0; i < this.end; i++) {
      const id = this.u[4 * i + 3];
      if (id !== DEAD) pos[id] = i * 8 + IN_RUN;
    }
  }

  /** Appends a record to an unsealed run (the room was made); its position is written by seal. */
  append(when: number, seq: number, id: number): void {
    const i = this.end++;
    this.f[2 * i] = when;
    this.u[4 * i + 2] = seq;
    this.u[4 * i + 3] = id;
  }

  /** Sorts what was appended and writes the positions. */
  seal(pos: Uint32Array): void {
    this.#sortRange(this.head, this.end);
    const U = this.u;
    for (let i = this.head; i < this.end; i++) pos[U[4 * i + 3]] = i * 8 + IN_RUN;
  }

  /**
   * Fills the empty run with the `count` records of a level-0 slot's chunks (`c`, oldest
   * first, freed once read), all of tick `tick`, in order, and writes their positions.
   */
  fill(pos: Uint32Array, wheel: JsWheel, c: number, count: number, tick: number, ticksPerMs: number): void {
    const PF = wheel.f, PU = wheel.u, U = this.u;
    if (count <= SMALL) {
      for (; c !== 0; ) {
        const next = PU[c * 128], end = c * 32 + PU[c * 128 + 2];
        for (let r = c * 32 + 1; r <= end; r++) this.#copyIn(this.end++, PU, r);
        wheel.freeChunk(c);
        c = next;
      }
      this.seal(pos);
      return;
    }
    let groups = GROUPS;
    while (groups >>> 1 >= count) groups >>>= 1;
    const last = groups - 1, G = this.#groups;
    G.fill(0, 0, groups);
    for (let k = c; k !== 0; k = PU[k * 128]) {
      const end = k * 32 + PU[k * 128 + 2];
      for (let r = k * 32 + 1; r <= end; r++) G[group(PF[2 * r], tick, ticksPerMs, groups, last)]++;
    }
    let at = 0;
    for (let g = 0; g <= last; g++) {
      const n = G[g];
      G[g] = at;
      at += n;
    }
    for (; c !== 0; ) {
      const next = PU[c * 128], end = c * 32 + PU[c * 128 + 2];
      for (let r = c * 32 + 1; r <= end; r++) this.#copyIn(G[group(PF[2 * r], tick, ticksPerMs, groups, last)]++, PU, r);
      wheel.freeChunk(c);
      c = next;
    }
    let start = 0;
    for (let g = 0; g <= last; g++) {
      const end = G[g];
      if (end - start > 1) this.#sortRange(start, end);
      start = end;
    }
    this.end = count;
    for (let i = 0; i < count; i++) pos[U[4 * i + 3]] = i * 8 + IN_RUN;
  }

  #copyIn(i: number, PU: Uint32Array, r: number): void {
    const U = this.u;
    U[4 * i] = PU[4 * r];
    U[4 * i + 1] = PU[4 * r + 1];
    U[4 * i + 2] = PU[4 * r + 2];
    U[4 * i + 3] = PU[4 * r + 3];
  }

  /** Takes the front record (the caller read it). */
  shift(): void {
    this.head++;
    this.#skipDead();
  }

  /** Cancels the record at `i`. */
  cancel(i: number): void {
    this.u[4 * i + 3] = DEAD;
    if (i === this.head) this.#skipDead();
  }

  #skipDead(): void {
    const U = this.u;
    while (this.head < this.end && U[4 * this.head + 3] === DEAD) this.head++;
    if (this.head === this.end) this.head = this.end = 0;
  }

  /** Live records due at `now` (a prefix: the run is sorted). */
  dueCount(now: number): number {
    let n = 0;
    for (let i = this.head; i < this.end; i++) {
      if (this.f[2 * i] > now) break;
      if (this.u[4 * i + 3] !== DEAD) n++;
    }
    return n;
  }

  #sortRange(lo: number, hi: number): void {
    if (hi - lo > SMALL) {
      const F = this.f, U = this.u;
      let i = lo + 1;
      while (i < hi && before(F[2 * i - 2], U[4 * i - 2], F[2 * i], U[4 * i + 2])) i++;
      if (i === hi) return;
    }
    this.#quicksort(lo, hi);
  }

  #swap(a: number, b: number): void {
    const U = this.u;
    for (let k = 0; k < 4; k++) {
      const t = U[4 * a + k];
      U[4 * a + k] = U[4 * b + k];
      U[4 * b + k] = t;
    }
  }

  #less(a: number, b: number): boolean {
    return before(this.f[2 * a], this.u[4 * a + 2], this.f[2 * b], this.u[4 * b + 2]);
  }

  /** Sorts [lo, hi) by (when, seq): as assembly/timer-run.ts quicksort. */
  #quicksort(lo: number, hi: number): void {
    const F = this.f, U = this.u;
    while (hi - lo > SMALL) {
      const mid = lo + ((hi - lo) >>> 1);
      if (this.#less(mid, lo)) this.#swap(mid, lo);
      if (this.#less(hi - 1, lo)) this.#swap(hi - 1, lo);
      if (this.#less(hi - 1, mid)) this.#swap(hi - 1, mid);
      const pWhen = F[2 * mid], pSeq = U[4 * mid + 2];
      let i = lo, j = hi - 1;
      for (;;) {
        do i++; while (before(F[2 * i], U[4 * i + 2], pWhen, pSeq));
        do j--; while (before(pWhen, pSeq, F[2 * j], U[4 * j + 2]));
        if (i >= j) break;
        this.#swap(i, j);
      }
      if (j + 1 - lo < hi - j - 1) {
        this.#quicksort(lo, j + 1);
        lo = j + 1;
      } else {
        this.#quicksort(j + 1, hi);
        hi = j + 1;
      }
    }
    for (let i = lo + 1; i < hi; i++) {
      const w0 = U[4 * i], w1 = U[4 * i + 1], when = F[2 * i], seq = U[4 * i + 2], id = U[4 * i + 3];
      let k = i;
      while (k > lo && before(when, seq, F[2 * k - 2], U[4 * k - 2])) {
        U[4 * k] = U[4 * k - 4];
        U[4 * k + 1] = U[4 * k - 3];
        U[4 * k + 2] = U[4 * k - 2];
        U[4 * k + 3] = U[4 * k - 1];
        k--;
      }
      U[4 * k] = w0;
      U[4 * k + 1] = w1;
      U[4 * k + 2] = seq;
      U[4 * k + 3] = id;
    }
  }
}

/** A record's group: floor(fraction of its tick x groups), clamped. */
function group(when: number, tick: number, ticksPerMs: number, groups: number, last: number): number {
  const g = Math.floor((when * ticksPerMs - tick) * groups);
  return g >= last ? last : g > 0 ? g : 0;
}
