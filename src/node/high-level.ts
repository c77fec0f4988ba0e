/// <reference types="node" />
// The loop's high-level networking methods (asyncio's create_server, create_connection,
// create_unix_*, create_datagram_endpoint), installed on EventLoop.prototype. Each checks
// its arguments at the call and returns a Future at once; the work is a generator written
// like asyncio's coroutine, run by an _Operation.
import * as dgram from "node:dgram";
import * as dns from "node:dns";
import type { EventEmitter } from "node:events";
import { statSync, unlinkSync } from "node:fs";
import * as net from "node:net";
import * as tls from "node:tls";
import type { EventLoop } from "../base-loop.js";
import type { Coroutine } from "../events.js";
import type { Future } from "../future.js";
import { _Operation } from "../operation.js";
import { creationSite, repr } from "../util.js";
import { checkOptions, checkPort } from "../checks.js";
import { AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC } from "./constants.js";
import { DatagramTransport, type DatagramProtocolLike, type _EarlyDatagram } from "./datagram.js";
import { installLoopMethods } from "./install.js";
import { makeProtocol, type ProtocolFactory } from "./protocols.js";
import { Server, type _Pending, type _ServerTls } from "./server.js";
import { Socket } from "./socket.js";
import { checkUnixPath } from "./socket-address.js";
import { _refuse } from "./socket-listener.js";
import { checkNotClosed } from "../checks.js";
import { Transport, _ignoreError, type StreamProtocolLike } from "./transports.js";

/** asyncio's default listen backlog. */
const DEFAULT_BACKLOG = 100;
/** asyncio's SSL_HANDSHAKE_TIMEOUT, in ms. */
const SSL_HANDSHAKE_TIMEOUT = 60_000;

/**
 * Options of `loop.createServer`.
 * @example
 * yield* loop.createServer(factory, "127.0.0.1", 0, { backlog: 512, startServing: false })
 */
export interface CreateServerOptions {
  /**
   * Serve on this listening wasyncio socket instead of making one. It becomes the
   * server's socket (`server.sockets`): `getsockname()` and `fileno()` still answer, and
   * `server.close()` closes it.
   */
  sock?: Socket | null;
  /**
   * Listen backlog (default 100, as asyncio): passed to listen(2), and how many connections
   * may wait on each listening socket while the server is not serving (`startServing:
   * false`). Node takes every connection from the kernel at once, so one arriving while
   * `backlog` wait is reset (its client sees ECONNRESET) rather than left in the kernel's
   * queue until the server serves.
   */
  backlog?: number;
  /** Accepted for asyncio compatibility: Node always sets SO_REUSEADDR on listening TCP sockets. */
  reuseAddress?: boolean;
  /** SO_REUSEPORT, where Node supports it (22.12+). */
  reusePort?: boolean;
  /** A Unix socket path to listen on instead of host and port. */
  path?: string | null;
  /** TLS: `tls.createServer` options (`{ key, cert, ... }`) or a SecureContext. */
  ssl?: tls.TlsOptions | tls.SecureContext | null;
  /** Accept connections at once (default true); otherwise call `server.startServing()`. */
  startServing?: boolean;
  /** Milliseconds a TLS handshake may take before the connection is dropped (default 60,000). */
  sslHandshakeTimeout?: number | null;
}

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
 * Options of `loop.createDatagramEndpoint`.
 * @example
 * yield* loop.createDatagramEndpoint(factory, { localAddr: ["127.0.0.1", 0] })
 */
export interface DatagramEndpointOptions {
  /** Bind to this `[host, port]` (default: all interfaces, an ephemeral port). */
  localAddr?: [host: string, port: number] | null;
  /** Connect to this `[host, port]`: `sendto` needs no address and only it is heard. */
  remoteAddr?: [host: string, port: number] | null;
  /** `AF_INET` or `AF_INET6` (default: from the addresses, else AF_INET). */
  family?: number;
  /** SO_REUSEADDR (Node's `reuseAddr`). */
  reuseAddress?: boolean;
  /** SO_REUSEPORT, where Node supports it. */
  reusePort?: boolean;
  /** SO_BROADCAST. */
  allowBroadcast?: boolean;
}

