/// <reference types="node" />
// The datagram transport: asyncio's _SelectorDatagramTransport over a node:dgram socket.
// Each 'message' is one `loop._schedule`; sends go straight to Node, whose completion
// callbacks keep the count of bytes in flight (the "write buffer").
import type * as dgram from "node:dgram";
import type { EventLoop } from "../base-loop.js";
import { _resolvePending, type Future } from "../future.js";
import { className, repr } from "../util.js";
import { formatAddress, type Address } from "./protocols.js";
import { toBytes } from "./bytes.js";
import { _resourceWarning } from "./transports.js";

const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;

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

/** A datagram that arrived before the transport took the socket. @internal */
export type _EarlyDatagram = [msg: Buffer, rinfo: dgram.RemoteInfo];

/**
 * A UDP endpoint made by `loop.createDatagramEndpoint`: asyncio's datagram transport.
 * `sendto(data, addr)` sends one datagram; each datagram received is one
 * `protocol.datagramReceived(data, [host, port])`.
 * @example
 * class EchoUdp extends DatagramProtocol {
 *   transport!: DatagramTransport
 *   connectionMade(t: DatagramTransport) { this.transport = t }
 *   datagramReceived(data: Uint8Array, addr: [string, number]) { this.transport.sendto(data, addr) }
 * }
 * const [transport] = yield* loop.createDatagramEndpoint(() => new EchoUdp(), { localAddr: ["127.0.0.1", 9999] })
 */
export class DatagramTransport {
  readonly #loop: EventLoop;
  readonly #sock: dgram.Socket;
  #protocol: DatagramProtocolLike;
  /** The connected peer (remoteAddr, resolved), or null. */
  readonly #address: [string, number] | null;
  /** remoteAddr as given (a host name, say): `sendto` accepts it too. */
  readonly #alias: [string, number] | null;
  readonly #extra: Record<string, unknown>;
  #closing = false;
  #lost = false;
  #sockClosed = false;
  #lostExc: Error | null = null;
  /** Sizes of the sends Node has not completed, in order. */
  #inFlight: number[] = [];
  #inFlightBytes = 0;
  #droppedWrites = 0;
  /** Where it was made (debug mode), for the ResourceWarning. */
  readonly #site: string | undefined;

  /** @internal Made by `loop.createDatagramEndpoint` on a bound (and maybe connected) socket. */
  constructor(
    loop: EventLoop,
    sock: dgram.Socket,
    protocol: DatagramProtocolLike,
    address: [string, number] | null,
    options: { waiter?: Future<void> | null; early?: _EarlyDatagram[]; alias?: [string, number] | null; site?: string } = {},
  ) {
    this.#loop = loop;
    this.#site = options.site;
    this.#sock = sock;
    this.#protocol = protocol;
    this.#address = address;
    this.#alias = options.alias ?? null;
    const a = sock.address();
    this.#extra = { socket: sock, sockname: [a.address, a.port] as Address, peername: address };
    loop._schedule(this.#made, undefined);
    if (options.waiter) loop._schedule(_resolvePending, options.waiter);
    if (options.early) for (const d of options.early) loop._schedule(this.#deliver, d);
    sock.on("message", this.#onMessage);
    sock.on("error", this.#onError);
    loop._addResource(this);
  }

  // Node's events (outside the loop).
  #onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    if (this.#loop.isClosed()) this.#closeSocket();
    else this.#loop._schedule(this.#deliver, [msg, rinfo]);
  };

  #onError = (err: Error): void => {
    if (!this.#loop.isClosed()) this.#loop._schedule(this.#errorEvent, err);
  };

  #onSent = (err: Error | null): void => {
    this.#inFlightBytes -= this.#inFlight.shift() ?? 0;
    if (this.#loop.isClosed()) return;
    if (err) this.#loop._schedule(this.#errorEvent, err);
    if (this.#closing && this.#inFlight.length === 0) this.#closeSocket();
  };

  // In the loop.
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

  #deliver = ([msg, rinfo]: _EarlyDatagram): void => {
    if (this.#closing) return;
    try {
      this.#protocol.datagramReceived?.(msg, [rinfo.address, rinfo.port]);
    } catch (e) {
      this.#fatalError(e, "Fatal error: protocol.datagramReceived() call failed.");
    }
  };

  #errorEvent = (err: Error): void => {
    if (this.#lost) return;
    try {
      this.#protocol.errorReceived?.(err);
    } catch (e) {
      this.#fatalError(e, "Fatal error: protocol.errorReceived() call failed.");
    }
  };

  #connectionLost = (): void => {
    if (this.#lost) return;
    this.#lost = true;
    try {
      this.#protocol.connectionLost?.(this.#lostExc);
    } catch (e) {
      this.#loop.callExceptionHandler({
        message: "Exception in protocol.connectionLost()", exception: e, transport: this, protocol: this.#protocol,
      });
    }
  };

  #fatalError(exc: unknown, message: string): void {
    this.#loop.callExceptionHandler({ message, exception: exc, transport: this, protocol: this.#protocol });
    this.#forceClose(exc as Error);
  }

  #forceClose(exc: Error | null): void {
    if (this.#sockClosed) return;
    this.#closing = true;
    this.#lostExc = exc;
    this.#closeSocket();
  }

  #closeSocket(): void {
    if (this.#sockClosed) return;
    this.#sockClosed = true;
    this.#loop._removeResource(this);
    this.#sock.close(() => {
      if (!this.#loop.isClosed()) this.#loop._schedule(this.#connectionLost, undefined);
    });
  }

