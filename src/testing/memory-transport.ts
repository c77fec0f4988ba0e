// The memory network's stream transport: one end of an in-memory connection, with the
// Node Transport's semantics (src/node/transports.ts) and asyncio's callback order
//
//   connectionMade ─► dataReceived* ─► eofReceived? ─► connectionLost (once, last)
//
// on the loop's clock. Each direction of a connection is a bounded pipe:
//
//   write() ─► write buffer ─(while in flight < bufferSize)─► in flight ─(latency)─► peer's protocol
//
// Bytes count as in flight from the send until the peer's protocol took them, so a peer
// that pauses reading (its StreamReader is full) fills the pipe, the writer's buffer then
// grows past its high-water mark and the writer's protocol gets pauseWriting, as over TCP.
// Arrivals queue in order per direction and every arrival callback delivers whatever is
// due (callbacks run FIFO, even under a seeded shuffle, which moves only task steps).
import type { EventLoop } from "../base-loop.js";
import { expected } from "../checks.js";
import { className } from "../util.js";
import { Deque } from "../util/deque.js";
import { BaseTransport } from "../streams/base-transport.js";
import { _ReadGate } from "../streams/read-gate.js";
import {
  _dataReceived, _eofReceived, _isBufferedProtocol, describe, formatAddress, notAProtocol, type Address, type StreamProtocolLike,
} from "../streams/protocols.js";
import type { Future } from "../future.js";

/** Marks the end of a direction (FIN) among its arrivals. */
const EOF = Symbol("EOF");
const encoder = new TextEncoder();

/** @internal The conditions of a link, read at each send: the network's `latency(ms)` changes them for every connection. */
export interface _LinkConditions {
  /** One-way delay of each delivery, in ms of the loop's clock. */
  latencyMs: number;
  /** Bytes in flight per direction before the sender's write buffer fills. */
  bufferSize: number;
}

/** @internal What a memory transport tells its server when its connection is gone. */
export interface _MemoryOwner {
  _detach(transport: MemoryTransport): void;
}

/** @internal How a memory transport is made. */
export interface _MemoryEnd {
  sockname: Address;
  peername: Address;
  owner?: _MemoryOwner | null;
  waiter?: Future<void> | null;
}

/** The error of a connection its peer reset, as Node reports it (asyncio's ConnectionResetError). */
function connectionReset(): Error {
  return Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET", errno: -104, syscall: "read" });
}

/**
 * One end of an in-memory stream connection (wasyncio/testing's memory network,
 * `memoryTransportPair`, `memoryStreamPair`): the methods and behaviour of wasyncio/node's
 * `Transport` (write, writelines, writeEof, close, abort, pauseReading/resumeReading,
 * write buffer limits and `pauseWriting`/`resumeWriting` at the water marks), on the loop's
 * clock and in any host. `getExtraInfo` knows `'peername'` and `'sockname'` (`[host, port]`).
 * A peer's reset is `connectionLost(err)` with `err.code === "ECONNRESET"`.
 * @example
 * const net = createMemoryNetwork()
 * const [transport, proto] = yield* net.createConnection(() => new Client(), "10.0.0.1", 80)
 * transport.write("GET / HTTP/1.0\r\n\r\n")
 */
export class MemoryTransport extends BaseTransport<StreamProtocolLike> {
  /** @internal The other end (set once both exist). */
  _peer: MemoryTransport | null = null;
  readonly #link: _LinkConditions;
  #intoBuffer: boolean;
  // ---- sending
  #buffer = new Deque<Uint8Array>();
  #buffered = 0;
  /** Bytes of the buffer's first chunk already sent. */
  #headOff = 0;
  /** Bytes sent and not yet taken by the peer's protocol. */
  #inFlight = 0;
  /** When the last item sent arrives: later ones never arrive before it. */
  #lastArrival = 0;
  /** writeEof() (or the network's halfClose): EOF goes once the buffer is sent. */
  #eof = false;
  #eofSent = false;
  /** halfClose(): the network cut this end's sending; what it writes is lost. */
  #cut = false;
  /** close() with data buffered: it is sent first, then the connection closes. */
  #flushing = false;
  // ---- receiving
  /** What the peer sent, in order, with when it arrives. */
  #arrivals = new Deque<[at: number, item: Uint8Array | typeof EOF]>();
  /** Reading paused (pauseReading), and what arrived meanwhile (or behind such): delivered on resumeReading. */
  readonly #reads: _ReadGate<Uint8Array | typeof EOF>;
  #eofReceived = false;

  /** @internal Made by the memory network and the memory pairs, in twos (`_MemoryTransport.connect`). */
  constructor(loop: EventLoop, protocol: StreamProtocolLike, link: _LinkConditions, end: _MemoryEnd) {
    super(loop, protocol, { peername: end.peername, sockname: end.sockname }, undefined, end.waiter);
    this.#link = link;
    this.#intoBuffer = _isBufferedProtocol(protocol);
    this._owner = end.owner ?? null;
    this.#reads = new _ReadGate<Uint8Array | typeof EOF>(loop, this.#receive, this.#stopped);
  }

