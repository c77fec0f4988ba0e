// wasyncio's scheduler core: the Wasm ABI. Mechanism only, numbers in and numbers out:
// a ready ring of u32 handle ids and the timers (timers.ts: a timing wheel between a near
// set, which orders the current tick's timers, and an overflow heap). The host (src/core/wasm.ts) keeps every callback; only ids
// cross the boundary, and the host calls in once per loop iteration (`tick`), not once
// per callback.
//
// The core writes its state to a header the host reads through a view, after init, tick
// and readyGrow (timerAdd and timerCancel write nothing there: the host keeps its own
// bound of the next deadline, and a header rewritten on every add made adds slower):
//
//   header (u32 words)
//   [0] RING_PTR      byte address of the ready ring
//   [1] RING_MASK     ring capacity - 1 (a power of two)
//   [2] BATCH_START   the batch start the host passed last
//   [4..5] TOP_WHEN   f64: no timer is due before it (+Infinity: none is held), so the
//                     host skips `tick` while now < TOP_WHEN
//   [6..7] NOW        f64, written by the host: its time at the last tick it skipped.
//                     timerAdd moves the wheel up to it when it can, so timers added
//                     while no tick was needed (idle, or all far away) land in low levels.
//
// Four calls take memory: init, tick, readyGrow and timerAdd. Each takes all it needs
// before it changes anything, so when memory cannot grow it returns a negative number (0
// for init) with the core as it was; the host turns that into an error and carries on.
// The others never allocate and cannot fail.

import { alloc, allocBase, allocMark, allocRewind } from "./memory";
import { ringPtr, ringMask, batchStart, readyInit, readyGrow as grow } from "./ready-queue";
import * as ready from "./ready-queue";
import { WHEEL_TABLES, wheelInit } from "./timer-wheel";
import { runBytesFor, runCap, runMove } from "./timer-run";
import {
  dueCount, dueFound, nearNeed, timersAdd, timersBytes, timersCancel, timersCount, timersDue, timersHeld, timersInit,
  timersLowerBound, timersNext, timersSetSeq, total,
} from "./timers";

/** Result of a call that could not grow memory. */
const OUT_OF_MEMORY: i32 = -1;
/** Bytes of the header. */
const HEADER: u64 = 32;

let header: usize = 0;

function publish(): void {
  store<u32>(header, <u32>ringPtr, 0);
  store<u32>(header, ringMask, 4);
  store<u32>(header, batchStart, 8);
  store<f64>(header, timersLowerBound(), 16);
}

/**
 * Lays out the core afresh. `ringCapacity` must be a power of two, `nearCapacity` (the
 * first size of the run and of the near heap) at least 1; `idCapacity` is the first size of the position table (it grows with the
 * largest id); `ticksPerMs` is the wheel's resolution, a power of two (1 in production).
 * Returns the header's byte address, or 0 (the core unchanged) if the memory could not
 * be had.
 */
export function init(ringCapacity: u32, nearCapacity: u32, idCapacity: u32, ticksPerMs: f64): usize {
  // The new layout overlaps the old one: nothing is written until all of it is had.
  const mark = allocMark();
  allocRewind(allocBase());
  let hdr: usize = 0, ring: usize = 0, pos: usize = 0, wheel: usize = 0, heaps: usize = 0;
  if (
    (hdr = alloc(HEADER)) == 0 || (ring = alloc(<u64>ringCapacity << 2)) == 0 ||
    (pos = alloc(<u64>idCapacity << 2)) == 0 || (wheel = alloc(WHEEL_TABLES)) == 0 ||
    (heaps = alloc(timersBytes(nearCapacity))) == 0
  ) {
    allocRewind(mark);
    if (header != 0) publish();
    return 0;
  }
  header = hdr;
  store<f64>(header, 0, 24);
  readyInit(ring, ringCapacity);
  wheelInit(wheel);
  timersInit(pos, idCapacity, heaps, nearCapacity, ticksPerMs);
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
  // Room first, in the ring for every due timer and in the run for every record that
  // will pass through it: nothing moves unless all of it is had. Counting is only needed
  // when the timers held could overflow either.
  const room = ringMask + 1 - (tail - head);
  if (total > room || total > runCap) {
    dueCount(now);
    const mark = allocMark();
    const runBytes = runBytesFor(nearNeed);
    let run: usize = 0;
    if (runBytes != 0 && (run = alloc(runBytes)) == 0) {
      publish();
      return OUT_OF_MEMORY;
    }
    if (dueFound > room && !grow(head, tail, <u64>(tail - head) + dueFound)) {
      allocRewind(mark);
      publish();
      return OUT_OF_MEMORY;
    }
    if (run != 0) runMove(run, runBytes);
  }
  ready.batchStart = head;
  tail = timersDue(now, tail);
  publish();
  return <i32>(tail - head);
}

/** Doubles the ready ring when `tail` has caught up with `batchStart`, the batch being run. */
export function readyGrow(batchStart: u32, tail: u32): i32 {
  const ok = grow(batchStart, tail, <u64>(tail - batchStart) + 1);
  if (ok) ready.batchStart = batchStart;
  publish();
  return ok ? 0 : OUT_OF_MEMORY;
}

/** Schedules timer `id` (which holds none) at `when` (ms). */
export function timerAdd(id: u32, when: f64): i32 {
  return timersAdd(id, when, load<f64>(header, 24)) ? 0 : OUT_OF_MEMORY;
}

/**
 * Removes the timer of `id` at once: when this returns, the id holds nothing and the host
 * may reuse it. Cancelling an id that holds no timer is the caller's bug (an assertion in
 * the debug build).
 */
export function timerCancel(id: u32): void {
  timersCancel(id);
}

/** The earliest deadline held, exactly; +Infinity if there is none. */
export function timerNext(): f64 {
  return timersNext();
}

/** Timers held. */
export function timerCount(): u32 {
  return timersCount();
}

/** Test hook: whether `id` holds a timer. */
export function timerHeld(id: u32): bool {
  return timersHeld(id);
}

/** Test hook: the next timer sequence number, to exercise renumbering before it wraps. */
export function timerSetSeq(seq: u32): void {
  timersSetSeq(seq);
}
