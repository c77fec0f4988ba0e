// The TS core's timers: a timing wheel (js-wheel.ts) between the near set (the run,
// js-run.ts, and the near heap, js-heap.ts) and an overflow heap, the twin of
// assembly/timers.ts: read its header for the design (what each part holds, why the wheel
// moves one slot at a time once the near set is drained, how a cancel removes a record at
// once, what bounds the memory). The same algorithm in typed arrays, so the two cores
// fire the same ids in the same order at every resolution, and a benchmark of one
// against the other measures what Wasm itself buys.
//
// As in Wasm, a call that allocates does so before it changes anything (timerAdd's
// reserve, tick's count), so an allocation that throws leaves the timers as they were.

import { IN_NEAR, IN_OVERFLOW, IN_RUN, IN_WHEEL, NOWHERE, RecordHeap, before } from "./js-heap.js";
import { NextCache } from "./js-next.js";
import { DEAD, JsRun } from "./js-run.js";
import { JsWheel } from "./js-wheel.js";

/** Sequence numbers are u32: before one would wrap, all are renumbered 0..n-1 in order. */
const SEQ_LIMIT = 0xffffffff;
/** Ticks are capped here (see assembly/timers.ts). */
const TICK_MAX = 2 ** 52;
const OVERFLOW_CAPACITY = 4;
const FIRST_CHUNKS = 8;

/** @internal */
export class JsTimers {
  readonly run: JsRun;
  readonly near: RecordHeap;
  readonly over: RecordHeap;
  readonly wheel = new JsWheel(FIRST_CHUNKS);
  /** Each id's record: index * 8 + where (js-heap.ts's kinds). */
  pos: Uint32Array;
  total = 0;
  nextSeq = 0;
  /** The earliest deadlines of the wheel and the overflow. */
  readonly #next = new NextCache();
  /** Timers the wheel's pool has chunks for (reserve's quick check). */
  #wheelRoom = 0;
  readonly #ticksPerMs: number;
  readonly #msPerTick: number;
  // Set by dueCount.
  dueFound = 0;
  nearNeed = 0;

  constructor(ticksPerMs: number, nearCapacity: number, ids: number) {
    this.#ticksPerMs = ticksPerMs;
    this.#msPerTick = 1 / ticksPerMs;
    this.run = new JsRun(nearCapacity);
    this.near = new RecordHeap(IN_NEAR, nearCapacity);
    this.over = new RecordHeap(IN_OVERFLOW, OVERFLOW_CAPACITY);
    this.pos = new Uint32Array(ids);
  }

  /** Empty, at tick 0; the buffers stay (a pooled core reuses its pages). */
  reset(): void {
    this.near.size = this.over.size = 0;
    this.run.head = this.run.end = 0;
    this.wheel.reset();
    this.pos.fill(0);
    this.total = this.nextSeq = 0;
    this.#next.forget();
  }

  memoryBytes(): number {
    return this.run.f.byteLength + this.near.f.byteLength + this.over.f.byteLength + this.wheel.f.byteLength + this.pos.byteLength;
  }

  /** A deadline's tick: floor(when x ticks per ms), 0 for negative ones, capped at TICK_MAX. */
  toTick(when: number): number {
    const t = when * this.#ticksPerMs;
    if (!(t > 0)) return 0;
    return t >= TICK_MAX ? TICK_MAX : Math.floor(t);
  }

