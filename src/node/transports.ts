/// <reference types="node" />
// The stream transport: asyncio's _SelectorSocketTransport over a node:net or node:tls
// socket. Node does the reading and writing; the transport turns each Node event into one
// `loop._schedule` (no Handle, no closure, no Promise per chunk), so protocol callbacks run
// inside the loop in asyncio's order:
//
//   connectionMade ─► dataReceived* ─► eofReceived? ─► connectionLost (once, last)
//
// Writes go straight to `socket.write` (Node's buffer is the write buffer); a write
// callback is attached only while the buffer is above the low-water mark, which is what
// it takes to call resumeWriting at the low mark whatever Node's own high-water mark is.
import type * as net from "node:net";
import type * as tls from "node:tls";
import type { EventLoop } from "../base-loop.js";
import { _resolvePending, type Future } from "../future.js";
import { className, repr } from "../util.js";
import { BufferedProtocol, describe, formatAddress, notAProtocol, type Address } from "./protocols.js";
import { toBytes } from "./bytes.js";
import { _isEofCheckError, checkEof } from "./eof-check.js";

/** asyncio's default high-water mark of a transport's write buffer. */
const DEFAULT_HIGH_WATER = 64 * 1024;
/** Writes dropped after the connection is lost before asyncio's warning is logged. */
const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;
/** Marks the peer's EOF in the queue of received events held while reading is paused. */
const EOF = Symbol("EOF");
const EMPTY = new Uint8Array(0);

/**
 * What a stream transport calls on its protocol: a `Protocol`, a `BufferedProtocol`, or
 * any object with these methods (`dataReceived`, or `getBuffer` + `bufferUpdated`).
 * @example
 * const proto: StreamProtocolLike = { dataReceived: (d) => console.log(d.length) }
 */
export interface StreamProtocolLike {
  /** The connection is set up; `transport` writes to it and closes it. */
  connectionMade?(transport: Transport): void;
  /** Bytes arrived (any chunk size: message boundaries are not kept). */
  dataReceived?(data: Uint8Array): void;
  /** Instead of `dataReceived`: a buffer to receive into (`sizeHint` bytes are waiting, -1: unknown). */
  getBuffer?(sizeHint: number): Uint8Array;
  /** `nbytes` bytes were written at the start of the buffer `getBuffer` returned. */
  bufferUpdated?(nbytes: number): void;
  /** The peer sent EOF: return true to keep the transport open for writing. */
  eofReceived?(): boolean | void;
  /** The connection is gone: the error, or null for a clean close. Called once, last. */
  connectionLost?(exc: Error | null): void;
  /** The write buffer went over its high-water mark: stop writing for now. */
  pauseWriting?(): void;
  /** The write buffer drained to its low-water mark: writing may go on. */
  resumeWriting?(): void;
}

/** What a transport tells the server it belongs to (asyncio's Server._detach). @internal */
export interface _ClientOwner {
  _detach(transport: Transport): void;
}

/** How a transport was made (what its creator knows about the socket). @internal */
export interface _TransportOptions {
  /** The server that accepted the connection: told when the connection is gone. */
  owner?: _ClientOwner | null;
  /** Resolved (unless cancelled) right after connectionMade, as asyncio's waiter. */
  waiter?: Future<void> | null;
  /** Bytes read from the socket before the transport took it: delivered first. */
  buffered?: Uint8Array[];
  /** The peer's EOF was read before the transport took the socket. */
  eof?: boolean;
  /** A TLS socket (no half-close; peercert/cipher extra info). */
  tls?: tls.SecureContext | true | null;
  /** A Unix socket: the path it was connected to or accepted on. */
  unixPath?: string;
  /** Accepted by a server (rather than connected). */
  serverSide?: boolean;
  /** Where the connection was asked for, or the server that accepted it was (debug mode). */
  site?: string;
}

/**
 * Warns that `what` (a server, transport or writer) is still open as its loop closes:
 * asyncio's ResourceWarning ("unclosed transport <...>"). asyncio raises it through the
 * `warnings` module, not the loop's exception handler: it is a warning about the program,
 * not an error of the loop, shown once on stderr and silenced or filtered by the user.
 * Node's equivalent of `warnings.warn` is `process.emitWarning` (printed to stderr as
 * "(node:…) ResourceWarning: …"; `--no-warnings` silences it, `process.on("warning")` sees
 * it), so that is the channel. `detail` says what to do and, in debug mode, where the
 * object was made (asyncio shows tracemalloc's allocation site). @internal
 */