declare module "../base-loop.js" {
  interface EventLoop {
    /**
     * Listens on `host` and `port` (every address `host` resolves to; all interfaces if
     * `host` is omitted, null or ""; an array of hosts too; port 0 picks a free port) and
     * serves each connection with a new protocol from `protocolFactory` and a Transport.
     * Returns a Future of the Server. Listen errors (EADDRINUSE, EACCES) reject it.
     * @example
     * class Echo extends Protocol {
     *   transport!: Transport
     *   connectionMade(t: Transport) { this.transport = t }
     *   dataReceived(data: Uint8Array) { this.transport.write(data) }
     * }
     * const server = yield* loop.createServer(() => new Echo(), "127.0.0.1", 8888)
     * yield* server.serveForever()
     */
    createServer(
      protocolFactory: ProtocolFactory<StreamProtocolLike>,
      host?: string | readonly string[] | null,
      port?: number | null,
      options?: CreateServerOptions,
    ): Future<Server>;

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
     * `createServer` on a Unix socket path (a stale socket file there is replaced; the file
     * is removed when the server closes). A path longer than `sun_path` allows (107 bytes
     * of UTF-8 on Linux, 103 on macOS) throws at the call, as Python's "AF_UNIX path too long".
     * @example
     * const server = yield* loop.createUnixServer(() => new Echo(), "/tmp/echo.sock")
     */
    createUnixServer(
      protocolFactory: ProtocolFactory<StreamProtocolLike>,
      path?: string | null,
      options?: Omit<CreateServerOptions, "path">,
    ): Future<Server>;

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

    /**
     * A UDP endpoint over node:dgram: bound to `localAddr`, connected to `remoteAddr` if
     * given. Returns a Future of `[transport, protocol]`, done after `connectionMade`.
     * @example
     * const [transport, proto] = yield* loop.createDatagramEndpoint(() => new EchoUdp(), { localAddr: ["127.0.0.1", 9999] })
     */
    createDatagramEndpoint<P extends DatagramProtocolLike>(
      protocolFactory: ProtocolFactory<P>,
      options?: DatagramEndpointOptions,
    ): Future<[DatagramTransport, P]>;
  }
}

// ---- argument checks (at the call) ------------------------------------------------------

function checkFactory(call: string, factory: unknown): void {
  if (typeof factory !== "function") {
    throw new TypeError(`${call} expected a protocol factory (a function or a class), got ${repr(factory)}`);
  }
}

function optionalPort(call: string, port: unknown): number | null {
  return port === undefined || port === null ? null : checkPort(call, "port", port);
}

function checkHost(call: string, host: unknown): string[] | null {
  if (host === undefined || host === null || host === "") return null;
  if (typeof host === "string") return [host];
  if (Array.isArray(host) && host.length > 0 && host.every((h) => typeof h === "string" && h !== "")) return [...host];
  throw new TypeError(`${call} expected host to be a string, an array of strings or null, got ${repr(host)}`);
}

function checkPath(call: string, name: string, path: unknown): string | null {
  if (path === undefined || path === null) return null;
  if (typeof path !== "string" || path === "") throw new TypeError(`${call} expected ${name} to be a socket path, got ${repr(path)}`);
  return checkUnixPath(call, path);
}

function checkAddr(call: string, name: string, addr: unknown): [string, number] | null {
  if (addr === undefined || addr === null) return null;
  if (!Array.isArray(addr) || addr.length !== 2 || typeof addr[0] !== "string" || typeof addr[1] !== "number") {
    throw new TypeError(`${call} expected ${name} to be [host, port], got ${repr(addr)}`);
  }
  checkPort(call, "port", addr[1]);
  return [addr[0], addr[1]];
}

function isSecureContext(value: unknown): value is tls.SecureContext {
  return typeof value === "object" && value !== null && (value as { constructor?: { name?: string } }).constructor?.name === "SecureContext" &&
    "context" in value;
}

