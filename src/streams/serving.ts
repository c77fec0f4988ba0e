// What asyncio's Server does whatever it listens on: whether it serves, the connections it
// counts, and the futures of startServing(), serveForever() and waitClosed() (3.12.1+: done
// once the server is closed and its connections are gone). wasyncio/node's Server (over
// node:net listeners) and the memory network's MemoryServer each hold one and keep only
// how they listen and accept.
import type { EventLoop } from "../base-loop.js";
import type { Coroutine } from "../events.js";
import { CancelledError } from "../errors.js";
import { _resolvePending, type Future } from "../future.js";
import { _Operation } from "../operation.js";

/** @internal A connection a server counts until it is gone: a transport, or a TLS handshake. */
export interface _ServerClient {
  close(): void;
  abort(): void;
}

/** @internal What the serving state asks of its server. */
export interface _ServingServer {
  /** Starts serving: takes the connections that waited (it calls `_Serving.begin()` first). */
  _startServing(): void;
  close(): void;
}

/** @internal A server's serving state, connections and waiters. */
export class _Serving<C extends _ServerClient> {
  /** Whether the server accepts connections. */
  serving = false;
  /** The server's connections (asyncio's `_clients`). */
  readonly clients = new Set<C>();
  /** The server still listens (close() not called yet). */
  #listening = true;
  /** Futures of waitClosed(); null once the server is closed and its connections gone. */
  #waiters: Future<void>[] | null = [];
  #forever: Future<void> | null = null;
  readonly #loop: EventLoop;
  readonly #server: _ServingServer;

  constructor(loop: EventLoop, server: _ServingServer) {
    this.#loop = loop;
    this.#server = server;
  }

  /** Serving starts, if the server listens and does not serve yet: true if it did. */
  begin(): boolean {
    if (this.serving || !this.#listening) return false;
    this.serving = true;
    return true;
  }

  /** close(): no longer listening or serving; a serveForever() is cancelled; waitClosed() once the connections are gone. */
  closed(): void {
    this.#listening = false;
    this.serving = false;
    const forever = this.#forever;
    if (forever !== null && !forever.done()) {
      forever.cancel();
      this.#forever = null;
    }
    if (this.clients.size === 0) this.#wakeup();
  }

  /** `next` stands for the connection `old` was (startTls moved it under TLS); nothing if `old` is gone. */
  swap(old: C, next: C): void {
    if (this.clients.delete(old)) this.clients.add(next);
  }

  /** A connection of the server is gone (asyncio's Server._detach). */
  forget(client: C): void {
    if (this.clients.delete(client) && this.clients.size === 0 && !this.#listening) this.#wakeup();
  }

  #wakeup(): void {
    const waiters = this.#waiters;
    this.#waiters = null;
    if (waiters !== null) for (const w of waiters) if (!w.done()) w.setResult(undefined);
  }

  closeClients(): void {
    for (const client of [...this.clients]) client.close();
  }

  abortClients(): void {
    for (const client of [...this.clients]) client.abort();
  }

  /** A Future done on the next loop iteration, once the server serves; failed if it is closed. */
  startServing(): Future<void> {
    const fut = this.#loop.createFuture<void>();
    if (!this.#listening) {
      fut.setException(new Error(`startServing(): ${this.#server} is closed`));
      return fut;
    }
    this.#server._startServing();
    this.#loop._schedule(_resolvePending, fut);
    return fut;
  }

  serveForever(): Future<void> {
    return new _Operation(this.#loop, this.#serveForever());
  }

  *#serveForever(): Coroutine<void> {
    const server = this.#server;
    if (this.#forever !== null) throw new Error(`serveForever(): ${server} is already being awaited on serveForever()`);
    if (!this.#listening) throw new Error(`serveForever(): ${server} is closed`);
    server._startServing();
    const forever = (this.#forever = this.#loop.createFuture<void>());
    try {
      yield* forever;
    } catch (e) {
      if (e instanceof CancelledError) {
        try {
          server.close();
          yield* this.waitClosed();
        } finally {
          // The cancellation goes on, whatever happened while waiting (as asyncio's `raise`):
          // throwing from finally is meant here, it replaces any error of the wait.
          throw e;
        }
      }
      throw e;
    } finally {
      if (this.#forever === forever) this.#forever = null;
    }
  }

  waitClosed(): Future<void> {
    const fut = this.#loop.createFuture<void>();
    if (this.#waiters === null) fut.setResult(undefined);
    else this.#waiters.push(fut);
    return fut;
  }
}
