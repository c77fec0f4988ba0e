// The timers: a timing wheel (timer-wheel.ts) between the near set and an overflow heap.
//
//   near       ─ every record of tick <= elapsed, in exact (when, seq) order: the run
//                (timer-run.ts: the slot that came due, sorted once) and the near heap
//                (timer-heap.ts: timers added for the current tick, and overdue ones)
//   wheel      ─ ticks elapsed+1 .. the end of elapsed's 2^36-tick block
//   overflow   ─ later ticks, and +Infinity (which never fires: it never leaves); a heap
//
// Ticks only grow with `when`, so every near record comes before every wheel record, and
// every wheel record before every overflow record: the first near record, when there is
// one, is the next timer. A record's tick is floor(when x ticks per ms); the ticks per ms
// are a power of two, so ticks and their bounds in ms convert exactly, and the order of
// firing never depends on the resolution: it is the near set's exact (when, seq) order.
//
// `due` moves the wheel one slot at a time, and only once the near set is drained: an
// overdue burst (a million timers all past due when the loop first ticks) passes through
// the near set a slot at a time, so it stays small. Moving to a slot of level 0 empties
// it into the run; a higher slot is cascaded: its records are placed again, relative to
// the slot's first tick, into lower levels (or the run).
//
// A cancel removes the record at once (records.ts finds it) and the id is free when the
// call returns. Memory is bounded by the ids and timers held at once: the position table
// grows with the largest id, the chunks with the records (recycled through a free list),
// the heaps and the run by doubling when full; a cancelled record leaves nothing behind
// but, in the run, a dead record until the run is consumed (it is refilled only once
// empty, so never more than one slot's worth).

import { alloc, allocMark, allocRewind } from "./memory";
import { readyPut } from "./ready-queue";
import {
  IN_NEAR, IN_OVERFLOW, IN_RUN, IN_WHEEL, NOWHERE, RECORD, before, posCap, posInit, posMove, posOf, recId, recSeq, recWhen,
  setPos,
} from "./records";
import { heapDueCount, heapRemove, heapUp } from "./timer-heap";
import { NEXT_BYTES, kept, nextAdded, nextCancelled, nextFirst, nextForget, nextInit, nextScan } from "./timer-next";
import {
  DEAD, GROUPS, runAppend, runAt, runCancel, runDueCount, runEnd, runFill, runHead, runInit, runSeal, runShift,
} from "./timer-run";
import {
  SPAN_BITS, arenaBytes, bucketStart, chunkCap, chunkFill, chunkNext, chunkRecord, chunksFor, elapsed, wheelAdd,
  wheelAddArena, wheelBucket, wheelFreeChunk, wheelNextBucket, wheelOccupied, wheelRemove, wheelSetElapsed, wheelTake, wheelTaken,
} from "./timer-wheel";

/** Sequence numbers are u32: before one would wrap, all are renumbered 0..n-1 in order. */
const SEQ_LIMIT: u32 = 0xffffffff;
/** Ticks are capped here (2^52: still exact in an f64); a deadline past it is in the last block. */
const TICK_MAX: u64 = <u64>1 << 52;
const TICK_MAX_F: f64 = 4503599627370496.0;
/** First size of the overflow heap (it is rarely used). */
const OVERFLOW_CAPACITY: u32 = 4;

let ticksPerMs: f64 = 1;
let msPerTick: f64 = 1;
/** Timers held (records in the near heap, the wheel and the overflow). */
export let total: u32 = 0;
export let nextSeq: u32 = 0;

export let nearPtr: usize = 0;
export let nearSize: u32 = 0;
export let nearCap: u32 = 0;
export let overPtr: usize = 0;
export let overSize: u32 = 0;
export let overCap: u32 = 0;

// Set by dueCount.
export let dueFound: u32 = 0;
export let nearNeed: u32 = 0;

/**
 * Bytes of the first layout besides the position table: the run, the near and overflow
 * heaps, the run's group counters, the next deadlines' cache.
 */
export function timersBytes(nearCapacity: u32): u64 {
  return (<u64>nearCapacity * 2 + OVERFLOW_CAPACITY) * RECORD + <u64>GROUPS * 4 + NEXT_BYTES;
}

/**
 * Takes the position table at `pos` (`ids` entries), the run and the heaps at `heaps`
 * (timersBytes) and the wheel (initialised by the caller): no timers, at tick 0.
 */