function serverTls(call: string, ssl: unknown, timeout: unknown): _ServerTls | null {
  if (ssl === undefined || ssl === null || ssl === false) {
    if (timeout !== undefined && timeout !== null) throw new RangeError(`${call}: sslHandshakeTimeout is only meaningful with ssl`);
    return null;
  }
  let handshakeTimeout = SSL_HANDSHAKE_TIMEOUT;
  if (timeout !== undefined && timeout !== null) {
    if (typeof timeout !== "number" || !(timeout > 0)) {
      throw new RangeError(`${call} expected options.sslHandshakeTimeout to be a positive number of milliseconds, got ${repr(timeout)}`);
    }
    handshakeTimeout = timeout;
  }
  if (isSecureContext(ssl)) return { context: ssl, options: {}, handshakeTimeout };
  if (typeof ssl !== "object") throw new TypeError(`${call} expected options.ssl to be tls.createServer options or a SecureContext, got ${repr(ssl)}`);
  const o = ssl as tls.TlsOptions;
  const context = o.secureContext ?? tls.createSecureContext(o);
  const options: tls.TLSSocketOptions = {};
  if (o.requestCert !== undefined) options.requestCert = o.requestCert;
  if (o.rejectUnauthorized !== undefined) options.rejectUnauthorized = o.rejectUnauthorized;
  if (o.ALPNProtocols !== undefined) options.ALPNProtocols = o.ALPNProtocols;
  if (o.SNICallback !== undefined) options.SNICallback = o.SNICallback;
  return { context, options, handshakeTimeout };
}

interface ClientTls {
  context: tls.SecureContext;
  options: tls.ConnectionOptions;
}

function clientTls(call: string, ssl: unknown): ClientTls | null {
  if (ssl === undefined || ssl === null || ssl === false) return null;
  if (ssl === true) {
    const context = tls.createSecureContext();
    return { context, options: { secureContext: context } };
  }
  if (isSecureContext(ssl)) return { context: ssl, options: { secureContext: ssl } };
  if (typeof ssl !== "object") throw new TypeError(`${call} expected options.ssl to be true, tls.connect options or a SecureContext, got ${repr(ssl)}`);
  const o = ssl as tls.ConnectionOptions;
  const context = o.secureContext ?? tls.createSecureContext(o);
  return { context, options: { ...o, secureContext: context } };
}

// ---- Node events as futures ------------------------------------------------------------

function settle<T>(loop: EventLoop, fut: Future<T>, err: Error | null | undefined, value?: T): void {
  if (loop.isClosed() || fut.done()) return;
  if (err) fut.setException(err);
  else fut.setResult(value as T);
}

/** A Future of `event` (or of the 'error' that comes first) on `emitter`. */
function once(loop: EventLoop, emitter: EventEmitter, event: string): Future<void> {
  const fut = loop.createFuture<void>();
  const onError = (err: Error): void => {
    emitter.removeListener(event, onEvent);
    settle(loop, fut, err);
  };
  const onEvent = (): void => {
    emitter.removeListener("error", onError);
    settle(loop, fut, null);
  };
  emitter.once("error", onError);
  emitter.once(event, onEvent);
  return fut;
}

/** Every address `host` resolves to (node:dns lookup, as asyncio's getaddrinfo). */
function lookup(loop: EventLoop, host: string, family: 0 | 4 | 6): Future<dns.LookupAddress[]> {
  const fut = loop.createFuture<dns.LookupAddress[]>();
  const ip = net.isIP(host);
  if (ip !== 0) fut.setResult([{ address: host, family: ip }]);
  else dns.lookup(host, { all: true, family }, (err, addresses) => settle(loop, fut, err, addresses));
  return fut;
}

/**
 * A listening server to be: until the Server takes it, its connections are kept (paused)
 * in `pending` and its errors go unhandled nowhere.
 */
function newListener(pending: _Pending[], backlog: number): net.Server {
  const srv = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  srv.on("error", _ignoreError);
  holdConnections(srv, pending, backlog);
  return srv;
}

