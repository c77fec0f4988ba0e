/// <reference types="node" preserve="true" />
// setsockopt()'s store: the options a socket was given, by level and option, for
// getsockopt() to read back. Node can apply two of them to a TCP connection (TCP_NODELAY,
// SO_KEEPALIVE), at setsockopt() or when the connection comes; SO_REUSEADDR is what Node
// does anyway on listening sockets; the others are only recorded.
import type * as net from "node:net";
import { AF_UNIX, IPPROTO_TCP, SOL_SOCKET, SO_KEEPALIVE, TCP_NODELAY } from "./constants.js";

/** @internal The options of one socket. */
export class _SocketOptions {
  readonly #values = new Map<string, number>();

  set(level: number, option: number, value: number | boolean): void {
    this.#values.set(`${level}:${option}`, Number(value));
  }

  /** What setsockopt() set, 0 by default. */
  get(level: number, option: number): number {
    return this.#values.get(`${level}:${option}`) ?? 0;
  }

  /** Applies the options set that Node offers on a TCP connection (none on a Unix one). */
  applyTo(conn: net.Socket, family: number): void {
    if (family === AF_UNIX) return;
    const nodelay = this.#values.get(`${IPPROTO_TCP}:${TCP_NODELAY}`);
    if (nodelay !== undefined) conn.setNoDelay(nodelay !== 0);
    const keepalive = this.#values.get(`${SOL_SOCKET}:${SO_KEEPALIVE}`);
    if (keepalive !== undefined) conn.setKeepAlive(keepalive !== 0);
  }
}