export function timersInit(pos: usize, ids: u32, heaps: usize, nearCapacity: u32, resolution: f64): void {
  posInit(pos, ids);
  nearPtr = heaps + <usize>nearCapacity * RECORD;
  nearCap = nearCapacity;
  overPtr = nearPtr + <usize>nearCapacity * RECORD;
  const groups = overPtr + <usize>OVERFLOW_CAPACITY * RECORD;
  runInit(heaps, nearCapacity, groups);
  nextInit(groups + <usize>GROUPS * 4);
  overCap = OVERFLOW_CAPACITY;
  nearSize = overSize = 0;
  total = 0;
  wheelRoom = 0;
  nextSeq = 0;
  ticksPerMs = resolution;
  msPerTick = 1 / resolution;
}

/** A deadline's tick: floor(when x ticks per ms), 0 for negative ones, capped at TICK_MAX. */
@inline export function toTick(when: f64): u64 {
  const t = when * ticksPerMs;
  if (!(t > 0)) return 0;
  return t >= TICK_MAX_F ? TICK_MAX : <u64>t;
}

/** Where a record of tick `t` goes now. */
function placeFor(t: u64, when: f64): u32 {
  if (when == Infinity) return IN_OVERFLOW;
  if (t <= elapsed) return IN_NEAR;
  return (t ^ elapsed) >> SPAN_BITS != 0 ? IN_OVERFLOW : IN_WHEEL;
}

/**
 * Puts a record where it belongs now: a near one in the near heap, or, `bulk` (moved by
 * `due`), at the end of the run, which the caller seals. The room was made before
 * (timerAdd's reserve, tick's count).
 */
function place(t: u64, when: f64, seq: u32, id: u32, bulk: bool): void {
  const where = placeFor(t, when);
  if (where == IN_NEAR) {
    if (bulk) {
      runAppend(when, seq, id);
    } else {
      assert(nearSize < nearCap, "timers: near heap full (its room was not made)");
      heapUp(nearPtr, IN_NEAR, nearSize++, when, seq, id);
    }
  } else if (where == IN_WHEEL) {
    wheelAdd(t, when, seq, id);
  } else {
    assert(overSize < overCap, "timers: overflow heap full (its room was not made)");
    heapUp(overPtr, IN_OVERFLOW, overSize++, when, seq, id);
  }
}

/**
 * Moves the wheel to tick `t` (no record's slot starts before it) and brings in the
 * overflow's records that now fit: those of t's 2^36-tick block, earliest first (so those
 * that go to the run go in order). Only `due` moves the wheel while the near set holds
 * anything, and then nothing comes in that goes to the run.
 */
function setElapsed(t: u64): void {
  wheelSetElapsed(t);
  let appended = false;
  while (overSize > 0) {
    const when = recWhen(overPtr);
    if (when == Infinity) break;
    const rt = toTick(when);
    if (rt >> SPAN_BITS > t >> SPAN_BITS) break;
    const seq = recSeq(overPtr), id = recId(overPtr);
    heapRemove(overPtr, IN_OVERFLOW, 0, --overSize);
    if (rt <= t) appended = true;
    place(rt, when, seq, id, true);
  }
  if (appended) runSeal();
}

/**
 * Schedules `id` at `when`; `now` is the host's last known time (the wheel moves up to it
 * when it can). Everything it may need is allocated before anything changes: false, with
 * the timers as they were, if memory cannot grow.
 */
export function timersAdd(id: u32, when: f64, now: f64): bool {
  assert(id != DEAD, "timerAdd: id 0xffffffff is reserved");
  assert(id >= posCap || posOf(id) == NOWHERE, "timerAdd: the id already holds a timer");
  // The wheel follows the host's time, so new timers land in low levels (narrow slots):
  // the host skips `tick` while nothing is due, and the wheel would lag behind. An empty
  // one can move anywhere; another up to a tick no occupied slot starts by (records keep
  // their buckets), in its 2^36 block (so no overflow record comes in).
  const ht = toTick(now);
  if (ht > elapsed) {
    if (total == 0) {
      setElapsed(ht);
    } else if (ht >> SPAN_BITS == elapsed >> SPAN_BITS) {
      const b = wheelNextBucket();
      if (b < 0 || bucketStart(b) > ht) wheelSetElapsed(ht);
    }
  }
  if (nextSeq == SEQ_LIMIT && !renumber()) return false;
  const t = toTick(when);
  const where = placeFor(t, when);
  if (!reserve(id, where)) return false;
  place(t, when, nextSeq++, id, false);
  total++;
  if (where != IN_NEAR) nextAdded(when);
  return true;
}

