// The pure-TypeScript scheduler core: the same structures as assembly/ in typed arrays.
// Used where WebAssembly is unavailable and as the comparison in the benchmarks. As the
// Wasm core, a call that allocates does so before it changes anything, so an allocation
// that throws leaves the core as it was.
import {
  HEAP_CAPACITY, ID_CAPACITY, MIN_SCHEDULED_FOR_REBUILD, RING_CAPACITY, SEQ_LIMIT,
  type ReleaseFn, type SchedulerCore,
} from "./types.js";

/** @internal */
export class JsCore implements SchedulerCore {
  readonly kind = "js" as const;
  /** Called with each id dropped from the heap; the host frees it. */
  release: ReleaseFn;
  // Ready ring: positions only go up; slot = position & mask. See assembly/ready-queue.ts.
  #ring = new Uint32Array(RING_CAPACITY);
  #mask = RING_CAPACITY - 1;
  #tail = 0;
  #head = 0;
  #batchStart = 0;
  // Timer heap in parallel arrays ordered by (when, seq).
  #when = new Float64Array(HEAP_CAPACITY);
  #seq = new Uint32Array(HEAP_CAPACITY);
  #id = new Uint32Array(HEAP_CAPACITY);
  #size = 0;
  #cancelledCount = 0;
  #nextSeq = 0;
  #flags = new Uint8Array(ID_CAPACITY);

  constructor(release: ReleaseFn) {
    this.release = release;
  }

  reset(): void {
    this.#tail = this.#head = this.#batchStart = 0;
    this.#size = this.#cancelledCount = this.#nextSeq = 0;
    this.#flags.fill(0);
  }

