// An indexed binary min-heap of timer records ordered by (when, seq), with no lazy
// deletion: every record that moves rewrites its id's position (records.ts), so a cancel
// removes its record from the middle at once. Two heaps use it: the near heap (the
// current tick's timers, and overdue ones) and the overflow (deadlines beyond the
// wheel's span). The heaps' arrays belong to their owner (timers.ts); these functions
// take the array's address and the position kind its records get.

import { RECORD, before, recCopy, recId, recPut, recSeq, recWhen, setPos } from "./records";

@inline function at(base: usize, i: u32): usize {
  return base + <usize>i * RECORD;
}

/** Puts (when, seq, id) in the hole at `i`, moving it up past every parent it orders before. */
export function heapUp(base: usize, kind: u32, i: u32, when: f64, seq: u32, id: u32): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = at(base, parent);
    if (!before(when, seq, recWhen(p), recSeq(p))) break;
    const d = at(base, i);
    recCopy(d, p);
    setPos(recId(d), (i << 3) | kind);
    i = parent;
  }
  recPut(at(base, i), when, seq, id);
  setPos(id, (i << 3) | kind);
}

/** Puts (when, seq, id) in the hole at `i` of a heap of `size`, moving it down past every smaller child. */
export function heapDown(base: usize, kind: u32, i: u32, when: f64, seq: u32, id: u32, size: u32): void {
  for (;;) {
    let child = (i << 1) + 1;
    if (child >= size) break;
    let c = at(base, child);
    let cWhen = recWhen(c), cSeq = recSeq(c);
    if (child + 1 < size) {
      const r = c + RECORD;
      const rWhen = recWhen(r), rSeq = recSeq(r);
      if (before(rWhen, rSeq, cWhen, cSeq)) {
        child++;
        c = r;
        cWhen = rWhen;
        cSeq = rSeq;
      }
    }
    if (!before(cWhen, cSeq, when, seq)) break;
    const d = at(base, i);
    recCopy(d, c);
    setPos(recId(d), (i << 3) | kind);
    i = child;
  }
  recPut(at(base, i), when, seq, id);
  setPos(id, (i << 3) | kind);
}

/**
 * Removes the record at `i` from a heap whose size is now `size` (one less than it was):
 * the last record, at `size`, fills the hole from wherever it belongs. The caller clears
 * the removed id's position.
 */
export function heapRemove(base: usize, kind: u32, i: u32, size: u32): void {
  if (i == size) return;
  const last = at(base, size);
  const when = recWhen(last), seq = recSeq(last), id = recId(last);
  if (i > 0) {
    const p = at(base, (i - 1) >> 1);
    if (before(when, seq, recWhen(p), recSeq(p))) {
      heapUp(base, kind, i, when, seq, id);
      return;
    }
  }
  heapDown(base, kind, i, when, seq, id, size);
}

/**
 * How many records of a heap of `size` are due at `now`, by a walk of its due part in
 * preorder (a record's children can be due only if it is): about as many steps as there
 * are due records, and no stack.
 */
export function heapDueCount(base: usize, size: u32, now: f64): u32 {
  if (size == 0 || recWhen(base) > now) return 0;
  let n: u32 = 0;
  let i: u32 = 0;
  for (;;) {
    n++;
    const left = (i << 1) + 1;
    if (left < size && recWhen(at(base, left)) <= now) {
      i = left;
      continue;
    }
    if (left + 1 < size && recWhen(at(base, left + 1)) <= now) {
      i = left + 1;
      continue;
    }
    // Up to the nearest left child whose right sibling is due, and on to that sibling.
    while (i != 0 && ((i & 1) == 0 || i + 1 >= size || recWhen(at(base, i + 1)) > now)) i = (i - 1) >> 1;
    if (i == 0) break;
    i++;
  }
  return n;
}
