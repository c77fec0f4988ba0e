// Browsers: a MessageChannel message is a macrotask with no 4 ms clamping (setTimeout(0)
// is clamped after nesting); setTimeout sleeps until the next deadline.
import type { HostDriver } from "./types.js";

/** @internal */
export function browserDriver(): HostDriver {
  const perf = globalThis.performance;
  const queue: (() => void)[] = [];
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    const fn = queue.shift();
    if (fn !== undefined) fn();
  };
  return {
    name: "browser",
    now: () => perf.now(),
    immediate: (fn) => {
      queue.push(fn);
      channel.port2.postMessage(null);
    },
    sleep: (fn, ms) => setTimeout(fn, ms),
    cancel: (token) => clearTimeout(token as ReturnType<typeof setTimeout>),
  };
}
