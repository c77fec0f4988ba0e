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
//
// Only timerAdd takes memory. The released list has a slot per heap record, grown with
// the heap, so cancelling, dropping and rebuilding never need memory and cannot fail.

import { alloc, allocMark, allocRewind } from "./memory";

/** asyncio's _MIN_SCHEDULED_TIMER_HANDLES. */
const MIN_SCHEDULED_FOR_REBUILD: u32 = 100;
/** Bytes in one heap record. */
export const RECORD: usize = 16;
const SEQ_LIMIT: u32 = 0xffffffff;

export let heapPtr: usize = 0;
export let heapSize: u32 = 0;
let heapCap: u32 = 0;
export let heapCancelled: u32 = 0;
let nextSeq: u32 = 0;

// One byte per id: 1 while the id's record is in the heap and cancelled.
let flagsPtr: usize = 0;
let flagsCap: u32 = 0;

// heapCap slots: a call releases at most the records in the heap.
export let releasedPtr: usize = 0;
export let releasedCount: u32 = 0;

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

/**
 * Takes the heap at `heap` (`capacity` records, at least 1), its released list at
 * `released` (`capacity` ids) and the flag table at `flags` (`ids` bytes), all allocated
 * by the caller.
 */
export function timerInit(heap: usize, released: usize, capacity: u32, flags: usize, ids: u32): void {
  heapPtr = heap;
  heapCap = capacity;
  heapSize = 0;
  heapCancelled = 0;
  nextSeq = 0;
  releasedPtr = released;
  releasedCount = 0;
  flagsPtr = flags;
  flagsCap = ids;
  memory.fill(flags, 0, <usize>ids);
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

@inline function release(id: u32): void {
  store<u32>(releasedPtr + (<usize>releasedCount << 2), id);
  releasedCount++;
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

/** Schedules `id` at `when`. Returns false, with the heap unchanged, if memory cannot grow. */
export function timerAdd(id: u32, when: f64): bool {
  if ((id >= flagsCap || heapSize == heapCap) && !grow(id)) return false;
  if (nextSeq == SEQ_LIMIT) renumber();
  store<u8>(flagsPtr + <usize>id, 0);
  siftUp(heapSize++, when, nextSeq++, id);
  return true;
}

/**
 * Room for one more record, of `id`: a flag table past `id`, a heap (and released list)
 * with a free slot. Every piece is allocated before any is used, so a failure changes
 * nothing.
 */
function grow(id: u32): bool {
  const mark = allocMark();
  let flags = flagsPtr, ids = <u64>flagsCap;
  if (id >= flagsCap) {
    ids <<= 1;
    while (ids <= <u64>id) ids <<= 1;
    flags = alloc(ids);
    if (flags == 0) return false;
  }
  let heap = heapPtr, released = releasedPtr, capacity = <u64>heapCap;
  if (heapSize == heapCap) {
    capacity <<= 1;
    heap = alloc(capacity * RECORD);
    released = heap == 0 ? 0 : alloc(capacity << 2);
    if (released == 0) {
      allocRewind(mark);
      return false;
    }
  }
  if (flags != flagsPtr) {
    memory.copy(flags, flagsPtr, <usize>flagsCap);
    memory.fill(flags + <usize>flagsCap, 0, <usize>(ids - flagsCap));
    flagsPtr = flags;
    flagsCap = <u32>ids;
  }
  if (heap != heapPtr) {
    // The released list holds nothing between calls: no copy.
    memory.copy(heap, heapPtr, <usize>heapSize * RECORD);
    heapPtr = heap;
    releasedPtr = released;
    heapCap = <u32>capacity;
  }
  return true;
}

/** Drops every cancelled record and re-heapifies (Floyd), releasing their ids. */
function rebuild(): void {
  let n: u32 = 0;
  for (let i: u32 = 0; i < heapSize; i++) {
    const id = idAt(i);
    if (load<u8>(flagsPtr + <usize>id)) {
      store<u8>(flagsPtr + <usize>id, 0);
      release(id);
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
}

/** Flags the record of `id` as cancelled; rebuilds when most of the heap is cancelled. */
export function timerCancel(id: u32): void {
  store<u8>(flagsPtr + <usize>id, 1);
  heapCancelled++;
  if (heapSize >= MIN_SCHEDULED_FOR_REBUILD && heapCancelled * 2 > heapSize) rebuild();
}

/** Drops cancelled records from the top; returns the earliest live deadline or +Infinity. */
export function timerNext(): f64 {
  while (heapSize > 0) {
    const id = idAt(0);
    if (!load<u8>(flagsPtr + <usize>id)) return whenAt(0);
    store<u8>(flagsPtr + <usize>id, 0);
    heapCancelled--;
    popTop();
    release(id);
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
    release(id);
  }
  return -1;
}

/**
 * How many live records are due at `now`, without popping them: a walk of the heap's due
 * part in preorder (a record's children can be due only if it is), so it costs about as
 * many steps as there are due records, and needs no stack.
 */
export function timerDueCount(now: f64): u32 {
  if (heapSize == 0 || whenAt(0) > now) return 0;
  let n: u32 = 0;
  let i: u32 = 0;
  for (;;) {
    if (!load<u8>(flagsPtr + <usize>idAt(i))) n++;
    const left = (i << 1) + 1;
    if (left < heapSize && whenAt(left) <= now) {
      i = left;
      continue;
    }
    if (left + 1 < heapSize && whenAt(left + 1) <= now) {
      i = left + 1;
      continue;
    }
    // Up to the nearest left child whose right sibling is due, and on to that sibling.
    while (i != 0 && ((i & 1) == 0 || i + 1 >= heapSize || whenAt(i + 1) > now)) i = (i - 1) >> 1;
    if (i == 0) break;
    i++;
  }
  return n;
}

/** The top record's deadline (cancelled or not), +Infinity if the heap is empty: a lower bound of the next live one. */
export function timerTopWhen(): f64 {
  return heapSize > 0 ? whenAt(0) : Infinity;
}

/** Test hook: sets the next sequence number, to exercise the renumbering at wrap. */
export function timerSetSeq(seq: u32): void {
  nextSeq = seq;
}
