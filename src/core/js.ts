// The pure-TypeScript scheduler core: the same structures as assembly/ in typed arrays.
// Used where WebAssembly is unavailable and as the comparison in the benchmarks.
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
    if (((this.#tail - this.#batchStart) >>> 0) > this.#mask) this.#grow();
    this.#ring[this.#tail & this.#mask] = id;
    this.#tail = (this.#tail + 1) >>> 0;
  }

  pending(): number {
    return (this.#tail - this.#head) >>> 0;
  }

  #grow(): void {
    const old = this.#ring, oldMask = this.#mask;
    const ring = new Uint32Array(old.length * 2), mask = ring.length - 1;
    for (let pos = this.#batchStart; pos !== this.#tail; pos = (pos + 1) >>> 0) ring[pos & mask] = old[pos & oldMask];
    this.#ring = ring;
    this.#mask = mask;
  }

  tick(now: number): number {
    this.#batchStart = this.#head;
    while (this.#size > 0 && this.#when[0] <= now) {
      const id = this.#id[0];
      this.#popTop();
      if (this.#flags[id] === 0) this.push(id);
      else this.#drop(id);
    }
    this.#head = this.#tail;
    return (this.#tail - this.#batchStart) >>> 0;
  }

  batchAt(i: number): number {
    return this.#ring[(this.#batchStart + i) & this.#mask];
  }

  timerAdd(id: number, when: number): void {
    if (id >= this.#flags.length) {
      let cap = this.#flags.length * 2;
      while (cap <= id) cap *= 2;
      const flags = new Uint8Array(cap);
      flags.set(this.#flags);
      this.#flags = flags;
    }
    if (this.#size === this.#when.length) {
      const cap = this.#size * 2;
      const w = new Float64Array(cap), s = new Uint32Array(cap), d = new Uint32Array(cap);
      w.set(this.#when); s.set(this.#seq); d.set(this.#id);
      this.#when = w; this.#seq = s; this.#id = d;
    }
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

  timerCount(): number {
    return this.#size;
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
