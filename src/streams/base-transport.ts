// What the stream and the datagram transport share: asyncio's _SelectorTransport with its
// FlowControlMixin. The loop and the protocol (swappable), the extra info, the closing and
// lost state, how a failing protocol callback is reported, the writes dropped once the
// connection is lost, and the write buffer's water marks are written here once; each
// subclass owns its Node socket and says how it closes (`_forceClose`).
import type { EventLoop } from "../base-loop.js";
import { checkWaterMark, checkWaterMarks } from "../checks.js";
import { _resolvePending, type Future } from "../future.js";
import type { DatagramProtocolLike, StreamProtocolLike } from "./protocols.js";
import { _canTrackUnclosed, _holdWeakly } from "../loop/unclosed.js";

/** asyncio's default high-water mark of a transport's write buffer. */
const DEFAULT_HIGH_WATER = 64 * 1024;
/** Writes dropped after the connection is lost before asyncio's warning is logged. */
const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;

/**
 * What every transport has: its extra info, its protocol (which can be swapped), whether
 * it is closing, and `abort()`. The base of `Transport` and `DatagramTransport`, as
 * asyncio's `BaseTransport` is (not constructed directly).
 * @example
 * function describe(t: Transport | DatagramTransport) {
 *   return `${t.getExtraInfo("sockname")} closing=${t.isClosing()}`
 * }
 */
export abstract class BaseTransport<P extends StreamProtocolLike | DatagramProtocolLike> {
  /** @internal */
  readonly _loop: EventLoop;
  /** @internal The protocol receiving the events (setProtocol changes it). */
  _protocol: P;
  /** @internal What getExtraInfo answers. */
  readonly _extra: Record<string, unknown>;
  /** @internal close(), abort() or a fatal error happened (asyncio's _closing). */
  _closing = false;
  /** @internal connectionLost was called. */
  _lost = false;
  /** @internal Where it was made (debug mode), for the ResourceWarning. */
  readonly _site: string | undefined;
  #droppedWrites = 0;
  /** @internal The write buffer's low-water mark (FlowControlMixin). */
  _low = DEFAULT_HIGH_WATER / 4;
  /** @internal The write buffer's high-water mark. */
  _high = DEFAULT_HIGH_WATER;
  /** @internal pauseWriting was called and resumeWriting not yet. */
  _protocolPaused = false;
  /** @internal Reported as unclosed when its loop closed (debug mode's GC report then only closes it). */
  _reported = false;

  /**
   * @internal Registers the transport with its loop (for the ResourceWarning) and, as
   * asyncio, schedules connectionMade, then the resolution of `waiter`.
   */
  constructor(loop: EventLoop, protocol: P, extra: Record<string, unknown>, site: string | undefined, waiter: Future<void> | null | undefined) {
    this._loop = loop;
    this._protocol = protocol;
    this._extra = extra;
    this._site = site;
    // Debug mode: the loop holds it weakly, so a transport dropped unclosed can be
    // collected and reported (the subclass tracks it: loop/unclosed.ts).
    if (loop.getDebug() && _canTrackUnclosed && this._trackable()) _holdWeakly(this);
    loop._addResource(this);
    loop._schedule(this.#made, undefined);
    if (waiter) loop._schedule(_resolvePending, waiter);
  }

  /** @internal asyncio's _force_close: drop what is buffered, close now; connectionLost(exc). */
  abstract _forceClose(exc: Error | null): void;

  /** @internal Checks a protocol setProtocol was given (throws if it is none). */
  abstract _adoptProtocol(protocol: P): void;

  /** @internal The loop closes with the transport still open: asyncio's ResourceWarning. */
  abstract _loopClosed(): void;

  /** @internal Whether debug mode reports this transport when it becomes garbage unclosed. */
  _trackable(): boolean {
    return false;
  }

  #made = (): void => {
    try {
      this._protocol.connectionMade?.(this as never);
    } catch (e) {
      // asyncio calls connection_made through call_soon: a failure is reported as a
      // failing callback's, and the transport stays open.
      this._loop.callExceptionHandler({
        message: "Exception in callback protocol.connectionMade()", exception: e, transport: this, protocol: this._protocol,
      });
    }
  };