  push(id: number): void {
    if (((this.#tail - this.#batchStart) >>> 0) > this.#mask) this.#grow(this.#batchStart, 0);
    this.#ring[this.#tail & this.#mask] = id;
    this.#tail = (this.#tail + 1) >>> 0;
  }

  pending(): number {
    return (this.#tail - this.#head) >>> 0;
  }

  /** Grows the ring to hold at least `count` positions (at least doubling it), keeping [start, tail). */
  #grow(start: number, count: number): void {
    const old = this.#ring, oldMask = this.#mask;
    let capacity = old.length * 2;
    while (capacity < count) capacity *= 2;
    const ring = new Uint32Array(capacity), mask = capacity - 1;
    for (let pos = start; pos !== this.#tail; pos = (pos + 1) >>> 0) ring[pos & mask] = old[pos & oldMask];
    this.#ring = ring;
    this.#mask = mask;
  }

  tick(now: number): number {
    // Room for every live due timer first (see assembly/index.ts tick).
    const pending = (this.#tail - this.#head) >>> 0;
    if (this.#size - this.#cancelledCount > this.#ring.length - pending) {
      const due = this.#dueCount(now);
      if (pending + due > this.#ring.length) this.#grow(this.#head, pending + due);
    }
    this.#batchStart = this.#head;
    const W = this.#when, D = this.#id;
    while (this.#size > 0 && W[0] <= now) {
      const id = D[0];
      this.#popTop();
      if (this.#flags[id] === 0) {
        this.#ring[this.#tail & this.#mask] = id;
        this.#tail = (this.#tail + 1) >>> 0;
      } else {
        this.#drop(id);
      }
    }
    this.#head = this.#tail;
    return (this.#tail - this.#batchStart) >>> 0;
  }

  batchAt(i: number): number {
    return this.#ring[(this.#batchStart + i) & this.#mask];
  }

  batchDone(): void {
    this.#batchStart = this.#head;
  }

  timerAdd(id: number, when: number): void {
    if (id >= this.#flags.length || this.#size === this.#when.length) this.#growTimers(id);
    if (this.#nextSeq === SEQ_LIMIT) this.#renumber();
    this.#flags[id] = 0;
    this.#siftUp(this.#size++, when, this.#nextSeq++, id);
  }

  timerCancel(id: number): void {
    this.#flags[id] = 1;
    this.#cancelledCount++;
    if (this.#size >= MIN_SCHEDULED_FOR_REBUILD && this.#cancelledCount * 2 > this.#size) this.#rebuild();
  }

  timerNext(): number {
    while (this.#size > 0) {
      const id = this.#id[0];
      if (this.#flags[id] === 0) return this.#when[0];
      this.#popTop();
      this.#drop(id);
    }
    return Infinity;
  }

  /** Room for one more record, of `id`: every array allocated before any is swapped in. */
  #growTimers(id: number): void {
    let flags = this.#flags;
    if (id >= flags.length) {
      let cap = flags.length * 2;
      while (cap <= id) cap *= 2;
      flags = new Uint8Array(cap);
      flags.set(this.#flags);
    }
    let w = this.#when, s = this.#seq, d = this.#id;
    if (this.#size === w.length) {
      const cap = this.#size * 2;
      w = new Float64Array(cap);
      s = new Uint32Array(cap);
      d = new Uint32Array(cap);
      w.set(this.#when); s.set(this.#seq); d.set(this.#id);
    }
    this.#flags = flags;
    this.#when = w; this.#seq = s; this.#id = d;
  }

  /** Live records due at `now`, by a preorder walk of the heap's due part (see assembly/timer-heap.ts). */
  #dueCount(now: number): number {
    const W = this.#when, D = this.#id, flags = this.#flags, size = this.#size;
    if (size === 0 || W[0] > now) return 0;
    let n = 0, i = 0;
    for (;;) {
      if (flags[D[i]] === 0) n++;
      const left = 2 * i + 1;
      if (left < size && W[left] <= now) {
        i = left;
        continue;
      }
      if (left + 1 < size && W[left + 1] <= now) {
        i = left + 1;
        continue;
      }
      while (i !== 0 && ((i & 1) === 0 || i + 1 >= size || W[i + 1] > now)) i = (i - 1) >> 1;
      if (i === 0) return n;
      i++;
    }
  }

  timerCount(): number {
    return this.#size;
  }

  memoryBytes(): number {
    return this.#ring.byteLength + this.#when.byteLength + this.#seq.byteLength + this.#id.byteLength + this.#flags.byteLength;
  }

  timerSetSeq(seq: number): void {
    this.#nextSeq = seq >>> 0;
  }

  #drop(id: number): void {
    this.#flags[id] = 0;
    this.#cancelledCount--;
    this.release(id);
  }

  #popTop(): void {
    const last = --this.#size;
    if (last > 0) this.#siftDown(0, this.#when[last], this.#seq[last], this.#id[last], last);
  }

  #siftUp(i: number, when: number, seq: number, id: number): void {
    const W = this.#when, S = this.#seq, D = this.#id;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!(when < W[p] || (when === W[p] && seq < S[p]))) break;
      W[i] = W[p]; S[i] = S[p]; D[i] = D[p];
      i = p;
    }
    W[i] = when; S[i] = seq; D[i] = id;
  }

  #siftDown(i: number, when: number, seq: number, id: number, size: number): void {
    const W = this.#when, S = this.#seq, D = this.#id;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= size) break;
      const r = c + 1;
      if (r < size && (W[r] < W[c] || (W[r] === W[c] && S[r] < S[c]))) c = r;
      if (!(W[c] < when || (W[c] === when && S[c] < seq))) break;
      W[i] = W[c]; S[i] = S[c]; D[i] = D[c];
      i = c;
    }
    W[i] = when; S[i] = seq; D[i] = id;
  }

  #rebuild(): void {
    const W = this.#when, S = this.#seq, D = this.#id;
    let n = 0;
    for (let i = 0; i < this.#size; i++) {
      const id = D[i];
      if (this.#flags[id] !== 0) {
        this.#flags[id] = 0;
        this.release(id);
      } else {
        W[n] = W[i]; S[n] = S[i]; D[n] = id;
        n++;
      }
    }
    this.#size = n;
    this.#cancelledCount = 0;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.#siftDown(i, W[i], S[i], D[i], n);
  }

  /** Renumbers seq 0..n-1 in heap order, so u32 sequence numbers never wrap. */
  #renumber(): void {
    const n = this.#size, W = this.#when, S = this.#seq, D = this.#id;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => W[a] - W[b] || S[a] - S[b]);
    const w = Float64Array.from(order, (i) => W[i]), d = Uint32Array.from(order, (i) => D[i]);
    W.set(w); D.set(d);
    for (let i = 0; i < n; i++) S[i] = i;
    this.#nextSeq = n;
  }
}
