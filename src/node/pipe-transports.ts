/// <reference types="node" />
// The pipe transports: asyncio's _UnixReadPipeTransport and _UnixWritePipeTransport over a
// Node stream (a child's stdio, process.stdin/stdout, an fs stream). As the socket
// Transport, each Node event becomes one `loop._schedule`, so protocol callbacks run inside
// the loop in asyncio's order:
//
//   read:  connectionMade ─► dataReceived* ─► eofReceived ─► connectionLost(null)
//   write: connectionMade ─► pauseWriting/resumeWriting* ─► connectionLost (once, last)
//
// A read pipe closes at its EOF (asyncio: there is no half-close on a pipe); a write pipe's
// writeEof() and close() are the same thing: flush, end the stream, connectionLost(null).
// A child process's pipes (SubprocessTransport.getPipeTransport) are these transports too.
import type { Readable, Writable } from "node:stream";
import type { EventLoop } from "../base-loop.js";
import type { Future } from "../future.js";
import { className } from "../util.js";
import { expected } from "../checks.js";
import { BaseTransport } from "../streams/base-transport.js";
import { _ReadGate } from "../streams/read-gate.js";
import { _dataReceived, _isBufferedProtocol, describe, notAProtocol, type StreamProtocolLike, type _ReceivingTransport } from "../streams/protocols.js";
import { _resourceWarning } from "./resource-warning.js";
import { toBytes } from "./bytes.js";
import { osError } from "./errno.js";

/** Marks the EOF in the queue of events held while reading is paused. */
const EOF = Symbol("EOF");
const EMPTY = new Uint8Array(0);

/** Accepts a protocol for a pipe transport (setProtocol's check). */
function adopt(protocol: StreamProtocolLike): void {
  const missing = notAProtocol(protocol, "stream");
  if (missing !== null) throw new TypeError(`setProtocol() expected a protocol, got ${describe(protocol)}${missing}`);
}

/**
 * What both pipe transports share (not made directly): the Node stream, `getExtraInfo("pipe")`,
 * `close()`, `abort()`, `isClosing()`, and the one `connectionLost` at the end.
 * @example
 * function closeAll(pipes: PipeTransport<Readable | Writable>[]) {
 *   for (const pipe of pipes) if (!pipe.isClosing()) pipe.close()
 * }
 */
export abstract class PipeTransport<S extends Readable | Writable> extends BaseTransport<StreamProtocolLike> {
  /** @internal */
  readonly _pipe: S;
  /** @internal The first error Node reported. */
  _nodeError: Error | null = null;
  /** @internal Node's 'close' was processed. */
  _nodeClosed = false;
  #lostQueued = false;

  /** @internal Made by the subclasses. */
  constructor(loop: EventLoop, pipe: S, protocol: StreamProtocolLike, waiter: Future<void> | null, site: string | undefined) {
    super(loop, protocol, { pipe }, site, waiter);
    this._pipe = pipe;
    pipe.on("error", this.#onError);
    pipe.on("close", this.#onClose);
  }

  #onError = (err: Error): void => {
    this._nodeError ??= err;
  };

  #onClose = (): void => {
    // After connectionLost (which destroys the stream) there is nothing left to tell.
    if (!this._lost && !this._loop.isClosed()) this._loop._schedule(this.#closedEvent, undefined);
  };

  #closedEvent = (): void => {
    this._nodeClosed = true;
    this._closed();
  };

  /** @internal Node closed the stream (the loop's view of 'close'). */
  abstract _closed(): void;

  /**
   * Stops reading (a read pipe) or sends what is buffered first (a write pipe), then
   * closes the stream; the protocol gets `connectionLost`. Idempotent.
   * @example
   * transport.close()
   */
  abstract close(): void;

