// The ready queue: a FIFO ring of u32 handle ids in linear memory.
//
//   ringPtr ──► [ id | id | id | ... ]   capacity = ringMask + 1 (a power of two)
//                     ▲batchStart        ▲tail
//
// Positions are u32 counters that only go up; slot = position & ringMask. The host owns
// the positions: it writes ids at `tail` itself, through a view, with no call, and passes
// batchStart and tail in when it calls. Positions from batchStart on are the batch the host
// is running and the ids pushed since; the ring grows rather than overwrite any of them.

import { alloc } from "./memory";

export let ringPtr: usize = 0;
export let ringMask: u32 = 0;
export let batchStart: u32 = 0;

export function readyInit(capacity: u32): bool {
  ringPtr = alloc(<usize>capacity << 2);
  ringMask = capacity - 1;
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
