// The WebAssembly scheduler core (assembly/), wrapped behind SchedulerCore.
// Pushes go straight into the ring in linear memory through a view; the only calls
// into Wasm are one `tick` per loop iteration, one per timer scheduled or cancelled,
// and the rare `readyGrow`. The module is compiled once, synchronously (it is ~3.6 KB,
// under Chrome's 4 KB limit for synchronous compilation), and needs no imports.
//
// A call that cannot grow the memory fails whole (see assembly/index.ts): the core is as
// it was, and the views are re-read before the error is thrown, since a piece of memory
// may have been had before another could not.
import { WASM_BASE64 } from "./wasm-binary.generated.js";
import { HEAP_CAPACITY, ID_CAPACITY, RING_CAPACITY, type ReleaseFn, type SchedulerCore } from "./types.js";

interface Exports {
  memory: WebAssembly.Memory;
  init(ring: number, heap: number, ids: number): number;
  tick(head: number, tail: number, now: number): number;
  readyGrow(batchStart: number, tail: number): number;
  timerAdd(id: number, when: number): number;
  timerCancel(id: number): number;
  timerNext(): number;
  timerSetSeq(seq: number): void;
}

// Header words (see assembly/index.ts).
const RING_PTR = 0, RING_MASK = 1, RELEASED_PTR = 3, RELEASED_COUNT = 4, TIMER_COUNT = 5, TOP_WHEN_F64 = 4;

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null where WebAssembly is unavailable. @internal */
export function wasmModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      const bin = atob(WASM_BASE64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      compiled = new WebAssembly.Module(bytes);
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

function outOfMemory(call: string, memory: WebAssembly.Memory): never {
  const mib = (memory.buffer.byteLength / 2 ** 20).toFixed(1);
  throw new RangeError(`wasyncio: the Wasm scheduler core cannot grow its memory past ${mib} MiB (${call}); the core is as it was before the call`);
}

/** @internal */
export class WasmCore implements SchedulerCore {
  readonly kind = "wasm" as const;
  #ex: Exports;
  /** Called with each id dropped from the heap; the host frees it. */
  release: ReleaseFn;
  #u32!: Uint32Array;
  #f64!: Float64Array;
  #hdr = 0;
  /** No timer is due before this (the heap top's deadline, or a smaller one added since). */
  #topWhen = Infinity;
  #ring = 0;
  #mask = 0;
  #tail = 0;
  #head = 0;
  #batchStart = 0;

  constructor(module: WebAssembly.Module, release: ReleaseFn) {
    this.#ex = new WebAssembly.Instance(module, {}).exports as unknown as Exports;
    this.release = release;
    this.reset();
  }

  reset(): void {
    this._resetTo(RING_CAPACITY, HEAP_CAPACITY, ID_CAPACITY);
  }

  /** @internal `reset()` with these first capacities; the tests ask for more than memory can give. */
  _resetTo(ring: number, heap: number, ids: number): void {
    const hdr = this.#ex.init(ring, heap, ids);
    if (hdr === 0) this.#fail("init");
    this.#hdr = hdr >>> 2;
    this.#tail = this.#head = this.#batchStart = 0;
    this.#topWhen = Infinity;
    this.#sync();
  }

  /**
   * Re-reads the header after a call. A grown memory detaches the old view (its length
   * drops to 0); checking that is much cheaper than the `memory.buffer` getter.
   */
  #sync(): void {
    if (this.#u32 === undefined || this.#u32.length === 0) {
      this.#u32 = new Uint32Array(this.#ex.memory.buffer);
      this.#f64 = new Float64Array(this.#ex.memory.buffer);
    }
    const h = this.#u32, hdr = this.#hdr;
    this.#topWhen = this.#f64[(hdr >>> 1) + TOP_WHEN_F64];
    this.#ring = h[hdr + RING_PTR] >>> 2;
    this.#mask = h[hdr + RING_MASK];
    const released = h[hdr + RELEASED_COUNT];
    if (released !== 0) {
      const base = h[hdr + RELEASED_PTR] >>> 2;
      for (let i = 0; i < released; i++) this.release(h[base + i]);
    }
  }

  /** A call failed, leaving the core as it was: re-read the views (a first init has none), then throw. */
  #fail(call: string): never {
    if (this.#hdr !== 0) this.#sync();
    outOfMemory(call, this.#ex.memory);
  }

  push(id: number): void {
    if (((this.#tail - this.#batchStart) >>> 0) > this.#mask) {
      if (this.#ex.readyGrow(this.#batchStart, this.#tail) < 0) this.#fail("readyGrow");
      this.#sync();
    }
    this.#u32[this.#ring + (this.#tail & this.#mask)] = id;
    this.#tail = (this.#tail + 1) >>> 0;
  }

  pending(): number {
    return (this.#tail - this.#head) >>> 0;
  }

  tick(now: number): number {
    const start = this.#head;
    if (now < this.#topWhen) {
      // No timer can be due: the batch is what the host pushed, and no call is needed.
      this.#batchStart = start;
      this.#head = this.#tail;
      return (this.#tail - start) >>> 0;
    }
    const n = this.#ex.tick(start, this.#tail, now);
    if (n < 0) this.#fail("tick");
    this.#sync();
    this.#batchStart = start;
    this.#tail = this.#head = (start + n) >>> 0;
    return n;
  }

  batchAt(i: number): number {
    return this.#u32[this.#ring + ((this.#batchStart + i) & this.#mask)];
  }

  batchDone(): void {
    this.#batchStart = this.#head;
  }

  timerAdd(id: number, when: number): void {
    if (this.#ex.timerAdd(id, when) < 0) this.#fail("timerAdd");
    if (this.#u32.length === 0) this.#sync();
    if (when < this.#topWhen) this.#topWhen = when;
  }

  /** Never takes memory, so never fails. */
  timerCancel(id: number): void {
    if (this.#ex.timerCancel(id) > 0) this.#sync();
  }

  /** Never takes memory, so never fails. */
  timerNext(): number {
    const when = this.#ex.timerNext();
    this.#sync();
    return when;
  }

  timerCount(): number {
    return this.#u32[this.#hdr + TIMER_COUNT];
  }

  timerSetSeq(seq: number): void {
    this.#ex.timerSetSeq(seq >>> 0);
  }

  memoryBytes(): number {
    return this.#ex.memory.buffer.byteLength;
  }
}