/**
 * Until the Server takes `srv` over, its connections wait in `pending` (paused): at most
 * `backlog` of them (those it already has count); more are refused, as the Server does.
 */
function holdConnections(srv: net.Server, pending: _Pending[], backlog: number): void {
  let held = pending.filter(([, from]) => from === srv).length;
  srv.on("connection", (conn: net.Socket) => {
    conn.on("error", _ignoreError);
    if (held >= Math.max(backlog, 1)) {
      _refuse(conn);
      return;
    }
    held++;
    pending.push([conn, srv]);
  });
}

/** asyncio's create_unix_server: a socket file left by a dead server is replaced. */
function removeStaleSocket(path: string): void {
  if (path.startsWith("\0")) return;
  try {
    if (statSync(path).isSocket()) unlinkSync(path);
  } catch {
    // Not there (or not ours to remove): listen reports what matters.
  }
}

/**
 * Closes what a connection method is making if its loop closes first: the method's Future
 * can then never be done, so nobody would ever get the socket (asyncio's coroutine would be
 * dropped and its socket collected), and an open Node socket keeps the process alive.
 * Returns the function that ends the watch once the socket is handed over (or closed).
 */
function closeWithLoop(loop: EventLoop, close: () => void): () => void {
  const watch = { _loopClosed: close };
  loop._addResource(watch);
  return () => loop._removeResource(watch);
}

// ---- the coroutines ----------------------------------------------------------------------

interface ServeArgs {
  call: string;
  factory: ProtocolFactory<StreamProtocolLike>;
  hosts: string[] | null;
  port: number;
  path: string | null;
  sock: Socket | null;
  backlog: number;
  reusePort: boolean;
  tls: _ServerTls | null;
  startServing: boolean;
  /** Where the server was asked for (debug mode), for its ResourceWarning. */
  site: string | undefined;
}

function* serve(loop: EventLoop, a: ServeArgs): Coroutine<Server> {
  const listeners: net.Server[] = [];
  let pending: _Pending[] = [];
  let unixPath: string | undefined;
  const closeAll = (): void => {
    for (const s of listeners) s.close();
    for (const [conn] of pending) conn.destroy();
  };
  const release = closeWithLoop(loop, closeAll);
  try {
    if (a.sock !== null) {
      const taken = a.sock._takeListener();
      listeners.push(taken.server);
      pending = taken.pending.map((conn): _Pending => [conn, taken.server]);
      holdConnections(taken.server, pending, a.backlog);
      // Node 20/22 take a bound address later in the host tick: wait for it (or its error).
      if (!taken.server.listening) yield* once(loop, taken.server, "listening");
      const name = taken.server.address();
      if (typeof name === "string") unixPath = name;
    } else if (a.path !== null) {
      unixPath = a.path;
      removeStaleSocket(a.path);
      const srv = newListener(pending, a.backlog);
      listeners.push(srv);
      const listening = once(loop, srv, "listening");
      srv.listen({ path: a.path, backlog: a.backlog });
      yield* listening;
    } else {
      let addresses: (dns.LookupAddress | null)[] = [null];
      if (a.hosts !== null) {
        addresses = [];
        const seen = new Set<string>();
        for (const host of a.hosts) {
          for (const addr of yield* lookup(loop, host, 0)) {
            if (!seen.has(addr.address)) {
              seen.add(addr.address);
              addresses.push(addr);
            }
          }
        }
      }
      for (const addr of addresses) {
        const srv = newListener(pending, a.backlog);
        listeners.push(srv);
        const listening = once(loop, srv, "listening");
        const options: net.ListenOptions & { reusePort?: boolean } = { port: a.port, backlog: a.backlog };
        // asyncio binds an IPv6 address IPv6-only, so "::" and "0.0.0.0" can both be listed.
        if (addr !== null) Object.assign(options, { host: addr.address, ipv6Only: addr.family === 6 });
        if (a.reusePort) options.reusePort = true;
        srv.listen(options);
        yield* listening;
      }
    }
  } catch (e) {
    closeAll();
    throw e;
  } finally {
    release();
  }
  // The Server listens from now on (synchronously: no connection falls in between).
  for (const s of listeners) s.removeAllListeners("connection");
  const sockets = a.sock !== null ? [a.sock] : undefined;
  const server = new Server(loop, listeners, a.factory, { tls: a.tls, pending, backlog: a.backlog, unixPath, sockets, site: a.site, call: a.call });
  if (a.startServing) server._startServing();
  return server;
}