/** Timers the carved chunks are enough for (reserve's quick check). */
let wheelRoom: u32 = 0;

/** Room for one more timer, of `id`, going to `where`: every piece allocated before any is used. */
function reserve(id: u32, where: u32): bool {
  if (where == IN_WHEEL && total < wheelRoom && id < posCap) return true;
  const needIds = id >= posCap;
  const chunks = chunksFor(total + 1);
  const needChunks = chunks > chunkCap;
  const needHeap = (where == IN_NEAR && nearSize == nearCap) || (where == IN_OVERFLOW && overSize == overCap);
  if (!(needIds || needChunks || needHeap)) return true;
  const mark = allocMark();
  let ids = <u64>posCap, pos: usize = 0;
  if (needIds) {
    ids <<= 1;
    while (ids <= <u64>id) ids <<= 1;
    if ((pos = alloc(ids << 2)) == 0) return false;
  }
  let arena: usize = 0, arenaChunks: u32 = 0;
  if (needChunks) {
    arenaChunks = chunkCap > 8 ? chunkCap : 8;
    if (chunks - chunkCap > arenaChunks) arenaChunks = chunks - chunkCap;
    if ((arena = alloc(arenaBytes(arenaChunks))) == 0) {
      allocRewind(mark);
      return false;
    }
  }
  let heap: usize = 0, heapCap: u32 = 0;
  if (needHeap) {
    heapCap = (where == IN_NEAR ? nearCap : overCap) << 1;
    if ((heap = alloc(<u64>heapCap * RECORD)) == 0) {
      allocRewind(mark);
      return false;
    }
  }
  if (needIds) posMove(pos, <u32>ids);
  if (needChunks) {
    wheelAddArena(arena, arenaChunks);
    wheelRoom = roomFor(chunkCap);
  }
  if (needHeap) {
    if (where == IN_NEAR) {
      memory.copy(heap, nearPtr, <usize>nearSize * RECORD);
      nearPtr = heap;
      nearCap = heapCap;
    } else {
      memory.copy(heap, overPtr, <usize>overSize * RECORD);
      overPtr = heap;
      overCap = heapCap;
    }
  }
  return true;
}

/** The most timers `chunks` chunks are enough for: the largest n with chunksFor(n) <= chunks. */
function roomFor(chunks: u32): u32 {
  // From 384 timers on, chunksFor(n) = ceil(n / 31) + 384 + 2: invert it.
  if (chunks >= 386 + 13) return 31 * (chunks - 386);
  let n: u32 = 0;
  while (chunksFor(n + 1) <= chunks) n++;
  return n;
}

/** Removes the timer of `id` at once: its id holds nothing when this returns. */
export function timersCancel(id: u32): void {
  assert(id < posCap && posOf(id) != NOWHERE, "timerCancel: the id holds no timer");
  const pos = posOf(id);
  const kind = pos & 7, i = pos >> 3;
  let when: f64;
  if (kind == IN_WHEEL) {
    const r = <usize>i << 4;
    when = recWhen(r);
    wheelRemove(r);
  } else if (kind == IN_RUN) {
    when = recWhen(runAt(i));
    runCancel(i);
  } else if (kind == IN_NEAR) {
    when = recWhen(nearPtr + <usize>i * RECORD);
    heapRemove(nearPtr, IN_NEAR, i, --nearSize);
  } else {
    when = recWhen(overPtr + <usize>i * RECORD);
    heapRemove(overPtr, IN_OVERFLOW, i, --overSize);
  }
  setPos(id, NOWHERE);
  total--;
  if (kind != IN_RUN && kind != IN_NEAR) nextCancelled(when);
}

/** The near set holds records (all before the wheel's). */
@inline function nearHeld(): bool {
  return runHead < runEnd || nearSize > 0;
}

/** The near set's earliest deadline (it holds records). */
function nearFirst(): f64 {
  const run = runHead < runEnd ? recWhen(runAt(runHead)) : Infinity;
  if (nearSize == 0) return run;
  const heap = recWhen(nearPtr);
  return heap < run ? heap : run;
}

