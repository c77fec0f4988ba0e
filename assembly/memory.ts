// Linear-memory allocation for the core: a bump allocator over pages that grow on
// demand and are never returned. Regions only ever double, so the space left behind
// by a region that moved is at most the size of the live regions.

/** Bytes in one Wasm page. */
const PAGE: usize = 65536;

let top: usize = 0;

/** Starts allocation at the first free byte after static data. */
export function memoryInit(): void {
  top = (__heap_base + 15) & ~15;
}

/**
 * Reserves `bytes` (16-byte aligned) and returns their address, or 0 if memory
 * cannot grow. Growth at least doubles the memory, so it happens rarely: every
 * growth detaches the host's typed-array views and slows them while V8 re-checks.
 */
export function alloc(bytes: usize): usize {
  const ptr = top;
  const end = (ptr + bytes + 15) & ~15;
  const have = (<usize>memory.size()) * PAGE;
  if (end > have) {
    const need = <i32>((end - have + PAGE - 1) / PAGE);
    const double = memory.size();
    if (memory.grow(need > double ? need : double) < 0 && memory.grow(need) < 0) return 0;
  }
  top = end;
  return ptr;
}
