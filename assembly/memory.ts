// Linear-memory allocation for the core: a bump allocator over pages that grow on
// demand and are never returned. Regions only ever double, so the space left behind
// by a region that moved is at most the size of the live regions.
//
// A call that needs memory takes all of it before it changes anything, and gives the
// bump back (`allocRewind`) if a later piece cannot be had: a failed call leaves the
// core as it was. Only the memory's size may have changed (Wasm memory cannot shrink).

/** Bytes in one Wasm page. */
const PAGE: u64 = 65536;
/** wasm32 addresses stop short of 4 GiB. */
const LIMIT: u64 = 0x1_0000_0000;

let top: usize = 0;

/** The first free byte after static data, where a fresh layout starts. */
export function allocBase(): usize {
  return (__heap_base + 15) & ~15;
}

/** Where the next allocation starts (to rewind to). */
export function allocMark(): usize {
  return top;
}

/** Gives back everything allocated since `mark`. */
export function allocRewind(mark: usize): void {
  top = mark;
}

/**
 * Reserves `bytes` (16-byte aligned) and returns their address, or 0 if memory
 * cannot grow. Growth at least doubles the memory, so it happens rarely: every
 * growth detaches the host's typed-array views and slows them while V8 re-checks.
 */
export function alloc(bytes: u64): usize {
  const ptr = top;
  const end = (<u64>ptr + bytes + 15) & ~15;
  if (end >= LIMIT) return 0;
  const have = <u64>memory.size() * PAGE;
  if (end > have) {
    const need = <i32>((end - have + PAGE - 1) / PAGE);
    const double = memory.size();
    if (memory.grow(need > double ? need : double) < 0 && memory.grow(need) < 0) return 0;
  }
  top = <usize>end;
  return ptr;
}
