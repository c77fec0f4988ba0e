/// <reference types="node" />
// loop.connectReadPipe / connectWritePipe (asyncio's connect_read_pipe / connect_write_pipe)
// over Node streams, and openStdio(): the StreamReader and StreamWriter over the process's
// stdin and stdout that asyncio programs build by hand from those two calls.
import type { Readable, Writable } from "node:stream";
import type { EventLoop } from "../base-loop.js";
import type { Coroutine } from "../events.js";
import type { Future } from "../future.js";
import { _Operation } from "../operation.js";
import { getRunningLoop } from "../running.js";
import { checkFactory, checkLimit, checkNotClosed, checkOptions, expected } from "../checks.js";
import { creationSite, repr } from "../util.js";
import { makeProtocol, type ProtocolFactory, type StreamProtocolLike } from "../streams/protocols.js";
import { DEFAULT_LIMIT, StreamReader } from "../streams/stream-reader.js";
import { StreamReaderProtocol } from "../streams/stream-reader-protocol.js";
import { FlowControlProtocol, StreamWriter } from "../streams/stream-writer.js";
import { installLoopMethods } from "./install.js";
import { _whenMade } from "./create-connection.js";
import { ReadPipeTransport, WritePipeTransport } from "./pipe-transports.js";
import type { Transport } from "./transports.js";

/** A Node readable stream of bytes (not object mode, no encoding set). */
function checkReadable(call: string, pipe: unknown): Readable {
  const r = pipe as Partial<Readable> | null;
  const ok = typeof r === "object" && r !== null && typeof r.on === "function" && typeof r.pause === "function" &&
    typeof r.resume === "function" && typeof r.read === "function" && typeof r.destroy === "function";
  if (!ok) throw expected(call, "pipe to be a readable Node stream (a child's stdout, process.stdin, an fs.ReadStream)", pipe);
  if (r.readableObjectMode === true || (r.readableEncoding ?? null) !== null) {
    throw expected(call, "a stream of bytes (not in object mode, no setEncoding())", pipe);
  }
  return r as Readable;
}

/** A Node writable stream of bytes (not object mode). */
function checkWritable(call: string, pipe: unknown): Writable {
  const w = pipe as Partial<Writable> | null;
  const ok = typeof w === "object" && w !== null && typeof w.on === "function" && typeof w.write === "function" &&
    typeof w.end === "function" && typeof w.cork === "function" && typeof w.destroy === "function" && typeof w.writableLength === "number";
  if (!ok) throw expected(call, "pipe to be a writable Node stream (a child's stdin, process.stdout, an fs.WriteStream)", pipe);
  if (w.writableObjectMode === true) throw expected(call, "a stream of bytes (not in object mode)", pipe);
  return w as Writable;
}

function connectReadPipe(this: EventLoop, protocolFactory: unknown, pipe: unknown): Future<[ReadPipeTransport, StreamProtocolLike]> {
  const call = "connectReadPipe()";
  checkNotClosed(call, this);
  checkFactory(call, protocolFactory);
  const stream = checkReadable(call, pipe);
  const site = this.getDebug() ? creationSite() : undefined;
  return new _Operation(this, connect(this, call, protocolFactory as ProtocolFactory<StreamProtocolLike>, (loop, protocol, waiter) =>
    new ReadPipeTransport(loop, stream, protocol, waiter, site)));
}

function connectWritePipe(this: EventLoop, protocolFactory: unknown, pipe: unknown): Future<[WritePipeTransport, StreamProtocolLike]> {
  const call = "connectWritePipe()";
  checkNotClosed(call, this);
  checkFactory(call, protocolFactory);
  const stream = checkWritable(call, pipe);
  const site = this.getDebug() ? creationSite() : undefined;
  return new _Operation(this, connect(this, call, protocolFactory as ProtocolFactory<StreamProtocolLike>, (loop, protocol, waiter) =>
    new WritePipeTransport(loop, stream, protocol, waiter, site)));
}

/** asyncio's connect_*_pipe: the protocol, the transport, and the wait for connectionMade. */
function* connect<T extends ReadPipeTransport | WritePipeTransport>(
  loop: EventLoop,
  call: string,
  factory: ProtocolFactory<StreamProtocolLike>,
  make: (loop: EventLoop, protocol: StreamProtocolLike, waiter: Future<void>) => T,
): Coroutine<[T, StreamProtocolLike]> {
  const protocol = makeProtocol(call, factory);
  const waiter = loop.createFuture<void>();
  return yield* _whenMade(waiter, make(loop, protocol, waiter), protocol);
}

installLoopMethods({ connectReadPipe, connectWritePipe });