interface ConnectArgs<P> {
  call: string;
  factory: ProtocolFactory<P>;
  host: string | null;
  port: number | null;
  path: string | null;
  sock: Socket | null;
  tls: ClientTls | null;
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
  if (a.sock !== null) {
    if (a.sock.family === AF_UNIX && typeof a.sock.getpeername === "function") {
      const peer = a.sock.getpeername();
      if (typeof peer === "string") unixPath = peer;
    }
    const taken = a.sock._takeConnection();
    conn = taken.conn;
    conn.on("error", _ignoreError);
    if (t !== null) {
      // The bytes already read belong to the TLS stream: give them back to the socket.
      for (let i = taken.buffered.length - 1; i >= 0; i--) conn.unshift(Buffer.from(taken.buffered[i]));
      conn = tls.connect({ ...t.options, socket: conn, servername });
      ready = once(loop, conn, "secureConnect");
    } else {
      buffered = taken.buffered;
      eof = taken.eof;
    }
  } else {
    const where: net.NetConnectOpts = a.path !== null ? { path: a.path } : { host: a.host!, port: a.port! };
    if (a.localAddr !== null) Object.assign(where, { localAddress: a.localAddr[0], localPort: a.localAddr[1] || undefined });
    if (t !== null) {
      conn = tls.connect({ ...t.options, ...where, servername, allowHalfOpen: true } as unknown as tls.ConnectionOptions);
      ready = once(loop, conn, "secureConnect");
    } else {
      conn = net.connect({ ...where, allowHalfOpen: true });
      ready = once(loop, conn, "connect");
    }
  }
  conn.on("error", _ignoreError);
  let protocol: P;
  const release = closeWithLoop(loop, () => conn.destroy());
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
    waiter, tls: t === null ? null : t.context, unixPath, buffered, eof, site: a.site,
  });
  return yield* whenMade(waiter, transport, protocol);
}

interface DatagramArgs<P> {
  factory: ProtocolFactory<P>;
  local: [string, number] | null;
  remote: [string, number] | null;
  family: number;
  reuseAddress: boolean;
  reusePort: boolean;
  allowBroadcast: boolean;
  /** Where the endpoint was asked for (debug mode), for its ResourceWarning. */
  site: string | undefined;
}

function* datagram<P extends DatagramProtocolLike>(loop: EventLoop, a: DatagramArgs<P>): Coroutine<[DatagramTransport, P]> {
  let family: 0 | 4 | 6 = a.family === AF_INET6 ? 6 : a.family === AF_INET ? 4 : 0;
  let local: [string, number] | null = null, remote: [string, number] | null = null;
  if (a.local !== null) {
    const [addr] = yield* lookup(loop, a.local[0], family);
    local = [addr.address, a.local[1]];
    family = addr.family as 4 | 6;
  }
  if (a.remote !== null) {
    const [addr] = yield* lookup(loop, a.remote[0], family);
    remote = [addr.address, a.remote[1]];
    family = addr.family as 4 | 6;
  }
  const sock = dgram.createSocket({ type: family === 6 ? "udp6" : "udp4", reuseAddr: a.reuseAddress, ...(a.reusePort ? { reusePort: true } : {}) });
  sock.on("error", _ignoreError);
  // Datagrams can arrive as soon as it is bound: kept for the transport.
  const early: _EarlyDatagram[] = [];
  const onEarly = (msg: Buffer, rinfo: dgram.RemoteInfo): void => void early.push([msg, rinfo]);
  sock.on("message", onEarly);
  let protocol: P;
  const release = closeWithLoop(loop, () => closeQuietly(sock));
  try {
    const bound = once(loop, sock, "listening");
    sock.bind({ address: local?.[0] ?? (family === 6 ? "::" : "0.0.0.0"), port: local?.[1] ?? 0 });
    yield* bound;
    if (a.allowBroadcast) sock.setBroadcast(true);
    if (remote !== null) {
      const connected = once(loop, sock, "connect");
      sock.connect(remote[1], remote[0]);
      yield* connected;
    }
    protocol = makeProtocol("createDatagramEndpoint()", a.factory, "datagram");
  } catch (e) {
    closeQuietly(sock);
    throw e;
  } finally {
    release();
  }
  sock.removeListener("message", onEarly);
  const waiter = loop.createFuture<void>();
  const transport = new DatagramTransport(loop, sock, protocol, remote, { waiter, early, alias: a.remote, site: a.site });
  return yield* whenMade(waiter, transport, protocol);
}