  /**
   * Sends one datagram: to `addr` (`[host, port]`), or to the connected peer (`remoteAddr`)
   * if `addr` is omitted. With `remoteAddr`, any other `addr` is a RangeError. A send that
   * fails is reported to `protocol.errorReceived`.
   * @example
   * transport.sendto(new TextEncoder().encode("ping"), ["127.0.0.1", 9999])
   */
  sendto(data: Uint8Array | string, addr?: [host: string, port: number] | null): void {
    const bytes = toBytes("sendto()", data);
    // asyncio 3.12 sends nothing for empty data (and checks no address then).
    if (bytes.length === 0) return;
    let host: string | undefined, port: number | undefined;
    if (this.#address !== null) {
      if (addr !== undefined && addr !== null && !sameAddress(addr, this.#address) && !(this.#alias !== null && sameAddress(addr, this.#alias))) {
        throw new RangeError(`sendto(): invalid address: must be undefined or ${fmt(this.#address)}, got ${fmtAny(addr)}`);
      }
    } else {
      if (addr === undefined || addr === null) throw new TypeError("sendto() expected addr ([host, port]): the transport has no remoteAddr");
      if (!Array.isArray(addr) || typeof addr[0] !== "string" || !Number.isInteger(addr[1]) || addr[1] < 0 || addr[1] > 65535) {
        throw new TypeError(`sendto() expected addr to be [host, port], got ${fmtAny(addr)}`);
      }
      [host, port] = addr;
    }
    if (this.#closing) {
      if (++this.#droppedWrites >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) console.warn("socket.send() raised exception.");
      return;
    }
    this.#inFlight.push(bytes.byteLength);
    this.#inFlightBytes += bytes.byteLength;
    try {
      if (host === undefined) this.#sock.send(bytes, this.#onSent);
      else this.#sock.send(bytes, port, host, this.#onSent);
    } catch (e) {
      this.#inFlight.pop();
      this.#inFlightBytes -= bytes.byteLength;
      this.#loop._schedule(this.#errorEvent, e);
    }
  }

  /**
   * Closes the endpoint once the datagrams in flight are sent; `connectionLost(null)` follows.
   * @example
   * transport.close()
   */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#loop._removeResource(this);
    if (this.#inFlight.length === 0) this.#closeSocket();
  }

  /**
   * Closes at once (datagrams in flight may be dropped); `connectionLost(null)` follows.
   * @example
   * transport.abort()
   */
  abort(): void {
    this.#forceClose(null);
  }

  /**
   * Whether the transport is closing or closed.
   * @example
   * if (!transport.isClosing()) transport.sendto(data, addr)
   */
  isClosing(): boolean {
    return this.#closing;
  }

  /**
   * Bytes handed to `sendto` that Node has not sent yet.
   * @example
   * if (transport.getWriteBufferSize() > 1 << 20) slowDown()
   */
  getWriteBufferSize(): number {
    return this.#inFlightBytes;
  }

  /**
   * `'sockname'` (`[host, port]`), `'peername'` (the remoteAddr, or null), `'socket'`
   * (the dgram socket); `defaultValue` otherwise.
   * @example
   * const [host, port] = transport.getExtraInfo("sockname")
   */
  getExtraInfo(name: string, defaultValue?: unknown): any {
    return Object.prototype.hasOwnProperty.call(this.#extra, name) ? this.#extra[name] : defaultValue;
  }

  /**
   * The protocol receiving this transport's events.
   * @example
   * const proto = transport.getProtocol() as MyDatagramProtocol
   */
  getProtocol(): DatagramProtocolLike {
    return this.#protocol;
  }

  /**
   * Switches the protocol that receives the events from now on.
   * @example
   * transport.setProtocol(other)
   */
  setProtocol(protocol: DatagramProtocolLike): void {
    if (typeof protocol !== "object" || protocol === null) {
      throw new TypeError(`setProtocol() expected a protocol object, got ${repr(protocol)}`);
    }
    this.#protocol = protocol;
  }

  /**
   * The transport's class, local address, state and protocol's class.
   * @example
   * String(transport)   // "<DatagramTransport 127.0.0.1:9999 protocol=<EchoUdp>>"
   */
  toString(): string {
    return `<${this.constructor.name} ${formatAddress(this.#extra.sockname)}${this.#closing ? " closing" : ""} protocol=${className(this.#protocol)}>`;
  }

  /** @internal The loop closes with the endpoint still open: asyncio's ResourceWarning. */
  _loopClosed(): void {
    if (this.#closing || this.#sockClosed) return;
    _resourceWarning(`unclosed transport ${this}`,
      "An open datagram endpoint keeps the Node process alive: close it (transport.close()) before its loop closes.", this.#site);
  }
}

function sameAddress(a: unknown, b: [string, number]): boolean {
  return Array.isArray(a) && a[0] === b[0] && a[1] === b[1];
}

function fmt([host, port]: [string, number]): string {
  return `["${host}", ${port}]`;
}

function fmtAny(addr: unknown): string {
  if (Array.isArray(addr)) return `[${addr.map((x) => (typeof x === "string" ? JSON.stringify(x) : repr(x))).join(", ")}]`;
  return repr(addr);
}
