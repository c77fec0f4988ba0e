// wasyncio's scheduler core: the Wasm ABI. Mechanism only, numbers in and numbers out:
// a ready ring of u32 handle ids and a timer heap of (when, seq, id). The host (src/core/wasm.ts)
// keeps every callback; only ids cross the boundary, and the host calls in once per loop
// iteration (`tick`), not once per callback.
//
// After every call the core writes its state to a header the host reads through a view:
//
//   header (u32 words)
//   [0] RING_PTR         byte address of the ready ring
//   [1] RING_MASK        ring capacity - 1 (a power of two)
//   [2] BATCH_START      the batch start the host passed last
//   [3] RELEASED_PTR     byte address of the released ids (u32 each)
//   [4] RELEASED_COUNT   ids the last call released (cancelled timers dropped from the heap);
//                        every call resets it, so the host reads it once after each call
//   [5] TIMER_COUNT      records in the heap, cancelled ones included
//   [6] TIMER_CANCELLED  cancelled records still in the heap
//   [8..9] TOP_WHEN      f64: the top record's deadline, +Infinity if none. No timer is
//                        due before it, so the host skips `tick` while now < TOP_WHEN.
//
// Four calls take memory: init, tick, readyGrow and timerAdd. Each takes all it needs
// before it changes anything, so when memory cannot grow it returns a negative number (0
// for init) with the core as it was; the host turns that into an error and carries on.
// The others never allocate and cannot fail.

import { alloc, allocBase, allocMark, allocRewind } from "./memory";
import { ringPtr, ringMask, batchStart, readyInit, readyGrow as grow, readyPut } from "./ready-queue";
import * as ready from "./ready-queue";
import {
  RECORD, heapSize, heapCancelled, releasedPtr, releasedCount,
  timerInit, timerAdd as add, timerCancel as cancel, timerNext as next, timerPopDue, timerTopWhen, timerDueCount,
} from "./timer-heap";
import * as timers from "./timer-heap";

/** Result of a call that could not grow memory. */
const OUT_OF_MEMORY: i32 = -1;

let header: usize = 0;

function publish(): void {
  store<u32>(header, <u32>ringPtr, 0);
  store<u32>(header, ringMask, 4);
  store<u32>(header, batchStart, 8);
  store<u32>(header, <u32>releasedPtr, 12);
  store<u32>(header, releasedCount, 16);
  store<u32>(header, heapSize, 20);
  store<u32>(header, heapCancelled, 24);
  store<f64>(header, timerTopWhen(), 32);
}

/** Bytes of the header. */
const HEADER: u64 = 48;

/**
 * Lays out the core afresh. `ringCapacity` must be a power of two, `heapCapacity` at
 * least 1; `idCapacity` is the first size of the cancelled-flag table (it grows with the
 * largest id). Returns the header's byte address, or 0 (the core unchanged) if the memory
 * could not be had.
 */
export function init(ringCapacity: u32, heapCapacity: u32, idCapacity: u32): usize {
  timers.releasedCount = 0;
  // The new layout overlaps the old one: nothing is written until all of it is had.
  const mark = allocMark();
  allocRewind(allocBase());
  let hdr: usize = 0, ring: usize = 0, heap: usize = 0, released: usize = 0, flags: usize = 0;
  if (
    (hdr = alloc(HEADER)) == 0 || (ring = alloc(<u64>ringCapacity << 2)) == 0 ||
    (heap = alloc(<u64>heapCapacity * RECORD)) == 0 || (released = alloc(<u64>heapCapacity << 2)) == 0 ||
    (flags = alloc(<u64>idCapacity)) == 0
  ) {
    allocRewind(mark);
    if (header != 0) publish();
    return 0;
  }
  header = hdr;
  readyInit(ring, ringCapacity);
  timerInit(heap, released, heapCapacity, flags, idCapacity);
  publish();
  return header;
}

/**
 * One loop iteration's crossing, made only when a timer may be due (now >= TOP_WHEN). The
 * host has written ids at ring positions [head, tail); the core appends every timer due
 * at `now` (ties in scheduling order) and returns the size of the batch that starts at
 * `head`. Ids pushed while the batch runs form the next batch.
 */
export function tick(head: u32, tail: u32, now: f64): i32 {
  timers.releasedCount = 0;
  // Room in the ring for every live due timer first: none leaves the heap unless all fit.
  // The count is only needed when the live timers could overflow the free room.
  const room = ringMask + 1 - (tail - head);
  if (heapSize - heapCancelled > room) {
    const due = timerDueCount(now);
    if (due > room && !grow(head, tail, <u64>(tail - head) + due)) {
      publish();
      return OUT_OF_MEMORY;
    }
  }
  ready.batchStart = head;
  for (;;) {
    const id = timerPopDue(now);
    if (id < 0) break;
    readyPut(tail++, <u32>id);
  }
  publish();
  return <i32>(tail - head);
}

/** Doubles the ready ring when `tail` has caught up with `batchStart`, the batch being run. */
export function readyGrow(batchStart: u32, tail: u32): i32 {
  timers.releasedCount = 0;
  const ok = grow(batchStart, tail, <u64>(tail - batchStart) + 1);
  if (ok) ready.batchStart = batchStart;
  publish();
  return ok ? 0 : OUT_OF_MEMORY;
}

/** Schedules timer `id` at `when` (ms). */
export function timerAdd(id: u32, when: f64): i32 {
  timers.releasedCount = 0;
  const ok = add(id, when);
  publish();
  return ok ? 0 : OUT_OF_MEMORY;
}

/** Cancels the scheduled timer `id`; returns how many ids were released (see RELEASED_*). */
export function timerCancel(id: u32): i32 {
  timers.releasedCount = 0;
  cancel(id);
  publish();
  return <i32>releasedCount;
}

/** The earliest live deadline, +Infinity if there is none. */
export function timerNext(): f64 {
  timers.releasedCount = 0;
  const when = next();
  publish();
  return when;
}

/** Test hook: the next timer sequence number, to exercise renumbering before it wraps. */
export function timerSetSeq(seq: u32): void {
  timers.timerSetSeq(seq);
}
