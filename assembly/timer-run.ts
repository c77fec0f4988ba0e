// The run: the records of the slot that came due, sorted once by (when, seq) and then
// taken from the front in order. It is the near heap's bulk half (timers.ts): a due slot
// can hold thousands of records (an overdue burst), and popping them one by one from a
// binary heap cost a dozen sift steps each, every step rewriting a moved record's entry
// in the position table (a cache miss over a table as long as the ids). Here a record's
// position is written once, after the sort, and taking one is a step of an index.
//
// A level-0 slot's records all have one tick, and come in by their fraction of it: a
// counting pass spreads them over up to 1,024 groups by floor(fraction x groups), a
// monotone key, so only each small group needs sorting (a quicksort of thousands cost
// ~70 ns a record in mispredicted comparisons). A bucket keeps its records in scheduling
// order (chunks are read oldest first, a cascade keeps the order, only a cancel's
// swap-remove disturbs it), so records that share a deadline (a virtual clock, whole-ms
// delays), which all fall in one group, are already sorted and their sort is a check.
// Otherwise an insertion sort for a small group, a quicksort for a large one (keys are
// unique: seq breaks every tie).
//
// A cancelled record stays where it is, its id replaced by DEAD (the id is free at once);
// the front is always a live record. The run is refilled only once empty, so dead records
// never outnumber what one slot held.

import { IN_RUN, RECORD, before, recCopy, recId, recPut, recSeq, recWhen, setPos } from "./records";
import { chunkFill, chunkNext, chunkRecord, wheelFreeChunk } from "./timer-wheel";

/** The id of a cancelled record left in the run. Ids are below it (the host's slot ids). */
export const DEAD: u32 = 0xffffffff;
/** Partitions this small are insertion-sorted. */
const SMALL: u32 = 16;
/** Most groups a slot's records are spread over (a power of two). */
export const GROUPS: u32 = 1024;

export let runPtr: usize = 0;
export let runCap: u32 = 0;
/** The live records are among [runHead, runEnd); the one at runHead is live. */
export let runHead: u32 = 0;
export let runEnd: u32 = 0;
/** GROUPS u32 counters for runFill. */
let groupsPtr: usize = 0;

@inline export function runAt(i: u32): usize {
  return runPtr + <usize>i * RECORD;
}

/** Takes the run's array at `ptr` (`capacity` records) and the counters at `groups` (GROUPS u32), allocated by the caller; empty. */
export function runInit(ptr: usize, capacity: u32, groups: usize): void {
  groupsPtr = groups;
  runPtr = ptr;
  runCap = capacity;
  runHead = runEnd = 0;
}

/** Bytes for a run array with room for `records`; 0 if it has room already. */
export function runBytesFor(records: u32): u64 {
  if (records <= runCap) return 0;
  let cap = <u64>runCap << 1;
  while (cap < <u64>records) cap <<= 1;
  return cap * RECORD;
}

/** Moves the run's array to `ptr` (`bytes` from runBytesFor). */
export function runMove(ptr: usize, bytes: u64): void {
  memory.copy(ptr, runAt(runHead), <usize>(runEnd - runHead) * RECORD);
  runEnd -= runHead;
  runHead = 0;
  runPtr = ptr;
  runCap = <u32>(bytes / RECORD);
  for (let i: u32 = 0; i < runEnd; i++) {
    const id = recId(runAt(i));
    if (id != DEAD) setPos(id, (i << 3) | IN_RUN);
  }
}

/** Appends a record to an unsealed run (the room was made); its position is written by runSeal. */
@inline export function runAppend(when: f64, seq: u32, id: u32): void {
  assert(runEnd < runCap, "run: full (its room was not made)");
  recPut(runAt(runEnd++), when, seq, id);
}

/** Sorts what was appended and writes the positions. */
export function runSeal(): void {
  sortRange(runHead, runEnd);
  for (let i = runHead; i < runEnd; i++) setPos(recId(runAt(i)), (i << 3) | IN_RUN);
}

/**
 * Fills the empty run with the `count` records of a level-0 slot's chunks (`chunks`,
 * oldest first, freed here once read), all of tick `tick`, in order, and writes their
 * positions. `ticksPerMs` converts a deadline to ticks, exactly (a power of two).
 */
