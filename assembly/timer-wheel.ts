// The hierarchical timing wheel: 6 levels x 64 slots (tokio's shape), one tick per slot
// of level 0. Level L's slots are 64^L ticks wide, so the wheel spans 2^36 ticks.
//
//   elapsed ─ the wheel's position (a tick). A record of tick t > elapsed sits at the
//   level of the highest 6-bit group in which t and elapsed differ, in the slot of t's
//   6 bits there: within elapsed's block of that level, after elapsed's slot. So the
//   lowest level with a timer holds the earliest ones, its first occupied slot (a ctz of
//   the level's 64-bit bitmap) is the next to come due, and nothing ever wraps around.
//   Ticks in a later 2^36 block than elapsed's do not fit: they go to the overflow heap.
//
// Near set: records of tick <= elapsed are not here but in the near set (timers.ts), in
// exact (when, seq) order. The wheel moves one slot at a time, and only once the near set
// is drained: the slot's records go to the near set (level 0) or lower levels (a
// cascade), so an overdue burst passes through the near set one slot at a time instead
// of building one big heap.
//
// Each slot is a bucket of 16-byte records stored contiguously: a stack of 512-byte chunks
// (a 16-byte header, then 31 records), so draining or cascading a bucket reads memory in
// order instead of chasing a linked list through per-id arrays (that walk was bound by
// cache misses). Cancel: the id's position (records.ts) gives the record's address, its
// chunk (by masking) gives the bucket, and the bucket's last record moves into its place
// (swap-remove), so a bucket keeps only the order records went in, and the run
// (timer-run.ts) sorts a slot when it comes due.
//
// Memory: emptied chunks go to a free list, and chunks come from arenas carved out of
// linear memory (a record never moves when the wheel grows). The chunks in use are at
// most records/31 plus one partly filled chunk per non-empty bucket (chunksFor): timerAdd
// reserves that many, so moving records around in tick never allocates; arenas double,
// so a wheel that held at most n timers at once has carved fewer than 2 x (n/31 + 386)
// chunks, however many timers came and went.

import { IN_WHEEL, RECORD, recCopy, recId, recPut, setPos } from "./records";

/** Slots per level, and bits per level. */
const SLOT_BITS: u64 = 6;
/** log2 of the wheel's span in ticks: 6 levels x 6 bits. */
export const SPAN_BITS: u64 = 36;
const BUCKETS: i32 = 384;
/** Bytes in one chunk (also its alignment, so a record finds its chunk by masking). */
const CHUNK: usize = 512;
/** Records in one chunk, after its header: next chunk (u32), bucket (u32), fill (u32). */
const PER_CHUNK: u32 = 31;

/** The wheel's position, in ticks. Moved only by timers.ts, which keeps every record where it belongs. */
export let elapsed: u64 = 0;
/** Records in the wheel. */
export let wheelCount: u32 = 0;
/** Records the last wheelTake took. */
export let wheelTaken: u32 = 0;
/** Chunks the arenas hold, used or not. */
export let chunkCap: u32 = 0;

let bucketsPtr: usize = 0; // BUCKETS u32: the bucket's top chunk (the partly filled one), 0 if empty
let occPtr: usize = 0; // 6 u64 bitmaps: bit s of level L is set iff slot s holds records
let freeChunks: usize = 0; // emptied chunks, linked through their first word
let arenaNext: usize = 0; // the next chunk never used yet, up to arenaEnd
let arenaEnd: usize = 0;

/** Bytes the wheel's fixed tables take: the bucket table and the bitmaps. */
export const WHEEL_TABLES: u64 = <u64>BUCKETS * 4 + 6 * 8;

/** Takes the tables at `ptr` (WHEEL_TABLES bytes, allocated by the caller): an empty wheel at tick 0, no chunks. */
export function wheelInit(ptr: usize): void {
  bucketsPtr = ptr;
  occPtr = ptr + <usize>BUCKETS * 4;
  memory.fill(ptr, 0, <usize>WHEEL_TABLES);
  elapsed = 0;
  wheelCount = 0;
  chunkCap = 0;
  freeChunks = 0;
  arenaNext = arenaEnd = 0;
}

/**
 * Chunks that `n` records can need at once: a bucket holds ceil(count / 31) chunks, so in
 * all at most n/31 plus one partly filled chunk per non-empty bucket (at most min(n, 384)),
 * plus two for a cascade (the chunk being read, whose records are already placed again,
 * and the detached bucket's partly filled top).
 */
export function chunksFor(n: u32): u32 {
  if (n == 0) return 0;
  return (n + PER_CHUNK - 1) / PER_CHUNK + (n < <u32>BUCKETS ? n : <u32>BUCKETS) + 2;
}

/** Bytes to allocate for an arena of `chunks` chunks (room to align it). */
export function arenaBytes(chunks: u32): u64 {
  return <u64>chunks * CHUNK + CHUNK - 16;
}

/**
 * Adds the arena at `ptr` (arenaBytes(chunks), allocated by the caller). What was left of
 * the previous arena goes to the free list first.
 */
export function wheelAddArena(ptr: usize, chunks: u32): void {
  while (arenaNext < arenaEnd) {
    freeChunk(arenaNext);
    arenaNext += CHUNK;
  }
  arenaNext = (ptr + CHUNK - 1) & ~(CHUNK - 1);
  arenaEnd = arenaNext + <usize>chunks * CHUNK;
  chunkCap += chunks;
}

@inline function freeChunk(c: usize): void {
  store<u32>(c, <u32>freeChunks);
  freeChunks = c;
}

