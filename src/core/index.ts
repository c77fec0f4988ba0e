import { JsCore } from "./js.js";
import type { ReleaseFn, SchedulerCore } from "./types.js";
import { WasmCore, wasmModule } from "./wasm.js";

/** Closed loops return their Wasm core here (reset), so a test suite's thousands of loops reuse a few instances. */
const pool: SchedulerCore[] = [];
const POOL_SIZE = 4;

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
  if (core.kind !== "wasm" || pool.length >= POOL_SIZE) return;
  core.reset();
  core.release = () => {};
  pool.push(core);
}

export type { SchedulerCore } from "./types.js";
