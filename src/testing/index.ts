// wasyncio/testing: deterministic tests on the virtual clock.
import { EventLoop } from "../base-loop.js";
import { getEventLoop } from "../running.js";
import { checkMs, expected } from "../checks.js";

export { runSync } from "../runners.js";
export { loopStats, type LoopStats } from "./inspect.js";
export { withShuffle } from "./with-shuffle.js";
export { createMemoryNetwork, MemoryNetwork, type MemoryNetworkOptions, type MemoryServerOptions } from "./memory-network.js";
export { MemoryServer, type MemorySocket } from "./memory-server.js";
export { MemoryTransport } from "./memory-transport.js";
export { memoryStreamPair, memoryTransportPair, type MemoryPairOptions } from "./memory-pair.js";
export { checkTwoWayStream, type StreamPair } from "./check-two-way-stream.js";
// What the memory network hands out and takes, for a browser too (wasyncio/node exports the same classes).
export { Protocol } from "../streams/protocols.js";
export { StreamReader } from "../streams/stream-reader.js";
export { StreamWriter } from "../streams/stream-writer.js";

/**
 * Runs `loop` (default: the current loop) synchronously through the next `ms`
 * milliseconds of virtual time: every callback and timer due by then runs, in order,
 * and the clock ends exactly `ms` later. The loop must use the virtual clock and not be
 * running.
 * @example
 * const loop = new EventLoop({ clock: "virtual" })
 * loop.callLater(50, () => log.push("fired"))
 * advance(100, loop)   // log: ["fired"], loop.time() === 100
 */
export function advance(ms: number, loop?: EventLoop): void {
  checkMs("advance()", "ms", ms);
  const target = loop ?? getEventLoop();
  if (!(target instanceof EventLoop)) throw expected("advance()", "an EventLoop", target);
  target._advance(ms);
}
