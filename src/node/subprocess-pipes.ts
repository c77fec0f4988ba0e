/// <reference types="node" />
// A child process's pipes as transports: asyncio's _UnixReadPipeTransport and
// _UnixWritePipeTransport, as SubprocessTransport.getPipeTransport(fd) hands them out,
// over the Node streams of `child.stdio[fd]`. Each Node event becomes one `loop._schedule`,
// so the pipe protocol's callbacks run inside the loop in asyncio's order:
//
//   read pipe:  connectionMade ─► dataReceived* ─► eofReceived ─► connectionLost(null)
//   write pipe: connectionMade ─► (pauseWriting/resumeWriting)* ─► connectionLost(exc)
//
// The SubprocessTransport that owns them reports an unclosed child at loop close; the pipes
// only let go of their Node streams then.
import type { Readable, Writable } from "node:stream";
import type { EventLoop } from "../base-loop.js";
import { BaseTransport } from "../streams/base-transport.js";
import { describe, notAProtocol, type StreamProtocolLike } from "../streams/protocols.js";
import { expected } from "../checks.js";
import { toBytes } from "./bytes.js";

/** Marks EOF in the queue of events held while reading is paused. */
const EOF = Symbol("EOF");

/** Wraps a protocol callback as call_soon would: what it throws goes to the exception handler. */
function callProtocol(t: BaseTransport<StreamProtocolLike>, name: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    t._loop.callExceptionHandler({ message: `Exception in callback protocol.${name}()`, exception: e, transport: t, protocol: t._protocol });
  }
}

/**
 * The read end of a child's stdout or stderr pipe (asyncio's ReadTransport of a
 * subprocess): `SubprocessTransport.getPipeTransport(1)` or `(2)`. Reading can be paused
 * (the child then blocks on a full pipe) and resumed; `close()` stops reading and closes
 * the pipe. `getExtraInfo("pipe")` is the Node stream.
 * @example
 * const stdout = transport.getPipeTransport(1) as SubprocessReadPipe
 * stdout.pauseReading()   // the child blocks once the OS pipe buffer is full
 * stdout.resumeReading()
 */
export class SubprocessReadPipe extends BaseTransport<StreamProtocolLike> {
  readonly #stream: Readable;
  #paused = false;
  /** Chunks (and EOF) that arrived while paused, delivered in order on resumeReading. */
  #held: (Buffer | typeof EOF)[] | null = null;
  #error: Error | null = null;

