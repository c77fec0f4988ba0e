/// <reference types="node" />
// Server: asyncio's base_events.Server over one or more listening node:net servers.
// Node accepts every connection paused (pauseOnConnect); the server turns each into a
// protocol and a Transport inside the loop, or holds it until serving starts (at most
// `backlog` per listening socket: Node cannot leave the rest in the kernel's queue, so
// they are refused with a reset). waitClosed
// has 3.12.1+ semantics: done once the server is closed AND its connections are gone.
import type * as net from "node:net";
import * as tls from "node:tls";
import type { EventLoop } from "../base-loop.js";
import type { Future } from "../future.js";
import { _Serving, type _ServerClient } from "../streams/serving.js";
import { AF_INET, AF_INET6, AF_UNIX } from "./constants.js";
import { formatAddress, makeProtocol, type ProtocolFactory, type StreamProtocolLike } from "../streams/protocols.js";
import { _ignoreError } from "./node-events.js";
import { _resourceWarning } from "./resource-warning.js";
import { _HostLink, _canTrackUnclosed, _trackUnclosed } from "../loop/unclosed.js";
import { Socket } from "./socket.js";
import { _refuse } from "./socket-listener.js";
import type { _ServerTls } from "./tls-options.js";
import { Transport } from "./transports.js";

/** A connection Node accepted that waits to be served, and the listener that accepted it. @internal */
export type _Pending = [conn: net.Socket, listener: net.Server];

/** The facade `server.sockets` lists for a listening net.Server. */
function listeningSocket(server: net.Server): Socket {
  const a = server.address();
  const family = typeof a === "string" || a === null ? AF_UNIX : a.family === "IPv6" ? AF_INET6 : AF_INET;
  return Socket._listening(server, family);
}

/**
 * A listening server made by `loop.createServer` / `loop.createUnixServer` (or the streams'
 * `startServer`): asyncio's Server. `close()` stops listening and leaves the connections
 * be; `waitClosed()` waits until it is closed and every connection is gone.
 * @example
 * const server = yield* loop.createServer(() => new Echo(), "127.0.0.1", 0)
 * const [, port] = server.sockets[0].getsockname() as [string, number]
 * // ... later
 * server.close()
 * yield* server.waitClosed()
 */
export class Server {
  readonly #loop: EventLoop;
  readonly #factory: ProtocolFactory<StreamProtocolLike>;
  readonly #tls: _ServerTls | null;
  readonly #unixPath: string | undefined;
  /** The call that made the server, for the errors of its protocol factory. */
  readonly #call: string;
  /** The listening servers; null once closed (asyncio's `_sockets = None`). */
  #listeners: net.Server[] | null;
  readonly #sockets: Socket[];
  /** Connections accepted by Node before serving started, paused, with the listener that accepted each. */
  readonly #held: _Pending[];
  /** How many of #held each listener accepted: at most #backlog (asyncio's listen backlog). */
  #heldBy = new Map<net.Server, number>();
  readonly #backlog: number;
  /** Each listener's 'connection' handler (it knows its listener, for #heldBy). */
  #handlers = new Map<net.Server, (conn: net.Socket) => void>();
  readonly #state: _Serving<_ServerClient>;
  /** Where the server was asked for (debug mode), or undefined. */
  readonly #site: string | undefined;
  /** Debug mode: what the listeners hold (this server, weakly while not serving); else null. */
  #link: _HostLink<Server> | null = null;
  /** Debug mode: reported at the loop's close (the GC report then only closes it). */
  #unclosed: { reported: boolean } | null = null;

