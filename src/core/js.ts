// The pure-TypeScript scheduler core: the same structures as assembly/ in typed arrays,
// the ready ring here and the timers in js-timers.ts. Used where WebAssembly is
// unavailable and as the comparison in the benchmarks, so it is driven as the Wasm core
// is: pooled (src/core/index.ts), and `tick` returns at once when no timer can be due. As
// the Wasm core, a call that allocates does so before it changes anything, so an
// allocation that throws leaves the core as it was.
import { JsTimers } from "./js-timers.js";
import { ID_CAPACITY, NEAR_CAPACITY, RING_CAPACITY, TICKS_PER_MS, checkTicksPerMs, type SchedulerCore } from "./types.js";

/** @internal */
export class JsCore implements SchedulerCore {
  readonly kind = "js" as const;
  // Ready ring: positions only go up; slot = position & mask. See assembly/ready-queue.ts.
  #ring: Uint32Array = new Uint32Array(RING_CAPACITY);
  #mask = RING_CAPACITY - 1;
  #tail = 0;
  #head = 0;
  #batchStart = 0;
  readonly #timers: JsTimers;
  /** No timer is due before this (as the Wasm core's host keeps it). */
  #topWhen = Infinity;
  /** The time of the last tick skipped, for timerAdd to move the wheel up to (see assembly/index.ts NOW). */
  #now = 0;

  /** A core whose wheel runs at `ticksPerMs` (a power of two). */
  constructor(ticksPerMs = TICKS_PER_MS) {
    checkTicksPerMs(ticksPerMs);
    this.#timers = new JsTimers(ticksPerMs, NEAR_CAPACITY, ID_CAPACITY);
  }

  reset(): void {
    this.#tail = this.#head = this.#batchStart = 0;
    this.#topWhen = Infinity;
    this.#now = 0;
    this.#timers.reset();
  }

  push(id: number): void {
    if (((this.#tail - this.#batchStart) >>> 0) > this.#mask) this.#install(this.#grown(this.#batchStart, 0));
    this.#ring[this.#tail & this.#mask] = id;
    this.#tail = (this.#tail + 1) >>> 0;
  }

  pending(): number {
    return (this.#tail - this.#head) >>> 0;
  }

  /** A ring with room for at least `count` positions (at least double), with [start, tail) copied in. */
  #grown(start: number, count: number): Uint32Array {
    const old = this.#ring, oldMask = this.#mask;
    let capacity = old.length * 2;
    while (capacity < count) capacity *= 2;
    const ring = new Uint32Array(capacity), mask = capacity - 1;
    for (let pos = start; pos !== this.#tail; pos = (pos + 1) >>> 0) ring[pos & mask] = old[pos & oldMask];
    return ring;
  }

  #install(ring: Uint32Array): void {
    this.#ring = ring;
    this.#mask = ring.length - 1;
  }

  tick(now: number): number {
    const start = this.#head;
    this.#batchStart = start;
    if (now < this.#topWhen) {
      this.#now = now;
      this.#head = this.#tail;
      return (this.#tail - start) >>> 0;
    }
    const timers = this.#timers;
    // Room for every due timer in the ring and every record passing through the run first
    // (see assembly/index.ts tick): both allocated before either is used.
    const pending = (this.#tail - start) >>> 0, room = this.#ring.length - pending;
    if (timers.total > room || timers.total > timers.run.capacity()) {
      timers.dueCount(now);
      const run = timers.run.grownFor(timers.nearNeed);
      if (timers.dueFound > room) this.#install(this.#grown(start, pending + timers.dueFound));
      if (run !== null) timers.run.install(run, timers.pos);
    }
    this.#tail = this.#head = timers.due(now, this.#ring, this.#mask, this.#tail);
    this.#topWhen = timers.lowerBound();
    return (this.#tail - start) >>> 0;
  }

  batchAt(i: number): number {
    return this.#ring[(this.#batchStart + i) & this.#mask];
  }

  batchDone(): void {
    this.#batchStart = this.#head;
  }

  timerAdd(id: number, when: number): void {
    this.#timers.add(id, when, this.#now);
    if (when < this.#topWhen) this.#topWhen = when;
  }

  timerCancel(id: number): void {
    this.#timers.cancel(id);
  }

  timerNext(): number {
    return (this.#topWhen = this.#timers.next());
  }

  timerCount(): number {
    return this.#timers.total;
  }

  /** Test hook: whether `id` holds a timer. */
  _timerHeld(id: number): boolean {
    return this.#timers.held(id);
  }

  timerSetSeq(seq: number): void {
    this.#timers.nextSeq = seq >>> 0;
  }

  memoryBytes(): number {
    return this.#ring.byteLength + this.#timers.memoryBytes();
  }
}
