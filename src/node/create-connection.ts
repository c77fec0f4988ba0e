/// <reference types="node" />
// loop.createConnection and loop.createUnixConnection (asyncio's create_connection and
// create_unix_connection), installed on EventLoop.prototype. Each checks its arguments at
// the call and returns a Future at once; the work is a generator written like asyncio's
// coroutine, run by an _Operation: connect (or take a connected socket), maybe over TLS,
// then make the protocol and its Transport.
import * as net from "node:net";
import * as tls from "node:tls";
import type { EventLoop } from "../base-loop.js";
import { checkExclusive, checkFactory, checkNotClosed, checkOptionalString, checkOptions, expected } from "../checks.js";
import type { Coroutine } from "../events.js";
import type { Future } from "../future.js";
import { _Operation } from "../operation.js";
import { creationSite } from "../util.js";
import { _addrArg, _optionalPort, _pathArg } from "./socket-address.js";
import { AF_UNIX } from "./constants.js";
import { installLoopMethods } from "./install.js";
import { _closeWithLoop, _ignoreError, _once } from "./node-events.js";
import { makeProtocol, type ProtocolFactory, type StreamProtocolLike } from "../streams/protocols.js";
import { Socket } from "./socket.js";
import { _wrapTls } from "./start-tls.js";
import { _clientTls, _serverTls, type _ClientTls, type _ServerTls } from "./tls-options.js";
import { Transport } from "./transports.js";

/**
 * Options of `loop.createConnection`.
 * @example
 * yield* loop.createConnection(factory, "example.com", 443, { ssl: true })
 */
export interface CreateConnectionOptions {
  /**
   * Use this connected wasyncio socket instead of connecting. It becomes the transport's
   * socket: `getsockname()`, `getpeername()` and `fileno()` still answer until it closes.
   */
  sock?: Socket | null;
  /** A Unix socket path to connect to instead of host and port. */
  path?: string | null;
  /** TLS: `true` (system CAs) or `tls.connect` options (`{ ca, rejectUnauthorized, ... }`) or a SecureContext. */
  ssl?: boolean | tls.ConnectionOptions | tls.SecureContext | null;
  /** The name the certificate must match (and SNI); default: host. Only with ssl. */
  serverHostname?: string | null;
  /** The local `[host, port]` to bind before connecting. */
  localAddr?: [host: string, port: number] | null;
  /** Accepted and ignored: Node does its own Happy Eyeballs (autoSelectFamily). */
  happyEyeballsDelay?: number | null;
  /** Accepted and ignored, as happyEyeballsDelay. */
  interleave?: number | null;
}

/**
 * Options of `loop.connectAcceptedSocket`.
 * @example
 * yield* loop.connectAcceptedSocket(() => new Echo(), conn, { ssl: { key, cert } })
 */
export interface ConnectAcceptedSocketOptions {
  /** TLS, as the server side: `tls.createServer` options (`{ key, cert, ... }`) or a SecureContext. */
  ssl?: tls.TlsOptions | tls.SecureContext | null;
  /** Milliseconds the TLS handshake may take (default 60 000, asyncio's 60 s), as createServer's. Only with ssl. */
  sslHandshakeTimeout?: number | null;
}

declare module "../base-loop.js" {
  interface EventLoop {
    /**
     * Makes a transport/protocol pair of a connection accepted outside the loop's servers:
     * a wasyncio socket from `accept()`/`sockAccept()`, or a connected `net.Socket`
     * (asyncio's `connect_accepted_socket`). With `options.ssl` the loop runs the TLS
     * handshake as the server side first. Returns a Future of `[transport, protocol]`,
     * done after `connectionMade`; bytes the socket had received and not read go to the protocol.
     * @example
     * const [conn] = yield* loop.sockAccept(listening)
     * const [transport, proto] = yield* loop.connectAcceptedSocket(() => new Echo(), conn)
     */
    connectAcceptedSocket<P extends StreamProtocolLike>(
      protocolFactory: ProtocolFactory<P>,
      sock: Socket | net.Socket,
      options?: ConnectAcceptedSocketOptions,
    ): Future<[Transport, P]>;

    /**
     * Connects to `host` and `port` (or `options.path`, or takes `options.sock`), over TLS
     * if `options.ssl`, and returns a Future of `[transport, protocol]`, done after the
     * protocol's `connectionMade`. A refused connection rejects it (ECONNREFUSED).
     * @example
     * const [transport, proto] = yield* loop.createConnection(() => new Client(), "127.0.0.1", 8888)
     * transport.write("hello")
     */
    createConnection<P extends StreamProtocolLike>(
      protocolFactory: ProtocolFactory<P>,
      host?: string | null,
      port?: number | null,
      options?: CreateConnectionOptions,
    ): Future<[Transport, P]>;

