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
/** The batch start the host passed last (published in the header). */
export let batchStart: u32 = 0;

/** Takes the ring at `ptr`, `capacity` ids (a power of two), allocated by the caller. */
export function readyInit(ptr: usize, capacity: u32): void {
  ringPtr = ptr;
  ringMask = capacity - 1;
  batchStart = 0;
}

/**
 * Grows the ring to hold at least `count` positions (at least doubling it), keeping
 * positions [start, tail) in place. Returns false, with the ring unchanged, if memory
 * cannot grow.
 */
export function readyGrow(start: u32, tail: u32, count: u64): bool {
  let capacity = (<u64>ringMask + 1) << 1;
  while (capacity < count) capacity <<= 1;
  const ptr = alloc(capacity << 2);
  if (ptr == 0) return false;
  const oldPtr = ringPtr, oldMask = ringMask, mask = <u32>(capacity - 1);
  for (let pos = start; pos != tail; pos++) {
    store<u32>(ptr + ((<usize>(pos & mask)) << 2), load<u32>(oldPtr + ((<usize>(pos & oldMask)) << 2)));
  }
  ringPtr = ptr;
  ringMask = mask;
  return true;
}

/** Writes `id` at position `tail` (the core's own pushes: due timers). The caller made room. */
@inline export function readyPut(tail: u32, id: u32): void {
  store<u32>(ringPtr + ((<usize>(tail & ringMask)) << 2), id);
}
