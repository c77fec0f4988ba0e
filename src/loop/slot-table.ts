// The loop's slot table: one entry per live handle id, what a core's ids stand for (the
// host keeps the callbacks, as libuv's container_of and uvloop's handle.data). Ids are
// recycled through a LIFO free list, each reuse with a new generation, so a stale handle
// can never cancel the slot's next occupant.
//
// The fields are plain, not #private: the loop's hot path (callSoon, _runOnce) reads and
// writes the typed arrays directly, with no call in between.

/** A callback as the table holds it. @internal */
export type Callback = (...args: any[]) => unknown;

// Slot states.
/** @internal */
export const FREE = 0;
/** A one-shot callback in the ready ring. @internal */
export const QUEUED = 1;
/** A one-shot callback in the timers. @internal */
export const TIMER = 2;
/** Cancelled while in the ready ring: skipped and freed when reached. @internal */
export const CANCELLED = 3;
/** A task's stable slot, not scheduled (every state from here on is a task's). @internal */
export const TASK = 5;
/** A task's stable slot, in the ready ring. @internal */
export const TASK_QUEUED = 6;
/** A task's stable slot, in the timer structure (a parked sleep). @internal */
export const TASK_TIMER = 7;
/**
 * A parked task's slot whose timer fired into the batch being run, then the task was
 * cancelled: the slot is in the ring again already, for the next iteration (as asyncio's
 * cancelled sleep wakes its task), and this batch's run of it is skipped. @internal
 */
export const TASK_SKIP = 8;
/**
 * A parked task's slot whose timer fired into the batch being run: where asyncio's sleep
 * timer sets its future, its run puts the task in the ring for the next iteration (the
 * future's wake-up). @internal
 */
export const TASK_FIRED = 9;

// How a one-shot slot calls its function: fn(), fn(arg) or fn(...args).
/** @internal */
export const CALL0 = 0, CALL1 = 1, CALLN = 2;

const FIRST_SLOTS = 1024;
// Callbacks and arguments live in chunks of 4,096 slots: growing adds a chunk instead of
// copying one large array, and chunks sit in V8's ordinary pages, which it reuses, where a
// large array takes fresh memory on every growth (page faults dominated a burst of 1M).
const CHUNK_BITS = 12;
const CHUNK_MASK = (1 << CHUNK_BITS) - 1;
/** Slot tables up to this size are kept for reuse (10 bytes a slot). */
const MAX_SPARE_SLOTS = 1 << 21;
/** A slot's last generation: released at it, the slot is retired rather than wrap to 0. */
const LAST_GENERATION = 0xffffffff;

// The tables of every disposed slot table.
const NO_BYTES = new Uint8Array(0);
const NO_WORDS = new Uint32Array(0);

/**
 * The typed arrays of the last closed loop's slot table, for the next loop: growing them
 * again would take fresh memory, which is costly on VMs (the Wasm cores are pooled alike).
 */
interface SlotArrays {
  state: Uint8Array<ArrayBuffer>;
  kind: Uint8Array<ArrayBuffer>;
  gen: Uint32Array<ArrayBuffer>;
  free: Uint32Array<ArrayBuffer>;
}
let spareSlots: SlotArrays | null = null;

/**
 * A chunk of the callback table starts empty: ids are handed out in order, so each new one
 * appends to its chunk (which stays a packed array), and a loop that schedules little
 * holds little (a full chunk up front was 64 KB a loop, and made creating loops slow once
 * many were alive).
 */
function newChunk<T>(): (T | undefined)[] {
  return [];
}

/** @internal The slot table of one loop. */
export class SlotTable {
  fns: (Callback | undefined)[][] = [newChunk()];
  args: unknown[][] = [newChunk()];
  /** Each slot's state (FREE, QUEUED, ...). */
  state = new Uint8Array(FIRST_SLOTS);
  /** How each one-shot slot calls its function (CALL0, CALL1, CALLN). */
  kind = new Uint8Array(FIRST_SLOTS);
  // A generation never wraps: a slot released at LAST_GENERATION is retired, never reused.
  // Wrapping to 0 after 2^32 reuses (minutes of a busy loop, whose LIFO free list reuses
  // one slot over and over) let a stale handle cancel the slot's new occupant. Retiring
  // costs 10 bytes per 2^32 callbacks; doubles (exact to 2^53) cost 5-15% on callSoon.
  gen = new Uint32Array(FIRST_SLOTS);
  #free = new Uint32Array(FIRST_SLOTS);
  #freeTop = 0;
  /** Slots retired at their last generation. */
  #retired = 0;
  #nextId = 0;