  /** @internal Two ends joined: each one's sending is the other's receiving. */
  static _join(a: MemoryTransport, b: MemoryTransport): void {
    a._peer = b;
    b._peer = a;
  }

  // ---- sending ---------------------------------------------------------------------------

  /**
   * Writes `data` (bytes, or a string as UTF-8) without blocking: what the connection's
   * buffer does not take at once waits in the write buffer. The bytes are not copied.
   * Calls `protocol.pauseWriting()` when the write buffer goes over the high-water mark.
   * @example
   * transport.write("hello\n")
   */
  write(data: Uint8Array | string): void {
    let bytes: Uint8Array;
    if (data instanceof Uint8Array) bytes = data;
    else if (typeof data === "string") bytes = encoder.encode(data);
    else throw expected("write()", "data to be bytes (a Uint8Array) or a string", data);
    if (this.#eof && !this.#cut) throw new Error("Cannot call write() after writeEof()");
    if (bytes.length === 0) return;
    if (this.#cut || (this._closing && !this.#flushing)) {
      this._droppedWrite();
      return;
    }
    this.#buffer.push(bytes);
    this.#buffered += bytes.length;
    this.#pump();
    if (!this._protocolPaused && this.#buffered > this._high) this._pauseProtocol();
  }

  /**
   * Writes each item of `list` (bytes or strings).
   * @example
   * transport.writelines([header, body])
   */
  writelines(list: Iterable<Uint8Array | string>): void {
    if (list === null || typeof list !== "object" || typeof (list as Iterable<unknown>)[Symbol.iterator] !== "function") {
      throw expected("writelines()", "an iterable of bytes or strings", list);
    }
    for (const data of list) this.write(data);
  }

  /**
   * Closes the write side after the buffered data is sent: the peer gets `eofReceived()`;
   * this end can still receive.
   * @example
   * transport.write(request); transport.writeEof()
   */
  writeEof(): void {
    if (this._closing || this.#eof) return;
    this.#eof = true;
    this.#pump();
  }

  /**
   * Always true: a memory connection can be half-closed.
   * @example
   * if (transport.canWriteEof()) transport.writeEof()
   */
  canWriteEof(): boolean {
    return true;
  }

  /** @internal The network's halfClose(): the peer gets EOF after what was written so far; later writes are lost. */
  _halfClose(): void {
    if (this._lost || this.#eofSent) return;
    this.#cut = true;
    this.#eof = true;
    this.#pump();
  }

  /** Moves buffered bytes into flight while the pipe has room; EOF once all is sent. */
  #pump(): void {
    const peer = this._peer;
    if (peer === null) return;
    const room = (): number => this.#link.bufferSize - this.#inFlight;
    while (this.#buffered > 0 && room() > 0) {
      const chunk = this.#buffer.at(0), off = this.#headOff;
      const avail = chunk.length - off, n = Math.min(avail, room());
      const piece = off === 0 && n === chunk.length ? chunk : chunk.subarray(off, off + n);
      if (n === avail) {
        this.#buffer.shift();
        this.#headOff = 0;
      } else {
        this.#headOff = off + n;
      }
      this.#buffered -= n;
      this.#inFlight += n;
      this.#send(piece);
    }
    if (this.#buffered > 0) return;
    if ((this.#eof || this.#flushing) && !this.#eofSent) {
      this.#eofSent = true;
      this.#send(EOF);
    }
    if (this.#flushing) {
      this.#flushing = false;
      this._loop._schedule(this.#connectionLost, null);
    } else if (this.#eofSent && this.#eofReceived && !this._closing) {
      // Both directions ended: the connection is done, as Node's 'close' after both FINs.
      this.close();
    }
  }

  /** Sends one item to the peer: it arrives after the latency, never before the one sent before it. */
  #send(item: Uint8Array | typeof EOF): void {
    const loop = this._loop;
    const at = Math.max(loop.time() + this.#link.latencyMs, this.#lastArrival);
    this.#lastArrival = at;
    const peer = this._peer!;
    peer.#arrivals.push([at, item]);
    loop.callAt(at, peer.#arrive);
  }

  /** The peer's protocol took `n` of the bytes this end sent: room in the pipe again. */
  #taken(n: number): void {
    this.#inFlight -= n;
    if (this._lost) return;
    this.#pump();
    if (this._protocolPaused && this.#buffered <= this._low) this._resumeProtocol();
  }

  // ---- receiving -------------------------------------------------------------------------

  /** What is due of what the peer sent, in order. */
  #arrive = (): void => {
    const arrivals = this.#arrivals;
    const now = this._loop.time();
    while (arrivals.length > 0 && arrivals.at(0)[0] <= now) {
      const item = arrivals.shift()[1];
      if (this._closing) {
        // Closed: nothing more is delivered; what arrives is dropped (its room freed).
        if (item !== EOF) this._peer!.#taken(item.length);
      } else {
        this.#reads.offer(item);
      }
    }
  };

  #stopped = (): boolean => this._closing;

  #receive = (item: Uint8Array | typeof EOF): Uint8Array | null => {
    if (item === EOF) {
      this.#eofReceived = true;
      _eofReceived(this);
      if (!this._closing && this.#eofSent && this.#buffered === 0) this.close();
      return null;
    }
    const rest = _dataReceived(this, item, this.#intoBuffer);
    this._peer!.#taken(rest === null ? item.length : item.length - rest.length);
    return rest;
  };

  /**
   * Stops delivering data: no `dataReceived` runs after this returns, and what arrives is
   * held (it keeps its room in the connection's buffer, so the sender fills up).
   * @example
   * transport.pauseReading()
   */
  pauseReading(): void {
    if (this._closing || this.#reads.paused) return;
    this.#reads.paused = true;
  }

  /**
   * Delivers again, from the next loop iteration: what was held first.
   * @example
   * transport.resumeReading()
   */
  resumeReading(): void {
    if (this._closing || !this.#reads.paused) return;
    this.#reads.resume();
  }

  /**
   * Whether data is being delivered (not paused, not closing).
   * @example
   * if (transport.isReading()) transport.pauseReading()
   */
  isReading(): boolean {
    return !this.#reads.paused && !this._closing;
  }

  // ---- write buffer ------------------------------------------------------------------------

  /**
   * Bytes waiting in the write buffer (not yet in flight).
   * @example
   * if (transport.getWriteBufferSize() > 1 << 20) transport.pauseReading()
   */
  getWriteBufferSize(): number {
    return this.#buffered;
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
   * transport.setWriteBufferLimits(1024)   // low = 256
   */
  setWriteBufferLimits(high?: number | null, low?: number | null): void {
    this._setWriteBufferLimits("setWriteBufferLimits()", high, low);
    if (this._closing) return;
    if (!this._protocolPaused && this.#buffered > this._high) this._pauseProtocol();
    else if (this._protocolPaused && this.#buffered <= this._low) this._resumeProtocol();
  }

  // ---- closing -----------------------------------------------------------------------------

  /**
   * Closes: no more data is delivered; the buffered data is sent, then EOF, and the
   * protocol gets `connectionLost(null)`. Idempotent.
   * @example
   * transport.write(goodbye); transport.close()
   */
  close(): void {
    if (this._closing) return;
    this._closing = true;
    this.#reads.drop();
    this._loop._removeResource(this);
    this.#flushing = true;
    this.#pump();
  }

  /** @internal asyncio's _force_close (abort, a failing protocol callback): drop the buffer; the peer gets EOF. */
  override _forceClose(exc: Error | null): void {
    if (this._lost || (this._closing && !this.#flushing)) return;
    this._closing = true;
    this._loop._removeResource(this);
    this.#dropBuffers();
    if (!this.#eofSent && this._peer !== null) {
      this.#eofSent = true;
      this.#send(EOF);
    }
    this._loop._schedule(this.#connectionLost, exc);
  }

  /** @internal The network's reset(): this end closes at once, its peer gets ECONNRESET after the latency. */
  _reset(): void {
    if (this._lost || (this._closing && !this.#flushing)) return;
    this._closing = true;
    this._loop._removeResource(this);
    this.#dropBuffers();
    this.#eofSent = true;
    const peer = this._peer;
    if (peer !== null) this._loop.callLater(this.#link.latencyMs, peer.#resetArrived);
    this._loop._schedule(this.#connectionLost, null);
  }

  /** A reset discards whatever had not been delivered yet. */
  #resetArrived = (): void => {
    if (this._lost) return;
    this._closing = true;
    this._loop._removeResource(this);
    this.#dropBuffers();
    this.#arrivals.clear();
    this.#connectionLost(connectionReset());
  };

  #dropBuffers(): void {
    this.#flushing = false;
    this.#buffer.clear();
    this.#buffered = 0;
    this.#headOff = 0;
    this.#reads.drop();
  }

  #connectionLost = (exc: Error | null): void => {
    if (this._lost) return;
    this._closing = true;
    this._lose(exc);
  };

  // ---- information -------------------------------------------------------------------------

  /** @internal setProtocol: a stream protocol (dataReceived, or getBuffer and bufferUpdated). */
  override _adoptProtocol(protocol: StreamProtocolLike): void {
    const missing = notAProtocol(protocol, "stream");
    if (missing !== null) throw new TypeError(`setProtocol() expected a protocol, got ${describe(protocol)}${missing}`);
    this.#intoBuffer = _isBufferedProtocol(protocol);
  }

  /**
   * @internal The loop closes with the connection open. Not reported: nothing outside the
   * program holds a memory connection (no socket keeps the process alive), and a test's
   * loop closing under it is the usual end of a simulated run.
   */
  override _loopClosed(): void {}

  /**
   * The transport's class, peer, state and protocol's class.
   * @example
   * String(transport)   // "<MemoryTransport peer=10.0.0.1:80 open protocol=<Client>>"
   */
  override toString(): string {
    const state = this._lost ? "closed" : this._closing ? "closing" : "open";
    return `<${this.constructor.name} peer=${formatAddress(this._extra.peername)} ${state} protocol=${className(this._protocol)}>`;
  }
}
