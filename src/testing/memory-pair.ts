// One in-memory connection without a network: two transports joined (memoryTransportPair),
// or two StreamReader/StreamWriter pairs over them (memoryStreamPair), as Trio's
// memory_stream_pair. The same MemoryTransport as the memory network's.
import type { EventLoop } from "../base-loop.js";
import { _runningLoopOrNull, getEventLoop } from "../running.js";
import { checkLimit, checkMs, checkNumber, checkOptions, expected } from "../checks.js";
import { notAProtocol, type StreamProtocolLike } from "../streams/protocols.js";
import { DEFAULT_LIMIT, StreamReader } from "../streams/stream-reader.js";
import { StreamWriter } from "../streams/stream-writer.js";
import { StreamReaderProtocol } from "../streams/stream-reader-protocol.js";
import type { Transport } from "../node/transports.js";
import { MemoryTransport, type _LinkConditions } from "./memory-transport.js";

/**
 * Options of `memoryTransportPair` and `memoryStreamPair`.
 * @example
 * const [[r1, w1], [r2, w2]] = memoryStreamPair({ latencyMs: 5, bufferSize: 1024, limit: 256 })
 */
export interface MemoryPairOptions {
  /** One-way delay of every delivery, in ms of the loop's clock (default 0: the next iteration). */
  latencyMs?: number;
  /** Bytes in flight per direction before the writer buffers (default 64 KiB). */
  bufferSize?: number;
  /** The loop (default: the running loop, else the current one). */
  loop?: EventLoop;
}

/** The checked conditions and loop of a pair. */
function pairOf(call: string, options: unknown): [EventLoop, _LinkConditions, Record<string, unknown>] {
  const opts = checkOptions<MemoryPairOptions & { limit?: number }>(call, options);
  let latencyMs = 0;
  if (opts.latencyMs !== undefined) {
    latencyMs = checkMs(call, "options.latencyMs", opts.latencyMs);
    if (latencyMs < 0 || latencyMs === Infinity) throw expected(call, "options.latencyMs to be a finite number of 0 or more", latencyMs, RangeError);
  }
  const bufferSize = opts.bufferSize === undefined
    ? 65536
    : checkNumber(call, "options.bufferSize to be a positive integer", opts.bufferSize, (n) => Number.isInteger(n) && n > 0);
  const loop = opts.loop ?? (_runningLoopOrNull() as EventLoop | null) ?? getEventLoop();
  if (typeof loop !== "object" || loop === null || typeof loop.createFuture !== "function") throw expected(call, "options.loop to be an event loop", loop);
  return [loop, { latencyMs, bufferSize }, opts as Record<string, unknown>];
}

/**
 * Two MemoryTransports joined into one connection: what `a` writes, `protocolB` receives,
 * and the other way round. Each protocol gets `connectionMade(itsTransport)` on the next
 * loop iteration. Addresses: `a` is `["memory", 1]`, `b` is `["memory", 2]`.
 * @param protocolA the protocol of the first end (`connectionMade`, `dataReceived` ...)
 * @param protocolB the protocol of the second end
 * @param options `latencyMs`, `bufferSize`, `loop`
 * @returns `[transportA, transportB]`
 * @example
 * const [ta, tb] = memoryTransportPair(new Client(), new Server())
 * ta.write("hello")   // Server's dataReceived gets it next iteration
 */
export function memoryTransportPair(
  protocolA: StreamProtocolLike, protocolB: StreamProtocolLike, options?: MemoryPairOptions,
): [MemoryTransport, MemoryTransport] {
  for (const [name, p] of [["protocolA", protocolA], ["protocolB", protocolB]] as const) {
    if (notAProtocol(p, "stream") !== null) throw expected("memoryTransportPair()", `${name} to be a stream protocol`, p);
  }
  const [loop, link] = pairOf("memoryTransportPair()", options);
  return join(loop, link, protocolA, protocolB);
}

function join(loop: EventLoop, link: _LinkConditions, a: StreamProtocolLike, b: StreamProtocolLike): [MemoryTransport, MemoryTransport] {
  const addrA: [string, number] = ["memory", 1], addrB: [string, number] = ["memory", 2];
  const ta = new MemoryTransport(loop, a, link, { sockname: addrA, peername: addrB });
  const tb = new MemoryTransport(loop, b, link, { sockname: addrB, peername: addrA });
  MemoryTransport._join(ta, tb);
  return [ta, tb];
}

/**
 * One in-memory stream connection: `[[readerA, writerA], [readerB, writerB]]`, where what
 * `writerA` writes `readerB` reads and the other way round (Trio's memory_stream_pair), with
 * wasyncio/node's StreamReader and StreamWriter over a MemoryTransport pair: flow control,
 * `drain()`, `writeEof()`, `close()` / `waitClosed()` as over a socket.
 * @param options `latencyMs`, `bufferSize`, `loop`, and `limit` (the readers' limit, default 64 KiB)
 * @example
 * runSync(function* () {
 *   const [[r1, w1], [r2, w2]] = memoryStreamPair()
 *   w1.write("ping\n")
 *   const line = yield* r2.readline()   // "ping\n"
 *   w1.close(); w2.close()
 * })
 */
export function memoryStreamPair(options?: MemoryPairOptions & { limit?: number }): [[StreamReader, StreamWriter], [StreamReader, StreamWriter]] {
  const [loop, link, opts] = pairOf("memoryStreamPair()", options);
  const limit = opts.limit === undefined ? DEFAULT_LIMIT : checkLimit("memoryStreamPair()", opts.limit);
  const readerA = new StreamReader({ limit, loop }), readerB = new StreamReader({ limit, loop });
  const protoA = new StreamReaderProtocol(readerA, null, loop), protoB = new StreamReaderProtocol(readerB, null, loop);
  const [ta, tb] = join(loop, link, protoA, protoB);
  // A StreamWriter is typed over Node's Transport; a MemoryTransport has its every method.
  return [
    [readerA, new StreamWriter(ta as unknown as Transport, protoA, readerA, loop)],
    [readerB, new StreamWriter(tb as unknown as Transport, protoB, readerB, loop)],
  ];
}