    /**
     * `createConnection` to a Unix socket path (too long a path throws at the call, as in
     * `createUnixServer`).
     * @example
     * const [transport, proto] = yield* loop.createUnixConnection(() => new Client(), "/tmp/echo.sock")
     */
    createUnixConnection<P extends StreamProtocolLike>(
      protocolFactory: ProtocolFactory<P>,
      path?: string | null,
      options?: Omit<CreateConnectionOptions, "path">,
    ): Future<[Transport, P]>;
  }
}

interface ConnectArgs<P> {
  call: string;
  factory: ProtocolFactory<P>;
  host: string | null;
  port: number | null;
  path: string | null;
  sock: Socket | net.Socket | null;
  tls: _ClientTls | null;
  /** connectAcceptedSocket: the connection is the server side, with this TLS if any. */
  serverSide: boolean;
  serverTls: _ServerTls | null;
  serverHostname: string | null;
  localAddr: [string, number] | null;
  /** Where the connection was asked for (debug mode), for its ResourceWarning. */
  site: string | undefined;
}

function* connect<P extends StreamProtocolLike>(loop: EventLoop, a: ConnectArgs<P>): Coroutine<[Transport, P]> {
  let conn: net.Socket;
  let buffered: Uint8Array[] | undefined;
  let eof = false;
  let ready: Future<void> | null = null;
  const t = a.tls;
  const servername = a.serverHostname ?? (a.host !== null && net.isIP(a.host) === 0 ? a.host : undefined);
  let unixPath = a.path ?? undefined;
  if (a.sock instanceof net.Socket) {
    conn = a.sock;
    if (a.serverTls !== null) {
      const s = a.serverTls;
      [conn, ready] = _wrapTls(loop, conn, { serverSide: true, context: s.context, options: s.options, servername: undefined, timeout: s.handshakeTimeout, call: a.call });
    }
  } else if (a.sock !== null) {
    if (a.sock.family === AF_UNIX && typeof a.sock.getpeername === "function") {
      const peer = a.sock.getpeername();
      if (typeof peer === "string") unixPath = peer;
    }
    const taken = a.serverSide ? a.sock._takeConnection(a.call, "sock") : a.sock._takeConnection();
    conn = taken.conn;
    conn.on("error", _ignoreError);
    if (t !== null || a.serverTls !== null) {
      // The bytes already read belong to the TLS stream: give them back to the socket.
      for (let i = taken.buffered.length - 1; i >= 0; i--) conn.unshift(Buffer.from(taken.buffered[i]));
      if (t !== null) {
        conn = tls.connect({ ...t.options, socket: conn, servername });
        ready = _once(loop, conn, "secureConnect");
      } else {
        const s = a.serverTls!;
        [conn, ready] = _wrapTls(loop, conn, { serverSide: true, context: s.context, options: s.options, servername: undefined, timeout: s.handshakeTimeout, call: a.call });
      }
    } else {
      buffered = taken.buffered;
      eof = taken.eof;
    }
  } else {
    const where: net.NetConnectOpts = a.path !== null ? { path: a.path } : { host: a.host!, port: a.port! };
    if (a.localAddr !== null) Object.assign(where, { localAddress: a.localAddr[0], localPort: a.localAddr[1] || undefined });
    if (t !== null) {
      conn = tls.connect({ ...t.options, ...where, servername, allowHalfOpen: true } as unknown as tls.ConnectionOptions);
      ready = _once(loop, conn, "secureConnect");
    } else {
      conn = net.connect({ ...where, allowHalfOpen: true });
      ready = _once(loop, conn, "connect");
    }
  }
  conn.on("error", _ignoreError);
  let protocol: P;
  const release = _closeWithLoop(loop, () => conn.destroy());
  try {
    if (ready !== null) yield* ready;
    protocol = makeProtocol(a.call, a.factory);
  } catch (e) {
    conn.destroy();
    throw e;
  } finally {
    release();
  }
  const waiter = loop.createFuture<void>();
  const transport = new Transport(loop, conn, protocol, {
    waiter, tls: t !== null ? t.context : a.serverTls !== null ? a.serverTls.context : null, unixPath, buffered, eof, site: a.site,
    serverSide: a.serverSide,
  });
  return yield* _whenMade(waiter, transport, protocol);
}