  /** @internal Closing now: connectionLost(exc) is scheduled once; the stream is destroyed then. */
  _lostSoon(exc: Error | null): void {
    this._closing = true;
    this._loop._removeResource(this);
    if (this.#lostQueued || this._lost) return;
    this.#lostQueued = true;
    this._loop._schedule(this._connectionLost, exc);
  }

  /** @internal asyncio's _call_connection_lost: the protocol is told, then the pipe closed. */
  _connectionLost = (exc: Error | null): void => {
    if (this._lost) return;
    this._closing = true;
    this._loop._removeResource(this);
    try {
      this._lose(exc);
    } finally {
      if (!this._pipe.destroyed) this._pipe.destroy();
    }
  };

  /** @internal asyncio's _force_close / _close: what is buffered is dropped; connectionLost(exc). */
  override _forceClose(exc: Error | null): void {
    if (this._lost) return;
    this._dropBuffered();
    this._lostSoon(exc);
  }

  /** @internal Drops what the transport holds (abort). */
  abstract _dropBuffered(): void;

  /** @internal setProtocol: a stream protocol. */
  override _adoptProtocol(protocol: StreamProtocolLike): void {
    adopt(protocol);
  }

  /** @internal The loop closes with the pipe still open: asyncio's ResourceWarning. */
  override _loopClosed(): void {
    if (this._closing || this._pipe.destroyed) return;
    this._reported = true;
    _resourceWarning(`unclosed transport ${this}`, "An open pipe keeps the Node process alive: close it (transport.close()) before its loop closes.", this._site);
  }

  /**
   * The transport's class, state and protocol's class.
   * @example
   * String(transport)   // "<ReadPipeTransport open protocol=<Lines>>"
   */
  override toString(): string {
    const state = this._lost ? "closed" : this._closing ? "closing" : "open";
    return `<${this.constructor.name} ${state} protocol=${className(this._protocol)}>`;
  }
}

/**
 * The read end of a pipe (asyncio's `ReadTransport` from `loop.connect_read_pipe`), over a
 * Node readable stream: its data goes to the protocol's `dataReceived` (or a
 * BufferedProtocol's buffer); at the stream's end the protocol gets `eofReceived()`, then
 * `connectionLost(null)`, and the stream is destroyed. `pauseReading()` /
 * `resumeReading()` stop and restart both the delivery and the stream. `getExtraInfo("pipe")`
 * is the stream.
 * @example
 * const [transport] = yield* loop.connectReadPipe(() => new Lines(), child.stdout!)
 * transport.pauseReading()
 */
export class ReadPipeTransport extends PipeTransport<Readable> {
  #intoBuffer: boolean;
  /** Reading paused (pauseReading), and the chunks (and EOF) held meanwhile. */
  readonly #reads: _ReadGate<Buffer | typeof EOF>;
  /**
   * This transport as _dataReceived sees it: that helper never reaches canWriteEof (only
   * the EOF helper does, which a read pipe replaces with asyncio's own EOF handling).
   */
  readonly #receiving = this as unknown as _ReceivingTransport;

  /** @internal Made by `loop.connectReadPipe`. */
  constructor(loop: EventLoop, pipe: Readable, protocol: StreamProtocolLike, waiter: Future<void> | null, site?: string) {
    super(loop, pipe, protocol, waiter, site);
    this.#intoBuffer = _isBufferedProtocol(protocol);
    this.#reads = new _ReadGate(loop, this.#receive, this.#stopped, this.#drained);
    if (pipe.destroyed) {
      // Gone before we took it: 'close' may have been emitted already.
      this._nodeError = (pipe.errored as Error | null) ?? null;
      loop._schedule(this._connectionLost, this._nodeError);
      return;
    }
    pipe.on("data", this.#onData);
    pipe.on("end", this.#onEnd);
    pipe.resume();
  }

  #onData = (chunk: Buffer): void => {
    if (this._lost) return;
    if (this._loop.isClosed()) this._pipe.destroy();
    else this._loop._schedule(this.#deliver, chunk);
  };

  #onEnd = (): void => {
    if (!this._lost && !this._loop.isClosed()) this._loop._schedule(this.#eofEvent, undefined);
  };

  #deliver = (chunk: Buffer): void => {
    this.#reads.offer(chunk);
  };

  #eofEvent = (): void => {
    this.#reads.offer(EOF);
  };

  /** One chunk (or the EOF) to the protocol; what a BufferedProtocol did not take comes back. */
  #receive = (item: Buffer | typeof EOF): Buffer | typeof EOF | null => {
    if (item !== EOF) return _dataReceived(this.#receiving, item, this.#intoBuffer);
    this.#eof();
    return null;
  };

  #stopped = (): boolean => this._closing;

  /** The chunks held while paused are delivered: a stream that closed meanwhile is handled now. */
  #drained = (): void => {
    if (this._nodeClosed) this._closed();
  };