  /** @internal Made by `loop.createServer`; `listeners` are listening (pauseOnConnect). */
  constructor(
    loop: EventLoop,
    listeners: net.Server[],
    factory: ProtocolFactory<StreamProtocolLike>,
    options: {
      tls?: _ServerTls | null; pending?: _Pending[]; backlog?: number; unixPath?: string; sockets?: Socket[]; site?: string; call?: string;
    } = {},
  ) {
    this.#loop = loop;
    this.#state = new _Serving(loop, this);
    this.#call = options.call ?? "createServer()";
    this.#site = options.site;
    this.#factory = factory;
    this.#tls = options.tls ?? null;
    this.#unixPath = options.unixPath;
    this.#listeners = listeners;
    // A socket handed over with createServer({ sock }) is listed as itself, as in Python.
    this.#sockets = options.sockets ?? listeners.map(listeningSocket);
    this.#backlog = Math.max(options.backlog ?? 100, 1);
    this.#held = options.pending ?? [];
    for (const [conn, from] of this.#held) {
      conn.on("error", _ignoreError);
      this.#heldBy.set(from, (this.#heldBy.get(from) ?? 0) + 1);
    }
    const link = loop.getDebug() && _canTrackUnclosed ? this.#trackUnclosed(listeners) : null;
    for (const s of listeners) {
      const handler = link === null ? (conn: net.Socket): void => this.#onConnection(conn, s) : Server.#onConnectionVia(link, s);
      this.#handlers.set(s, handler);
      s.on("connection", handler);
      s.on("error", link === null ? this.#onServerError : Server.#onServerErrorVia(link));
    }
    loop._addResource(this);
  }

  /**
   * Debug mode: a server the program dropped while listening is reported and closed when
   * collected. Its listening sockets hold it only while it serves, as asyncio's selector
   * holds a serving server (its accept callback): a serving server is in use (it accepts
   * connections into protocols) and is never garbage, only reported if still open when
   * its loop closes. One made with `startServing: false` (listening, the connections Node
   * accepts held for later) and dropped can never serve: that one is reported and closed.
   * asyncio's Server has no `__del__` (3.12 to 3.14): there its unreferenced, not serving
   * sockets warn as sockets; the issue asks for servers, so the server is named here.
   */
  #trackUnclosed(listeners: net.Server[]): _HostLink<Server> {
    const link = (this.#link = new _HostLink<Server>(this));
    link.hold(false);
    const unclosed = (this.#unclosed = { reported: false });
    const name = String(this);
    // The connections Node accepted meanwhile: the same array as #held, emptied in place.
    const held = this.#held;
    // No closure here refers to `this`: the registry would keep the server alive.
    _trackUnclosed(this, {
      message: () => `unclosed ${name}`,
      advice: "The server was dropped while listening: close it (server.close()) when done with it. It is closed now.",
      site: this.#site,
      state: () => !listeners.some((s) => s.listening) ? "closed" : unclosed.reported ? "reported" : "open",
      close: () => {
        for (const s of listeners) s.close();
        for (const [conn] of held) conn.destroy();
        held.length = 0;
      },
    });
    return link;
  }

  /** Debug mode's listeners: made here, so they hold the link and not the server. */
  static #onConnectionVia(link: _HostLink<Server>, from: net.Server): (conn: net.Socket) => void {
    return (conn) => {
      const server = link.get();
      if (server !== undefined) server.#onConnection(conn, from);
      else conn.destroy();
    };
  }

  static #onServerErrorVia(link: _HostLink<Server>): (err: Error) => void {
    return (err) => {
      const server = link.get();
      if (server !== undefined) server.#onServerError(err);
    };
  }

