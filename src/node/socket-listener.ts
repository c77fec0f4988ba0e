/// <reference types="node" preserve="true" />
// A socket's listening side, what the kernel keeps for a bound and listening socket: the
// address bind() took and the queue of connections accept() has not taken. Node binds with
// `net.BoundSocket` (Node 24+) or, before it, with a `net.Server` that listens at once;
// either way the server holds its connections paused until accept() takes them, as a
// kernel's accept queue holds them unanswered.
import * as net from "node:net";
import { BlockingIOError } from "../errors.js";
import { nodeAddress, type BindOptions } from "./socket-address.js";
import { _ignoreError } from "./node-events.js";
import type { Address } from "../streams/protocols.js";
import { _notify } from "./selector.js";
import type { Socket } from "./socket.js";

/** What `net.BoundSocket` (Node 24+) offers: a TCP or Unix socket bound at construction. */
interface BoundSocketLike {
  address(): net.AddressInfo | string;
  close(): void;
}

/**
 * Node's synchronous bind(2) (`net.BoundSocket`, Node 24+), or undefined. Without it, the
 * only way to bind a TCP server socket is `server.listen()`, which takes the address later
 * in the same host tick (it looks the host up first, even an IP literal).
 */
const BoundSocket = (net as unknown as { BoundSocket?: new (options: BindOptions) => BoundSocketLike }).BoundSocket;
/** Whether `net.BoundSocket` binds Unix paths too (`isPipe` marks that capability). */
const BOUND_PIPES = BoundSocket !== undefined && "isPipe" in BoundSocket.prototype;

/** listen()'s default backlog (Python's: min(SOMAXCONN, 128)); also the bound before listen() on Node 20/22. @internal */
export const DEFAULT_BACKLOG = 128;

/**
 * @internal The bind/listen/accept side of a Socket. It reports Node's errors and new
 * connections to its socket (`onError`, `_notify`), which decides what they mean.
 */
export class _Listener {
  /** A bind(2) done by net.BoundSocket, until listen() or connect() adopts it. */
  #bound: BoundSocketLike | null = null;
  /** Without net.BoundSocket: the address bind() asked for, until Node has taken it. */
  #requested: BindOptions | null = null;
  #server: net.Server | null = null;
  /** Connections Node accepted that accept() has not taken: at most #backlog (see #onConnection). */
  #accepted: net.Socket[] = [];
  /** How many connections may wait for accept() (at least 1). */
  #backlog = DEFAULT_BACKLOG;
  readonly #sock: Socket;
  readonly #onError: (error: Error) => void;

  /** Binds `options` (null: `of` names a server): at once on Node 24+, in the same host tick before (errors go to onError). */
  constructor(sock: Socket, onError: (error: Error) => void, options: BindOptions | null) {
    this.#sock = sock;
    this.#onError = onError;
    if (options === null) return;
    if (BoundSocket !== undefined && ("host" in options || BOUND_PIPES)) {
      this.#bound = new BoundSocket(options);
    } else {
      this.#requested = options;
      this.#newServer().listen(options);
    }
  }

  /** A listener over a Server's listening socket (`server.sockets`): it only names it. */
  static of(sock: Socket, server: net.Server): _Listener {
    const listener = new _Listener(sock, _ignoreError, null);
    listener.#server = server;
    return listener;
  }

  /** Starts listening on the bound address; on a listening one, changes the backlog. */
  listen(backlog: number): void {
    if (this.#bound !== null) {
      this.#newServer().listen(this.#bound, Math.max(backlog, 0));
      this.#bound = null;
    }
    this.#backlog = Math.max(backlog, 1);
  }

  /** Whether a connection waits for accept(). */
  waiting(): boolean {
    return this.#accepted.length > 0;
  }

  /** The oldest waiting connection (paused), or undefined. */
  accept(): net.Socket | undefined {
    const conn = this.#accepted.shift();
    if (conn !== undefined) conn.removeListener("error", _ignoreError);
    return conn;
  }