export function _resourceWarning(message: string, advice: string, site: string | undefined, siteLabel = "Created at"): void {
  const where = site === undefined
    ? "Run the loop in debug mode (debug: true) to see where it was created."
    : `${siteLabel}:\n${site}`;
  const detail = `${advice}\n${where}`;
  if (typeof process === "object" && typeof process.emitWarning === "function") {
    process.emitWarning(message, { type: "ResourceWarning", detail });
  } else {
    console.warn(`ResourceWarning: ${message}\n${detail}`);
  }
}

/** Ignores an 'error' event: every Node socket we touch gets one, so none is ever unhandled. @internal */
export function _ignoreError(): void {}

/** asyncio's _set_write_buffer_limits: [low, high]. @internal */
export function _writeBufferLimits(call: string, high: unknown, low: unknown): [number, number] {
  for (const [name, v] of [["high", high], ["low", low]] as const) {
    if (v !== undefined && v !== null && (typeof v !== "number" || Number.isNaN(v))) {
      throw new TypeError(`${call} expected ${name} to be a number of bytes, got ${repr(v)}`);
    }
  }
  let h = high as number | null | undefined, l = low as number | null | undefined;
  if (h === undefined || h === null) h = l === undefined || l === null ? DEFAULT_HIGH_WATER : 4 * l;
  if (l === undefined || l === null) l = Math.floor(h / 4);
  if (!(h >= l && l >= 0)) throw new RangeError(`${call}: high (${h}) must be >= low (${l}) must be >= 0`);
  return [l, h];
}

/**
 * A stream transport (TCP, Unix socket or TLS): what `loop.createConnection` and
 * `loop.createServer` hand to a protocol's `connectionMade`. asyncio's
 * `_SelectorSocketTransport` semantics over a Node socket: writes never block (they are
 * buffered), flow control through `pauseWriting`/`resumeWriting` on the protocol,
 * `pauseReading`/`resumeReading` stop and restart delivery (and reading from the socket).
 * A peer's reset is `connectionLost(err)` with `err.code === "ECONNRESET"`, without
 * `eofReceived` (on Node 20/22, whose libuv can report it as EOF, each EOF of a TCP
 * connection is checked with an empty write; not after `writeEof()` or while written
 * data waits to be sent, where a reset can still read as EOF).
 * @example
 * class Echo extends Protocol {
 *   transport!: Transport
 *   connectionMade(t: Transport) { this.transport = t }
 *   dataReceived(data: Uint8Array) { this.transport.write(data) }
 *   eofReceived() { this.transport.close() }
 * }
 * const server = yield* loop.createServer(() => new Echo(), "127.0.0.1", 8888)
 */
export class Transport {
  readonly #loop: EventLoop;
  readonly #conn: net.Socket;
  #protocol: StreamProtocolLike;
  #intoBuffer: boolean;
  #owner: _ClientOwner | null;
  readonly #tls: tls.SecureContext | true | null;
  readonly #extra: Record<string, unknown>;
  /** close(), abort() or a fatal error happened (asyncio's _closing). */
  #closing = false;
  /** close() waits for the buffered data to go out: writes meanwhile are still sent. */
  #flushing = false;
  /** writeEof() was called. */
  #eof = false;
  /** Reading is paused (pauseReading). */
  #paused = false;
  /** Chunks (and EOF) that arrived while paused or before earlier held ones were delivered. */
  #held: (Buffer | typeof EOF)[] | null = null;
  #flushQueued = false;
  /** Node's 'close' was processed: the socket is gone. */
  #nodeClosed = false;
  /** The first error Node reported. */
  #nodeError: Error | null = null;
  /** A plain TCP connection (not TLS, not Unix): its EOF is checked for a hidden reset. */
  readonly #tcp: boolean;
  /** What connectionLost receives when fixed by abort() or a fatal error (undefined: not fixed). */
  #lostExc: Error | null | undefined = undefined;
  /** connectionLost was called. */
  #lost = false;
  #droppedWrites = 0;
  #low: number;
  #high = DEFAULT_HIGH_WATER;
  #protocolPaused = false;
  #resumeQueued = false;
  /** Where it was made (debug mode), for the ResourceWarning. */
  readonly #site: string | undefined;
  readonly #serverSide: boolean;
  /** The StreamWriter over this transport: what the user holds, so what a warning names. */
  #writer: object | null = null;

