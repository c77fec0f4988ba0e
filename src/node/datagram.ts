/// <reference types="node" />
// The datagram transport: asyncio's _SelectorDatagramTransport over a node:dgram socket.
// Each 'message' is one `loop._schedule`; sends go straight to Node, whose completion
// callbacks keep the count of bytes in flight (the "write buffer").
import type * as dgram from "node:dgram";
import type { EventLoop } from "../base-loop.js";
import { checkProtocolObject } from "../checks.js";
import type { Future } from "../future.js";
import { className, repr } from "../util.js";
import { BaseTransport } from "../streams/base-transport.js";
import { formatAddress, type Address, type DatagramProtocolLike } from "../streams/protocols.js";
import { _resourceWarning } from "./resource-warning.js";
import { toBytes } from "./bytes.js";

/** A datagram that arrived before the transport took the socket. @internal */
export type _EarlyDatagram = [msg: Buffer, rinfo: dgram.RemoteInfo];

/**
 * A UDP endpoint made by `loop.createDatagramEndpoint`: asyncio's datagram transport.
 * `sendto(data, addr)` sends one datagram; each datagram received is one
 * `protocol.datagramReceived(data, [host, port])`. `getExtraInfo` knows `'sockname'`
 * (`[host, port]`), `'peername'` (the remoteAddr, or null) and `'socket'` (the dgram socket).
 * @example
 * class EchoUdp extends DatagramProtocol {
 *   transport!: DatagramTransport
 *   connectionMade(t: DatagramTransport) { this.transport = t }
 *   datagramReceived(data: Uint8Array, addr: [string, number]) { this.transport.sendto(data, addr) }
 * }
 * const [transport] = yield* loop.createDatagramEndpoint(() => new EchoUdp(), { localAddr: ["127.0.0.1", 9999] })
 */
export class DatagramTransport extends BaseTransport<DatagramProtocolLike> {
  readonly #sock: dgram.Socket;
  /** The connected peer (remoteAddr, resolved), or null. */
  readonly #address: [string, number] | null;
  /** remoteAddr as given (a host name, say): `sendto` accepts it too. */
  readonly #alias: [string, number] | null;
  #sockClosed = false;
  #lostExc: Error | null = null;
  /** Sizes of the sends Node has not completed, in order. */
  #inFlight: number[] = [];
  #inFlightBytes = 0;

  /** @internal Made by `loop.createDatagramEndpoint` on a bound (and maybe connected) socket. */
  constructor(
    loop: EventLoop,
    sock: dgram.Socket,
    protocol: DatagramProtocolLike,
    address: [string, number] | null,
    options: { waiter?: Future<void> | null; early?: _EarlyDatagram[]; alias?: [string, number] | null; site?: string } = {},
  ) {
    const a = sock.address();
    super(loop, protocol, { socket: sock, sockname: [a.address, a.port] as Address, peername: address }, options.site, options.waiter);
    this.#sock = sock;
    this.#address = address;
    this.#alias = options.alias ?? null;
    if (options.early) for (const d of options.early) loop._schedule(this.#deliver, d);
    sock.on("message", this.#onMessage);
    sock.on("error", this.#onError);
  }

  // Node's events (outside the loop).
  #onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    if (this._loop.isClosed()) this.#closeSocket();
    else this._loop._schedule(this.#deliver, [msg, rinfo]);
  };

  #onError = (err: Error): void => {
    if (!this._loop.isClosed()) this._loop._schedule(this.#errorEvent, err);
  };

  #onSent = (err: Error | null): void => {
    this.#inFlightBytes -= this.#inFlight.shift() ?? 0;
    if (this._loop.isClosed()) return;
    if (err) this._loop._schedule(this.#errorEvent, err);
    if (this._closing && this.#inFlight.length === 0) this.#closeSocket();
  };

  // In the loop.
  #deliver = ([msg, rinfo]: _EarlyDatagram): void => {
    if (this._closing) return;
    try {
      this._protocol.datagramReceived?.(msg, [rinfo.address, rinfo.port]);
    } catch (e) {
      this._fatalError(e, "Fatal error: protocol.datagramReceived() call failed.");
    }
  };

  #errorEvent = (err: Error): void => {
    if (this._lost) return;
    try {
      this._protocol.errorReceived?.(err);
    } catch (e) {
      this._fatalError(e, "Fatal error: protocol.errorReceived() call failed.");
    }
  };

  #connectionLost = (): void => {
    if (!this._lost) this._callConnectionLost(this.#lostExc);
  };

  /** @internal Closes the socket now (datagrams in flight may be dropped); connectionLost(exc). */
  override _forceClose(exc: Error | null): void {
    if (this.#sockClosed) return;
    this._closing = true;
    this.#lostExc = exc;
    this.#closeSocket();
  }

  #closeSocket(): void {
    if (this.#sockClosed) return;
    this.#sockClosed = true;
    this._loop._removeResource(this);
    this.#sock.close(() => {
      if (!this._loop.isClosed()) this._loop._schedule(this.#connectionLost, undefined);
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
    if (this._closing) {
      this._droppedWrite();
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
      this._loop._schedule(this.#errorEvent, e);
    }
  }

  /**
   * Closes the endpoint once the datagrams in flight are sent; `connectionLost(null)` follows.
   * @example
   * transport.close()
   */
  close(): void {
    if (this._closing) return;
    this._closing = true;
    this._loop._removeResource(this);
    if (this.#inFlight.length === 0) this.#closeSocket();
  }

  /**
   * Bytes handed to `sendto` that Node has not sent yet.
   * @example
   * if (transport.getWriteBufferSize() > 1 << 20) slowDown()
   */
  getWriteBufferSize(): number {
    return this.#inFlightBytes;
  }

  /** @internal setProtocol: any object (a datagram protocol's callbacks are all optional). */
  override _adoptProtocol(protocol: DatagramProtocolLike): void {
    checkProtocolObject("setProtocol()", protocol);
  }

  /**
   * The transport's class, local address, state and protocol's class.
   * @example
   * String(transport)   // "<DatagramTransport 127.0.0.1:9999 protocol=<EchoUdp>>"
   */
  override toString(): string {
    return `<${this.constructor.name} ${formatAddress(this._extra.sockname)}${this._closing ? " closing" : ""} protocol=${className(this._protocol)}>`;
  }

  /** @internal The loop closes with the endpoint still open: asyncio's ResourceWarning. */
  override _loopClosed(): void {
    if (this._closing || this.#sockClosed) return;
    _resourceWarning(`unclosed transport ${this}`,
      "An open datagram endpoint keeps the Node process alive: close it (transport.close()) before its loop closes.", this._site);
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