  /**
   * getsockname(): the bound address. On Node 20/22, bind() asked Node to listen, and
   * until Node has taken the address `pending` (the socket's error: a failed bind) is
   * raised, else the address bind() asked for is answered, if it names one.
   */
  name(pending: Error | null): Address {
    if (this.#bound !== null) return nodeAddress(this.#bound.address());
    const addr = this.#server!.address();
    if (addr !== null) return nodeAddress(addr);
    if (pending !== null) throw pending;
    const requested = this.#requested;
    if (requested !== null && "path" in requested) return requested.path;
    if (requested !== null && requested.port !== 0) return [requested.host, requested.port];
    throw new BlockingIOError(
      "getsockname() would block: on Node 20 and 22 Node takes a bound address later in the same host tick, " +
        "so the port of a port-0 bind is known once the loop has run (Node 24+ binds at once)",
    );
  }

  /**
   * A bound client socket connects from its address: Node 24+ adopts the bound socket;
   * before, the listener bind() made gives its address up for the connection to take.
   */
  connect(options: net.NetConnectOpts): net.Socket {
    if (this.#bound !== null) {
      const conn = new net.Socket({ handle: this.#bound, allowHalfOpen: true } as net.SocketConstructorOpts);
      this.#bound = null;
      conn.connect(options);
      return conn;
    }
    const requested = this.#requested;
    if (this.#server !== null) {
      // The address Node took, or (not taken yet) the one bind() asked for: port 0 lets
      // the connection pick its port, as the listener would have.
      const local = this.#server.address() ?? (requested !== null && "host" in requested ? { address: requested.host, port: requested.port } : null);
      this.#server.close();
      this.#server = null;
      if (local !== null && typeof local !== "string") Object.assign(options, { localAddress: local.address, localPort: local.port || undefined });
    }
    return net.connect(options);
  }

  /** createServer({ sock }): the server, with the connections accept() had not taken (paused); the listener keeps naming it. */
  handOver(): { server: net.Server; pending: net.Socket[] } {
    const server = this.#server!, pending = this.#accepted;
    server.removeListener("connection", this.#onConnection);
    server.removeListener("error", this.#onError);
    for (const conn of pending) conn.removeListener("error", _ignoreError);
    this.#accepted = [];
    return { server, pending };
  }

  /** Runs `closed` once the (handed-over) server closes. */
  onClose(closed: () => void): void {
    this.#server!.once("close", closed);
  }

  /** Unbinds; unless `owned` (its owner closes the server), stops listening and drops the waiting connections. */
  close(owned: boolean): void {
    this.#bound?.close();
    this.#bound = null;
    const server = this.#server;
    this.#server = null;
    if (owned || server === null) return;
    server.close();
    for (const pending of this.#accepted) pending.destroy();
    this.#accepted = [];
  }

  /** A server for bind()/listen(), its connections held paused until accept() takes them. */
  #newServer(): net.Server {
    const server = (this.#server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }));
    server.on("connection", this.#onConnection);
    server.on("error", this.#onError);
    return server;
  }

  #onConnection = (conn: net.Socket): void => {
    // Paused until accepted; an error meanwhile (the peer gave up) must not go unhandled.
    conn.on("error", _ignoreError);
    if (this.#accepted.length >= this.#backlog) {
      _refuse(conn);
      return;
    }
    this.#accepted.push(conn);
    _notify(this.#sock);
  };
}


/**
 * Refuses a connection Node accepted while the backlog was full: a TCP one is reset (the
 * client sees ECONNRESET, as when a kernel's full queue refuses it with
 * tcp_abort_on_overflow), a Unix one closed. Node gives no way to leave it in the
 * kernel's queue instead. @internal
 */
export function _refuse(conn: net.Socket): void {
  if (conn.destroyed) return;
  if (typeof conn.resetAndDestroy === "function" && conn.remoteAddress !== undefined) conn.resetAndDestroy();
  else conn.destroy();
}
