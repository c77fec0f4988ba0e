// The timer heap: a binary min-heap of 16-byte records ordered by (when, seq).
//
//   heapPtr ──► [ when: f64 | seq: u32 | id: u32 ] [ ... ] ...   heapSize records
//
// `seq` only goes up, so timers with equal deadlines fire in the order they were
// scheduled. Before it would wrap, every record is renumbered in heap order, so a plain
// unsigned comparison is always right. The heap knows nothing of callbacks: it holds
// ids, and a cancelled id is only flagged (lazy cancellation). Flagged records are
// dropped when they reach the top, or all at once when more than half of at least
// MIN_SCHEDULED_FOR_REBUILD records are cancelled (asyncio's rule). Every dropped id is
// written to the released list, so the host can reuse it: an id never returns to the
// host's free list while a record of it is still in the heap.

import { alloc } from "./memory";

/** asyncio's _MIN_SCHEDULED_TIMER_HANDLES. */
const MIN_SCHEDULED_FOR_REBUILD: u32 = 100;
const RECORD: usize = 16;
const SEQ_LIMIT: u32 = 0xffffffff;

export let heapPtr: usize = 0;
export let heapSize: u32 = 0;
let heapCap: u32 = 0;
export let heapCancelled: u32 = 0;
let nextSeq: u32 = 0;

// One byte per id: 1 while the id's record is in the heap and cancelled.
let flagsPtr: usize = 0;
let flagsCap: u32 = 0;

export let releasedPtr: usize = 0;
export let releasedCount: u32 = 0;
let releasedCap: u32 = 0;

@inline function whenAt(i: u32): f64 { return load<f64>(heapPtr + <usize>i * RECORD); }
@inline function seqAt(i: u32): u32 { return load<u32>(heapPtr + <usize>i * RECORD, 8); }
@inline function idAt(i: u32): u32 { return load<u32>(heapPtr + <usize>i * RECORD, 12); }

/** (aWhen, aSeq) orders before (bWhen, bSeq). */
@inline function before(aWhen: f64, aSeq: u32, bWhen: f64, bSeq: u32): bool {
  return aWhen < bWhen || (aWhen == bWhen && aSeq < bSeq);
}

@inline function put(i: u32, when: f64, seq: u32, id: u32): void {
  const p = heapPtr + <usize>i * RECORD;
  store<f64>(p, when);
  store<u32>(p, seq, 8);
  store<u32>(p, id, 12);
}

// Two 8-byte moves: memory.copy of 16 bytes compiles to a call in V8, this to four instructions.
@inline function copy(to: u32, from: u32): void {
  const d = heapPtr + <usize>to * RECORD, s = heapPtr + <usize>from * RECORD;
  store<u64>(d, load<u64>(s));
  store<u64>(d, load<u64>(s, 8), 8);
}

export function timerInit(capacity: u32, ids: u32): bool {
  heapPtr = alloc(<usize>capacity * RECORD);
  heapCap = capacity;
  heapSize = 0;
  heapCancelled = 0;
  nextSeq = 0;
  flagsPtr = alloc(<usize>ids);
  flagsCap = ids;
  memory.fill(flagsPtr, 0, <usize>ids);
  releasedCap = 1024;
  releasedPtr = alloc(<usize>releasedCap << 2);
  releasedCount = 0;
  return heapPtr != 0 && flagsPtr != 0 && releasedPtr != 0;
}

function siftUp(i: u32, when: f64, seq: u32, id: u32): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(when, seq, whenAt(parent), seqAt(parent))) break;
    copy(i, parent);
    i = parent;
  }
  put(i, when, seq, id);
}

function siftDown(i: u32, when: f64, seq: u32, id: u32, size: u32): void {
  for (;;) {
    let child = (i << 1) + 1;
    if (child >= size) break;
    let cWhen = whenAt(child), cSeq = seqAt(child);
    const right = child + 1;
    if (right < size) {
      const rWhen = whenAt(right), rSeq = seqAt(right);
      if (before(rWhen, rSeq, cWhen, cSeq)) {
        child = right;
        cWhen = rWhen;
        cSeq = rSeq;
      }
    }
    if (!before(cWhen, cSeq, when, seq)) break;
    copy(i, child);
    i = child;
  }
  put(i, when, seq, id);
}

/** Removes the top record. */
function popTop(): void {
  const last = --heapSize;
  if (last > 0) siftDown(0, whenAt(last), seqAt(last), idAt(last), last);
}

