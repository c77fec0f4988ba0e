// The timers' invariants, checked in full by the debug build (test/core/wheel-model.test.ts
// calls `checkInvariants` after every step of a random program). Each broken one is an
// assert with a sentence: through @assemblyscript/loader it reads as an error with the
// message, file and line. Not part of the release build (assembly/debug.ts exports it).

import { IN_NEAR, IN_OVERFLOW, IN_RUN, IN_WHEEL, NOWHERE, RECORD, before, posCap, posOf, recId, recSeq, recWhen } from "./records";
import { DEAD, runAt, runCap, runEnd, runHead } from "./timer-run";
import {
  SPAN_BITS, chunkCap, chunkFill, chunkNext, chunkRecord, chunksFor, elapsed, wheelBucket, wheelChunksUnused, wheelCount,
  wheelOccupied,
} from "./timer-wheel";
import { kept, nextKeptCount, nextKeptWhen } from "./timer-next";
import { nearPtr, nearSize, nextSeq, overPtr, overSize, toTick, total } from "./timers";

/** Checks every record against its position, place and order; the counts; the chunk accounting. */
export function checkInvariants(): void {
  let wheelRecords: u32 = 0, chunksInUse: u32 = 0;
  let earliest = Infinity;
  for (let b = 0; b < 384; b++) {
    const level = b >> 6, slot = b & 63;
    const top = wheelBucket(b);
    assert((top != 0) == ((wheelOccupied(level) >> <u64>slot) & 1 != 0), "check: a bucket's bitmap bit is not whether it holds records");
    for (let c = top; c != 0; c = chunkNext(c)) {
      chunksInUse++;
      assert(<i32>load<u32>(c, 4) == b, "check: a chunk names another bucket");
      const fill = chunkFill(c);
      assert(fill >= 1 && fill <= 31 && (c == top || fill == 31), "check: a chunk below the top is not full, or a chunk is empty");
      for (let k: u32 = 1; k <= fill; k++) {
        const r = chunkRecord(c, k);
        const id = recId(r), when = recWhen(r), t = toTick(when);
        assert(id < posCap && posOf(id) == (<u32>(r >> 1) | IN_WHEEL), "check: a wheel record's id does not point at it");
        assert(when != Infinity && t > elapsed && (t ^ elapsed) >> SPAN_BITS == 0, "check: a wheel record is outside the wheel's span");
        const want = <i32>((63 - clz((t ^ elapsed) | 63)) / 6);
        assert(want == level && <i32>((t >> (<u64>level * 6)) & 63) == slot, "check: a wheel record is in the wrong bucket");
        assert(recSeq(r) < nextSeq, "check: a record's seq is not below the next one");
        if (when < earliest) earliest = when;
        wheelRecords++;
      }
    }
  }
  assert(wheelRecords == wheelCount, "check: the wheel's count is not its records");
  assert(chunksInUse <= chunksFor(total), "check: more chunks in use than the bound says");
  assert(chunksInUse + wheelChunksUnused() == chunkCap, "check: chunks are lost (in use + free != carved)");
  assert(chunkCap >= chunksFor(total), "check: the chunk reserve is short");
  for (let i: u32 = 0; i < nearSize; i++) {
    const r = nearPtr + <usize>i * RECORD;
    const id = recId(r);
    assert(id < posCap && posOf(id) == ((i << 3) | IN_NEAR), "check: a near record's id does not point at it");
    assert(toTick(recWhen(r)) <= elapsed && recWhen(r) != Infinity, "check: a near record is after the wheel's position");
    assert(recSeq(r) < nextSeq, "check: a record's seq is not below the next one");
    if (i > 0) {
      const p = nearPtr + <usize>((i - 1) >> 1) * RECORD;
      assert(before(recWhen(p), recSeq(p), recWhen(r), recSeq(r)), "check: the near heap is out of order");
    }
  }
  let runLive: u32 = 0, prev: usize = 0;
  assert(runHead <= runEnd && runEnd <= runCap && (runHead < runEnd || runEnd == 0), "check: the run's bounds are wrong");
  assert(runHead == runEnd || recId(runAt(runHead)) != DEAD, "check: the run's front is dead");
  for (let i = runHead; i < runEnd; i++) {
    const r = runAt(i);
    const id = recId(r);
    if (id == DEAD) continue;
    runLive++;
    assert(id < posCap && posOf(id) == ((i << 3) | IN_RUN), "check: a run record's id does not point at it");
    assert(toTick(recWhen(r)) <= elapsed && recWhen(r) != Infinity, "check: a run record is after the wheel's position");
    assert(recSeq(r) < nextSeq, "check: a record's seq is not below the next one");
    assert(prev == 0 || before(recWhen(prev), recSeq(prev), recWhen(r), recSeq(r)), "check: the run is out of order");
    prev = r;
  }
  for (let i: u32 = 0; i < overSize; i++) {
    const r = overPtr + <usize>i * RECORD;
    const id = recId(r), when = recWhen(r);
    assert(id < posCap && posOf(id) == ((i << 3) | IN_OVERFLOW), "check: an overflow record's id does not point at it");
    assert(when == Infinity || toTick(when) >> SPAN_BITS > elapsed >> SPAN_BITS, "check: an overflow record fits the wheel");
    assert(recSeq(r) < nextSeq, "check: a record's seq is not below the next one");
    if (when < earliest) earliest = when;
    if (i > 0) {
      const p = overPtr + <usize>((i - 1) >> 1) * RECORD;
      assert(before(recWhen(p), recSeq(p), when, recSeq(r)), "check: the overflow heap is out of order");
    }
  }
  assert(total == runLive + nearSize + wheelRecords + overSize, "check: the timer count is not the records held");
  let held: u32 = 0;
  for (let id: u32 = 0; id < posCap; id++) if (posOf(id) != NOWHERE) held++;
  assert(held == total, "check: ids hold positions but no record");
  // The next deadlines' cache: the smallest distinct deadlines of the wheel and the
  // overflow, each with its exact count (every record at or below the largest kept is kept).
  for (let i: u32 = 0; i < kept; i++) {
    const when = nextKeptWhen(i);
    assert(i == 0 ? when == earliest : when > nextKeptWhen(i - 1), "check: the next deadlines kept are not the smallest, in order");
    assert(nextKeptCount(i) == countAt(when), "check: a kept deadline's count is not its records'");
  }
  if (kept > 0) assert(countUpTo(nextKeptWhen(kept - 1)) == keptRecords(), "check: a record below the largest kept deadline is not kept");
}

function keptRecords(): u32 {
  let n: u32 = 0;
  for (let i: u32 = 0; i < kept; i++) n += nextKeptCount(i);
  return n;
}

/** Records of the wheel and the overflow whose deadline is `when`. */
function countAt(when: f64): u32 {
  return countWhere(when, true);
}

/** Records of the wheel and the overflow whose deadline is at most `when`. */
function countUpTo(when: f64): u32 {
  return countWhere(when, false);
}

function countWhere(when: f64, equal: bool): u32 {
  let n: u32 = 0;
  for (let b = 0; b < 384; b++) {
    for (let c = wheelBucket(b); c != 0; c = chunkNext(c)) {
      for (let k: u32 = 1; k <= chunkFill(c); k++) {
        const w = recWhen(chunkRecord(c, k));
        if (equal ? w == when : w <= when) n++;
      }
    }
  }
  for (let i: u32 = 0; i < overSize; i++) {
    const w = recWhen(overPtr + <usize>i * RECORD);
    if (equal ? w == when : w <= when) n++;
  }
  return n;
}
