// The TS core's hierarchical timing wheel: the twin of assembly/timer-wheel.ts (read its
// header for the design: 6 levels x 64 slots, buckets of records stored contiguously in
// chunks, swap-remove, a reserve of chunks made by timerAdd). What differs is what JS
// lacks: ticks are doubles (integers, exact below 2^53) instead of u64, so a level is
// found from two 30-bit halves; a level's 64-bit bitmap is two u32 words; and the chunks
// live in one pool buffer, indexed, that grows by doubling (chunk 0 is never used, so 0
// means none). A chunk is 32 records: a header (next chunk, bucket, fill: u32 words 0-2)
// and 31 records.

import { IN_WHEEL } from "./js-heap.js";

const PER_CHUNK = 31;
const BUCKETS = 384;
/** Ticks in the wheel's span, 2^36, and in level 5's slots, 2^30. */
const SPAN = 2 ** 36, HALF = 2 ** 30;
/** 64^-L, for a tick's slot at level L, and 64^L, for a slot's first tick. */
const SCALE = [1, 2 ** -6, 2 ** -12, 2 ** -18, 2 ** -24, 2 ** -30];
const WIDTH = [1, 2 ** 6, 2 ** 12, 2 ** 18, 2 ** 24, 2 ** 30, 2 ** 36];
/** The level of a tick whose highest bit differing from elapsed's is bit i: floor(i / 6). */
const LEVEL_OF_BIT = Uint8Array.from({ length: 32 }, (_, i) => Math.floor(i / 6));

/** @internal */
export class JsWheel {
  /** The wheel's position, in ticks. */
  elapsed = 0;
  /** elapsed's 2^36 block and its two 30-bit halves, kept with it. */
  #block = 0;
  #hi = 0;
  #lo = 0;
  /** Records in the wheel. */
  count = 0;
  /** Records the last take took. */
  taken = 0;
  /** The pool: chunk c's records are 32c+1 .. 32c+31, its header is at u32 128c. */
  f: Float64Array;
  u: Uint32Array;
  /** Chunks never used yet start here; emptied ones are on the free list. */
  #fresh = 1;
  #free = 0;
  readonly buckets = new Uint32Array(BUCKETS);
  /** Level L's bitmap: words 2L (slots 0-31) and 2L+1 (slots 32-63). */
  readonly occ = new Uint32Array(12);

  constructor(chunks: number) {
    const buf = new ArrayBuffer((chunks + 1) * 512);
    this.f = new Float64Array(buf);
    this.u = new Uint32Array(buf);
  }

  reset(): void {
    this.setElapsed(0);
    this.count = 0;
    this.#fresh = 1;
    this.#free = 0;
    this.buckets.fill(0);
    this.occ.fill(0);
  }

  /** Chunks the pool holds, used or not. */
  capacity(): number {
    return (this.u.length >>> 7) - 1;
  }

  /** Chunks `n` records can need at once (see chunksFor in assembly/timer-wheel.ts). */
  static chunksFor(n: number): number {
    return n === 0 ? 0 : Math.ceil(n / PER_CHUNK) + Math.min(n, BUCKETS) + 2;
  }

  /** The most records `chunks` chunks are enough for: the largest n with chunksFor(n) <= chunks. */
  static roomFor(chunks: number): number {
    // From BUCKETS records on, chunksFor(n) = ceil(n / 31) + BUCKETS + 2: invert it.
    const n = PER_CHUNK * (chunks - BUCKETS - 2);
    if (n >= BUCKETS) return n;
    let small = 0;
    while (JsWheel.chunksFor(small + 1) <= chunks) small++;
    return small;
  }

