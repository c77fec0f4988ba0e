/// <reference types="node" />
// How a stream transport is made: what the loop's connection methods and servers know
// about the socket when they hand it over, and the extra info read from it once.
import type * as net from "node:net";
import type * as tls from "node:tls";
import type { Future } from "../future.js";
import type { Address } from "../streams/protocols.js";
import type { Transport } from "./transports.js";
import type { _ServerClient } from "../streams/serving.js";

/** What a transport tells the server it belongs to (asyncio's Server._detach). @internal */
export interface _ClientOwner {
  _detach(transport: _ServerClient): void;
  /** startTls: `next` stands for the connection `old` was. */
  _swap(old: _ServerClient, next: _ServerClient): void;
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

/** What getExtraInfo answers, read from the socket once. @internal */
export function _extraInfo(conn: net.Socket, options: _TransportOptions): Record<string, unknown> {
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