function closeQuietly(sock: dgram.Socket): void {
  try {
    sock.close();
  } catch {
    // Already closed.
  }
}

// ---- the loop methods ------------------------------------------------------------------

function createServer(this: EventLoop, protocolFactory: unknown, host?: unknown, port?: unknown, options?: unknown): Future<Server> {
  return startServer(this, "createServer()", protocolFactory, host, port, options);
}

function startServer(loop: EventLoop, call: string, protocolFactory: unknown, host: unknown, port: unknown, options: unknown): Future<Server> {
  checkNotClosed(call, loop);
  checkFactory(call, protocolFactory);
  const o = checkOptions<CreateServerOptions>(call, options);
  const hosts = checkHost(call, host);
  const p = optionalPort(call, port);
  const path = checkPath(call, "options.path", o.path);
  const sock = o.sock ?? null;
  if (sock !== null && !(sock instanceof Socket)) {
    throw new TypeError(`${call} expected options.sock to be a listening wasyncio socket, got ${repr(sock)}`);
  }
  if (sock !== null && (hosts !== null || p !== null || path !== null)) {
    throw new RangeError(`${call}: host/port and sock can not be specified at the same time`);
  }
  if (path !== null && (hosts !== null || p !== null)) throw new RangeError(`${call}: host/port and path can not be specified at the same time`);
  const backlog = o.backlog ?? DEFAULT_BACKLOG;
  if (typeof backlog !== "number") throw new TypeError(`${call} expected options.backlog to be a non-negative integer, got ${repr(backlog)}`);
  if (!Number.isInteger(backlog) || backlog < 0) {
    throw new RangeError(`${call} expected options.backlog to be a non-negative integer, got ${repr(backlog)}`);
  }
  const args: ServeArgs = {
    call,
    factory: protocolFactory as ProtocolFactory<StreamProtocolLike>,
    hosts, port: p ?? 0, path, sock, backlog,
    reusePort: Boolean(o.reusePort),
    tls: serverTls(call, o.ssl, o.sslHandshakeTimeout),
    startServing: o.startServing === undefined ? true : Boolean(o.startServing),
    site: loop.getDebug() ? creationSite() : undefined,
  };
  return new _Operation(loop, serve(loop, args));
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
  if (host !== undefined && host !== null && typeof host !== "string") {
    throw new TypeError(`${call} expected host to be a string or null, got ${repr(host)}`);
  }
  const h = host === undefined || host === null || host === "" ? null : host;
  const p = optionalPort(call, port);
  const path = checkPath(call, "options.path", o.path);
  const sock = o.sock ?? null;
  if (sock !== null && !(sock instanceof Socket)) {
    throw new TypeError(`${call} expected options.sock to be a connected wasyncio socket, got ${repr(sock)}`);
  }
  const t = clientTls(call, o.ssl);
  const serverHostname = o.serverHostname ?? null;
  if (serverHostname !== null && typeof serverHostname !== "string") {
    throw new TypeError(`${call} expected options.serverHostname to be a string, got ${repr(serverHostname)}`);
  }
  if (serverHostname !== null && t === null) throw new RangeError(`${call}: serverHostname is only meaningful with ssl`);
  if (sock !== null) {
    if (h !== null || p !== null || path !== null) throw new RangeError(`${call}: host/port and sock can not be specified at the same time`);
    if (t !== null && serverHostname === null) throw new RangeError(`${call}: you must set serverHostname when using ssl without a host`);
  } else if (path !== null) {
    if (h !== null || p !== null) throw new RangeError(`${call}: host/port and path can not be specified at the same time`);
  } else if (h === null || p === null) {
    throw new RangeError(`${call}: host and port were not specified and no sock specified`);
  }
  const localAddr = checkAddr(call, "options.localAddr", o.localAddr);
  const args: ConnectArgs<StreamProtocolLike> = {
    call, factory: protocolFactory as ProtocolFactory<StreamProtocolLike>,
    host: h, port: p, path, sock, tls: t, serverHostname, localAddr,
    site: loop.getDebug() ? creationSite() : undefined,
  };
  return new _Operation(loop, connect(loop, args));
}

