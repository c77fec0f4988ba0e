// The ready queue: a FIFO ring of u32 handle ids in linear memory.
//
//   ringPtr ──► [ id | id | id | ... ]   capacity = ringMask + 1 (a power of two)
//                     ▲batchStart   ▲head        ▲tail (the host's)
//
// Positions are u32 counters that only go up; slot = position & ringMask. The host
// writes ids at `tail` itself, through an Int32Array view, with no call, and tells the
// core the tail once per loop iteration (`tick`). Positions [batchStart, head) are the
// batch the host is running now; they are kept until the next tick, so a push made by
// a running callback can never overwrite an id the host has yet to read.

import { alloc } from "./memory";

export let ringPtr: usize = 0;
export let ringMask: u32 = 0;
export let head: u32 = 0;
export let batchStart: u32 = 0;

export function readyInit(capacity: u32): bool {
  ringPtr = alloc(<usize>capacity << 2);
  ringMask = capacity - 1;
  head = 0;
  batchStart = 0;
  return ringPtr != 0;
}

/** Doubles the ring, keeping positions [batchStart, tail) in place. */
export function readyGrow(tail: u32): bool {
  const oldPtr = ringPtr;
  const oldMask = ringMask;
  const capacity = (oldMask + 1) << 1;
  if (capacity == 0) return false;
  const ptr = alloc(<usize>capacity << 2);
  if (ptr == 0) return false;
  const mask = capacity - 1;
  for (let pos = batchStart; pos != tail; pos++) {
    store<u32>(ptr + ((<usize>(pos & mask)) << 2), load<u32>(oldPtr + ((<usize>(pos & oldMask)) << 2)));
  }
  ringPtr = ptr;
  ringMask = mask;
  return true;
}

/** Appends one id at `tail` (the core's own pushes: due timers). Returns the new tail, or tail on failure. */
export function readyPush(tail: u32, id: u32): bool {
  if (tail - batchStart > ringMask && !readyGrow(tail)) return false;
  store<u32>(ringPtr + ((<usize>(tail & ringMask)) << 2), id);
  return true;
}
