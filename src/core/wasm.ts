// The WebAssembly scheduler core (assembly/), wrapped behind SchedulerCore.
// Pushes go straight into the ring in linear memory through a view; the only calls
// into Wasm are one `tick` per loop iteration in which a timer may be due, one per timer
// scheduled or cancelled, and the rare `readyGrow`. The module is compiled once,
// synchronously, and needs no imports. It is ~9 KB: Chrome refuses synchronous
// compilation on the main thread only past 8 MB now (it was 4 KB until 2023).
//
// A call that cannot grow the memory fails whole (see assembly/index.ts): the core is as
// it was, and the views are re-read before the error is thrown, since a piece of memory
// may have been had before another could not.
import { WASM_BASE64 } from "./wasm-binary.generated.js";
import { ID_CAPACITY, NEAR_CAPACITY, RING_CAPACITY, TICKS_PER_MS, checkTicksPerMs, type SchedulerCore } from "./types.js";

/** The core's exports (the release build's; the debug build adds checkInvariants). @internal */
export interface CoreExports {
  memory: WebAssembly.Memory;
  init(ring: number, near: number, ids: number, ticksPerMs: number): number;
  tick(head: number, tail: number, now: number): number;
  readyGrow(batchStart: number, tail: number): number;
  timerAdd(id: number, when: number): number;
  timerCancel(id: number): void;
  timerNext(): number;
  timerCount(): number;
  timerHeld(id: number): number;
  timerSetSeq(seq: number): void;
}

// Header words (see assembly/index.ts).
const RING_PTR = 0, RING_MASK = 1, TOP_WHEN_F64 = 2, NOW_F64 = 3;

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
  #ex: CoreExports;
  readonly #ticksPerMs: number;
  #u32!: Uint32Array;
  #f64!: Float64Array;
  #hdr = 0;
  /** No timer is due before this (the core's bound after a tick, or a smaller deadline added since). */
  #topWhen = Infinity;
  #ring = 0;
  #mask = 0;
  #tail = 0;
  #head = 0;
  #batchStart = 0;

  /**
   * A core on `module` (the release build, or the debug build's instance exports: pass
   * `exports` to wrap an instance made elsewhere), its wheel at `ticksPerMs` (a power of two).
   */
  constructor(module: WebAssembly.Module | null, ticksPerMs = TICKS_PER_MS, exports?: CoreExports) {
    checkTicksPerMs(ticksPerMs);
    this.#ex = exports ?? (new WebAssembly.Instance(module!, {}).exports as unknown as CoreExports);
    this.#ticksPerMs = ticksPerMs;
    this.reset();
  }

  reset(): void {
    this._resetTo(RING_CAPACITY, NEAR_CAPACITY, ID_CAPACITY);
  }

  /** @internal `reset()` with these first capacities; the tests ask for more than memory can give. */
  _resetTo(ring: number, near: number, ids: number): void {
    const hdr = this.#ex.init(ring, near, ids, this.#ticksPerMs);
    if (hdr === 0) this.#fail("init");
    this.#hdr = hdr >>> 2;
    this.#tail = this.#head = this.#batchStart = 0;
    this.#topWhen = Infinity;
    this.#sync();
  }

  /**
   * Re-makes the views if memory grew: that detaches the old ones (their length drops to
   * 0), and checking that is much cheaper than the `memory.buffer` getter.
   */
  #views(): void {
    if (this.#u32 === undefined || this.#u32.length === 0) {
      this.#u32 = new Uint32Array(this.#ex.memory.buffer);
      this.#f64 = new Float64Array(this.#ex.memory.buffer);
    }
  }

  /** Re-reads the header after a call that writes it (init, tick, readyGrow). */
  #sync(): void {
    this.#views();
    const h = this.#u32, hdr = this.#hdr;
    this.#topWhen = this.#f64[(hdr >>> 1) + TOP_WHEN_F64];
    this.#ring = h[hdr + RING_PTR] >>> 2;
    this.#mask = h[hdr + RING_MASK];
  }

  /**
   * A call failed, leaving the core as it was: re-read the views (a first init has none),
   * and the header if the call wrote it (timerAdd does not), then throw.
   */
  #fail(call: string): never {
    if (call === "timerAdd") this.#views();
    else if (this.#hdr !== 0) this.#sync();
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
      // The time goes to the header, for timerAdd to move the wheel up to (see assembly/index.ts).
      this.#f64[(this.#hdr >>> 1) + NOW_F64] = now;
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
    if (this.#u32.length === 0) this.#views();
    if (when < this.#topWhen) this.#topWhen = when;
  }

  /** Never takes memory, so never fails. The bound stays: a cancel only makes the next deadline later. */
  timerCancel(id: number): void {
    this.#ex.timerCancel(id);
  }

  /** Never takes memory, so never fails. The exact next deadline is the best bound. */
  timerNext(): number {
    return (this.#topWhen = this.#ex.timerNext());
  }

  timerCount(): number {
    return this.#ex.timerCount();
  }

  /** Test hook: whether `id` holds a timer. */
  _timerHeld(id: number): boolean {
    return this.#ex.timerHeld(id) !== 0;
  }

  timerSetSeq(seq: number): void {
    this.#ex.timerSetSeq(seq >>> 0);
  }

  memoryBytes(): number {
    return this.#ex.memory.buffer.byteLength;
  }
}