  /** A pool with room for `chunks` chunks (the old one copied in), or null if it has room: allocated before anything changes. */
  grownFor(chunks: number): ArrayBuffer | null {
    let cap = this.capacity();
    if (chunks <= cap) return null;
    cap = Math.max(cap * 2, chunks);
    const buf = new ArrayBuffer((cap + 1) * 512);
    new Uint32Array(buf).set(this.u.subarray(0, this.#fresh * 128));
    return buf;
  }

  install(buf: ArrayBuffer): void {
    this.f = new Float64Array(buf);
    this.u = new Uint32Array(buf);
  }

  setElapsed(t: number): void {
    this.elapsed = t;
    this.#block = Math.floor(t / SPAN);
    this.#hi = Math.floor(t / HALF);
    this.#lo = t - this.#hi * HALF;
  }

  /** Whether tick `t` (> elapsed) is in elapsed's 2^36 block, so fits the wheel. */
  fits(t: number): boolean {
    return Math.floor(t / SPAN) === this.#block;
  }

  /** Puts a record of tick `t` (elapsed < t, fits) in its bucket. */
  add(pos: Uint32Array, t: number, when: number, seq: number, id: number): void {
    let level: number, slot: number;
    if (t < 2 ** 31) {
      // Both ticks fit an int32 (elapsed < t): plain integer bit operations.
      level = LEVEL_OF_BIT[31 - Math.clz32((t ^ this.elapsed) | 63)];
      slot = (t >>> (6 * level)) & 63;
    } else {
      const hi = Math.floor(t / HALF);
      level = hi !== this.#hi ? 5 : LEVEL_OF_BIT[31 - Math.clz32(((t - hi * HALF) ^ this.#lo) | 63)];
      slot = Math.floor(t * SCALE[level]) & 63;
    }
    const b = (level << 6) | slot;
    const U = this.u;
    let c = this.buckets[b], fill = 0;
    if (c === 0) {
      this.occ[2 * level + (slot >>> 5)] |= 1 << (slot & 31);
    } else {
      fill = U[c * 128 + 2];
    }
    if (c === 0 || fill === PER_CHUNK) {
      let top = this.#free;
      if (top !== 0) this.#free = U[top * 128];
      else top = this.#fresh++;
      U[top * 128] = c;
      U[top * 128 + 1] = b;
      this.buckets[b] = c = top;
      fill = 0;
    }
    U[c * 128 + 2] = ++fill;
    const r = c * 32 + fill;
    this.f[2 * r] = when;
    U[4 * r + 2] = seq;
    U[4 * r + 3] = id;
    pos[id] = r * 8 + IN_WHEEL;
    this.count++;
  }

  /** Removes record `r`: the bucket's last record takes its place. */
  remove(pos: Uint32Array, r: number): void {
    const U = this.u, F = this.f;
    const b = U[(r >>> 5) * 128 + 1];
    const top = this.buckets[b];
    const fill = U[top * 128 + 2];
    const last = top * 32 + fill;
    if (last !== r) {
      F[2 * r] = F[2 * last];
      U[4 * r + 2] = U[4 * last + 2];
      const moved = (U[4 * r + 3] = U[4 * last + 3]);
      pos[moved] = r * 8 + IN_WHEEL;
    }
    if (fill > 1) {
      U[top * 128 + 2] = fill - 1;
    } else {
      const next = U[top * 128];
      this.buckets[b] = next;
      this.freeChunk(top);
      if (next === 0) this.occ[2 * (b >>> 6) + ((b & 63) >>> 5)] &= ~(1 << (b & 31));
    }
    this.count--;
  }

  freeChunk(c: number): void {
    this.u[c * 128] = this.#free;
    this.#free = c;
  }

  /** The bucket that comes due next (the first occupied slot of the lowest occupied level), or -1. */
  nextBucket(): number {
    const occ = this.occ;
    for (let level = 0; level < 6; level++) {
      const lo = occ[2 * level], hi = occ[2 * level + 1];
      if (lo !== 0) return (level << 6) | (31 - Math.clz32(lo & -lo));
      if (hi !== 0) return (level << 6) | (63 - Math.clz32(hi & -hi));
    }
    return -1;
  }

  /** The first tick of bucket `b`'s slot, in elapsed's block of its level. */
  bucketStart(b: number): number {
    const level = b >>> 6, size = WIDTH[level + 1];
    return Math.floor(this.elapsed / size) * size + (b & 63) * WIDTH[level];
  }

  /**
   * Empties bucket `b` and returns its chunks, oldest first (the stack reversed in place),
   * setting `taken` to its records: the caller places each record again and frees each
   * chunk once read.
   */
  take(b: number): number {
    const U = this.u;
    let c = this.buckets[b], oldest = 0, taken = 0;
    this.buckets[b] = 0;
    this.occ[2 * (b >>> 6) + ((b & 63) >>> 5)] &= ~(1 << (b & 31));
    while (c !== 0) {
      const next = U[c * 128];
      taken += U[c * 128 + 2];
      U[c * 128] = oldest;
      oldest = c;
      c = next;
    }
    this.count -= taken;
    this.taken = taken;
    return oldest;
  }
}