/** The earliest deadline held, exactly (+Infinity if none): what the virtual clock jumps to. */
export function timersNext(): f64 {
  if (nearHeld()) return nearFirst();
  if (kept > 0) return nextFirst();
  // The earliest slot holds the earliest records; a bucket has no order: scan it (timer-next.ts).
  const b = wheelNextBucket();
  if (b >= 0) {
    nextScan(b);
    return nextFirst();
  }
  return overSize > 0 ? recWhen(overPtr) : Infinity;
}

/**
 * A lower bound of the earliest deadline, cheap (no scan), published after tick, init and
 * readyGrow: the host calls `tick` only once its time reaches it (or the exact deadline
 * timerNext gave it). A slot's first tick in ms is exact (a power-of-two resolution).
 */
export function timersLowerBound(): f64 {
  if (nearHeld()) return nearFirst();
  const b = wheelNextBucket();
  if (b >= 0) return <f64>bucketStart(b) * msPerTick;
  return overSize > 0 ? recWhen(overPtr) : Infinity;
}

/**
 * Counts what `due(now)` will do, without changing anything: `dueFound`, the timers it will
 * fire, and `nearNeed`, the records that will enter the run (those of tick <= now's in the
 * slots it will reach; the run is refilled only once empty, so it needs room for no more).
 * Reads every record it counts: about the work `due` does.
 */
export function dueCount(now: f64): void {
  const nowT = toTick(now);
  let due = heapDueCount(nearPtr, nearSize, now) + runDueCount(now), need: u32 = 0;
  for (let level = 0; level < 6; level++) {
    for (let bits = wheelOccupied(level); bits != 0; bits &= bits - 1) {
      const b = (level << 6) | <i32>ctz(bits);
      const start = bucketStart(b);
      if (start > nowT) break;
      // A slot that ends before now's tick is all due (and all goes to the run): count
      // its chunks' fills. Only the slot that holds now's tick is read record by record.
      const whole = start + (<u64>1 << (<u64>level * 6)) - 1 < nowT;
      for (let c = wheelBucket(b); c != 0; c = chunkNext(c)) {
        const fill = chunkFill(c);
        if (whole) {
          need += fill;
          due += fill;
          continue;
        }
        for (let k: u32 = 1; k <= fill; k++) {
          const w = recWhen(chunkRecord(c, k));
          if (toTick(w) <= nowT) need++;
          if (w <= now) due++;
        }
      }
    }
  }
  for (let k: u32 = 0; k < overSize; k++) {
    const w = recWhen(overPtr + <usize>k * RECORD);
    if (w == Infinity) continue;
    if (toTick(w) <= nowT) need++;
    if (w <= now) due++;
  }
  dueFound = due;
  nearNeed = need;
}

/**
 * Fires every timer due at `now`, in (when, seq) order: each id leaves the timers and is
 * written to the ready ring from position `tail` on. Returns the new tail. The caller made
 * room for them, in the ring and the run (dueCount).
 */
export function timersDue(now: f64, tail: u32): u32 {
  const nowT = toTick(now);
  for (;;) {
    // The near records due, in order: the run's front or the heap's top, whichever is first.
    for (;;) {
      let fromRun = runHead < runEnd;
      if (nearSize > 0 && fromRun) {
        const r = runAt(runHead);
        fromRun = before(recWhen(r), recSeq(r), recWhen(nearPtr), recSeq(nearPtr));
      } else if (!fromRun && nearSize == 0) {
        break;
      }
      let id: u32;
      if (fromRun) {
        const r = runAt(runHead);
        if (recWhen(r) > now) break;
        id = recId(r);
        runShift();
      } else {
        if (recWhen(nearPtr) > now) break;
        id = recId(nearPtr);
        heapRemove(nearPtr, IN_NEAR, 0, --nearSize);
      }
      setPos(id, NOWHERE);
      total--;
      readyPut(tail++, id);
    }
    // A near record left is not due, and so is nothing after it.
    if (nearHeld()) break;
    const b = wheelNextBucket();
    if (b >= 0) {
      const start = bucketStart(b);
      if (start > nowT) break;
      wheelSetElapsed(start);
      if (b < 64) runFill(wheelTake(b), wheelTaken, <f64>start, ticksPerMs);
      else cascade(b);
    } else if (overSize > 0) {
      const when = recWhen(overPtr);
      if (when == Infinity) break;
      const t = toTick(when);
      if (t > nowT) break;
      // The wheel is empty: it moves to the overflow's first record, which brings in its block.
      setElapsed(t);
    } else {
      break;
    }
  }
  // Nothing in the wheel starts by now's tick: the wheel moves up to it, so the timers
  // added next land in low levels. (The near set must be empty: its records are <= elapsed.)
  if (!nearHeld() && nowT > elapsed) setElapsed(nowT);
  nextForget();
  return tail;
}

