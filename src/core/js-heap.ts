// The TS core's indexed binary min-heap of timer records, ordered by (when, seq): the
// twin of assembly/timer-heap.ts. A record is 16 bytes, as in Wasm, [when f64 | seq u32 |
// id u32], read through a Float64Array (when at 2i) and a Uint32Array (seq at 4i+2, id at
// 4i+3) over one buffer. Every record that moves rewrites its id's position, so a cancel
// removes its record from the middle at once. Two heaps use it: the near heap and the
// overflow (see js-timers.ts).

/** Where an id's record is (the low 3 bits of its position; the rest is its index). @internal */
export const NOWHERE = 0, IN_WHEEL = 1, IN_NEAR = 2, IN_OVERFLOW = 3, IN_RUN = 4;

/** (aWhen, aSeq) orders before (bWhen, bSeq). @internal */
export function before(aWhen: number, aSeq: number, bWhen: number, bSeq: number): boolean {
  return aWhen < bWhen || (aWhen === bWhen && aSeq < bSeq);
}

/** 16-byte timer records over one buffer: when at f[2i], seq at u[4i+2], id at u[4i+3]. The heaps' and the run's storage. @internal */
export class Records {
  f: Float64Array;
  u: Uint32Array;

  constructor(capacity: number) {
    const buf = new ArrayBuffer(capacity * 16);
    this.f = new Float64Array(buf);
    this.u = new Uint32Array(buf);
  }

  /** Records it has room for. */
  capacity(): number {
    return this.f.length >>> 1;
  }

  /**
   * A buffer with room for `records`, records [from, to) copied to its start, or null if
   * there is room: allocated before anything changes (an allocation that throws leaves the
   * core as it was).
   */
  protected _grown(records: number, from: number, to: number): ArrayBuffer | null {
    let cap = this.capacity();
    if (records <= cap) return null;
    while (cap < records) cap *= 2;
    const buf = new ArrayBuffer(cap * 16);
    new Uint32Array(buf).set(this.u.subarray(from * 4, to * 4));
    return buf;
  }

  /** Takes a buffer `_grown` made. */
  protected _adopt(buf: ArrayBuffer): void {
    this.f = new Float64Array(buf);
    this.u = new Uint32Array(buf);
  }
}

/** @internal */
export class RecordHeap extends Records {
  size = 0;
  /** The position kind its records get. */
  readonly kind: number;

  constructor(kind: number, capacity: number) {
    super(capacity);
    this.kind = kind;
  }

  /** A buffer with room for `records` (the records copied in), or null if it has room. */
  grownFor(records: number): ArrayBuffer | null {
    return this._grown(records, 0, this.size);
  }

  /** Takes the buffer grownFor made. */
  install(buf: ArrayBuffer): void {
    this._adopt(buf);
  }

  /** Puts (when, seq, id) in the hole at `i`, moving it up past every parent it orders before. */
  up(pos: Uint32Array, i: number, when: number, seq: number, id: number): void {
    const F = this.f, U = this.u, kind = this.kind;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(when, seq, F[2 * p], U[4 * p + 2])) break;
      F[2 * i] = F[2 * p];
      U[4 * i + 2] = U[4 * p + 2];
      const moved = (U[4 * i + 3] = U[4 * p + 3]);
      pos[moved] = i * 8 + kind;
      i = p;
    }
    F[2 * i] = when;
    U[4 * i + 2] = seq;
    U[4 * i + 3] = id;
    pos[id] = i * 8 + kind;
  }

  /** Puts (when, seq, id) in the hole at `i` of a heap of `size`, moving it down past every smaller child. */
  down(pos: Uint32Array, i: number, when: number, seq: number, id: number, size: number): void {
    const F = this.f, U = this.u, kind = this.kind;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= size) break;
      let cWhen = F[2 * c], cSeq = U[4 * c + 2];
      if (c + 1 < size) {
        const rWhen = F[2 * c + 2], rSeq = U[4 * c + 6];
        if (before(rWhen, rSeq, cWhen, cSeq)) {
          c++;
          cWhen = rWhen;
          cSeq = rSeq;
        }
      }
      if (!before(cWhen, cSeq, when, seq)) break;
      F[2 * i] = cWhen;
      U[4 * i + 2] = cSeq;
      const moved = (U[4 * i + 3] = U[4 * c + 3]);
      pos[moved] = i * 8 + kind;
      i = c;
    }
    F[2 * i] = when;
    U[4 * i + 2] = seq;
    U[4 * i + 3] = id;
    pos[id] = i * 8 + kind;
  }

  /** Appends a record where it belongs. The caller made room. */
  push(pos: Uint32Array, when: number, seq: number, id: number): void {
    this.up(pos, this.size++, when, seq, id);
  }

  /** Removes the record at `i`: the last one fills the hole from wherever it belongs. The caller clears the removed id's position. */
  remove(pos: Uint32Array, i: number): void {
    const size = --this.size;
    if (i === size) return;
    const F = this.f, U = this.u;
    const when = F[2 * size], seq = U[4 * size + 2], id = U[4 * size + 3];
    if (i > 0) {
      const p = (i - 1) >> 1;
      if (before(when, seq, F[2 * p], U[4 * p + 2])) {
        this.up(pos, i, when, seq, id);
        return;
      }
    }
    this.down(pos, i, when, seq, id, size);
  }

  /** Records due at `now`, by a preorder walk of the due part (see assembly/timer-heap.ts). */
  dueCount(now: number): number {
    const F = this.f, size = this.size;
    if (size === 0 || F[0] > now) return 0;
    let n = 0, i = 0;
    for (;;) {
      n++;
      const left = 2 * i + 1;
      if (left < size && F[2 * left] <= now) {
        i = left;
        continue;
      }
      if (left + 1 < size && F[2 * left + 2] <= now) {
        i = left + 1;
        continue;
      }
      while (i !== 0 && ((i & 1) === 0 || i + 1 >= size || F[2 * i + 2] > now)) i = (i - 1) >> 1;
      if (i === 0) return n;
      i++;
    }
  }
}