function release(id: u32): bool {
  if (releasedCount == releasedCap) {
    const ptr = alloc(<usize>releasedCap << 3);
    if (ptr == 0) return false;
    memory.copy(ptr, releasedPtr, <usize>releasedCount << 2);
    releasedPtr = ptr;
    releasedCap <<= 1;
  }
  store<u32>(releasedPtr + (<usize>releasedCount << 2), id);
  releasedCount++;
  return true;
}

/** Renumbers seq 0..n-1 in (when, seq) order: a sorted array is a valid heap. */
function renumber(): void {
  const n = heapSize;
  // Heapsort in place: each pop moves the minimum to the end, leaving descending order.
  for (let end = n; end > 1; ) {
    end--;
    const w = whenAt(end), s = seqAt(end), id = idAt(end);
    copy(end, 0);
    siftDown(0, w, s, id, end);
  }
  // Reverse into ascending order and number it.
  for (let i: u32 = 0, j = n; i < j; ) {
    j--;
    if (i >= j) break;
    const w = whenAt(i), s = seqAt(i), id = idAt(i);
    copy(i, j);
    put(j, w, s, id);
    i++;
  }
  for (let i: u32 = 0; i < n; i++) store<u32>(heapPtr + <usize>i * RECORD, i, 8);
  nextSeq = n;
}

/** Schedules `id` at `when`. Returns false if memory cannot grow. */
export function timerAdd(id: u32, when: f64): bool {
  if (id >= flagsCap) {
    let cap = flagsCap << 1;
    while (cap <= id) cap <<= 1;
    const ptr = alloc(<usize>cap);
    if (ptr == 0) return false;
    memory.copy(ptr, flagsPtr, <usize>flagsCap);
    memory.fill(ptr + <usize>flagsCap, 0, <usize>(cap - flagsCap));
    flagsPtr = ptr;
    flagsCap = cap;
  }
  if (heapSize == heapCap) {
    const ptr = alloc(<usize>heapCap * RECORD * 2);
    if (ptr == 0) return false;
    memory.copy(ptr, heapPtr, <usize>heapSize * RECORD);
    heapPtr = ptr;
    heapCap <<= 1;
  }
  if (nextSeq == SEQ_LIMIT) renumber();
  store<u8>(flagsPtr + <usize>id, 0);
  siftUp(heapSize++, when, nextSeq++, id);
  return true;
}

/** Drops every cancelled record and re-heapifies (Floyd), releasing their ids. */
function rebuild(): bool {
  let n: u32 = 0;
  for (let i: u32 = 0; i < heapSize; i++) {
    const id = idAt(i);
    if (load<u8>(flagsPtr + <usize>id)) {
      store<u8>(flagsPtr + <usize>id, 0);
      if (!release(id)) return false;
    } else {
      if (n != i) copy(n, i);
      n++;
    }
  }
  heapSize = n;
  heapCancelled = 0;
  if (n > 1) {
    for (let i = (n >> 1) - 1; ; i--) {
      siftDown(<u32>i, whenAt(<u32>i), seqAt(<u32>i), idAt(<u32>i), n);
      if (i == 0) break;
    }
  }
  return true;
}

/** Flags the record of `id` as cancelled; rebuilds when most of the heap is cancelled. */
export function timerCancel(id: u32): bool {
  store<u8>(flagsPtr + <usize>id, 1);
  heapCancelled++;
  if (heapSize >= MIN_SCHEDULED_FOR_REBUILD && heapCancelled * 2 > heapSize) return rebuild();
  return true;
}

/** Drops cancelled records from the top; returns the earliest live deadline or +Infinity. */
export function timerNext(): f64 {
  while (heapSize > 0) {
    const id = idAt(0);
    if (!load<u8>(flagsPtr + <usize>id)) return whenAt(0);
    store<u8>(flagsPtr + <usize>id, 0);
    heapCancelled--;
    popTop();
    if (!release(id)) return NaN;
  }
  return Infinity;
}

/** Pops the top record if it is due at `now`; returns its id, or -1 when none is due. Cancelled ones are released. */
export function timerPopDue(now: f64): i64 {
  while (heapSize > 0 && whenAt(0) <= now) {
    const id = idAt(0);
    popTop();
    if (!load<u8>(flagsPtr + <usize>id)) return <i64>id;
    store<u8>(flagsPtr + <usize>id, 0);
    heapCancelled--;
    if (!release(id)) return -2;
  }
  return -1;
}

/** The top record's deadline (cancelled or not), +Infinity if the heap is empty: a lower bound of the next live one. */
export function timerTopWhen(): f64 {
  return heapSize > 0 ? whenAt(0) : Infinity;
}

/** Test hook: sets the next sequence number, to exercise the renumbering at wrap. */
export function timerSetSeq(seq: u32): void {
  nextSeq = seq;
}
