/// <reference types="node" preserve="true" />
// A SOCK_DGRAM socket's side, what the kernel keeps for a UDP socket: the bound address,
// the datagrams received and not read (each with its sender), the datagrams queued to
// send. Node's dgram socket reads every datagram as it arrives; like a kernel's receive
// buffer, the queue holds at most RCVBUF bytes and drops what arrives beyond (UDP may
// drop: a program that reads too slowly loses datagrams in Python too).
import * as dgram from "node:dgram";
import { BlockingIOError } from "../errors.js";
import { AF_INET6 } from "./constants.js";
import type { Address } from "../streams/protocols.js";
import { _notify } from "./selector.js";
import type { Socket } from "./socket.js";
import type { BindOptions } from "./socket-address.js";

/** Bytes of payload the receive queue holds (Linux's default net.core.rmem_default). */
const RCVBUF = 212992;
/** Bytes Node may hold queued to send before sendto() would block (Linux's default wmem). */
const SNDBUF = 212992;

/**
 * @internal The UDP side of a Socket: a node:dgram socket made at construction, bound by
 * bind() or, as the kernel does, by the first sendto(). Errors and arrivals go to its
 * socket (`onError`, `_notify`).
 */
export class _DatagramSide {
  readonly #udp: dgram.Socket;
  /** Received datagrams not read yet, oldest first, and their payload bytes. */
  #queue: [Buffer, Address][] = [];
  #head = 0;
  #queued = 0;
  /** The address bind() asked for, until Node has taken it (bind is asynchronous in node:dgram). */
  #requested: [string, number] | null = null;
  #bound = false;
  /** bind() or sendto() has started Node's bind. */
  #binding = false;
  readonly #sock: Socket;

  constructor(sock: Socket, family: number, onError: (error: Error) => void) {
    this.#sock = sock;
    this.#udp = dgram.createSocket({ type: family === AF_INET6 ? "udp6" : "udp4" });
    this.#udp.on("error", onError);
    this.#udp.on("message", this.#onMessage);
    this.#udp.once("listening", () => {
      this.#bound = true;
      this.#requested = null;
      _notify(sock);
    });
  }

  /** Whether bind() (or a sendto()) has bound it, or is binding it. */
  binding(): boolean {
    return this.#binding;
  }

  /** Starts Node's bind of `options` (an address in use is reported through onError). */
  bind(options: BindOptions & { host: string; port: number }): void {
    this.#binding = true;
    this.#requested = [options.host, options.port];
    this.#udp.bind({ address: options.host, port: options.port, exclusive: true });
  }

  /**
   * Queues `bytes` to `host`/`port`; false when Node already holds SNDBUF bytes unsent
   * (the kernel's send buffer is full: the caller would block). The bytes are copied.
   */
  sendto(bytes: Uint8Array, host: string, port: number): boolean {
    if (this.#udp.getSendQueueSize() >= SNDBUF) return false;
    // An unbound socket is bound to the any address by its first send, as by the kernel.
    this.#binding = true;
    this.#udp.send(Buffer.from(bytes), port, host, this.#onSent);
    return true;
  }

  /** Whether sendto() would take a datagram now. */
  writable(): boolean {
    return this.#udp.getSendQueueSize() < SNDBUF;
  }

  /** Whether a datagram waits. */
  readable(): boolean {
    return this.#head < this.#queue.length;
  }

  /** The oldest datagram, or undefined if none waits. */
  take(): [Buffer, Address] | undefined {
    if (this.#head === this.#queue.length) return undefined;
    const item = this.#queue[this.#head]!;
    this.#queue[this.#head++] = undefined as unknown as [Buffer, Address];
    this.#queued -= item[0].length;
    // Compact once the consumed head dominates, so the array does not grow without bound.
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** The bound address; before Node has taken it, the requested one (null if port 0 is still unknown). */
  name(): Address | null {
    if (this.#bound) {
      const a = this.#udp.address();
      return [a.address, a.port];
    }
    const requested = this.#requested;
    if (requested !== null && requested[1] !== 0) return requested;
    if (requested !== null || this.#binding) {
      throw new BlockingIOError(
        "getsockname() would block: node:dgram binds later in the same host tick, so the port of a port-0 bind is known once the loop has run",
      );
    }
    return null;
  }

  close(): void {
    this.#queue = [];
    this.#head = this.#queued = 0;
    try {
      this.#udp.close();
    } catch {
      // Node throws ERR_SOCKET_DGRAM_NOT_RUNNING if it has closed already.
    }
  }

  #onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    if (this.#queued + msg.length > RCVBUF) return;
    this.#queued += msg.length;
    this.#queue.push([msg, [rinfo.address, rinfo.port]]);
    _notify(this.#sock);
  };

  /** A send's outcome: its error waits for the next operation; room in the queue wakes a writer. */
  #onSent = (error: Error | null): void => {
    if (error !== null) this.#udp.emit("error", error);
    else _notify(this.#sock);
  };
}