  #placeFor(t: number, when: number): number {
    if (when === Infinity) return IN_OVERFLOW;
    if (t <= this.wheel.elapsed) return IN_NEAR;
    return this.wheel.fits(t) ? IN_WHEEL : IN_OVERFLOW;
  }

  /** Puts a record where it belongs now: a near one in the near heap, or, `bulk` (moved by due), at the end of the run. */
  #place(t: number, when: number, seq: number, id: number, bulk: boolean): void {
    const where = this.#placeFor(t, when);
    if (where === IN_NEAR) {
      if (bulk) this.run.append(when, seq, id);
      else this.near.push(this.pos, when, seq, id);
    } else if (where === IN_WHEEL) this.wheel.add(this.pos, t, when, seq, id);
    else this.over.push(this.pos, when, seq, id);
  }

  /** Moves the wheel to tick `t` (no slot starts before it) and brings in the overflow's records of t's block. */
  #setElapsed(t: number): void {
    const wheel = this.wheel, over = this.over;
    wheel.setElapsed(t);
    let appended = false;
    while (over.size > 0) {
      const when = over.f[0];
      if (when === Infinity) break;
      const rt = this.toTick(when);
      if (rt > t && !wheel.fits(rt)) break;
      const seq = over.u[2], id = over.u[3];
      over.remove(this.pos, 0);
      if (rt <= t) appended = true;
      this.#place(rt, when, seq, id, true);
    }
    if (appended) this.run.seal(this.pos);
  }

  /** Schedules `id` at `when`; `now`: the host's last known time (the wheel moves up to it when it can). */
  add(id: number, when: number, now: number): void {
    // The wheel follows the host's time (see assembly/timers.ts timersAdd).
    const ht = this.toTick(now), wheel = this.wheel;
    if (ht > wheel.elapsed) {
      if (this.total === 0) {
        this.#setElapsed(ht);
      } else if (wheel.fits(ht)) {
        const b = wheel.nextBucket();
        if (b < 0 || wheel.bucketStart(b) > ht) wheel.setElapsed(ht);
      }
    }
    if (this.nextSeq === SEQ_LIMIT) this.#renumber();
    const t = this.toTick(when);
    const where = this.#placeFor(t, when);
    this.#reserve(id, where);
    this.#place(t, when, this.nextSeq++, id, false);
    this.total++;
    if (where !== IN_NEAR) this.#next.keep(when, false);
  }

  /** Room for one more timer, of `id`, going to `where`: every buffer allocated before any is swapped in. */
  #reserve(id: number, where: number): void {
    if (id < this.pos.length && this.total < this.#wheelRoom && where === IN_WHEEL) return;
    let pos: Uint32Array | null = null;
    if (id >= this.pos.length) {
      let cap = this.pos.length * 2;
      while (cap <= id) cap *= 2;
      pos = new Uint32Array(cap);
      pos.set(this.pos);
    }
    const pool = this.wheel.grownFor(JsWheel.chunksFor(this.total + 1));
    const heap = where === IN_NEAR ? this.near : where === IN_OVERFLOW ? this.over : null;
    const heapBuf = heap === null ? null : heap.grownFor(heap.size + 1);
    if (pos !== null) this.pos = pos;
    if (pool !== null) this.wheel.install(pool);
    if (heapBuf !== null) heap!.install(heapBuf);
    this.#wheelRoom = JsWheel.roomFor(this.wheel.capacity());
  }

  /** Removes the timer of `id` at once. */
  cancel(id: number): void {
    const p = this.pos[id], i = p >>> 3;
    let when: number;
    if ((p & 7) === IN_WHEEL) {
      when = this.wheel.f[2 * i];
      this.wheel.remove(this.pos, i);
    } else if ((p & 7) === IN_RUN) {
      when = this.run.f[2 * i];
      this.run.cancel(i);
    } else if ((p & 7) === IN_NEAR) {
      when = this.near.f[2 * i];
      this.near.remove(this.pos, i);
    } else {
      when = this.over.f[2 * i];
      this.over.remove(this.pos, i);
    }
    this.pos[id] = NOWHERE;
    this.total--;
    if ((p & 7) === IN_WHEEL || (p & 7) === IN_OVERFLOW) this.#next.cancelled(when);
  }

  #nearHeld(): boolean {
    return this.run.head < this.run.end || this.near.size > 0;
  }

  /** The near set's earliest deadline (it holds records). */
  #nearFirst(): number {
    const run = this.run.head < this.run.end ? this.run.f[2 * this.run.head] : Infinity;
    return this.near.size > 0 && this.near.f[0] < run ? this.near.f[0] : run;
  }

  /** The earliest deadline held, exactly (+Infinity if none). */
  next(): number {
    if (this.#nearHeld()) return this.#nearFirst();
    const next = this.#next;
    if (next.kept > 0) return next.first();
    const b = this.wheel.nextBucket();
    if (b >= 0) {
      next.scan(this.wheel, b);
      return next.first();
    }
    return this.over.size > 0 ? this.over.f[0] : Infinity;
  }

  /** A lower bound of the earliest deadline, with no scan. */
  lowerBound(): number {
    if (this.#nearHeld()) return this.#nearFirst();
    const b = this.wheel.nextBucket();
    if (b >= 0) return this.wheel.bucketStart(b) * this.#msPerTick;
    return this.over.size > 0 ? this.over.f[0] : Infinity;
  }

  /** Counts what due(now) will do, changing nothing: `dueFound` and `nearNeed` (see assembly/timers.ts dueCount). */
  dueCount(now: number): void {
    const nowT = this.toTick(now), wheel = this.wheel, F = wheel.f, U = wheel.u;
    let due = this.near.dueCount(now) + this.run.dueCount(now), need = 0;
    for (let level = 0; level < 6; level++) {
      for (let half = 0; half < 2; half++) {
        for (let bits = wheel.occ[2 * level + half]; bits !== 0; bits &= bits - 1) {
          const b = (level << 6) | (half << 5) | (31 - Math.clz32(bits & -bits));
          const start = wheel.bucketStart(b);
          if (start > nowT) break;
          const whole = start + 64 ** level - 1 < nowT;
          for (let c = wheel.buckets[b]; c !== 0; c = U[c * 128]) {
            const end = c * 32 + U[c * 128 + 2];
            if (whole) {
              need += U[c * 128 + 2];
              due += U[c * 128 + 2];
              continue;
            }
            for (let r = c * 32 + 1; r <= end; r++) {
              const w = F[2 * r];
              if (this.toTick(w) <= nowT) need++;
              if (w <= now) due++;
            }
          }
        }
      }
    }
    const over = this.over;
    for (let k = 0; k < over.size; k++) {
      const w = over.f[2 * k];
      if (w === Infinity) continue;
      if (this.toTick(w) <= nowT) need++;
      if (w <= now) due++;
    }
    this.dueFound = due;
    this.nearNeed = need;
  }

  /**
   * Fires every timer due at `now`, in (when, seq) order, writing each id to `ring` from
   * position `tail` (mask `mask`). Returns the new tail. The caller made room (dueCount).
   */
  due(now: number, ring: Uint32Array, mask: number, tail: number): number {
    const nowT = this.toTick(now), run = this.run, near = this.near, wheel = this.wheel, pos = this.pos;
    for (;;) {
      // The near records due, in order: the run's front or the heap's top, whichever is first.
      for (;;) {
        let fromRun = run.head < run.end;
        if (near.size > 0 && fromRun) {
          const h = run.head;
          fromRun = before(run.f[2 * h], run.u[4 * h + 2], near.f[0], near.u[2]);
        } else if (!fromRun && near.size === 0) {
          break;
        }
        let id: number;
        if (fromRun) {
          if (run.f[2 * run.head] > now) break;
          id = run.u[4 * run.head + 3];
          run.shift();
        } else {
          if (near.f[0] > now) break;
          id = near.u[3];
          near.remove(pos, 0);
        }
        pos[id] = NOWHERE;
        this.total--;
        ring[tail & mask] = id;
        tail = (tail + 1) >>> 0;
      }
      if (this.#nearHeld()) break;
      const b = wheel.nextBucket();
      if (b >= 0) {
        const start = wheel.bucketStart(b);
        if (start > nowT) break;
        wheel.setElapsed(start);
        if (b < 64) {
          const c = wheel.take(b);
          run.fill(pos, wheel, c, wheel.taken, start, this.#ticksPerMs);
        } else {
          this.#cascade(b);
        }
      } else if (this.over.size > 0) {
        const when = this.over.f[0];
        if (when === Infinity) break;
        const t = this.toTick(when);
        if (t > nowT) break;
        this.#setElapsed(t);
      } else {
        break;
      }
    }
    if (!this.#nearHeld() && nowT > wheel.elapsed) this.#setElapsed(nowT);
    this.#next.forget();
    return tail;
  }

  /** The wheel reached bucket `b`'s slot (not of level 0): its records go to the run or lower levels; the run is sealed. */
  #cascade(b: number): void {
    const wheel = this.wheel;
    let c = wheel.take(b);
    while (c !== 0) {
      const F = wheel.f, U = wheel.u;
      const next = U[c * 128], end = c * 32 + U[c * 128 + 2];
      for (let r = c * 32 + 1; r <= end; r++) {
        const when = F[2 * r];
        this.#place(this.toTick(when), when, U[4 * r + 2], U[4 * r + 3], true);
      }
      wheel.freeChunk(c);
      c = next;
    }
    if (this.run.head < this.run.end) this.run.seal(this.pos);
  }

  held(id: number): boolean {
    return id < this.pos.length && this.pos[id] !== NOWHERE;
  }

  /** Renumbers every record's seq 0..n-1 in seq order (see assembly/timers.ts renumber). */
  #renumber(): void {
    const refs: { u: Uint32Array; i: number }[] = [];
    const run = this.run;
    for (let i = run.head; i < run.end; i++) if (run.u[4 * i + 3] !== DEAD) refs.push({ u: run.u, i: 4 * i + 2 });
    for (const heap of [this.near, this.over]) for (let i = 0; i < heap.size; i++) refs.push({ u: heap.u, i: 4 * i + 2 });
    const wheel = this.wheel, U = wheel.u;
    for (let b = 0; b < 384; b++) {
      for (let c = wheel.buckets[b]; c !== 0; c = U[c * 128]) {
        const end = c * 32 + U[c * 128 + 2];
        for (let r = c * 32 + 1; r <= end; r++) refs.push({ u: U, i: 4 * r + 2 });
      }
    }
    refs.sort((a, b) => a.u[a.i] - b.u[b.i]);
    refs.forEach((ref, seq) => (ref.u[ref.i] = seq));
    this.nextSeq = refs.length;
  }
}
