// A timer record and where each id's record is.
//
//   record (16 bytes): [ when: f64 | seq: u32 | id: u32 ]
//
// A record lives in exactly one place: a chunk of a wheel bucket, the run (a due
// slot's records, sorted), the near heap or the overflow heap. The position table, one u32 per id, says which and where, so a cancel
// finds the record at once (no search, no flag left behind):
//
//   pos[id] = index << 3 | kind    kind: NOWHERE (0, the id holds no timer), IN_WHEEL
//                                  (index: the record's byte address / 16), IN_NEAR or
//                                  IN_OVERFLOW (index: its slot in that heap), IN_RUN
//                                  (index: its slot in the run)
//
// Records move (a heap's sift, a bucket's swap-remove, a cascade); whatever moves one
// rewrites its entry here. Ids are the host's slot ids, recycled LIFO, so the table is as
// long as the most ids ever live at once.

/** Bytes in one record. */
export const RECORD: usize = 16;

/** pos[] kinds. */
export const NOWHERE: u32 = 0;
export const IN_WHEEL: u32 = 1;
export const IN_NEAR: u32 = 2;
export const IN_OVERFLOW: u32 = 3;
export const IN_RUN: u32 = 4;

export let posPtr: usize = 0;
/** Ids the table has room for. */
export let posCap: u32 = 0;

@inline export function recWhen(p: usize): f64 { return load<f64>(p); }
@inline export function recSeq(p: usize): u32 { return load<u32>(p, 8); }
@inline export function recId(p: usize): u32 { return load<u32>(p, 12); }

@inline export function recPut(p: usize, when: f64, seq: u32, id: u32): void {
  store<f64>(p, when);
  store<u32>(p, seq, 8);
  store<u32>(p, id, 12);
}

// Two 8-byte moves: memory.copy of 16 bytes compiles to a call in V8, this to four instructions.
@inline export function recCopy(to: usize, from: usize): void {
  store<u64>(to, load<u64>(from));
  store<u64>(to, load<u64>(from, 8), 8);
}

/** (aWhen, aSeq) orders before (bWhen, bSeq): asyncio's order, deadline then scheduling order. */
@inline export function before(aWhen: f64, aSeq: u32, bWhen: f64, bSeq: u32): bool {
  return aWhen < bWhen || (aWhen == bWhen && aSeq < bSeq);
}

@inline export function posOf(id: u32): u32 {
  return load<u32>(posPtr + (<usize>id << 2));
}

@inline export function setPos(id: u32, pos: u32): void {
  store<u32>(posPtr + (<usize>id << 2), pos);
}

/** Takes the table at `ptr` (`ids` entries, all NOWHERE), allocated by the caller. */
export function posInit(ptr: usize, ids: u32): void {
  posPtr = ptr;
  posCap = ids;
  memory.fill(ptr, 0, <usize>ids << 2);
}

/** Moves the table to `ptr` (`ids` entries, more than now): the new entries are NOWHERE. */
export function posMove(ptr: usize, ids: u32): void {
  memory.copy(ptr, posPtr, <usize>posCap << 2);
  memory.fill(ptr + (<usize>posCap << 2), 0, <usize>(ids - posCap) << 2);
  posPtr = ptr;
  posCap = ids;
}