  /** @internal Made by SubprocessTransport for `child.stdio[fd]`. */
  constructor(loop: EventLoop, stream: Readable, protocol: StreamProtocolLike) {
    super(loop, protocol, { pipe: stream }, undefined, null);
    this.#stream = stream;
    stream.on("data", this.#onData);
    stream.on("end", this.#onEnd);
    stream.on("error", this.#onError);
    stream.on("close", this.#onClose);
  }

  #onData = (chunk: Buffer): void => {
    if (!this._loop.isClosed()) this._loop._schedule(this.#deliver, chunk);
  };

  #onEnd = (): void => {
    if (!this._loop.isClosed()) this._loop._schedule(this.#deliver, EOF);
  };

  #onError = (err: Error): void => {
    this.#error ??= err;
  };

  #onClose = (): void => {
    // A pipe that ended cleanly was handled by its EOF; one destroyed by an error was not.
    if (!this._loop.isClosed() && this.#error !== null) this._loop._schedule(this.#lost, this.#error);
  };

  #deliver = (item: Buffer | typeof EOF): void => {
    if (this._closing) return;
    if (this.#paused || this.#held !== null) {
      (this.#held ??= []).push(item);
      return;
    }
    this.#handle(item);
  };

  #handle(item: Buffer | typeof EOF): void {
    const protocol = this._protocol;
    if (item !== EOF) {
      callProtocol(this, "dataReceived", () => protocol.dataReceived?.(item));
      return;
    }
    // asyncio: at EOF the transport closes; eof_received, then connection_lost(None).
    this._closing = true;
    callProtocol(this, "eofReceived", () => void protocol.eofReceived?.());
    this._loop._schedule(this.#lost, null);
  }

  #flush = (): void => {
    const held = this.#held;
    this.#held = null;
    if (held === null) return;
    for (let i = 0; i < held.length; i++) {
      if (this._closing) return;
      if (this.#paused) {
        this.#held = held.slice(i);
        return;
      }
      this.#handle(held[i]);
    }
  };

  #lost = (exc: Error | null): void => {
    if (this._lost) return;
    this._closing = true;
    this._loop._removeResource(this);
    this.#held = null;
    this._lose(exc);
  };

  /** @internal asyncio's _force_close: stop reading, close the pipe, connectionLost(exc). */
  override _forceClose(exc: Error | null): void {
    if (this._closing) return;
    this._closing = true;
    this.#held = null;
    this.#stream.destroy();
    this._loop._schedule(this.#lost, exc);
  }

  /** @internal The SubprocessTransport reports the unclosed child; the pipe lets go of its stream. */
  override _loopClosed(): void {
    this.#stream.destroy();
  }

  /** @internal setProtocol: a stream protocol. */
  override _adoptProtocol(protocol: StreamProtocolLike): void {
    const missing = notAProtocol(protocol, "stream");
    if (missing !== null) throw new TypeError(`setProtocol() expected a protocol, got ${describe(protocol)}${missing}`);
  }

  /**
   * Stops delivering data: no `dataReceived` after this returns; the child blocks once the
   * pipe is full, until `resumeReading()`.
   * @example
   * pipe.pauseReading()
   */
  pauseReading(): void {
    if (this._closing || this.#paused) return;
    this.#paused = true;
    this.#stream.pause();
  }

  /**
   * Resumes delivery: what arrived meanwhile comes first, in order.
   * @example
   * pipe.resumeReading()
   */
  resumeReading(): void {
    if (this._closing || !this.#paused) return;
    this.#paused = false;
    this.#stream.resume();
    if (this.#held !== null) this._loop._schedule(this.#flush, undefined);
  }

  /**
   * Whether data is being delivered (not paused, not closing).
   * @example
   * if (!pipe.isReading()) pipe.resumeReading()
   */
  isReading(): boolean {
    return !this.#paused && !this._closing;
  }

  /**
   * Stops reading and closes the pipe (a child still writing gets EPIPE/SIGPIPE); the
   * protocol gets `connectionLost(null)`. Idempotent.
   * @example
   * pipe.close()
   */
  close(): void {
    this._forceClose(null);
  }

  /**
   * The pipe and its state.
   * @example
   * String(pipe)   // "<SubprocessReadPipe open>"
   */
  override toString(): string {
    return `<${this.constructor.name} ${this._lost ? "closed" : this._closing ? "closing" : this.#paused ? "paused" : "open"}>`;
  }
}

/**
 * The write end of a child's stdin pipe (asyncio's WriteTransport of a subprocess):
 * `SubprocessTransport.getPipeTransport(0)`. Writes never block (Node buffers them) and
 * drive `pauseWriting`/`resumeWriting` by the water marks; `writeEof()` and `close()` send
 * what is buffered, then close the pipe (the child reads EOF). If the child is gone (it
 * exited, or closed its stdin), the protocol's `connectionLost` gets an Error with
 * `.code === "EPIPE"` (asyncio's BrokenPipeError) — never an unhandled 'error' event.
 * @example
 * const stdin = transport.getPipeTransport(0) as SubprocessWritePipe
 * stdin.write("hello\n")
 * stdin.close()   // the child reads EOF
 */
export class SubprocessWritePipe extends BaseTransport<StreamProtocolLike> {
  readonly #stream: Writable;
  #error: Error | null = null;
  #resumeQueued = false;
  /** @internal The child went away (exited) before this pipe was closed by us: writing is a broken pipe. */
  _peerClosed = false;

  /** @internal Made by SubprocessTransport for `child.stdin`. */
  constructor(loop: EventLoop, stream: Writable, protocol: StreamProtocolLike) {
    super(loop, protocol, { pipe: stream }, undefined, null);
    this.#stream = stream;
    stream.on("error", this.#onError);
    stream.on("close", this.#onClose);
  }

  #onError = (err: Error): void => {
    this.#error ??= err;
  };

  #onClose = (): void => {
    if (!this._loop.isClosed()) this._loop._schedule(this.#lost, undefined);
  };

  #lost = (): void => {
    if (this._lost) return;
    this._closing = true;
    this._loop._removeResource(this);
    this._lose(this.#error);
  };

  /**
   * @internal The child exited. asyncio's write pipe sees the hang-up of the pipe's read end
   * and closes (with BrokenPipeError if data was still buffered); Node does not watch a
   * write pipe for that (and destroys a child's stdin when it exits), so the exit stands
   * for it. Called from the ChildProcess 'exit' listener, before Node's 'close' of the pipe.
   */
  _peerGone(): void {
    // Closed by us (writeEof, close): the child's exit breaks nothing.
    if (this._lost || this._closing) return;
    const stream = this.#stream;
    this._peerClosed = true;
    this._closing = true;
    if (stream.writableLength > 0 && this.#error === null) this.#error = brokenPipe();
    if (!stream.destroyed) stream.destroy();
  }

  /**
   * Writes `data` (bytes, or a string as UTF-8) without blocking; over the high-water mark
   * the protocol gets `pauseWriting()`. After `close()` or once the pipe is lost, writes
   * are dropped (as asyncio's).
   * @example
   * pipe.write(new TextEncoder().encode("line\n"))
   */
  write(data: Uint8Array | string): void {
    const bytes = data instanceof Uint8Array ? data : toBytes("write()", data);
    if (bytes.byteLength === 0) return;
    if (this._closing || this._lost) {
      this._droppedWrite();
      return;
    }
    const stream = this.#stream;
    if (stream.writableLength + bytes.byteLength <= this._low) {
      stream.write(bytes);
      return;
    }
    stream.write(bytes, this.#onWritten);
    if (!this._protocolPaused && stream.writableLength > this._high) this._pauseProtocol();
  }

  /**
   * Writes each item of `list`.
   * @example
   * pipe.writelines(["a\n", "b\n"])
   */
  writelines(list: Iterable<Uint8Array | string>): void {
    if (list === null || typeof list !== "object" || typeof (list as Iterable<unknown>)[Symbol.iterator] !== "function") {
      throw expected("writelines()", "an iterable of bytes or strings", list);
    }
    for (const data of list) this.write(data);
  }

  #onWritten = (err?: Error | null): void => {
    if (err || !this._protocolPaused || this.#resumeQueued || this.#stream.writableLength > this._low) return;
    if (this._loop.isClosed()) return;
    this.#resumeQueued = true;
    this._loop._schedule(this.#resumeWriting, undefined);
  };

  #resumeWriting = (): void => {
    this.#resumeQueued = false;
    if (!this._protocolPaused || this._lost || this.#stream.writableLength > this._low) return;
    this._resumeProtocol();
  };

  /**
   * Closes the pipe once the buffered data is written: the child reads EOF. The protocol
   * then gets `connectionLost`.
   * @example
   * pipe.write(input); pipe.writeEof()
   */
  writeEof(): void {
    if (this._closing) return;
    this._closing = true;
    this.#stream.end();
  }

  /**
   * Always true: a pipe can be closed for writing.
   * @example
   * if (pipe.canWriteEof()) pipe.writeEof()
   */
  canWriteEof(): boolean {
    return true;
  }

  /**
   * As `writeEof()`: the buffered data is sent, then the pipe closes.
   * @example
   * pipe.close()
   */
  close(): void {
    this.writeEof();
  }

  /**
   * Bytes buffered, not yet taken by the pipe.
   * @example
   * if (pipe.getWriteBufferSize() > 1 << 20) pipe.abort()
   */
  getWriteBufferSize(): number {
    return this.#stream.writableLength;
  }

  /**
   * Sets the write buffer's water marks (defaults: high 64 KiB, low high / 4).
   * @example
   * pipe.setWriteBufferLimits(1 << 20)
   */
  setWriteBufferLimits(high?: number | null, low?: number | null): void {
    this._setWriteBufferLimits("setWriteBufferLimits()", high, low);
  }

  /**
   * The water marks, `[low, high]`.
   * @example
   * const [low, high] = pipe.getWriteBufferLimits()
   */
  getWriteBufferLimits(): [low: number, high: number] {
    return [this._low, this._high];
  }

  /** @internal asyncio's _force_close: drop the buffer, close now, connectionLost(exc). */
  override _forceClose(exc: Error | null): void {
    if (this._lost) return;
    this._closing = true;
    if (exc !== null) this.#error ??= exc;
    this.#stream.destroy();
  }

  /** @internal The SubprocessTransport reports the unclosed child; the pipe lets go of its stream. */
  override _loopClosed(): void {
    this.#stream.destroy();
  }

  /** @internal setProtocol: any protocol (a write pipe calls only the base callbacks). */
  override _adoptProtocol(protocol: StreamProtocolLike): void {
    if (typeof protocol !== "object" || protocol === null) throw new TypeError(`setProtocol() expected a protocol, got ${describe(protocol)}`);
  }

  /**
   * The pipe and its state.
   * @example
   * String(pipe)   // "<SubprocessWritePipe open bufsize=0>"
   */
  override toString(): string {
    const state = this._lost ? "closed" : this._closing ? "closing" : "open";
    return `<${this.constructor.name} ${state} bufsize=${this.#stream.writableLength}>`;
  }
}

/** asyncio's BrokenPipeError, as Node reports EPIPE. @internal */
export function brokenPipe(): Error {
  return Object.assign(new Error("Broken pipe: the child process closed its stdin or exited (EPIPE)"), { code: "EPIPE", errno: -32 });
}