export function runFill(chunks: usize, count: u32, tick: f64, ticksPerMs: f64): void {
  assert(runHead == 0 && runEnd == 0 && count <= runCap, "run: filled while not empty, or without room");
  if (count <= SMALL) {
    for (let c = chunks; c != 0; ) {
      const fill = chunkFill(c), next = chunkNext(c);
      for (let k: u32 = 1; k <= fill; k++) recCopy(runAt(runEnd++), chunkRecord(c, k));
      wheelFreeChunk(c);
      c = next;
    }
    runSeal();
    return;
  }
  let groups = GROUPS;
  while (groups >> 1 >= count) groups >>= 1;
  const scale = <f64>groups, last = groups - 1;
  memory.fill(groupsPtr, 0, <usize>groups << 2);
  // Count each group's records: when x ticksPerMs - tick is the fraction of the tick, exact.
  for (let c = chunks; c != 0; c = chunkNext(c)) {
    const fill = chunkFill(c);
    for (let k: u32 = 1; k <= fill; k++) {
      const g = group(recWhen(chunkRecord(c, k)), tick, ticksPerMs, scale, last);
      const p = groupsPtr + (<usize>g << 2);
      store<u32>(p, load<u32>(p) + 1);
    }
  }
  // Each group's first slot, then each record to the next slot of its group.
  let at: u32 = 0;
  for (let g: u32 = 0; g <= last; g++) {
    const p = groupsPtr + (<usize>g << 2);
    const n = load<u32>(p);
    store<u32>(p, at);
    at += n;
  }
  for (let c = chunks; c != 0; ) {
    const fill = chunkFill(c), next = chunkNext(c);
    for (let k: u32 = 1; k <= fill; k++) {
      const r = chunkRecord(c, k);
      const p = groupsPtr + (<usize>group(recWhen(r), tick, ticksPerMs, scale, last) << 2);
      const i = load<u32>(p);
      store<u32>(p, i + 1);
      recCopy(runAt(i), r);
    }
    wheelFreeChunk(c);
    c = next;
  }
  // Now each counter is its group's end.
  let start: u32 = 0;
  for (let g: u32 = 0; g <= last; g++) {
    const end = load<u32>(groupsPtr + (<usize>g << 2));
    if (end - start > 1) sortRange(start, end);
    start = end;
  }
  runEnd = count;
  for (let i: u32 = 0; i < count; i++) setPos(recId(runAt(i)), (i << 3) | IN_RUN);
}

/** A record's group: floor(fraction of its tick x groups), clamped (a capped tick's fraction may pass 1). */
@inline function group(when: f64, tick: f64, ticksPerMs: f64, scale: f64, last: u32): u32 {
  const g = floor((when * ticksPerMs - tick) * scale);
  return g >= <f64>last ? last : g > 0 ? <u32>g : 0;
}

/** Sorts records [lo, hi): a check (often in order already), then an insertion sort or a quicksort. */
function sortRange(lo: u32, hi: u32): void {
  if (hi - lo <= SMALL) {
    quicksort(lo, hi);
    return;
  }
  for (let i = lo + 1; i < hi; i++) {
    const a = runAt(i - 1), b = runAt(i);
    if (!before(recWhen(a), recSeq(a), recWhen(b), recSeq(b))) {
      quicksort(lo, hi);
      return;
    }
  }
}

/** Takes the front record (the caller read it): the next live one becomes the front. */
export function runShift(): void {
  runHead++;
  skipDead();
}

/** Cancels the record at `i`: its id is DEAD from now on. */
export function runCancel(i: u32): void {
  store<u32>(runAt(i), DEAD, 12);
  if (i == runHead) skipDead();
}

function skipDead(): void {
  while (runHead < runEnd && recId(runAt(runHead)) == DEAD) runHead++;
  if (runHead == runEnd) runHead = runEnd = 0;
}

/** Live records due at `now` (the run is sorted: they are a prefix). */
export function runDueCount(now: f64): u32 {
  let n: u32 = 0;
  for (let i = runHead; i < runEnd; i++) {
    const r = runAt(i);
    if (recWhen(r) > now) break;
    if (recId(r) != DEAD) n++;
  }
  return n;
}

@inline function swap(a: usize, b: usize): void {
  const a0 = load<u64>(a), a1 = load<u64>(a, 8);
  recCopy(a, b);
  store<u64>(b, a0);
  store<u64>(b, a1, 8);
}

/** Sorts records [lo, hi) by (when, seq): Hoare partitions around a median of three, small ones by insertion. */
function quicksort(lo: u32, hi: u32): void {
  while (hi - lo > SMALL) {
    const mid = lo + ((hi - lo) >> 1);
    // Median of three at mid, the smallest at lo, the largest at hi-1 (sentinels for the scans).
    const l = runAt(lo), m = runAt(mid), h = runAt(hi - 1);
    if (before(recWhen(m), recSeq(m), recWhen(l), recSeq(l))) swap(m, l);
    if (before(recWhen(h), recSeq(h), recWhen(l), recSeq(l))) swap(h, l);
    if (before(recWhen(h), recSeq(h), recWhen(m), recSeq(m))) swap(h, m);
    const pWhen = recWhen(m), pSeq = recSeq(m);
    let i = lo, j = hi - 1;
    for (;;) {
      do i++; while (before(recWhen(runAt(i)), recSeq(runAt(i)), pWhen, pSeq));
      do j--; while (before(pWhen, pSeq, recWhen(runAt(j)), recSeq(runAt(j))));
      if (i >= j) break;
      swap(runAt(i), runAt(j));
    }
    // [lo, j] <= pivot <= [j+1, hi): recurse into the smaller side, loop on the larger.
    if (j + 1 - lo < hi - j - 1) {
      quicksort(lo, j + 1);
      lo = j + 1;
    } else {
      quicksort(j + 1, hi);
      hi = j + 1;
    }
  }
  for (let i = lo + 1; i < hi; i++) {
    const r = runAt(i);
    const when = recWhen(r), seq = recSeq(r), id = recId(r);
    let k = i;
    while (k > lo) {
      const p = runAt(k - 1);
      if (!before(when, seq, recWhen(p), recSeq(p))) break;
      recCopy(runAt(k), p);
      k--;
    }
    recPut(runAt(k), when, seq, id);
  }
}
