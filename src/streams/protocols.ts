// The protocol base classes: asyncio's callback interfaces, as classes with no-op
// callbacks to extend. A transport calls them in asyncio's order:
// connectionMade -> dataReceived* -> eofReceived? -> connectionLost (exactly once).
import { checkFactory } from "../checks.js";
import { repr } from "../util.js";
import type { DatagramTransport } from "../node/datagram.js";
import type { Transport } from "../node/transports.js";

/**
 * Address of a peer or a socket: `[host, port]` for IP, a path for Unix sockets.
 * @example
 * const [host, port] = transport.getExtraInfo("peername") as Address & [string, number]
 */
export type Address = [host: string, port: number] | string;

/** `127.0.0.1:8888`, `[::1]:8888`, or a Unix path in quotes: an address as reprs show it. @internal */
export function formatAddress(address: unknown): string {
  if (typeof address === "string") return JSON.stringify(address);
  if (!Array.isArray(address)) return String(address);
  const [host, port] = address as [string, number];
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** What every transport offers (the shape `connectionMade` receives). */
export interface BaseTransportLike {
  close(): void;
  isClosing(): boolean;
  getExtraInfo(name: string, defaultValue?: unknown): any;
}

/**
 * A protocol factory: a function returning a protocol, or a class with a no-argument
 * constructor (asyncio passes the class itself).
 * @example
 * const factory: ProtocolFactory<Echo> = () => new Echo()
 * const server = yield* loop.createServer(factory, "127.0.0.1", 8888)   // or createServer(Echo, ...)
 */
export type ProtocolFactory<P> = (() => P) | (new () => P);

/**
 * Base of every protocol: connection events and write flow control.
 * @example
 * class Quiet extends BaseProtocol { connectionLost(exc) { if (exc) console.error(exc) } }
 */
export class BaseProtocol {
  /** The connection is set up; `transport` is how to write to it and close it. */
  connectionMade(transport: any): void {}
  /** The connection is gone: `exc` is the error, or null for a clean close or EOF. Called once. */
  connectionLost(exc: Error | null): void {}
  /** The transport's write buffer went over its high-water mark: stop writing for now. */
  pauseWriting(): void {}
  /** The write buffer drained to its low-water mark: writing may go on. */
  resumeWriting(): void {}
}

/**
 * A stream protocol (TCP, Unix sockets, TLS): extend it and override what you need.
 * @example
 * class Echo extends Protocol {
 *   transport!: Transport
 *   connectionMade(t: Transport) { this.transport = t }
 *   dataReceived(data: Uint8Array) { this.transport.write(data) }
 * }
 * const server = yield* loop.createServer(() => new Echo(), "127.0.0.1", 8888)
 */
export class Protocol extends BaseProtocol {
  /** Bytes arrived (a chunk of any size; message boundaries are not kept). */
  dataReceived(data: Uint8Array): void {}
  /**
   * The peer sent EOF (it will send no more). Return true to keep the transport open
   * for writing (half-close); otherwise the transport closes itself.
   */
  eofReceived(): boolean | void {}
}

/**
 * A stream protocol that receives into its own buffers (asyncio's BufferedProtocol):
 * the transport copies each chunk into `getBuffer(sizeHint)` and calls `bufferUpdated(n)`.
 * @example
 * class Counter extends BufferedProtocol {
 *   buf = new Uint8Array(65536); total = 0
 *   getBuffer() { return this.buf }
 *   bufferUpdated(n: number) { this.total += n }
 * }
 */
export class BufferedProtocol extends BaseProtocol {
  /** A buffer to receive into; `sizeHint` is how many bytes are waiting (-1: unknown). */
  getBuffer(sizeHint: number): Uint8Array {
    throw new Error(`${this.constructor.name}.getBuffer() is not implemented`);
  }
  /** `nbytes` bytes were written at the start of the buffer `getBuffer` returned. */
  bufferUpdated(nbytes: number): void {}
  /** As `Protocol.eofReceived`. */
  eofReceived(): boolean | void {}
}

/**
 * A datagram protocol (UDP), for `loop.createDatagramEndpoint`.
 * @example
 * class EchoUdp extends DatagramProtocol {
 *   transport!: DatagramTransport
 *   connectionMade(t: DatagramTransport) { this.transport = t }
 *   datagramReceived(data: Uint8Array, addr: Address) { this.transport.sendto(data, addr) }
 * }
 */
export class DatagramProtocol extends BaseProtocol {
  /** A datagram arrived from `addr`. */
  datagramReceived(data: Uint8Array, addr: Address): void {}
  /** A send or receive failed (for example ICMP port unreachable on a connected socket). */
  errorReceived(exc: Error): void {}
}

/**
 * Calls a protocol factory (a function or a class) and checks that it made a protocol the
 * transport can use: for a stream, an object with `dataReceived()` (or `getBuffer()` and
 * `bufferUpdated()`); for a datagram endpoint, one with a datagram protocol's callbacks.
 * Anything else (`{}`, `null`, the Promise of an async factory) is a TypeError naming the
 * call and the factory, at the connection, not at its first data. @internal
 */
export function makeProtocol<P>(call: string, factory: ProtocolFactory<P>, kind: "stream" | "datagram" = "stream"): P {
  let protocol: P;
  checkFactory(call, factory);
  // A class cannot be called without new; a plain function or arrow is called.
  if (/^class[\s{]/.test(Function.prototype.toString.call(factory))) protocol = new (factory as new () => P)();
  else protocol = (factory as () => P)();
  const missing = notAProtocol(protocol, kind);
  if (missing !== null) {
    const name = factory.name === "" ? "protocolFactory" : `protocolFactory ${factory.name}`;
    throw new TypeError(`${call}: ${name} returned ${describe(protocol)}, not a Protocol${missing}`);
  }
  return protocol;
}

/** Why `value` is not a protocol of `kind` (a parenthesised hint, maybe empty), or null if it is one. @internal */
export function notAProtocol(value: unknown, kind: "stream" | "datagram"): string | null {
  if (typeof value !== "object" || value === null) return "";
  if (typeof (value as PromiseLike<unknown>).then === "function") return " (an async function cannot be a protocol factory)";
  const has = (name: string): boolean => typeof (value as Record<string, unknown>)[name] === "function";
  if (kind === "stream") {
    return has("dataReceived") || (has("getBuffer") && has("bufferUpdated")) ? null : " (it has no dataReceived(), nor getBuffer() and bufferUpdated())";
  }
  return DATAGRAM_CALLBACKS.some(has) ? null : ` (it has none of ${DATAGRAM_CALLBACKS.map((n) => `${n}()`).join(", ")})`;
}

const DATAGRAM_CALLBACKS = ["datagramReceived", "errorReceived", "connectionMade", "connectionLost"];

/** What a factory returned, for its error: `{}`, `{a, b}`, `a Promise`, `a Foo`, `null`, `42`. @internal */
export function describe(value: unknown): string {
  if (typeof value !== "object" || value === null) return repr(value);
  if (typeof (value as PromiseLike<unknown>).then === "function") return "a Promise";
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    const keys = Object.keys(value);
    return `{${keys.slice(0, 4).join(", ")}${keys.length > 4 ? ", ..." : ""}}`;
  }
  return `a ${(value as object).constructor?.name || "Object"}`;
}

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

/**
 * What a datagram transport calls on its protocol: a `DatagramProtocol` or any object with
 * these methods.
 * @example
 * const proto: DatagramProtocolLike = { datagramReceived: (data, [host, port]) => log(host, port, data) }
 */
export interface DatagramProtocolLike {
  /** The endpoint is set up; `transport` sends datagrams and closes it. */
  connectionMade?(transport: DatagramTransport): void;
  /** A datagram arrived from `addr`. */
  datagramReceived?(data: Uint8Array, addr: [host: string, port: number]): void;
  /** A send or receive failed (ICMP port unreachable on a connected endpoint, say). */
  errorReceived?(exc: Error): void;
  /** The endpoint is closed: the error, or null. Called once, last. */
  connectionLost?(exc: Error | null): void;
  /** Sends buffered over the high-water mark: stop sending for now. */
  pauseWriting?(): void;
  /** Sending may go on. */
  resumeWriting?(): void;
}

/** What `_dataReceived` and `_eofReceived` use of a stream transport: Node's, or wasyncio/testing's memory one. @internal */
export interface _ReceivingTransport {
  readonly _protocol: StreamProtocolLike;
  readonly _closing: boolean;
  _fatalError(exc: unknown, message: string): void;
  isReading(): boolean;
  canWriteEof(): boolean;
  close(): void;
}

/** Whether the transport hands bytes to `protocol` through getBuffer/bufferUpdated. @internal */
export function _isBufferedProtocol(protocol: StreamProtocolLike): boolean {
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

/**
 * Hands one received chunk to a stream transport's protocol: `dataReceived(chunk)`, or
 * (`intoBuffer`: a BufferedProtocol) through the protocol's own buffers. Returns what a
 * BufferedProtocol left when reading was paused meanwhile, or null. A callback that throws
 * is the transport's fatal error. @internal
 */
export function _dataReceived<B extends Uint8Array>(transport: _ReceivingTransport, chunk: B, intoBuffer: boolean): B | null {
  if (intoBuffer) return receiveInto(transport, chunk);
  try {
    transport._protocol.dataReceived!(chunk);
  } catch (e) {
    transport._fatalError(e, "Fatal error: protocol.dataReceived() call failed.");
  }
  return null;
}

/**
 * The peer's EOF, to a stream transport's protocol: `eofReceived()`, then the transport
 * closes unless it returned true (half-close). A callback that throws is the transport's
 * fatal error. @internal
 */
export function _eofReceived(transport: _ReceivingTransport): void {
  let keepOpen: boolean | void;
  try {
    keepOpen = transport._protocol.eofReceived?.();
  } catch (e) {
    transport._fatalError(e, "Fatal error: protocol.eofReceived() call failed.");
    return;
  }
  // TLS has no half-close (canWriteEof() is false): asyncio's SSL transport closes whatever eofReceived returns.
  if (!keepOpen || !transport.canWriteEof()) transport.close();
}

/**
 * A BufferedProtocol receives `chunk` through its own buffers (getBuffer, then
 * bufferUpdated, as many times as it takes); returns what is left when reading was
 * paused meanwhile, or null.
 */
function receiveInto<B extends Uint8Array>(transport: _ReceivingTransport, chunk: B): B | null {
  const protocol = transport._protocol;
  const len = chunk.length;
  let off = 0;
  while (off < len) {
    let buf: Uint8Array;
    try {
      buf = asBytes(protocol.getBuffer!(len - off));
    } catch (e) {
      transport._fatalError(e, "Fatal error: protocol.getBuffer() call failed.");
      return null;
    }
    const n = Math.min(buf.length, len - off);
    buf.set(n === len ? chunk : chunk.subarray(off, off + n));
    off += n;
    try {
      protocol.bufferUpdated!(n);
    } catch (e) {
      transport._fatalError(e, "Fatal error: protocol.bufferUpdated() call failed.");
      return null;
    }
    if (transport._closing) return null;
    // Not closing, not reading: paused.
    if (!transport.isReading() && off < len) return chunk.subarray(off) as B;
  }
  return null;
}