  /** @internal The loop closes with the server still open: asyncio's ResourceWarning. */
  _loopClosed(): void {
    if (this.#listeners === null) return;
    if (this.#unclosed !== null) this.#unclosed.reported = true;
    _resourceWarning(`unclosed ${this}`, "An open server keeps the Node process alive: close it (server.close()) before its loop closes.", this.#site);
  }

  // Node's events (outside the loop).
  #onConnection(conn: net.Socket, from: net.Server): void {
    conn.on("error", _ignoreError);
    if (this.#loop.isClosed() || this.#listeners === null) {
      conn.destroy();
    } else if (this.#state.serving) {
      this.#loop._schedule(this.#accept, conn);
    } else {
      // Not serving: the connection waits, as in a listening socket's backlog; when that
      // is full, a kernel would leave it out, and Node took it: it is refused.
      const held = this.#heldBy.get(from) ?? 0;
      if (held >= this.#backlog) {
        _refuse(conn);
        return;
      }
      this.#heldBy.set(from, held + 1);
      this.#held.push([conn, from]);
    }
  }

  #onServerError = (err: Error): void => {
    if (this.#loop.isClosed()) return;
    this.#loop.callExceptionHandler({ message: "Error on a listening socket", exception: err, server: this });
  };

  /** In the loop: a connection becomes a protocol and a transport. */
  #accept = (conn: net.Socket): void => {
    if (this.#listeners === null) {
      conn.destroy();
      return;
    }
    if (this.#tls !== null) this.#handshake(conn, this.#tls);
    else this.#serve(conn, null);
  };

  #serve(conn: net.Socket, context: tls.SecureContext | null): void {
    let protocol: StreamProtocolLike;
    try {
      protocol = makeProtocol(this.#call, this.#factory);
    } catch (exception) {
      this.#loop.callExceptionHandler({ message: "Error on transport creation for incoming connection", exception, server: this });
      conn.destroy();
      return;
    }
    const transport = new Transport(this.#loop, conn, protocol, {
      owner: this, tls: context, unixPath: this.#unixPath, serverSide: true, site: this.#site,
    });
    this.#state.clients.add(transport);
  }

  /** TLS: the handshake runs on Node's side; the connection counts as a client meanwhile. */
  #handshake(conn: net.Socket, config: _ServerTls): void {
    if (this.#unixPath === undefined) conn.setNoDelay(true);
    const socket = new tls.TLSSocket(conn, { ...config.options, isServer: true, secureContext: config.context });
    socket.on("error", _ignoreError);
    const pending: _ServerClient = { close: () => socket.destroy(), abort: () => socket.destroy() };
    this.#state.clients.add(pending);
    const onSecure = (): void => {
      socket.pause();
      socket.setTimeout(0, onEnd);
      socket.removeListener("end", onEnd);
      socket.removeListener("close", onClose);
      const o = config.options;
      if (o.requestCert && o.rejectUnauthorized !== false && !socket.authorized) {
        socket.destroy();
        onClose();
        return;
      }
      if (this.#loop.isClosed()) socket.destroy();
      else this.#loop._schedule(this.#secured, [socket, pending]);
    };
    const onClose = (): void => {
      socket.removeListener("secure", onSecure);
      if (!this.#loop.isClosed()) this.#loop._schedule(this.#handshakeFailed, pending);
    };
    // A peer that leaves mid-handshake shows as EOF, which Node only reports to a reader:
    // read (there is no application data before 'secure'), and stop again at 'secure'.
    const onEnd = (): void => void socket.destroy();
    socket.once("secure", onSecure);
    socket.once("close", onClose);
    socket.once("end", onEnd);
    socket.resume();
    // asyncio's ssl_handshake_timeout: a peer that never finishes the handshake is dropped.
    socket.setTimeout(config.handshakeTimeout, onEnd);
  }

  #secured = ([socket, pending]: [tls.TLSSocket, _ServerClient]): void => {
    this.#serve(socket, this.#tls!.context);
    this.#forget(pending);
  };

  #handshakeFailed = (pending: _ServerClient): void => {
    this.#forget(pending);
  };

  #forget(client: _ServerClient): void {
    this.#state.forget(client);
  }

  /** @internal A transport of this server is gone (asyncio's Server._detach). */
  _detach(transport: _ServerClient): void {
    this.#forget(transport);
  }

  /**
   * @internal startTls moved a connection of this server under TLS: `next` (the handshake
   * in progress, then the TLS transport) is counted in its place, so closeClients() and
   * waitClosed() still see it, as asyncio's server keeps the transport beneath the TLS one.
   */
  _swap(old: _ServerClient, next: _ServerClient): void {
    this.#state.swap(old, next);
  }

