// The memory network's server: wasyncio/node's Server (src/node/server.ts) over in-memory
// listeners. Connections that arrive while it is not serving wait (up to the backlog).
import type { EventLoop } from "../base-loop.js";
import type { Future } from "../future.js";
import { _Serving } from "../streams/serving.js";
import { formatAddress, makeProtocol, type ProtocolFactory, type StreamProtocolLike } from "../streams/protocols.js";
import { MemoryTransport, type _LinkConditions } from "./memory-transport.js";

/**
 * A listening address of a memory server, as `server.sockets` lists it.
 * @example
 * const [host, port] = server.sockets[0].getsockname()
 */
export interface MemorySocket {
  /** `[host, port]` the server listens on (`"0.0.0.0"`: every host). */
  getsockname(): [host: string, port: number];
}

/** @internal What the network gives its server: how to stop listening and how to accept one connection. */
export interface _Listening {
  /** Stops listening on the server's addresses. */
  unlisten(): void;
}

/** @internal A connection waiting to be accepted: accept() makes it, refuse() turns it away. */
export interface _PendingConnection {
  accept(): void;
  refuse(): void;
}

/**
 * A listening server of the memory network (`network.createServer`, `network.startServer`):
 * wasyncio/node's Server on in-memory addresses. `close()` stops listening and leaves the
 * connections be; `waitClosed()` waits until it is closed and every connection is gone.
 * @example
 * const server = yield* net.startServer(handle, "10.0.0.1", 0)
 * const [, port] = server.sockets[0].getsockname()
 * server.close()
 * yield* server.waitClosed()
 */
export class MemoryServer {
  readonly #loop: EventLoop;
  #listening: _Listening | null;
  readonly #sockets: MemorySocket[];
  readonly #backlog: number;
  #pending: _PendingConnection[] = [];
  readonly #state: _Serving<MemoryTransport>;
  #factory: ProtocolFactory<StreamProtocolLike> | null = null;
  #call = "createServer()";

  /** @internal Made by the memory network. */
  constructor(loop: EventLoop, addresses: [string, number][], listening: _Listening, backlog: number) {
    this.#loop = loop;
    this.#listening = listening;
    this.#sockets = addresses.map(([host, port]) => ({ getsockname: () => [host, port] }));
    this.#backlog = Math.max(backlog, 1);
    this.#state = new _Serving(loop, this);
  }

  /** @internal A connection arrived: served now, held while not serving, refused past the backlog or once closed. */
  _connect(pending: _PendingConnection): void {
    if (this.#listening === null) pending.refuse();
    else if (this.#state.serving) pending.accept();
    else if (this.#pending.length >= this.#backlog) pending.refuse();
    else this.#pending.push(pending);
  }

  /** @internal The protocol factory of its connections, and the call that gave it (for its errors). */
  _setFactory(call: string, factory: ProtocolFactory<StreamProtocolLike>): void {
    this.#call = call;
    this.#factory = factory;
  }

  /**
   * @internal Accepts a connection from `client`: its server-side end, joined to it, or null
   * when the protocol factory failed (reported, as Node's server reports it).
   */
  _accept(client: MemoryTransport, peername: [string, number], sockname: [string, number], link: _LinkConditions): MemoryTransport | null {
    let protocol: StreamProtocolLike;
    try {
      protocol = makeProtocol(this.#call, this.#factory!);
    } catch (exception) {
      this.#loop.callExceptionHandler({ message: "Error on transport creation for incoming connection", exception, server: this });
      client.abort();
      return null;
    }
    const end = new MemoryTransport(this.#loop, protocol, link, { sockname, peername, owner: this });
    MemoryTransport._join(client, end);
    this.#state.clients.add(end);
    return end;
  }

  /** @internal A connection of this server is gone. */
  _detach(transport: MemoryTransport): void {
    this.#state.forget(transport);
  }

  /** @internal Starts serving: the waiting connections first, in arrival order. */
  _startServing(): void {
    if (!this.#state.begin()) return;
    const pending = this.#pending;
    this.#pending = [];
    for (const p of pending) p.accept();
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
   * The listening addresses (`getsockname()`), empty once closed.
   * @example
   * const [, port] = server.sockets[0].getsockname()
   */
  get sockets(): readonly MemorySocket[] {
    return this.#listening === null ? [] : this.#sockets;
  }

  /**
   * Stops listening (new connections are refused; waiting ones too). Existing connections
   * stay open; a pending `serveForever()` is cancelled. Idempotent.
   * @example
   * server.close(); yield* server.waitClosed()
   */
  close(): void {
    const listening = this.#listening;
    if (listening === null) return;
    this.#listening = null;
    listening.unlisten();
    for (const p of this.#pending) p.refuse();
    this.#pending = [];
    this.#state.closed();
  }

  /**
   * Closes every connection of the server gracefully (`transport.close()`).
   * @example
   * server.close(); server.closeClients(); yield* server.waitClosed()
   */
  closeClients(): void {
    this.#state.closeClients();
  }

  /**
   * Aborts every connection of the server (`transport.abort()`).
   * @example
   * server.close(); server.abortClients(); yield* server.waitClosed()
   */
  abortClients(): void {
    this.#state.abortClients();
  }

  /**
   * Starts accepting connections (after `startServing: false`): a Future done on the next
   * loop iteration.
   * @example
   * const server = yield* net.createServer(factory, "10.0.0.1", 80, { startServing: false })
   * yield* server.startServing()
   */
  startServing(): Future<void> {
    return this.#state.startServing();
  }

  /**
   * Serves until cancelled: cancelling it (or `close()`) closes the server, waits until it
   * is closed, and ends with `CancelledError`.
   * @example
   * const task = loop.createTask(function* () { yield* server.serveForever() }())
   */
  serveForever(): Future<void> {
    return this.#state.serveForever();
  }

  /**
   * A Future done once the server is closed and all its connections are gone.
   * @example
   * server.close()
   * yield* server.waitClosed()
   */
  waitClosed(): Future<void> {
    return this.#state.waitClosed();
  }

  /**
   * The server's class and listening addresses.
   * @example
   * String(server)   // "<MemoryServer sockets=[10.0.0.1:80]>"
   */
  toString(): string {
    return `<${this.constructor.name} sockets=[${this.sockets.map((s) => formatAddress(s.getsockname())).join(", ")}]>`;
  }
}
