import { JsCore } from "./js.js";
import type { ReleaseFn, SchedulerCore } from "./types.js";
import { WasmCore, wasmModule } from "./wasm.js";

/** Closed loops return their Wasm core here (reset), so a test suite's thousands of loops reuse a few instances. */
const pool: SchedulerCore[] = [];
const POOL_SIZE = 4;
/**
 * A core whose memory grew past this is not pooled but left to the collector: Wasm memory
 * never shrinks, and a core that once held 5M timers would keep ~300 MB for nothing.
 */
const MAX_POOLED_BYTES = 1 << 20;

/** Makes (or reuses) a scheduler core. `kind` defaults to Wasm where WebAssembly is available. @internal */
export function acquireCore(kind: "wasm" | "js" | undefined, release: ReleaseFn): SchedulerCore {
  if (kind === "js") return new JsCore(release);
  const module = wasmModule();
  if (module === null) {
    if (kind === "wasm") throw new Error("new EventLoop(): options.core is \"wasm\" but WebAssembly is not available here");
    return new JsCore(release);
  }
  const reused = pool.pop();
  if (reused !== undefined) {
    reused.release = release;
    return reused;
  }
  return new WasmCore(module, release);
}

/** Gives a closed loop's core back for reuse. @internal */
export function releaseCore(core: SchedulerCore): void {
  if (core.kind !== "wasm" || pool.length >= POOL_SIZE || core.memoryBytes() > MAX_POOLED_BYTES) return;
  core.reset();
  core.release = () => {};
  pool.push(core);
}

/** Bytes of memory the pooled cores hold, for the tests. @internal */
export function _poolBytes(): number {
  let bytes = 0;
  for (const core of pool) bytes += core.memoryBytes();
  return bytes;
}

export type { SchedulerCore } from "./types.js";