  /** @internal Starts serving: held connections first, in the order Node accepted them. */
  _startServing(): void {
    if (!this.#state.begin()) return;
    this.#link?.hold(true);
    // Emptied in place: debug mode's report closes what this array holds.
    const held = this.#held.splice(0);
    this.#heldBy.clear();
    for (const [conn] of held) this.#loop._schedule(this.#accept, conn);
  }

  /**
   * The loop the server runs on.
   * @example
   * server.getLoop() === loop // true
   */
  getLoop(): EventLoop {
    return this.#loop;
  }

  /**
   * Whether the server accepts connections.
   * @example
   * if (!server.isServing()) yield* server.startServing()
   */
  isServing(): boolean {
    return this.#state.serving;
  }

  /**
   * The listening sockets (read-only socket facades: `getsockname()`, `fileno()`,
   * `family`), empty once closed.
   * @example
   * for (const s of server.sockets) console.log("listening on", s.getsockname())
   */
  get sockets(): readonly Socket[] {
    return this.#listeners === null ? [] : this.#sockets;
  }

  /**
   * Stops listening. Existing connections stay open (see `closeClients`, `abortClients`);
   * a pending `serveForever()` is cancelled. Idempotent.
   * @example
   * server.close(); yield* server.waitClosed()
   */
  close(): void {
    const listeners = this.#listeners;
    if (listeners === null) return;
    this.#listeners = null;
    this.#loop._removeResource(this);
    for (const s of listeners) {
      s.removeListener("connection", this.#handlers.get(s)!);
      s.close();
    }
    this.#handlers.clear();
    for (const sock of this.#sockets) sock.close(); // the facades only: it leaves the server be
    // Connections Node accepted but nobody served are refused, as a closed backlog would be.
    for (const [conn] of this.#held) conn.destroy();
    this.#held.length = 0;
    this.#heldBy.clear();
    this.#link?.hold(false);
    this.#state.closed();
  }

  /**
   * Closes every connection of the server gracefully (`transport.close()`). asyncio 3.13.
   * @example
   * server.close(); server.closeClients(); yield* server.waitClosed()
   */
  closeClients(): void {
    this.#state.closeClients();
  }

  /**
   * Aborts every connection of the server (`transport.abort()`). asyncio 3.13.
   * @example
   * server.close(); server.abortClients(); yield* server.waitClosed()
   */
  abortClients(): void {
    this.#state.abortClients();
  }

  /**
   * Starts accepting connections (if `startServing: false` was given). Returns a Future
   * done on the next loop iteration.
   * @example
   * const server = yield* loop.createServer(factory, "127.0.0.1", 0, { startServing: false })
   * yield* server.startServing()
   */
  startServing(): Future<void> {
    return this.#state.startServing();
  }

  /**
   * Serves until cancelled: cancelling it (or `close()`) closes the server, waits until
   * it is closed, and ends with `CancelledError`. Errors if already serving forever or closed.
   * @example
   * const task = loop.createTask(function* () { yield* server.serveForever() }())
   * // ... task.cancel() shuts the server down
   */
  serveForever(): Future<void> {
    return this.#state.serveForever();
  }

  /**
   * A Future done once the server is closed and all its connections are gone (asyncio
   * 3.12.1+); done at once if that is already so.
   * @example
   * server.close()
   * yield* server.waitClosed()   // or: await server.waitClosed()
   */
  waitClosed(): Future<void> {
    return this.#state.waitClosed();
  }

  /**
   * `await using server = ...`: closes the server and waits until it is closed.
   * @example
   * await using server = await loop.createServer(factory, "127.0.0.1", 0)
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.waitClosed();
  }

  /**
   * The server's class and listening addresses (`[]` once closed).
   * @example
   * String(server)   // "<Server sockets=[127.0.0.1:8888]>"
   */
  toString(): string {
    return `<${this.constructor.name} sockets=[${this.sockets.map(listeningAddress).join(", ")}]>`;
  }
}

/** `127.0.0.1:8888`, `[::1]:8888` or a Unix path: where a listening socket listens. */
function listeningAddress(sock: Socket): string {
  try {
    return formatAddress(sock.getsockname());
  } catch {
    return String(sock);
  }
}