  /** @internal Made by the loop's connection methods and by servers. */
  constructor(loop: EventLoop, conn: net.Socket, protocol: StreamProtocolLike, options: _TransportOptions = {}) {
    this.#loop = loop;
    this.#conn = conn;
    this.#protocol = protocol;
    this.#intoBuffer = isBufferedProtocol(protocol);
    this.#owner = options.owner ?? null;
    this.#tls = options.tls ?? null;
    this.#low = this.#high / 4;
    this.#extra = extraInfo(conn, options);
    this.#site = options.site;
    this.#serverSide = Boolean(options.serverSide);
    this.#tcp = options.unixPath === undefined && !options.tls;
    loop._addResource(this);

    // asyncio: connection_made, then the reader, then the waiter, each through call_soon.
    loop._schedule(this.#made, undefined);
    if (options.waiter) loop._schedule(_resolvePending, options.waiter);
    if (options.buffered) for (const chunk of options.buffered) loop._schedule(this.#deliver, chunk);
    if (options.eof) loop._schedule(this.#eofEvent, undefined);

    conn.on("error", this.#onError);
    conn.on("close", this.#onClose);
    if (conn.destroyed) {
      // It failed before we took it: its 'close' may already have been emitted.
      this.#nodeError = (conn.errored as Error | null) ?? null;
      loop._schedule(this.#closedEvent, undefined);
      return;
    }
    if (options.unixPath === undefined) conn.setNoDelay(true); // as asyncio (a no-op where Node cannot)
    conn.on("data", this.#onData);
    conn.on("end", this.#onEnd);
    conn.resume();
  }

  // ---- Node events (outside the loop): each one is scheduled into the loop -----------

  #onData = (chunk: Buffer): void => {
    const loop = this.#loop;
    if (loop.isClosed()) this.#conn.destroy();
    else loop._schedule(this.#deliver, chunk);
  };

  #onEnd = (): void => {
    if (this.#tcp) checkEof(this.#conn, this.#eofChecked);
    else this.#eofChecked(true);
  };

  /**
   * The peer's EOF, checked for a reset libuv reported as EOF (checkEof): a reset is not
   * an EOF; Node's 'error' (ECONNRESET) and 'close' follow, and connectionLost gets it.
   */
  #eofChecked = (eof: boolean): void => {
    if (eof && !this.#loop.isClosed()) this.#loop._schedule(this.#eofEvent, undefined);
  };

  #onError = (err: Error): void => {
    if (this.#nodeError === null && !_isEofCheckError(err)) this.#nodeError = err;
  };

  #onClose = (): void => {
    if (!this.#loop.isClosed()) this.#loop._schedule(this.#closedEvent, undefined);
  };

  // ---- the same events, in the loop ------------------------------------------------------

  #made = (): void => {
    try {
      this.#protocol.connectionMade?.(this);
    } catch (e) {
      // asyncio calls connection_made through call_soon: a failure is reported as a
      // failing callback's, and the transport stays open.
      this.#loop.callExceptionHandler({
        message: "Exception in callback protocol.connectionMade()", exception: e, transport: this, protocol: this.#protocol,
      });
    }
  };

  #deliver = (chunk: Buffer): void => {
    // After close()/abort() nothing more is delivered (asyncio removed the reader).
    if (this.#closing) return;
    if (this.#paused || this.#held !== null) {
      (this.#held ??= []).push(chunk);
      return;
    }
    const rest = this.#receive(chunk);
    if (rest !== null) this.#held = [rest];
  };

  #eofEvent = (): void => {
    if (this.#closing) return;
    if (this.#paused || this.#held !== null) {
      (this.#held ??= []).push(EOF);
      return;
    }
    this.#eofReceived();
  };

  #closedEvent = (): void => {
    this.#nodeClosed = true;
    const exc = this.#lostExc !== undefined ? this.#lostExc : this.#nodeError;
    // A clean end with received data still held (reading paused): it goes first.
    if (exc === null && this.#held !== null && !this.#closing) return;
    this.#connectionLost(exc);
  };

  /** Delivers the held chunks (and EOF) after resumeReading, while reading stays on. */
  #flush = (): void => {
    this.#flushQueued = false;
    const held = this.#held;
    if (held === null) return;
    let i = 0;
    while (i < held.length && !this.#paused && !this.#closing) {
      const item = held[i++];
      if (item === EOF) {
        this.#eofReceived();
      } else {
        const rest = this.#receive(item);
        if (rest !== null) held[--i] = rest;
      }
    }
    if (this.#closing) return;
    if (i < held.length) {
      held.splice(0, i);
      return;
    }
    this.#held = null;
    if (this.#nodeClosed) this.#connectionLost(null);
  };

  /** Hands one chunk to the protocol; returns what a paused BufferedProtocol left. */
  #receive(chunk: Buffer): Buffer | null {
    if (this.#intoBuffer) return this.#receiveInto(chunk);
    try {
      this.#protocol.dataReceived!(chunk);
    } catch (e) {
      this.#fatalError(e, "Fatal error: protocol.dataReceived() call failed.");
    }
    return null;
  }

  #receiveInto(chunk: Buffer): Buffer | null {
    const protocol = this.#protocol;
    const len = chunk.length;
    let off = 0;
    while (off < len) {
      let buf: Uint8Array;
      try {
        buf = asBytes(protocol.getBuffer!(len - off));
      } catch (e) {
        this.#fatalError(e, "Fatal error: protocol.getBuffer() call failed.");
        return null;
      }
      const n = Math.min(buf.length, len - off);
      buf.set(n === len ? chunk : chunk.subarray(off, off + n));
      off += n;
      try {
        protocol.bufferUpdated!(n);
      } catch (e) {
        this.#fatalError(e, "Fatal error: protocol.bufferUpdated() call failed.");
        return null;
      }
      if (this.#closing) return null;
      if (this.#paused && off < len) return chunk.subarray(off);
    }
    return null;
  }

  #eofReceived(): void {
    let keepOpen: boolean | void;
    try {
      keepOpen = this.#protocol.eofReceived?.();
    } catch (e) {
      this.#fatalError(e, "Fatal error: protocol.eofReceived() call failed.");
      return;
    }
    // TLS has no half-close: asyncio's SSL transport closes whatever eofReceived returns.
    if (!keepOpen || this.#tls !== null) this.close();
  }

  #connectionLost(exc: Error | null): void {
    if (this.#lost) return;
    this.#lost = true;
    this.#closing = true;
    this.#loop._removeResource(this);
    this.#flushing = false;
    this.#held = null;
    try {
      this.#protocol.connectionLost?.(exc);
    } catch (e) {
      this.#loop.callExceptionHandler({
        message: "Exception in protocol.connectionLost()", exception: e, transport: this, protocol: this.#protocol,
      });
    } finally {
      const owner = this.#owner;
      this.#owner = null;
      owner?._detach(this);
    }
  }

  #lostCallback = (exc: Error | null): void => this.#connectionLost(exc);

  /** asyncio's _fatal_error for a protocol callback that threw: report it, then abort. */
  #fatalError(exc: unknown, message: string): void {
    this.#loop.callExceptionHandler({ message, exception: exc, transport: this, protocol: this.#protocol });
    this.#forceClose(exc as Error);
  }

  /** asyncio's _force_close: drop the write buffer, close now; connectionLost(exc). */
  #forceClose(exc: Error | null): void {
    if (this.#lost || this.#lostExc !== undefined) return;
    this.#lostExc = exc;
    this.#closing = true;
    this.#loop._removeResource(this);
    this.#flushing = false;
    this.#held = null;
    if (this.#nodeClosed) this.#loop._schedule(this.#lostCallback, exc);
    else this.#conn.destroy();
  }

  // ---- writing -------------------------------------------------------------------------

  /**
   * Writes `data` (bytes, or a string as UTF-8) without blocking: what the socket does not
   * take at once is buffered. The bytes are not copied: do not modify them afterwards.
   * Calls `protocol.pauseWriting()` when the buffer goes over the high-water mark.
   * @example
   * transport.write(new TextEncoder().encode("hello\n"))
   * transport.write("hello\n")
   */
  write(data: Uint8Array | string): void {
    let bytes: Uint8Array;
    if (data instanceof Uint8Array) bytes = data;
    else bytes = toBytes("write()", data);
    if (this.#eof) throw new Error("Cannot call write() after writeEof()");
    const n = bytes.byteLength;
    if (n === 0) return;
    if (this.#closing) {
      // As asyncio: after close() with data still buffered, writes join the buffer and
      // go out before the connection closes; once it is empty they are dropped.
      if (this.#flushing) this.#conn.write(bytes);
      else this.#droppedWrite();
      return;
    }
    const conn = this.#conn;
    // At or under the low mark after this write: no flow control to do, no callback.
    if (conn.writableLength + n <= this.#low) {
      conn.write(bytes);
      return;
    }
    conn.write(bytes, this.#onWritten);
    if (!this.#protocolPaused && conn.writableLength > this.#high) this.#pauseProtocol();
  }

  /**
   * Writes each item of `list` (bytes or strings), in one system call where possible.
   * @example
   * transport.writelines([header, body])
   */
  writelines(list: Iterable<Uint8Array | string>): void {
    if (list === null || typeof list !== "object" || typeof (list as Iterable<unknown>)[Symbol.iterator] !== "function") {
      throw new TypeError(`writelines() expected an iterable of bytes or strings, got ${repr(list)}`);
    }
    if (this.#eof) throw new Error("Cannot call writelines() after writeEof()");
    const conn = this.#conn;
    conn.cork();
    try {
      for (const data of list) this.write(data);
    } finally {
      conn.uncork();
    }
  }

  /**
   * Closes the write side after the buffered data is sent (TCP half-close): the peer's
   * protocol gets `eofReceived()`; this side can still receive. Not possible on TLS.
   * @example
   * transport.write(request); transport.writeEof()
   */
  writeEof(): void {
    if (this.#tls !== null) throw new Error("writeEof() is not supported on a TLS transport (canWriteEof() is false)");
    if (this.#closing || this.#eof) return;
    this.#eof = true;
    this.#conn.end();
  }

  /**
   * Whether `writeEof()` is supported: true for TCP and Unix sockets, false for TLS.
   * @example
   * if (transport.canWriteEof()) transport.writeEof(); else transport.close()
   */
  canWriteEof(): boolean {
    return this.#tls === null;
  }

  /**
   * Bytes buffered for sending (Node's buffer: not yet handed to the kernel).
   * @example
   * if (transport.getWriteBufferSize() > 1 << 20) transport.pauseReading()
   */
  getWriteBufferSize(): number {
    return this.#conn.writableLength;
  }

  /**
   * `[low, high]`: the write buffer marks of flow control.
   * @example
   * const [low, high] = transport.getWriteBufferLimits()
   */
  getWriteBufferLimits(): [low: number, high: number] {
    return [this.#low, this.#high];
  }

  /**
   * Sets the write buffer marks: `pauseWriting()` above `high`, `resumeWriting()` once at
   * or below `low`. Defaults as asyncio: high 64 KiB (or 4 × low), low high / 4.
   * @example
   * transport.setWriteBufferLimits(1 << 20)   // low = 256 KiB
   */
  setWriteBufferLimits(high?: number | null, low?: number | null): void {
    [this.#low, this.#high] = _writeBufferLimits("setWriteBufferLimits()", high, low);
    const conn = this.#conn;
    if (this.#protocolPaused || this.#closing || conn.writableLength <= this.#high) return;
    this.#pauseProtocol();
    // The data already buffered may have no write callback: queue one behind it.
    if (this.#eof) conn.once("finish", this.#onWritten);
    else conn.write(EMPTY, this.#onWritten);
  }

  #onWritten = (err?: Error | null): void => {
    if (err || !this.#protocolPaused || this.#resumeQueued || this.#conn.writableLength > this.#low) return;
    if (this.#loop.isClosed()) return;
    this.#resumeQueued = true;
    this.#loop._schedule(this.#resumeProtocol, undefined);
  };

  #pauseProtocol(): void {
    this.#protocolPaused = true;
    try {
      this.#protocol.pauseWriting?.();
    } catch (e) {
      this.#loop.callExceptionHandler({ message: "protocol.pauseWriting() failed", exception: e, transport: this, protocol: this.#protocol });
    }
  }

  #resumeProtocol = (): void => {
    this.#resumeQueued = false;
    if (!this.#protocolPaused || this.#lost || this.#conn.writableLength > this.#low) return;
    this.#protocolPaused = false;
    try {
      this.#protocol.resumeWriting?.();
    } catch (e) {
      this.#loop.callExceptionHandler({ message: "protocol.resumeWriting() failed", exception: e, transport: this, protocol: this.#protocol });
    }
  };

  #droppedWrite(): void {
    if (++this.#droppedWrites >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) console.warn("socket.send() raised exception.");
  }

  // ---- reading -------------------------------------------------------------------------

  /**
   * Stops delivering data: no `dataReceived` runs after this returns, and the socket stops
   * reading (the peer gets TCP backpressure) until `resumeReading()`.
   * @example
   * if (backlog.length > 100) transport.pauseReading()
   */
  pauseReading(): void {
    if (this.#closing || this.#paused) return;
    this.#paused = true;
    this.#conn.pause();
  }

  /**
   * Resumes delivery: data held since `pauseReading()` comes first, in order.
   * @example
   * if (backlog.length < 10) transport.resumeReading()
   */
  resumeReading(): void {
    if (this.#closing || !this.#paused) return;
    this.#paused = false;
    this.#conn.resume();
    if (this.#held !== null && !this.#flushQueued) {
      this.#flushQueued = true;
      this.#loop._schedule(this.#flush, undefined);
    }
  }

  /**
   * Whether data is being delivered (not paused, not closing).
   * @example
   * if (!transport.isReading()) transport.resumeReading()
   */
  isReading(): boolean {
    return !this.#paused && !this.#closing;
  }

  // ---- closing -------------------------------------------------------------------------

  /**
   * Closes the transport: no more data is delivered; the buffered data is sent, then the
   * socket closes and the protocol gets `connectionLost(null)`. Idempotent.
   * @example
   * transport.write(goodbye); transport.close()
   */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#held = null;
    this.#loop._removeResource(this);
    if (this.#nodeClosed) {
      this.#loop._schedule(this.#lostCallback, null);
      return;
    }
    const conn = this.#conn;
    // Keep draining what the peer sends (and drop it): unread data would make close a reset.
    if (this.#paused) conn.resume();
    if (conn.writableLength > 0 && !conn.writableEnded) {
      this.#flushing = true;
      conn.write(EMPTY, this.#endWhenFlushed);
    } else {
      this.#end();
    }
  }

  /** close() with data buffered: end once everything written so far (and since) is sent. */
  #endWhenFlushed = (err?: Error | null): void => {
    const conn = this.#conn;
    if (err || conn.destroyed || !this.#flushing) return;
    if (conn.writableLength > 0) {
      conn.write(EMPTY, this.#endWhenFlushed);
      return;
    }
    this.#flushing = false;
    this.#end();
  };

  #end(): void {
    const conn = this.#conn;
    if (conn.writableFinished) {
      conn.destroy();
    } else {
      conn.once("finish", () => conn.destroy());
      if (!conn.writableEnded) conn.end();
    }
  }

  /**
   * Closes at once: the buffered data is dropped; the protocol gets `connectionLost(null)`.
   * @example
   * transport.abort()
   */
  abort(): void {
    this.#forceClose(null);
  }

  /**
   * Whether the transport is closing or closed.
   * @example
   * if (!transport.isClosing()) transport.write(data)
   */
  isClosing(): boolean {
    return this.#closing;
  }

  // ---- information -------------------------------------------------------------------

  /**
   * Information about the connection: `'peername'` and `'sockname'` (`[host, port]`, or a
   * path for Unix sockets), `'socket'` (the Node socket); for TLS also `'peercert'`,
   * `'cipher'`, `'sslcontext'`, `'sslObject'`. `defaultValue` (default `undefined`) if unknown.
   * @example
   * const [host, port] = transport.getExtraInfo("peername")
   */
  getExtraInfo(name: string, defaultValue?: unknown): any {
    return Object.prototype.hasOwnProperty.call(this.#extra, name) ? this.#extra[name] : defaultValue;
  }

  /**
   * The protocol receiving this transport's events.
   * @example
   * const proto = transport.getProtocol() as MyProtocol
   */
  getProtocol(): StreamProtocolLike {
    return this.#protocol;
  }

  /**
   * Switches the protocol that receives the events from now on.
   * @example
   * transport.setProtocol(upgraded)
   */
  setProtocol(protocol: StreamProtocolLike): void {
    const missing = notAProtocol(protocol, "stream");
    if (missing !== null) throw new TypeError(`setProtocol() expected a protocol, got ${describe(protocol)}${missing}`);
    this.#protocol = protocol;
    this.#intoBuffer = isBufferedProtocol(protocol);
  }

  /**
   * The transport's class, peer, state and protocol's class.
   * @example
   * String(transport)   // "<Transport peer=127.0.0.1:50504 open protocol=<Echo>>"
   */
  toString(): string {
    const where = formatAddress(this.#extra.peername);
    const state = this.#lost ? "closed" : this.#closing ? "closing" : "open";
    return `<${this.constructor.name} ${this.#tls !== null ? "tls " : ""}peer=${where} ${state} protocol=${className(this.#protocol)}>`;
  }

  /** @internal A StreamWriter wraps this transport: a warning about it names the writer. */
  _setWriter(writer: object): void {
    this.#writer = writer;
  }

  /** @internal The loop closes with the connection still open: asyncio's ResourceWarning. */
  _loopClosed(): void {
    if (this.#closing || this.#conn.destroyed) return;
    const writer = this.#writer;
    const [what, how] = writer !== null ? [String(writer), "writer.close()"] : [`transport ${this}`, "transport.close()"];
    _resourceWarning(`unclosed ${what}`, `An open connection keeps the Node process alive: close it (${how}) before its loop closes.`,
      this.#site, this.#serverSide ? "Accepted by a server created at" : "Created at");
  }
}

function isBufferedProtocol(protocol: StreamProtocolLike): boolean {
  return protocol instanceof BufferedProtocol ||
    (typeof protocol.dataReceived !== "function" && typeof protocol.getBuffer === "function" && typeof protocol.bufferUpdated === "function");
}

function asBytes(buf: unknown): Uint8Array {
  let bytes: Uint8Array | null = null;
  if (buf instanceof Uint8Array) bytes = buf;
  else if (ArrayBuffer.isView(buf)) bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  else if (buf instanceof ArrayBuffer) bytes = new Uint8Array(buf);
  if (bytes === null || bytes.length === 0) throw new Error(`getBuffer() returned an empty buffer (${repr(buf)})`);
  return bytes;
}


function extraInfo(conn: net.Socket, options: _TransportOptions): Record<string, unknown> {
  const extra: Record<string, unknown> = { socket: conn };
  const unixPath = options.unixPath;
  if (unixPath !== undefined) {
    // An accepted Unix connection's peer is unnamed ('' in Python); its own name is the path.
    extra.peername = options.serverSide ? "" : unixPath;
    extra.sockname = options.serverSide ? unixPath : "";
  } else {
    extra.peername = conn.remoteAddress === undefined ? null : ([conn.remoteAddress, conn.remotePort] as Address);
    extra.sockname = conn.localAddress === undefined ? null : ([conn.localAddress, conn.localPort] as Address);
  }
  if (options.tls) {
    const t = conn as tls.TLSSocket;
    const cert = typeof t.getPeerCertificate === "function" ? t.getPeerCertificate() : null;
    extra.peercert = cert !== null && Object.keys(cert).length > 0 ? cert : null;
    extra.cipher = typeof t.getCipher === "function" ? t.getCipher() : null;
    extra.sslcontext = options.tls === true ? null : options.tls;
    extra.sslObject = t;
    extra.compression = null;
  }
  return extra;
}
