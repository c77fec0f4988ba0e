/// <reference types="node" />
// loop.createServer and loop.createUnixServer (asyncio's create_server and
// create_unix_server), installed on EventLoop.prototype. Each checks its arguments at the
// call and returns a Future at once; the work is a generator written like asyncio's
// coroutine, run by an _Operation: resolve the hosts, listen on each address, then hand
// the listening sockets (and the connections that came meanwhile) to a Server.
import type * as dns from "node:dns";
import { statSync, unlinkSync } from "node:fs";
import * as net from "node:net";
import type * as tls from "node:tls";
import type { EventLoop } from "../base-loop.js";
import { checkBacklog, checkExclusive, checkFactory, checkHosts, checkNotClosed, checkOptions, expected } from "../checks.js";
import type { Coroutine } from "../events.js";
import type { Future } from "../future.js";
import { _Operation } from "../operation.js";
import { creationSite } from "../util.js";
import { _optionalPort, _pathArg } from "./socket-address.js";
import { installLoopMethods } from "./install.js";
import { _closeWithLoop, _ignoreError, _lookup, _once } from "./node-events.js";
import type { ProtocolFactory, StreamProtocolLike } from "../streams/protocols.js";
import { Server, type _Pending } from "./server.js";
import { Socket } from "./socket.js";
import { _refuse } from "./socket-listener.js";
import { _serverTls, type _ServerTls } from "./tls-options.js";

/** asyncio's default listen backlog. */
const DEFAULT_BACKLOG = 100;

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
  }
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
  const release = _closeWithLoop(loop, closeAll);
  try {
    if (a.sock !== null) {
      const taken = a.sock._takeListener();
      listeners.push(taken.server);
      pending = taken.pending.map((conn): _Pending => [conn, taken.server]);
      holdConnections(taken.server, pending, a.backlog);
      // Node 20/22 take a bound address later in the host tick: wait for it (or its error).
      if (!taken.server.listening) yield* _once(loop, taken.server, "listening");
      const name = taken.server.address();
      if (typeof name === "string") unixPath = name;
    } else if (a.path !== null) {
      unixPath = a.path;
      removeStaleSocket(a.path);
      const srv = newListener(pending, a.backlog);
      listeners.push(srv);
      const listening = _once(loop, srv, "listening");
      srv.listen({ path: a.path, backlog: a.backlog });
      yield* listening;
    } else {
      let addresses: (dns.LookupAddress | null)[] = [null];
      if (a.hosts !== null) {
        addresses = [];
        const seen = new Set<string>();
        for (const host of a.hosts) {
          for (const addr of yield* _lookup(loop, host, 0)) {
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
        const listening = _once(loop, srv, "listening");
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

function createServer(this: EventLoop, protocolFactory: unknown, host?: unknown, port?: unknown, options?: unknown): Future<Server> {
  return startServer(this, "createServer()", protocolFactory, host, port, options);
}

function startServer(loop: EventLoop, call: string, protocolFactory: unknown, host: unknown, port: unknown, options: unknown): Future<Server> {
  checkNotClosed(call, loop);
  checkFactory(call, protocolFactory);
  const o = checkOptions<CreateServerOptions>(call, options);
  const hosts = checkHosts(call, host);
  const p = _optionalPort(call, port);
  const path = _pathArg(call, "options.path", o.path);
  const sock = o.sock ?? null;
  if (sock !== null && !(sock instanceof Socket)) throw expected(call, "options.sock to be a listening wasyncio socket", sock);
  checkExclusive(call, sock !== null && (hosts !== null || p !== null || path !== null), "host/port and sock");
  checkExclusive(call, path !== null && (hosts !== null || p !== null), "host/port and path");
  const backlog = checkBacklog(call, o.backlog ?? DEFAULT_BACKLOG);
  const args: ServeArgs = {
    call,
    factory: protocolFactory as ProtocolFactory<StreamProtocolLike>,
    hosts, port: p ?? 0, path, sock, backlog,
    reusePort: Boolean(o.reusePort),
    tls: _serverTls(call, o.ssl, o.sslHandshakeTimeout),
    startServing: o.startServing === undefined ? true : Boolean(o.startServing),
    site: loop.getDebug() ? creationSite() : undefined,
  };
  return new _Operation(loop, serve(loop, args));
}

function createUnixServer(this: EventLoop, protocolFactory: unknown, path?: unknown, options?: unknown): Future<Server> {
  const call = "createUnixServer()";
  const o = checkOptions<CreateServerOptions>(call, options);
  const p = _pathArg(call, "path", path);
  if (p === null && !o.sock) throw new RangeError(`${call}: path was not specified, and no sock specified`);
  return startServer(this, call, protocolFactory, undefined, undefined, { ...o, path: p });
}

installLoopMethods({ createServer, createUnixServer });
