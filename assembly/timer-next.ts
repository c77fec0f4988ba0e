// The earliest deadlines of the wheel (and so of the wheel and the overflow: the wheel's
// are all earlier), cached for timerNext, which must be exact and is asked once per idle
// loop iteration. Finding them scans the next slot to come due (its records have no
// order); the cache keeps what the scan found:
//
//   the NEXT_KEPT smallest distinct deadlines, each with how many records have it
//
// so it stays right through adds (one comparison with the largest kept, usually) and
// cancels (a count goes down), and a rescan is needed only once every kept deadline is
// gone, or the wheel moved (tick forgets it all). Keeping one deadline was not enough:
// timeouts cancelled in the order they were set (the oldest request finishes first)
// cancel the earliest timer each time, and each cancel cost a rescan of a slot that may
// hold thousands: now one in NEXT_KEPT does; and with counts, a thousand timers at one
// deadline cost one scan, not one per cancel.

import { recWhen } from "./records";
import { chunkFill, chunkNext, chunkRecord, wheelBucket } from "./timer-wheel";

/** Deadlines kept. */
export const NEXT_KEPT: u32 = 16;
/** Bytes the cache takes: NEXT_KEPT entries [when f64 | count u32 | pad]. */
export const NEXT_BYTES: u64 = <u64>NEXT_KEPT * 16;

let keptPtr: usize = 0;
/** Entries kept, in increasing order; 0: unknown (scan when asked). */
export let kept: u32 = 0;

@inline function whenAt(i: u32): f64 { return load<f64>(keptPtr + (<usize>i << 4)); }
@inline function countAt(i: u32): u32 { return load<u32>(keptPtr + (<usize>i << 4), 8); }
@inline function setCount(i: u32, n: u32): void { store<u32>(keptPtr + (<usize>i << 4), n, 8); }

/** Takes the cache at `ptr` (NEXT_BYTES, allocated by the caller), empty. */
export function nextInit(ptr: usize): void {
  keptPtr = ptr;
  kept = 0;
}

/** The wheel changed under the cache (a tick): forget it. */
export function nextForget(): void {
  kept = 0;
}

/** The earliest deadline kept (kept > 0). */
export function nextFirst(): f64 {
  return whenAt(0);
}

/** The `i`-th deadline kept and its count, for the debug build's checks. */
export function nextKeptWhen(i: u32): f64 { return whenAt(i); }
export function nextKeptCount(i: u32): u32 { return countAt(i); }

/**
 * A record of deadline `when` came into the wheel or the overflow. `full`: only while
 * scanning, when the kept entries are the smallest among the records seen so far, and an
 * entry can be added at the end while there is room.
 */
function keep(when: f64, full: bool): void {
  const n = kept;
  if (n == 0 && !full) return;
  if (n > 0 && when > whenAt(n - 1) && (!full || n == NEXT_KEPT)) return;
  let i: u32 = 0;
  while (i < n && whenAt(i) < when) i++;
  if (i < n && whenAt(i) == when) {
    setCount(i, countAt(i) + 1);
    return;
  }
  // A new deadline at i: the largest falls off when the cache is full.
  const last = n < NEXT_KEPT ? n : n - 1;
  for (let k = last; k > i; k--) {
    store<f64>(keptPtr + (<usize>k << 4), whenAt(k - 1));
    setCount(k, countAt(k - 1));
  }
  store<f64>(keptPtr + (<usize>i << 4), when);
  setCount(i, 1);
  if (n < NEXT_KEPT) kept = n + 1;
}

/** A record of deadline `when` came into the wheel or the overflow. */
export function nextAdded(when: f64): void {
  keep(when, false);
}

/** A record of deadline `when` left the wheel or the overflow (cancelled). */
export function nextCancelled(when: f64): void {
  const n = kept;
  if (n == 0 || when > whenAt(n - 1)) return;
  let i: u32 = 0;
  while (whenAt(i) != when) i++;
  assert(i < n, "next: a cancelled deadline below the largest kept was not kept");
  const count = countAt(i) - 1;
  if (count != 0) {
    setCount(i, count);
    return;
  }
  for (let k = i; k + 1 < n; k++) {
    store<f64>(keptPtr + (<usize>k << 4), whenAt(k + 1));
    setCount(k, countAt(k + 1));
  }
  kept = n - 1;
}

/** Fills the cache from bucket `b`, the next to come due (its records are the earliest). */
export function nextScan(b: i32): void {
  kept = 0;
  for (let c = wheelBucket(b); c != 0; c = chunkNext(c)) {
    const fill = chunkFill(c);
    for (let k: u32 = 1; k <= fill; k++) keep(recWhen(chunkRecord(c, k)), true);
  }
}