  constructor() {
    if (spareSlots !== null) {
      ({ state: this.state, kind: this.kind, gen: this.gen, free: this.#free } = spareSlots);
      spareSlots = null;
    }
  }

  /** Slot `id`'s function. */
  fn(id: number): Callback | undefined {
    return this.fns[id >>> CHUNK_BITS][id & CHUNK_MASK];
  }

  /** Slot `id`'s argument (its task, for a task's slot; the argument array, for CALLN). */
  arg(id: number): unknown {
    return this.args[id >>> CHUNK_BITS][id & CHUNK_MASK];
  }

  /** A slot for `fn(...args)`. */
  allocArgs(fn: Callback, args: unknown[]): number {
    const n = args.length;
    return n === 0 ? this.alloc(fn, CALL0, undefined) : n === 1 ? this.alloc(fn, CALL1, args[0]) : this.alloc(fn, CALLN, args);
  }

  /** A slot for `fn` called as `kind` says with `arg`; its state is the caller's to set. */
  alloc(fn: Callback, kind: number, arg: unknown): number {
    let id: number;
    if (this.#freeTop > 0) {
      id = this.#free[--this.#freeTop];
    } else {
      id = this.#nextId++;
      if (id === this.state.length) this.#grow();
    }
    const c = id >>> CHUNK_BITS, i = id & CHUNK_MASK;
    if (c === this.fns.length) {
      this.fns.push(newChunk());
      this.args.push(newChunk());
    }
    this.fns[c][i] = fn;
    this.kind[id] = kind;
    this.args[c][i] = arg;
    return id;
  }

  /** Drops slot `id`'s function and argument (a cancelled slot keeps its id until freed). */
  clear(id: number): void {
    this.fns[id >>> CHUNK_BITS][id & CHUNK_MASK] = undefined;
    this.args[id >>> CHUNK_BITS][id & CHUNK_MASK] = undefined;
  }

  /** Frees slot `id` for reuse under its next generation (or retires it at the last one). */
  release(id: number): void {
    this.clear(id);
    this.state[id] = FREE;
    const gen = this.gen;
    if (gen[id] !== LAST_GENERATION) {
      gen[id]++;
      this.#free[this.#freeTop++] = id;
    } else {
      this.#retired++;
    }
  }

  /** The tasks holding slots (the argument of every task slot), in slot order. */
  tasks(): unknown[] {
    const out: unknown[] = [], state = this.state;
    for (let id = 0; id < this.#nextId; id++) if (state[id] >= TASK) out.push(this.arg(id));
    return out;
  }

  /** Ids in use: callbacks and timers not yet run or released, and live tasks. */
  live(): number {
    return this.#nextId - this.#freeTop - this.#retired;
  }

  /** The loop closed: the table keeps nothing, and its arrays go to the next loop if they are the best spare. */
  dispose(): void {
    this.fns = [];
    this.args = [];
    if (this.state.length <= MAX_SPARE_SLOTS && (spareSlots === null || spareSlots.state.length < this.state.length)) {
      this.state.fill(FREE, 0, this.#nextId);
      // This loop's handles can no longer cancel anything (it is closed): generations start
      // over in the next loop, and the slots retired here are usable again.
      if (this.#retired !== 0) this.gen.fill(0, 0, this.#nextId);
      spareSlots = { state: this.state, kind: this.kind, gen: this.gen, free: this.#free };
    }
    this.state = this.kind = NO_BYTES;
    this.gen = this.#free = NO_WORDS;
    this.#freeTop = this.#nextId = this.#retired = 0;
  }

  #grow(): void {
    const size = this.state.length, cap = size * 2;
    const state = new Uint8Array(cap), kind = new Uint8Array(cap), gen = new Uint32Array(cap), free = new Uint32Array(cap);
    state.set(this.state);
    kind.set(this.kind);
    gen.set(this.gen);
    free.set(this.#free);
    this.state = state;
    this.kind = kind;
    this.gen = gen;
    this.#free = free;
  }
}