  /** @internal The server that counts this connection (asyncio's `_server`: a Server or a MemoryServer, each detaching its own kind), told once it is lost. */
  _owner: { _detach(transport: any): void } | null = null;

  /** @internal The connection is lost: connectionLost(exc), then the owning server lets go of it. */
  _lose(exc: Error | null): void {
    try {
      this._callConnectionLost(exc);
    } finally {
      const owner = this._owner;
      this._owner = null;
      owner?._detach(this);
    }
  }

  /** @internal Calls protocol.connectionLost(exc) once, reporting what it throws. */
  _callConnectionLost(exc: Error | null): void {
    this._lost = true;
    try {
      this._protocol.connectionLost?.(exc);
    } catch (e) {
      this._loop.callExceptionHandler({
        message: "Exception in protocol.connectionLost()", exception: e, transport: this, protocol: this._protocol,
      });
    }
  }

  /** @internal asyncio's _fatal_error for a protocol callback that threw: report it, then abort. */
  _fatalError(exc: unknown, message: string): void {
    this._loop.callExceptionHandler({ message, exception: exc, transport: this, protocol: this._protocol });
    this._forceClose(exc as Error);
  }

  /** @internal A write after the connection was lost: dropped, and asyncio's warning after a few (a pipe's has its own words). */
  _droppedWrite(warning = "socket.send() raised exception."): void {
    if (++this.#droppedWrites >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) console.warn(warning);
  }

  /** @internal asyncio's _set_write_buffer_limits: high 64 KiB (or 4 × low), low high / 4. */
  _setWriteBufferLimits(call: string, high: unknown, low: unknown): void {
    let h = checkWaterMark(call, "high", high), l = checkWaterMark(call, "low", low);
    if (h === null) h = l === null ? DEFAULT_HIGH_WATER : 4 * l;
    if (l === null) l = Math.floor(h / 4);
    checkWaterMarks(call, h, l);
    this._low = l;
    this._high = h;
  }

  /** @internal The buffer went over the high-water mark: protocol.pauseWriting(). */
  _pauseProtocol(): void {
    this._protocolPaused = true;
    this.#flowControl("pauseWriting");
  }

  /** @internal The buffer drained to the low-water mark: protocol.resumeWriting(). */
  _resumeProtocol(): void {
    this._protocolPaused = false;
    this.#flowControl("resumeWriting");
  }

  /** Calls pauseWriting or resumeWriting; what it throws goes to the exception handler. */
  #flowControl(name: "pauseWriting" | "resumeWriting"): void {
    try {
      this._protocol[name]?.();
    } catch (e) {
      this._loop.callExceptionHandler({ message: `protocol.${name}() failed`, exception: e, transport: this, protocol: this._protocol });
    }
  }

  /**
   * Closes at once: what is buffered (bytes not yet sent, datagrams in flight) is dropped;
   * the protocol gets `connectionLost(null)`.
   * @example
   * transport.abort()
   */
  abort(): void {
    this._forceClose(null);
  }

  /**
   * Whether the transport is closing or closed.
   * @example
   * if (!transport.isClosing()) transport.write(data)
   */
  isClosing(): boolean {
    return this._closing;
  }

  /**
   * Information about the transport, by name (see each transport's list), or
   * `defaultValue` (default `undefined`) if unknown.
   * @example
   * const [host, port] = transport.getExtraInfo("sockname")
   */
  getExtraInfo(name: string, defaultValue?: unknown): any {
    return Object.prototype.hasOwnProperty.call(this._extra, name) ? this._extra[name] : defaultValue;
  }

  /**
   * The protocol receiving this transport's events.
   * @example
   * const proto = transport.getProtocol() as MyProtocol
   */
  getProtocol(): P {
    return this._protocol;
  }

  /**
   * Switches the protocol that receives the events from now on.
   * @example
   * transport.setProtocol(upgraded)
   */
  setProtocol(protocol: P): void {
    this._adoptProtocol(protocol);
    this._protocol = protocol;
  }
}
