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
// Calls that can run out of memory return a negative number; the host turns it into an error.

import { memoryInit, alloc } from "./memory";
import { ringPtr, ringMask, batchStart, readyInit, readyGrow as grow, readyPush } from "./ready-queue";
import * as ready from "./ready-queue";
import {
  heapSize, heapCancelled, releasedPtr, releasedCount,
  timerInit, timerAdd as add, timerCancel as cancel, timerNext as next, timerPopDue, timerTopWhen,
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

/**
 * Lays out the core. `ringCapacity` must be a power of two; `idCapacity` is the first
 * size of the cancelled-flag table (it grows with the largest id). Returns the header's
 * byte address, or 0 if the memory could not be had.
 */
export function init(ringCapacity: u32, heapCapacity: u32, idCapacity: u32): usize {
  memoryInit();
  header = alloc(48);
  if (header == 0 || !readyInit(ringCapacity) || !timerInit(heapCapacity, idCapacity)) return 0;
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
  ready.batchStart = head;
  for (;;) {
    const id = timerPopDue(now);
    if (id == -1) break;
    if (id < 0 || !readyPush(tail, <u32>id)) { publish(); return OUT_OF_MEMORY; }
    tail++;
  }
  publish();
  return <i32>(tail - head);
}

/** Doubles the ready ring when `tail` has caught up with `batchStart`, the batch being run. */
export function readyGrow(batchStart: u32, tail: u32): i32 {
  timers.releasedCount = 0;
  ready.batchStart = batchStart;
  const ok = grow(tail);
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
  const ok = cancel(id);
  publish();
  return ok ? <i32>releasedCount : OUT_OF_MEMORY;
}

/** The earliest live deadline, +Infinity if there is none (NaN: out of memory). */
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
