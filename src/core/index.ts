import { JsCore } from "./js.js";
import type { SchedulerCore } from "./types.js";
import { WasmCore, wasmModule } from "./wasm.js";

/**
 * Closed loops return their core here (reset), one pool per kind, so a test suite's
 * thousands of loops reuse a few cores, and a loop starts on pages already touched rather
 * than fresh ones (a fresh page costs ~11 µs on a VM). Both kinds alike, so a benchmark of
 * one core against the other compares the cores, not their allocations.
 */
const pools: Record<SchedulerCore["kind"], SchedulerCore[]> = { wasm: [], js: [] };
const POOL_SIZE = 4;
/**
 * A core whose memory grew past this is not pooled but left to the collector: Wasm memory
 * never shrinks, and a core that once held 5M timers would keep ~300 MB for nothing.
 */
const MAX_POOLED_BYTES = 1 << 20;

/** Makes (or reuses) a scheduler core. `kind` defaults to Wasm where WebAssembly is available. @internal */
export function acquireCore(kind: "wasm" | "js" | undefined): SchedulerCore {
  if (kind !== "js") {
    const module = wasmModule();
    if (module !== null) return pools.wasm.pop() ?? new WasmCore(module);
    if (kind === "wasm") throw new Error("new EventLoop(): options.core is \"wasm\" but WebAssembly is not available here");
  }
  return pools.js.pop() ?? new JsCore();
}

/** Gives a closed loop's core back for reuse. @internal */
export function releaseCore(core: SchedulerCore): void {
  const pool = pools[core.kind];
  if (pool.length >= POOL_SIZE || core.memoryBytes() > MAX_POOLED_BYTES) return;
  core.reset();
  pool.push(core);
}

/** Bytes of memory the pooled cores hold, for the tests. @internal */
export function _poolBytes(): number {
  let bytes = 0;
  for (const core of [...pools.wasm, ...pools.js]) bytes += core.memoryBytes();
  return bytes;
}

export type { SchedulerCore } from "./types.js";
