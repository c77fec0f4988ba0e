// Node: setImmediate runs after pending I/O callbacks, with no clamping; setTimeout sleeps.
import { hostSetImmediate, type HostDriver } from "./types.js";

/** @internal */
export function nodeDriver(): HostDriver {
  const perf = globalThis.performance;
  return {
    name: "node",
    now: () => perf.now(),
    immediate: (fn) => void hostSetImmediate!(fn),
    sleep: (fn, ms) => setTimeout(fn, ms),
    cancel: (token) => clearTimeout(token as ReturnType<typeof setTimeout>),
  };
}