/** The wheel has reached bucket `b`'s slot (not of level 0): its records go to the run or lower levels, and the run is sealed. */
function cascade(b: i32): void {
  let c = wheelTake(b);
  while (c != 0) {
    const next = chunkNext(c), fill = chunkFill(c);
    for (let k: u32 = 1; k <= fill; k++) {
      const r = chunkRecord(c, k);
      const when = recWhen(r);
      place(toTick(when), when, recSeq(r), recId(r), true);
    }
    wheelFreeChunk(c);
    c = next;
  }
  if (runHead < runEnd) runSeal();
}

/** Timers held. */
export function timersCount(): u32 {
  return total;
}

/** Test hook: whether `id` holds a timer. */
export function timersHeld(id: u32): bool {
  return id < posCap && posOf(id) != NOWHERE;
}

/** Test hook: the next sequence number, to exercise the renumbering at wrap. */
export function timersSetSeq(seq: u32): void {
  nextSeq = seq;
}

/**
 * Renumbers every record's seq 0..n-1 in seq order, so the order of every pair (and so
 * every heap) is unchanged: a heapsort of the records' addresses by seq, in scratch
 * memory given back at the end. False, with nothing changed, if there is no memory for it.
 */
function renumber(): bool {
  const n = total;
  const mark = allocMark();
  const list = alloc((<u64>n << 2) + 4);
  if (list == 0) return false;
  let k: usize = 0;
  for (let i = runHead; i < runEnd; i++) if (recId(runAt(i)) != DEAD) store<u32>(list + (k++ << 2), <u32>runAt(i));
  for (let i: u32 = 0; i < nearSize; i++) store<u32>(list + (k++ << 2), <u32>(nearPtr + <usize>i * RECORD));
  for (let i: u32 = 0; i < overSize; i++) store<u32>(list + (k++ << 2), <u32>(overPtr + <usize>i * RECORD));
  for (let b = 0; b < 384; b++) {
    for (let c = wheelBucket(b); c != 0; c = chunkNext(c)) {
      const fill = chunkFill(c);
      for (let j: u32 = 1; j <= fill; j++) store<u32>(list + (k++ << 2), <u32>chunkRecord(c, j));
    }
  }
  assert(k == <usize>n, "renumber: the records counted are not the timers held");
  // Heapsort by seq (a max-heap, so the array ends ascending).
  if (n > 1) {
    for (let i = (n >> 1) - 1; ; i--) {
      seqSiftDown(list, i, n);
      if (i == 0) break;
    }
    for (let end = n - 1; end > 0; end--) {
      const top = load<u32>(list);
      store<u32>(list, load<u32>(list + (<usize>end << 2)));
      store<u32>(list + (<usize>end << 2), top);
      seqSiftDown(list, 0, end);
    }
  }
  for (let i: u32 = 0; i < n; i++) store<u32>(<usize>load<u32>(list + (<usize>i << 2)), i, 8);
  nextSeq = n;
  allocRewind(mark);
  return true;
}

function seqSiftDown(list: usize, i: u32, size: u32): void {
  const item = load<u32>(list + (<usize>i << 2));
  const key = recSeq(<usize>item);
  for (;;) {
    let child = (i << 1) + 1;
    if (child >= size) break;
    let c = load<u32>(list + (<usize>child << 2));
    if (child + 1 < size) {
      const r = load<u32>(list + (<usize>(child + 1) << 2));
      if (recSeq(<usize>r) > recSeq(<usize>c)) {
        child++;
        c = r;
      }
    }
    if (recSeq(<usize>c) <= key) break;
    store<u32>(list + (<usize>i << 2), c);
    i = child;
  }
  store<u32>(list + (<usize>i << 2), item);
}