function takeChunk(): usize {
  let c = freeChunks;
  if (c != 0) {
    freeChunks = <usize>load<u32>(c);
    return c;
  }
  assert(arenaNext < arenaEnd, "wheel: no chunk left (the reserve was not made)");
  c = arenaNext;
  arenaNext += CHUNK;
  return c;
}

@inline function bucketTop(b: i32): usize {
  return <usize>load<u32>(bucketsPtr + (<usize>b << 2));
}

@inline function setBucketTop(b: i32, c: usize): void {
  store<u32>(bucketsPtr + (<usize>b << 2), <u32>c);
}

@inline function occupied(level: i32): u64 {
  return load<u64>(occPtr + (<usize>level << 3));
}

@inline function setOccupied(level: i32, bits: u64): void {
  store<u64>(occPtr + (<usize>level << 3), bits);
}

/** A chunk's next chunk (0: none) and fill (records 1..fill are in use). */
@inline export function chunkNext(c: usize): usize { return <usize>load<u32>(c); }
@inline export function chunkFill(c: usize): u32 { return load<u32>(c, 8); }
@inline export function chunkRecord(c: usize, i: u32): usize { return c + <usize>i * RECORD; }

/** Puts a record of tick `t` (elapsed < t, in elapsed's 2^36 block) in its bucket. */
export function wheelAdd(t: u64, when: f64, seq: u32, id: u32): void {
  assert(t > elapsed && (t ^ elapsed) >> SPAN_BITS == 0, "wheel: a record outside the wheel's span");
  const level = <i32>((63 - clz((t ^ elapsed) | 63)) / SLOT_BITS);
  const slot = <i32>((t >> (<u64>level * SLOT_BITS)) & 63);
  const b = (level << 6) | slot;
  let c = bucketTop(b);
  let fill: u32 = 0;
  if (c == 0) {
    setOccupied(level, occupied(level) | (<u64>1 << <u64>slot));
  } else {
    fill = chunkFill(c);
  }
  if (fill == PER_CHUNK || c == 0) {
    const top = takeChunk();
    store<u32>(top, <u32>c);
    store<u32>(top, <u32>b, 4);
    setBucketTop(b, top);
    c = top;
    fill = 0;
  }
  fill++;
  store<u32>(c, fill, 8);
  const r = chunkRecord(c, fill);
  recPut(r, when, seq, id);
  setPos(id, <u32>(r >> 1) | IN_WHEEL);
  wheelCount++;
}

/** Removes the record at `r` (a wheel record): the bucket's last record takes its place. */
export function wheelRemove(r: usize): void {
  const b = <i32>load<u32>(r & ~(CHUNK - 1), 4);
  const top = bucketTop(b);
  const fill = chunkFill(top);
  const last = chunkRecord(top, fill);
  if (last != r) {
    recCopy(r, last);
    setPos(recId(r), <u32>(r >> 1) | IN_WHEEL);
  }
  if (fill > 1) {
    store<u32>(top, fill - 1, 8);
  } else {
    const next = chunkNext(top);
    setBucketTop(b, next);
    freeChunk(top);
    if (next == 0) {
      const level = b >> 6;
      setOccupied(level, occupied(level) & ~(<u64>1 << <u64>(b & 63)));
    }
  }
  wheelCount--;
}

/** The bucket that comes due next (the first occupied slot of the lowest occupied level), or -1. */
export function wheelNextBucket(): i32 {
  for (let level = 0; level < 6; level++) {
    const bits = occupied(level);
    if (bits != 0) return (level << 6) | <i32>ctz(bits);
  }
  return -1;
}

/** The first tick of bucket `b`'s slot, in elapsed's block of its level. */
export function bucketStart(b: i32): u64 {
  const shift = <u64>(b >> 6) * SLOT_BITS;
  return (elapsed & ~((<u64>1 << (shift + SLOT_BITS)) - 1)) | (<u64>(b & 63) << shift);
}

/**
 * Empties bucket `b` and returns its chunks, oldest first (the stack is reversed in
 * place), so its records come out in the order they went in. The caller places each
 * record again and frees each chunk (wheelFreeChunk) once read. The records no longer
 * count as the wheel's.
 */
export function wheelTake(b: i32): usize {
  let c = bucketTop(b), oldest: usize = 0;
  setBucketTop(b, 0);
  const level = b >> 6;
  setOccupied(level, occupied(level) & ~(<u64>1 << <u64>(b & 63)));
  let taken: u32 = 0;
  while (c != 0) {
    const next = chunkNext(c);
    taken += chunkFill(c);
    store<u32>(c, <u32>oldest);
    oldest = c;
    c = next;
  }
  wheelCount -= taken;
  wheelTaken = taken;
  return oldest;
}

export function wheelFreeChunk(c: usize): void {
  freeChunk(c);
}

/** Bucket `b`'s chunk stack (0 if empty), to read it in place. */
export function wheelBucket(b: i32): usize {
  return bucketTop(b);
}

/** The occupancy bitmap of `level`. */
export function wheelOccupied(level: i32): u64 {
  return occupied(level);
}

/** Moves the wheel to tick `t`. The caller makes sure no record's slot starts before it. */
export function wheelSetElapsed(t: u64): void {
  elapsed = t;
}

/** For the debug build's checks: chunks carved but not in use (free list and arena rest). */
export function wheelChunksUnused(): u32 {
  let n = <u32>((arenaEnd - arenaNext) / CHUNK);
  for (let c = freeChunks; c != 0; c = <usize>load<u32>(c)) n++;
  return n;
}