function createUnixServer(this: EventLoop, protocolFactory: unknown, path?: unknown, options?: unknown): Future<Server> {
  const call = "createUnixServer()";
  const o = checkOptions<CreateServerOptions>(call, options);
  const p = checkPath(call, "path", path);
  if (p === null && !o.sock) throw new RangeError(`${call}: path was not specified, and no sock specified`);
  return startServer(this, call, protocolFactory, undefined, undefined, { ...o, path: p });
}

function createUnixConnection(this: EventLoop, protocolFactory: unknown, path?: unknown, options?: unknown): Future<[Transport, StreamProtocolLike]> {
  const call = "createUnixConnection()";
  const o = checkOptions<CreateConnectionOptions>(call, options);
  const p = checkPath(call, "path", path);
  if (p === null && !o.sock) throw new RangeError(`${call}: no path and sock were specified`);
  return openConnection(this, call, protocolFactory, undefined, undefined, { ...o, path: p });
}

function createDatagramEndpoint(this: EventLoop, protocolFactory: unknown, options?: unknown): Future<[DatagramTransport, DatagramProtocolLike]> {
  const call = "createDatagramEndpoint()";
  checkNotClosed(call, this);
  checkFactory(call, protocolFactory);
  const o = checkOptions<DatagramEndpointOptions>(call, options);
  if (typeof o.localAddr === "string" || typeof o.remoteAddr === "string") {
    throw new TypeError(`${call}: Unix datagram sockets are not supported by node:dgram`);
  }
  const local = checkAddr(call, "options.localAddr", o.localAddr);
  const remote = checkAddr(call, "options.remoteAddr", o.remoteAddr);
  const family = o.family ?? AF_UNSPEC;
  if (family !== AF_UNSPEC && family !== AF_INET && family !== AF_INET6) {
    throw new RangeError(`${call} expected options.family to be AF_INET, AF_INET6 or AF_UNSPEC, got ${repr(family)}`);
  }
  const args: DatagramArgs<DatagramProtocolLike> = {
    factory: protocolFactory as ProtocolFactory<DatagramProtocolLike>,
    local, remote, family,
    reuseAddress: Boolean(o.reuseAddress), reusePort: Boolean(o.reusePort), allowBroadcast: Boolean(o.allowBroadcast),
    site: this.getDebug() ? creationSite() : undefined,
  };
  return new _Operation(this, datagram(this, args));
}

installLoopMethods({ createServer, createConnection, createUnixServer, createUnixConnection, createDatagramEndpoint });

/**
 * The end of a connection method: waits until connectionMade has run (the waiter), and
 * closes the transport if that wait fails or is cancelled.
 */
function* whenMade<T extends { close(): void }, P>(waiter: Future<void>, transport: T, protocol: P): Coroutine<[T, P]> {
  try {
    yield* waiter;
  } catch (e) {
    transport.close();
    throw e;
  }
  return [transport, protocol];
}