  /** asyncio's _read_ready at EOF: closing, eof_received(), then connection_lost(None). */
  #eof(): void {
    this._closing = true;
    try {
      this._protocol.eofReceived?.();
    } catch (e) {
      this._fatalError(e, "Fatal error: protocol.eofReceived() call failed.");
      return;
    }
    this._lostSoon(null);
  }

  /** @internal */
  override _closed(): void {
    // A clean end with data still held (reading paused): the held data and EOF go first.
    if (this._nodeError === null && this.#reads.holding && !this._closing) return;
    if (!this._closing || this._nodeError !== null) this._forceClose(this._nodeError);
  }

  /** @internal */
  override _dropBuffered(): void {
    this.#reads.drop();
  }

  /**
   * Stops delivering data: no `dataReceived` runs after this returns, and the stream is
   * paused (a pipe's writer blocks once the pipe is full) until `resumeReading()`.
   * @example
   * if (lines.length > 1000) transport.pauseReading()
   */
  pauseReading(): void {
    if (this._closing || this.#reads.paused) return;
    this.#reads.paused = true;
    this._pipe.pause();
  }

  /**
   * Resumes delivery: what arrived since `pauseReading()` comes first, in order.
   * @example
   * if (lines.length < 100) transport.resumeReading()
   */
  resumeReading(): void {
    if (this._closing || !this.#reads.paused) return;
    this.#reads.resume();
    this._pipe.resume();
  }

  /**
   * Whether data is being delivered (not paused, not closing).
   * @example
   * if (!transport.isReading()) transport.resumeReading()
   */
  isReading(): boolean {
    return !this.#reads.paused && !this._closing;
  }

  /**
   * Stops reading and closes the pipe: nothing more is delivered; the protocol gets
   * `connectionLost(null)` soon, and the stream is destroyed. Idempotent.
   * @example
   * transport.close()
   */
  close(): void {
    if (this._closing) return;
    this.#reads.drop();
    this._lostSoon(null);
  }
}

/**
 * The write end of a pipe (asyncio's `WriteTransport` from `loop.connect_write_pipe`),
 * over a Node writable stream. Writes never block (Node buffers them); the protocol's
 * `pauseWriting()` / `resumeWriting()` follow the write buffer's water marks. `writeEof()`
 * and `close()` both send what is buffered, end the stream and then give the protocol
 * `connectionLost(null)`; `abort()` drops the buffer. If the reader goes away (a child
 * exits), the next write fails and the protocol gets `connectionLost(err)` with
 * `err.code === "EPIPE"`; later writes are dropped. (asyncio also notices a reader gone
 * while nothing is written; Node only when a write fails.) `getExtraInfo("pipe")` is the stream.
 * @example
 * const [transport] = yield* loop.connectWritePipe(() => new Protocol(), child.stdin!)
 * transport.write("hello\n")
 * transport.close()
 */
export class WritePipeTransport extends PipeTransport<Writable> {
  #resumeQueued = false;
  #ending = false;
  /** @internal The reader went away (a child exited) before we closed: writing is a broken pipe. */
  _peerClosed = false;

  /** @internal Made by `loop.connectWritePipe`. */
  constructor(loop: EventLoop, pipe: Writable, protocol: StreamProtocolLike, waiter: Future<void> | null, site?: string) {
    super(loop, pipe, protocol, waiter, site);
    if (pipe.destroyed || pipe.writableEnded) {
      this._nodeError = (pipe.errored as Error | null) ?? osError("connectWritePipe()", "EPIPE", "the stream is closed");
      loop._schedule(this._connectionLost, this._nodeError);
    }
  }

  /**
   * Writes `data` (bytes, or a string as UTF-8) without blocking. The bytes are not
   * copied: do not modify them afterwards. Calls `protocol.pauseWriting()` when the buffer
   * goes over the high-water mark. After `close()` or `writeEof()`, or once the pipe is
   * lost, writes are dropped (asyncio's warning after a few).
   * @example
   * transport.write("hello\n")
   */
  write(data: Uint8Array | string): void {
    const bytes = data instanceof Uint8Array ? data : toBytes("write()", data);
    if (bytes.byteLength === 0) return;
    if (this._closing) {
      this._droppedWrite("pipe closed by peer or os.write(pipe, data) raised exception.");
      return;
    }
    const pipe = this._pipe;
    if (pipe.writableLength + bytes.byteLength <= this._low) {
      pipe.write(bytes);
      return;
    }
    pipe.write(bytes, this.#onWritten);
    if (!this._protocolPaused && pipe.writableLength > this._high) this._pauseProtocol();
  }

  /**
   * Writes each item of `list` (bytes or strings), in one system call where possible.
   * @example
   * transport.writelines(["a\n", "b\n"])
   */
  writelines(list: Iterable<Uint8Array | string>): void {
    if (list === null || typeof list !== "object" || typeof (list as Iterable<unknown>)[Symbol.iterator] !== "function") {
      throw expected("writelines()", "an iterable of bytes or strings", list);
    }
    const pipe = this._pipe;
    pipe.cork();
    try {
      for (const data of list) this.write(data);
    } finally {
      pipe.uncork();
    }
  }

  /**
   * Sends what is buffered, then ends the stream (the reader sees EOF) and gives the
   * protocol `connectionLost(null)`. The transport is closing from now on (a pipe has no
   * half-close). Idempotent.
   * @example
   * transport.write(lastLine); transport.writeEof()
   */
  writeEof(): void {
    if (this._closing) return;
    this._closing = true;
    this._loop._removeResource(this);
    this.#ending = true;
    const pipe = this._pipe;
    pipe.once("finish", this.#onFinish);
    pipe.end();
  }

  /**
   * True: a pipe's write end can always be closed.
   * @example
   * if (transport.canWriteEof()) transport.writeEof()
   */
  canWriteEof(): boolean {
    return true;
  }

  /**
   * `writeEof()`: the buffered data is sent first (asyncio's write pipe closes that way).
   * @example
   * transport.close()
   */
  close(): void {
    this.writeEof();
  }

  #onFinish = (): void => {
    if (!this._lost && !this._loop.isClosed()) this._loop._schedule(this.#finished, undefined);
  };

  #finished = (): void => {
    if (this._nodeError === null) this._lostSoon(null);
  };

  /**
   * @internal The reader is known to be gone (SubprocessTransport: the child exited).
   * asyncio's write pipe sees the hang-up of the pipe's read end and closes, with
   * BrokenPipeError if data was still buffered; Node does not watch a write pipe for that
   * (it destroys a child's stdin when the child exits), so the exit stands for it. Called
   * from the ChildProcess 'exit' listener, before the buffer is dropped and 'close' comes.
   */
  _peerGone(): void {
    // Closed by us (writeEof, close): the reader's going breaks nothing.
    if (this._lost || this._closing) return;
    this._peerClosed = true;
    this._closing = true;
    const pipe = this._pipe;
    if (pipe.writableLength > 0) this._nodeError ??= brokenPipe("write()");
    if (!pipe.destroyed) pipe.destroy();
  }

  /** @internal */
  override _closed(): void {
    if (this._lost) return;
    // 'close' without 'finish': the reader went away (asyncio: BrokenPipeError if data waited).
    const broken = this._pipe.writableLength > 0 && !this._pipe.writableFinished;
    const exc = this._nodeError ?? (broken ? brokenPipe("write()") : null);
    if (exc === null && this.#ending && !this._pipe.writableFinished) return;
    this._forceClose(exc);
  }

  /** @internal */
  override _dropBuffered(): void {
    if (!this._pipe.destroyed) this._pipe.destroy();
  }

  /**
   * Bytes buffered for sending (Node's buffer: not yet handed to the kernel).
   * @example
   * if (transport.getWriteBufferSize() > 1 << 20) yield* sleep(10)
   */
  getWriteBufferSize(): number {
    return this._pipe.writableLength;
  }

  /**
   * `[low, high]`: the write buffer marks of flow control.
   * @example
   * const [low, high] = transport.getWriteBufferLimits()
   */
  getWriteBufferLimits(): [low: number, high: number] {
    return [this._low, this._high];
  }

  /**
   * Sets the write buffer marks: `pauseWriting()` above `high`, `resumeWriting()` once at
   * or below `low`. Defaults as asyncio: high 64 KiB (or 4 × low), low high / 4.
   * @example
   * transport.setWriteBufferLimits(1 << 20)
   */
  setWriteBufferLimits(high?: number | null, low?: number | null): void {
    this._setWriteBufferLimits("setWriteBufferLimits()", high, low);
    const pipe = this._pipe;
    if (this._protocolPaused || this._closing || pipe.writableLength <= this._high) return;
    this._pauseProtocol();
    // The data already buffered may have no write callback: queue one behind it.
    pipe.write(EMPTY, this.#onWritten);
  }

  #onWritten = (err?: Error | null): void => {
    if (err || this._lost || !this._protocolPaused || this.#resumeQueued || this._pipe.writableLength > this._low) return;
    if (this._loop.isClosed()) return;
    this.#resumeQueued = true;
    this._loop._schedule(this.#resumeWriting, undefined);
  };

  #resumeWriting = (): void => {
    this.#resumeQueued = false;
    if (!this._protocolPaused || this._lost || this._pipe.writableLength > this._low) return;
    this._resumeProtocol();
  };
}

/** asyncio's BrokenPipeError as Node reports EPIPE: the pipe's reader (a child's stdin) is gone. @internal */
export function brokenPipe(call: string): Error {
  return osError(call, "EPIPE", "broken pipe: its reader (the child process) is gone");
}
