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
import { className } from "../util.js";
import { _HostLink, _canTrackUnclosed, _trackUnclosed } from "../loop/unclosed.js";
import { expected } from "../checks.js";
import { BaseTransport } from "../streams/base-transport.js";
import { _dataReceived, _eofReceived, _isBufferedProtocol, describe, formatAddress, notAProtocol, type StreamProtocolLike } from "../streams/protocols.js";
import { _resourceWarning } from "./resource-warning.js";
import { toBytes } from "./bytes.js";
import { _isEofCheckError, checkEof } from "./eof-check.js";
import { _extraInfo, type _ClientOwner, type _TransportOptions } from "./transport-options.js";
import { _ReadGate } from "../streams/read-gate.js";

/** Marks the peer's EOF in the queue of received events held while reading is paused. */
const EOF = Symbol("EOF");
const EMPTY = new Uint8Array(0);

/**
 * A stream transport (TCP, Unix socket or TLS): what `loop.createConnection` and
 * `loop.createServer` hand to a protocol's `connectionMade`. asyncio's
 * `_SelectorSocketTransport` semantics over a Node socket: writes never block (they are
 * buffered), flow control through `pauseWriting`/`resumeWriting` on the protocol,
 * `pauseReading`/`resumeReading` stop and restart delivery (and reading from the socket).
 * `getExtraInfo` knows `'peername'` and `'sockname'` (`[host, port]`, or a path for Unix
 * sockets) and `'socket'` (the Node socket); for TLS also `'peercert'`, `'cipher'`,
 * `'sslcontext'` and `'sslObject'`.
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
export class Transport extends BaseTransport<StreamProtocolLike> {
  readonly #conn: net.Socket;
  #intoBuffer: boolean;
  readonly #tls: tls.SecureContext | true | null;
  /** close() waits for the buffered data to go out: writes meanwhile are still sent. */
  #flushing = false;
  /** writeEof() was called. */
  #eof = false;
  /** Reading paused (pauseReading), and the chunks (and EOF) held meanwhile. */
  readonly #reads: _ReadGate<Buffer | typeof EOF>;
  /** Node's 'close' was processed: the socket is gone. */
  #nodeClosed = false;
  /** The first error Node reported. */
  #nodeError: Error | null = null;
  /** A plain TCP connection (not TLS, not Unix): its EOF is checked for a hidden reset. */
  readonly #tcp: boolean;
  /** What connectionLost receives when fixed by abort() or a fatal error (undefined: not fixed). */
  #lostExc: Error | null | undefined = undefined;
  #resumeQueued = false;
  readonly #serverSide: boolean;
  /**
   * The StreamWriter over this transport: what the user holds, so what a warning names.
   * Debug mode holds it by WeakRef, so a writer the user dropped can be collected.
   */
  #writer: object | WeakRef<object> | null = null;
  /** Debug mode: what Node's listeners hold (this transport, weakly while not in use); else null. */
  #link: _HostLink<Transport> | null = null;
  /** Debug mode: what the report needs once the transport is gone (the protocol's class; reported at the loop's close). */
  #unclosed: { protocol: string; reported: boolean } | null = null;
  /** The peer's EOF arrived: the host has nothing more to deliver but connectionLost. */
  #eofSeen = false;

  /** @internal Made by the loop's connection methods and by servers. */
  constructor(loop: EventLoop, conn: net.Socket, protocol: StreamProtocolLike, options: _TransportOptions = {}) {
    // asyncio: connection_made, then the reader, then the waiter, each through call_soon.
    super(loop, protocol, _extraInfo(conn, options), options.site, options.waiter);
    this.#conn = conn;
    this.#intoBuffer = _isBufferedProtocol(protocol);
    this._owner = options.owner ?? null;
    this.#tls = options.tls ?? null;
    this.#serverSide = Boolean(options.serverSide);
    this.#tcp = options.unixPath === undefined && !options.tls;
    this.#reads = new _ReadGate(loop, this.#receive, this.#stopped, this.#drained);
    if (options.buffered) for (const chunk of options.buffered) loop._schedule(this.#deliver, chunk);
    if (options.eof) loop._schedule(this.#eofEvent, undefined);

    const link = this._loop.getDebug() && _canTrackUnclosed ? this.#trackUnclosed(conn, options) : null;
    if (link === null) {
      conn.on("error", this.#onError);
      conn.on("close", this.#onClose);
    } else {
      Transport.#listen(conn, link, false);
    }
    if (conn.destroyed) {
      // It failed before we took it: its 'close' may already have been emitted.
      this.#nodeError = (conn.errored as Error | null) ?? null;
      loop._schedule(this.#closedEvent, undefined);
      return;
    }
    if (options.unixPath === undefined) conn.setNoDelay(true); // as asyncio (a no-op where Node cannot)
    if (link === null) {
      conn.on("data", this.#onData);
      conn.on("end", this.#onEnd);
    } else {
      Transport.#listen(conn, link, true);
    }
    conn.resume();
  }

  // ---- debug mode: becoming garbage unclosed (loop/unclosed.ts) ----------------------

  /** @internal Stream transports are reported when dropped unclosed (debug mode). */
  override _trackable(): boolean {
    return true;
  }

  /**
   * Debug mode: Node's listeners reach the transport through a link that holds it strongly
   * only while the host can still call its protocol (reading, or closing); paused or past
   * the peer's EOF, a transport nobody else references is garbage, reported and its socket
   * destroyed (asyncio's _SelectorTransport.__del__: the selector holds a transport only
   * while it reads or writes).
   */
  #trackUnclosed(conn: net.Socket, options: _TransportOptions): _HostLink<Transport> {
    const link = new _HostLink<Transport>(this);
    const unclosed = (this.#unclosed = { protocol: className(this._protocol), reported: false });
    const head = `${this.constructor.name} ${this.#tls !== null ? "tls " : ""}peer=${formatAddress(this._extra.peername)}`;
    _trackUnclosed(this, {
      message: () => `unclosed transport <${head} open protocol=${unclosed.protocol}>`,
      advice: "The transport was dropped with its connection open: close it (transport.close()) when done with it. Its socket is closed now.",
      site: this._site,
      siteLabel: options.serverSide ? "Accepted by a server created at" : "Created at",
      // No closure here refers to `this`: the registry would keep the transport alive.
      state: () => conn.destroyed ? "closed" : unclosed.reported ? "reported" : "open",
      close: () => void conn.destroy(),
    });
    this.#link = link;
    if (options.eof) this.#eofSeen = true;
    this.#hold();
    return link;
  }

  /** Node's listeners in debug mode: made here, so they hold the link and not the transport. */
  static #listen(conn: net.Socket, link: _HostLink<Transport>, reading: boolean): void {
    if (!reading) {
      conn.on("error", (err: Error) => {
        const t = link.get();
        if (t !== undefined) t.#onError(err);
      });
      conn.on("close", () => {
        const t = link.get();
        if (t !== undefined) t.#onClose();
      });
      return;
    }
    conn.on("data", (chunk: Buffer) => {
      const t = link.get();
      if (t !== undefined) t.#onData(chunk);
    });
    conn.on("end", () => {
      const t = link.get();
      if (t === undefined) return;
      t.#eofSeen = true;
      t.#hold();
      t.#onEnd();
    });
  }

  /** Debug mode: held strongly while the host can still call the protocol (see #trackUnclosed). */
  #hold(): void {
    this.#link?.hold(!this._lost && (this._closing || (!this.#reads.paused && !this.#eofSeen)));
  }

  // ---- Node events (outside the loop): each one is scheduled into the loop -----------

  #onData = (chunk: Buffer): void => {
    const loop = this._loop;
    if (loop.isClosed()) this.#conn.destroy();
    else loop._schedule(this.#deliver, chunk);
  };

  #onEnd = (): void => checkEof(this.#conn, this.#tcp, this.#eofChecked);

  /**
   * The peer's EOF, checked for a reset libuv reported as EOF (checkEof): a reset is not
   * an EOF; Node's 'error' (ECONNRESET) and 'close' follow, and connectionLost gets it.
   */
  #eofChecked = (eof: boolean): void => {
    if (eof && !this._loop.isClosed()) this._loop._schedule(this.#eofEvent, undefined);
  };

  #onError = (err: Error): void => {
    if (this.#nodeError === null && !_isEofCheckError(err)) this.#nodeError = err;
  };

  #onClose = (): void => {
    if (!this._loop.isClosed()) this._loop._schedule(this.#closedEvent, undefined);
  };

  // ---- the same events, in the loop ------------------------------------------------------

  #deliver = (chunk: Buffer): void => {
    this.#reads.offer(chunk);
  };

  #eofEvent = (): void => {
    this.#reads.offer(EOF);
  };

  /** One chunk (or the EOF) to the protocol; what a BufferedProtocol did not take comes back. */
  #receive = (item: Buffer | typeof EOF): Buffer | typeof EOF | null => {
    if (item !== EOF) return _dataReceived(this, item, this.#intoBuffer);
    _eofReceived(this);
    return null;
  };

  /** After close()/abort() nothing more is delivered (asyncio removed the reader). */
  #stopped = (): boolean => this._closing;

  /** The chunks held while paused are delivered: a socket that closed meanwhile is lost now. */
  #drained = (): void => {
    if (this.#nodeClosed) this.#connectionLost(null);
  };

  #closedEvent = (): void => {
    this.#nodeClosed = true;
    const exc = this.#lostExc !== undefined ? this.#lostExc : this.#nodeError;
    // A clean end with received data still held (reading paused): it goes first.
    if (exc === null && this.#reads.holding && !this._closing) return;
    this.#connectionLost(exc);
  };

  #connectionLost = (exc: Error | null): void => {
    if (this._lost) return;
    this._lost = true;
    this._closing = true;
    this._loop._removeResource(this);
    if (this.#link !== null) this.#hold();
    this.#flushing = false;
    this.#reads.drop();
    this._lose(exc);
  };

  /** @internal asyncio's _force_close: drop the write buffer, close now; connectionLost(exc). */
  override _forceClose(exc: Error | null): void {
    if (this._lost || this.#lostExc !== undefined) return;
    this.#lostExc = exc;
    this._closing = true;
    this._loop._removeResource(this);
    if (this.#link !== null) this.#hold();
    this.#flushing = false;
    this.#reads.drop();
    if (this.#nodeClosed) this._loop._schedule(this.#connectionLost, exc);
    else this.#conn.destroy();
  }

  /**
   * @internal loop.startTls (start-tls.ts): the connection goes on under a TLS socket. The
   * chunks held while reading was paused go back to the socket (they are the peer's first
   * TLS bytes); this transport lets go of the socket without closing it, and is done
   * (closing, lost, no connectionLost: its protocol lives on with the new transport).
   */
  _handOver(): net.Socket {
    const conn = this.#conn;
    const held = this.#reads.take();
    for (let i = held.length - 1; i >= 0; i--) if (held[i] !== EOF) conn.unshift(held[i] as Buffer);
    conn.removeListener("data", this.#onData);
    conn.removeListener("end", this.#onEnd);
    conn.removeListener("error", this.#onError);
    conn.removeListener("close", this.#onClose);
    this._closing = this._lost = true;
    this._loop._removeResource(this);
    // Debug mode: the socket lives on under the new transport, which reports it if dropped.
    if (this.#unclosed !== null) this.#unclosed.reported = true;
    if (this.#link !== null) this.#hold();
    // The server that counts this connection is told by startTls, which hands it over too.
    return conn;
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
    const bytes = data instanceof Uint8Array ? data : toBytes("write()", data);
    if (this.#eof) throw new Error("Cannot call write() after writeEof()");
    const n = bytes.byteLength;
    if (n === 0) return;
    if (this._closing) {
      // As asyncio: after close() with data still buffered, writes join the buffer and
      // go out before the connection closes; once it is empty they are dropped.
      if (this.#flushing) this.#conn.write(bytes);
      else this._droppedWrite();
      return;
    }
    const conn = this.#conn;
    // At or under the low mark after this write: no flow control to do, no callback.
    if (conn.writableLength + n <= this._low) {
      conn.write(bytes);
      return;
    }
    conn.write(bytes, this.#onWritten);
    if (!this._protocolPaused && conn.writableLength > this._high) this._pauseProtocol();
  }

  /**
   * Writes each item of `list` (bytes or strings), in one system call where possible.
   * @example
   * transport.writelines([header, body])
   */
  writelines(list: Iterable<Uint8Array | string>): void {
    if (list === null || typeof list !== "object" || typeof (list as Iterable<unknown>)[Symbol.iterator] !== "function") {
      throw expected("writelines()", "an iterable of bytes or strings", list);
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
    if (this._closing || this.#eof) return;
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
    return [this._low, this._high];
  }

  /**
   * Sets the write buffer marks: `pauseWriting()` above `high`, `resumeWriting()` once at
   * or below `low`. Defaults as asyncio: high 64 KiB (or 4 × low), low high / 4.
   * @example
   * transport.setWriteBufferLimits(1 << 20)   // low = 256 KiB
   */
  setWriteBufferLimits(high?: number | null, low?: number | null): void {
    this._setWriteBufferLimits("setWriteBufferLimits()", high, low);
    const conn = this.#conn;
    if (this._protocolPaused || this._closing || conn.writableLength <= this._high) return;
    this._pauseProtocol();
    // The data already buffered may have no write callback: queue one behind it.
    if (this.#eof) conn.once("finish", this.#onWritten);
    else conn.write(EMPTY, this.#onWritten);
  }

  #onWritten = (err?: Error | null): void => {
    if (err || !this._protocolPaused || this.#resumeQueued || this.#conn.writableLength > this._low) return;
    if (this._loop.isClosed()) return;
    this.#resumeQueued = true;
    this._loop._schedule(this.#resumeWriting, undefined);
  };

  #resumeWriting = (): void => {
    this.#resumeQueued = false;
    if (!this._protocolPaused || this._lost || this.#conn.writableLength > this._low) return;
    this._resumeProtocol();
  };

  // ---- reading -------------------------------------------------------------------------

  /**
   * Stops delivering data: no `dataReceived` runs after this returns, and the socket stops
   * reading (the peer gets TCP backpressure) until `resumeReading()`.
   * @example
   * if (backlog.length > 100) transport.pauseReading()
   */
  pauseReading(): void {
    if (this._closing || this.#reads.paused) return;
    this.#reads.paused = true;
    this.#conn.pause();
    if (this.#link !== null) this.#hold();
  }

  /**
   * Resumes delivery: data held since `pauseReading()` comes first, in order.
   * @example
   * if (backlog.length < 10) transport.resumeReading()
   */
  resumeReading(): void {
    if (this._closing || !this.#reads.paused) return;
    this.#reads.resume();
    this.#conn.resume();
    if (this.#link !== null) this.#hold();
  }

  /**
   * Whether data is being delivered (not paused, not closing).
   * @example
   * if (!transport.isReading()) transport.resumeReading()
   */
  isReading(): boolean {
    return !this.#reads.paused && !this._closing;
  }

  // ---- closing -------------------------------------------------------------------------

  /**
   * Closes the transport: no more data is delivered; the buffered data is sent, then the
   * socket closes and the protocol gets `connectionLost(null)`. Idempotent.
   * @example
   * transport.write(goodbye); transport.close()
   */
  close(): void {
    if (this._closing) return;
    this._closing = true;
    this.#reads.drop();
    this._loop._removeResource(this);
    if (this.#link !== null) this.#hold();
    if (this.#nodeClosed) {
      this._loop._schedule(this.#connectionLost, null);
      return;
    }
    const conn = this.#conn;
    // Keep draining what the peer sends (and drop it): unread data would make close a reset.
    if (this.#reads.paused) conn.resume();
    this.#flushing = conn.writableLength > 0 && !conn.writableEnded;
    if (this.#flushing) conn.write(EMPTY, this.#endWhenFlushed);
    else this.#end();
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

  // ---- information -------------------------------------------------------------------

  /** @internal setProtocol: a stream protocol (dataReceived, or getBuffer and bufferUpdated). */
  override _adoptProtocol(protocol: StreamProtocolLike): void {
    const missing = notAProtocol(protocol, "stream");
    if (missing !== null) throw new TypeError(`setProtocol() expected a protocol, got ${describe(protocol)}${missing}`);
    this.#intoBuffer = _isBufferedProtocol(protocol);
    if (this.#unclosed !== null) this.#unclosed.protocol = className(protocol);
  }

  /**
   * The transport's class, peer, state and protocol's class.
   * @example
   * String(transport)   // "<Transport peer=127.0.0.1:50504 open protocol=<Echo>>"
   */
  override toString(): string {
    const where = formatAddress(this._extra.peername);
    const state = this._lost ? "closed" : this._closing ? "closing" : "open";
    return `<${this.constructor.name} ${this.#tls !== null ? "tls " : ""}peer=${where} ${state} protocol=${className(this._protocol)}>`;
  }

  /** @internal A StreamWriter wraps this transport: a warning about it names the writer. */
  _setWriter(writer: object): void {
    this.#writer = this.#link !== null ? new WeakRef(writer) : writer;
  }

  /** @internal The loop closes with the connection still open: asyncio's ResourceWarning. */
  override _loopClosed(): void {
    if (this._closing || this.#conn.destroyed) return;
    // Reported once: debug mode's GC report of it (or of its writer) then only closes it.
    this._reported = true;
    if (this.#unclosed !== null) this.#unclosed.reported = true;
    const held = this.#writer;
    const writer = held !== null && this.#link !== null ? (held as WeakRef<object>).deref() ?? null : held;
    const [what, how] = writer !== null ? [String(writer), "writer.close()"] : [`transport ${this}`, "transport.close()"];
    _resourceWarning(`unclosed ${what}`, `An open connection keeps the Node process alive: close it (${how}) before its loop closes.`,
      this._site, this.#serverSide ? "Accepted by a server created at" : "Created at");
  }
}