function createConnection(
  this: EventLoop, protocolFactory: unknown, host?: unknown, port?: unknown, options?: unknown,
): Future<[Transport, StreamProtocolLike]> {
  return openConnection(this, "createConnection()", protocolFactory, host, port, options);
}

function openConnection(
  loop: EventLoop, call: string, protocolFactory: unknown, host: unknown, port: unknown, options: unknown,
): Future<[Transport, StreamProtocolLike]> {
  checkNotClosed(call, loop);
  checkFactory(call, protocolFactory);
  const o = checkOptions<CreateConnectionOptions>(call, options);
  checkOptionalString(call, "host", host, "a string or null");
  const h = host === undefined || host === null || host === "" ? null : (host as string);
  const p = _optionalPort(call, port);
  const path = _pathArg(call, "options.path", o.path);
  const sock = o.sock ?? null;
  if (sock !== null && !(sock instanceof Socket)) throw expected(call, "options.sock to be a connected wasyncio socket", sock);
  const t = _clientTls(call, o.ssl);
  const serverHostname = o.serverHostname ?? null;
  checkOptionalString(call, "options.serverHostname", serverHostname);
  if (serverHostname !== null && t === null) throw new RangeError(`${call}: serverHostname is only meaningful with ssl`);
  if (sock !== null) {
    checkExclusive(call, h !== null || p !== null || path !== null, "host/port and sock");
    if (t !== null && serverHostname === null) throw new RangeError(`${call}: you must set serverHostname when using ssl without a host`);
  } else if (path !== null) {
    checkExclusive(call, h !== null || p !== null, "host/port and path");
  } else if (h === null || p === null) {
    throw new RangeError(`${call}: host and port were not specified and no sock specified`);
  }
  const localAddr = _addrArg(call, "options.localAddr", o.localAddr);
  const args: ConnectArgs<StreamProtocolLike> = {
    call, factory: protocolFactory as ProtocolFactory<StreamProtocolLike>,
    host: h, port: p, path, sock, tls: t, serverHostname, localAddr, serverSide: false, serverTls: null,
    site: loop.getDebug() ? creationSite() : undefined,
  };
  return new _Operation(loop, connect(loop, args));
}

function createUnixConnection(this: EventLoop, protocolFactory: unknown, path?: unknown, options?: unknown): Future<[Transport, StreamProtocolLike]> {
  const call = "createUnixConnection()";
  const o = checkOptions<CreateConnectionOptions>(call, options);
  const p = _pathArg(call, "path", path);
  if (p === null && !o.sock) throw new RangeError(`${call}: no path and sock were specified`);
  return openConnection(this, call, protocolFactory, undefined, undefined, { ...o, path: p });
}

function connectAcceptedSocket(this: EventLoop, protocolFactory: unknown, sock: unknown, options?: unknown): Future<[Transport, StreamProtocolLike]> {
  const call = "connectAcceptedSocket()";
  checkNotClosed(call, this);
  checkFactory(call, protocolFactory);
  const o = checkOptions<ConnectAcceptedSocketOptions>(call, options);
  if (!(sock instanceof Socket) && !(sock instanceof net.Socket)) throw expected(call, "sock to be a connected wasyncio socket or a net.Socket", sock);
  if (sock instanceof net.Socket && (sock.destroyed || sock.connecting)) throw expected(call, "sock to be a connected net.Socket", sock, RangeError);
  const serverTls = _serverTls(call, o.ssl, o.sslHandshakeTimeout);
  let unixPath: string | null = null;
  if (sock instanceof net.Socket && sock.remoteFamily === undefined && sock.remoteAddress === undefined) unixPath = "";
  const args: ConnectArgs<StreamProtocolLike> = {
    call, factory: protocolFactory as ProtocolFactory<StreamProtocolLike>,
    host: null, port: null, path: unixPath, sock, tls: null, serverHostname: null, localAddr: null, serverSide: true, serverTls,
    site: this.getDebug() ? creationSite() : undefined,
  };
  return new _Operation(this, connect(this, args));
}

installLoopMethods({ createConnection, createUnixConnection, connectAcceptedSocket });

/**
 * The end of a connection method: waits until connectionMade has run (the waiter), and
 * closes the transport if that wait fails or is cancelled. @internal
 */
export function* _whenMade<T extends { close(): void }, P>(waiter: Future<void>, transport: T, protocol: P): Coroutine<[T, P]> {
  try {
    yield* waiter;
  } catch (e) {
    transport.close();
    throw e;
  }
  return [transport, protocol];
}