declare module "../base-loop.js" {
  interface EventLoop {
    /**
     * Reads a Node readable stream through a protocol (asyncio's `connect_read_pipe`): a
     * child's stdout, `process.stdin`, an `fs.ReadStream`. Returns a Future of
     * `[transport, protocol]`, done after `connectionMade`. The stream must give bytes
     * (no `setEncoding`); at its end the protocol gets `eofReceived()` then
     * `connectionLost(null)`, and the stream is destroyed.
     * @example
     * const [transport, lines] = yield* loop.connectReadPipe(() => new Lines(), child.stdout!)
     */
    connectReadPipe<P extends StreamProtocolLike>(protocolFactory: ProtocolFactory<P>, pipe: Readable): Future<[ReadPipeTransport, P]>;
    /**
     * Writes to a Node writable stream through a transport (asyncio's `connect_write_pipe`):
     * a child's stdin, `process.stdout`, an `fs.WriteStream`. Returns a Future of
     * `[transport, protocol]`, done after `connectionMade`; the protocol gets
     * `pauseWriting`/`resumeWriting` and `connectionLost`.
     * @example
     * const [transport] = yield* loop.connectWritePipe(() => new Protocol(), child.stdin!)
     * transport.write("data\n"); transport.close()
     */
    connectWritePipe<P extends StreamProtocolLike>(protocolFactory: ProtocolFactory<P>, pipe: Writable): Future<[WritePipeTransport, P]>;
  }
}

/**
 * The write side's protocol under a StreamWriter: flow control for `drain()`, and the
 * future `waitClosed()` follows (asyncio's FlowControlMixin alone has none).
 */
class PipeWriterProtocol extends FlowControlProtocol {
  readonly #closed: Future<void>;

  constructor(loop: EventLoop) {
    super(loop);
    this.#closed = loop.createFuture<void>();
  }

  override connectionLost(exc: Error | null): void {
    if (!this.#closed.done()) {
      if (exc === null || exc === undefined) {
        this.#closed.setResult(undefined);
      } else {
        this.#closed.setException(exc);
        // Only waitClosed() reports it, as StreamReaderProtocol's.
        this.#closed.exception();
      }
    }
    super.connectionLost(exc);
  }

  /** @internal */
  override _getCloseWaiter(): Future<void> {
    return this.#closed;
  }
}

/**
 * Options of `openStdio()`.
 * @example
 * const [reader, writer] = yield* openStdio({ limit: 1 << 20 })
 */
export interface StdioOptions {
  /** The StreamReader's limit (the longest line); default 64 KiB. */
  limit?: number;
  /** What to read instead of `process.stdin` (a readable stream of bytes). */
  stdin?: Readable;
  /** What to write to instead of `process.stdout` (a writable stream). */
  stdout?: Writable;
}

const STDIO_OPTIONS = new Set(["limit", "stdin", "stdout"]);

/**
 * A StreamReader over `process.stdin` and a StreamWriter over `process.stdout`, for
 * "read lines from stdin, answer on stdout" (what asyncio programs build from
 * `connect_read_pipe` and `connect_write_pipe`). Closing the writer ends stdout; stdin is
 * destroyed at its end (or when the reader's transport is closed).
 * @example
 * import { run, openStdio } from "wasyncio/node"
 * await run(function* () {
 *   const [reader, writer] = yield* openStdio()
 *   for (let line; (line = yield* reader.readline()).length > 0; ) writer.write(line.toString().toUpperCase())
 *   writer.close()
 *   yield* writer.waitClosed()
 * })
 */
export function* openStdio(options?: StdioOptions): Coroutine<[StreamReader, StreamWriter]> {
  const call = "openStdio()";
  const o = checkOptions<StdioOptions>(call, options);
  for (const key of Object.keys(o)) if (!STDIO_OPTIONS.has(key)) throw new TypeError(`${call} got an unknown option ${repr(key)}`);
  const limit = o.limit === undefined ? DEFAULT_LIMIT : checkLimit(call, o.limit);
  const stdin = checkReadable(call, o.stdin ?? process.stdin);
  const stdout = checkWritable(call, o.stdout ?? process.stdout);
  const loop = getRunningLoop();
  const reader = new StreamReader({ limit, loop });
  const readProtocol = new StreamReaderProtocol(reader, null, loop);
  yield* loop.connectReadPipe(() => readProtocol, stdin);
  const [transport, protocol] = yield* loop.connectWritePipe(() => new PipeWriterProtocol(loop), stdout);
  // StreamWriter is typed for the socket Transport; it calls only what a write pipe has
  // (write, writelines, writeEof, canWriteEof, close, isClosing, abort, getExtraInfo).
  return [reader, new StreamWriter(transport as unknown as Transport, protocol, reader, loop)];
}
