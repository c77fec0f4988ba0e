// StreamWriter and the write flow control behind drain(): asyncio's streams.StreamWriter
// and FlowControlMixin (CPython 3.12). Writes go straight to the transport; drain() waits
// only while the transport is over its high-water mark (pauseWriting .. resumeWriting).
import type { EventLoop } from "../base-loop.js";
import type { Coroutine } from "../events.js";
import { Future, _resolvePending } from "../future.js";
import { _runningLoopOrNull, getEventLoop } from "../running.js";
import { _Operation } from "../operation.js";
import { expected } from "../checks.js";
import { creationSite, repr } from "../util.js";
import { _canTrackUnclosed, _trackUnclosed } from "../loop/unclosed.js";
import { Protocol } from "./protocols.js";
import type { StreamReader } from "./stream-reader.js";
import type { Transport } from "../node/transports.js";

/** The error drain() throws once the connection is gone (asyncio's ConnectionResetError). */
function connectionLost(): Error {
  return Object.assign(new Error("Connection lost"), { code: "ECONNRESET" });
}

/**
 * A protocol with the write flow control `StreamWriter.drain()` waits on (asyncio's
 * FlowControlMixin): it records `pauseWriting`/`resumeWriting` and wakes the drains.
 * A subclass that overrides those methods or `connectionLost` must call `super`.
 * @example
 * class Mine extends FlowControlProtocol {
 *   _getCloseWaiter() { return this.closed }
 * }
 */
export class FlowControlProtocol extends Protocol {
  /** @internal */ _loop: EventLoop;
  /** @internal Over the transport's high-water mark. */ _paused = false;
  /** @internal */ _connectionLost = false;
  #drainWaiters: Future<undefined>[] = [];

  /**
   * @param loop the loop whose futures `drain()` waits on (default: the running loop, else `getEventLoop()`)
   * @example
   * const protocol = new StreamReaderProtocol(reader)   // a FlowControlProtocol
   */
  constructor(loop?: EventLoop) {
    super();
    this._loop = loop ?? ((_runningLoopOrNull() as EventLoop | null) ?? getEventLoop());
  }

  override pauseWriting(): void {
    this._paused = true;
  }

  override resumeWriting(): void {
    this._paused = false;
    for (const waiter of this.#drainWaiters) if (!waiter.done()) waiter.setResult(undefined);
  }

  override connectionLost(exc: Error | null): void {
    this._connectionLost = true;
    // Wake the writers waiting in drain(), if writing was paused.
    if (!this._paused) return;
    for (const waiter of this.#drainWaiters) {
      if (waiter.done()) continue;
      if (exc === null || exc === undefined) waiter.setResult(undefined);
      else waiter.setException(exc);
    }
  }

  /** @internal The wait of drain(): until writing resumes or the connection is lost. */
  *_drainHelper(): Coroutine<void> {
    if (this._connectionLost) throw connectionLost();
    if (!this._paused) return;
    const waiter = this._loop.createFuture<undefined>();
    this.#drainWaiters.push(waiter);
    try {
      yield* waiter;
    } finally {
      const i = this.#drainWaiters.indexOf(waiter);
      if (i >= 0) this.#drainWaiters.splice(i, 1);
    }
  }

  /** @internal The future `waitClosed()` follows: done when the connection is lost. */
  _getCloseWaiter(stream: StreamWriter): Future<void> {
    throw new Error(`${this.constructor.name} does not implement _getCloseWaiter()`);
  }
}

/**
 * Writes to a stream connection (asyncio.StreamWriter): `write` hands data straight to
 * the transport; `yield* writer.drain()` waits while the transport's buffer is over its
 * high-water mark, so a fast writer does not buffer without bound.
 * @example
 * const [reader, writer] = yield* openConnection("127.0.0.1", 8888)
 * writer.write(new TextEncoder().encode("ping\n"))
 * yield* writer.drain()
 * writer.close()
 * yield* writer.waitClosed()
 */
export class StreamWriter {
  #transport: Transport;
  #protocol: FlowControlProtocol;
  #reader: StreamReader | null;
  #loop: EventLoop;
  /** drain()'s result when there is nothing to wait for (asyncio's `_complete_fut`). */
  #complete: Future<void> | null = null;

  /**
   * Usually made by `openConnection` or `startServer`, as asyncio's.
   * @param transport the stream transport
   * @param protocol its protocol, whose flow control `drain()` follows
   * @param reader the reader of the same connection, whose exception `drain()` throws (or null)
   * @param loop the loop
   * @example
   * const writer = new StreamWriter(transport, protocol, reader, loop)
   */
  constructor(transport: Transport, protocol: FlowControlProtocol, reader: StreamReader | null, loop: EventLoop) {
    if (typeof transport !== "object" || transport === null || typeof transport.write !== "function") {
      throw expected("new StreamWriter()", "a transport", transport);
    }
    if (!(protocol instanceof FlowControlProtocol)) {
      throw expected("new StreamWriter()", "protocol to be a FlowControlProtocol (a StreamReaderProtocol)", protocol);
    }
    this.#transport = transport;
    this.#protocol = protocol;
    this.#reader = reader ?? null;
    this.#loop = loop;
    // A connection left open is reported by its transport, naming the writer the user holds
    // (in debug mode through a WeakRef, so the writer can become garbage).
    (transport as { _setWriter?(writer: object): void })._setWriter?.(this);
    if (loop.getDebug() && _canTrackUnclosed) this.#trackUnclosed(transport, reader ?? null, loop);
  }

  /**
   * Debug mode: asyncio's StreamWriter.__del__. A writer dropped while its transport is
   * open is reported ("unclosed <StreamWriter ...>", with where it was made) and its
   * transport closed. A server's writers are also held by their protocol until the
   * connection is lost (as asyncio's StreamReaderProtocol holds its `_stream_writer`), so
   * only the writers of `openConnection` (and ones made by hand) can become garbage open.
   */
  #trackUnclosed(transport: Transport, reader: StreamReader | null, loop: EventLoop): void {
    const name = this.constructor.name;
    const reported = transport as { _reported?: boolean };
    _trackUnclosed(this, {
      message: () => `unclosed <${name} transport=${repr(transport)}${reader !== null ? ` reader=${reader}` : ""}>`,
      advice: "The writer was dropped with its connection open: close it (writer.close()) when done with it. Its transport is closed now.",
      site: creationSite(),
      state: () => transport.isClosing() ? "closed" : reported._reported === true ? "reported" : "open",
      // After the loop closed, close() could not schedule connectionLost: abort() destroys the socket.
      close: () => loop.isClosed() ? transport.abort() : transport.close(),
    });
  }

  /** The transport the writer writes to. */
  get transport(): Transport {
    return this.#transport;
  }

  /**
   * Writes `data` to the transport (no copy, no waiting; follow with `drain()`).
   * @example
   * writer.write(bytes); yield* writer.drain()
   */
  write(data: Uint8Array | string): void {
    this.#transport.write(data);
  }

  /**
   * Writes each item of `list`.
   * @example
   * writer.writelines([header, body])
   */
  writelines(list: Iterable<Uint8Array | string>): void {
    this.#transport.writelines(list);
  }

  /**
   * Closes the write side after the buffered data is sent (half-close); reading goes on.
   * @example
   * writer.writeEof(); const reply = yield* reader.read()
   */
  writeEof(): void {
    return this.#transport.writeEof();
  }

  /**
   * Whether the transport supports `writeEof()` (TLS does not).
   * @example
   * if (writer.canWriteEof()) writer.writeEof()
   */
  canWriteEof(): boolean {
    return this.#transport.canWriteEof();
  }

  /**
   * Closes the connection after the buffered data is sent; `waitClosed()` waits for it.
   * @example
   * writer.close(); yield* writer.waitClosed()
   */
  close(): void {
    return this.#transport.close();
  }

  /**
   * Whether the transport is closed or closing.
   * @example
   * if (!writer.isClosing()) writer.write(data)
   */
  isClosing(): boolean {
    return this.#transport.isClosing();
  }

  /**
   * A Future done when the connection is lost: it throws the connection's error if it
   * ended with one (a clean close resolves). Cancelling it does not affect others.
   * @example
   * writer.close()
   * yield* writer.waitClosed()
   */
  waitClosed(): Future<void> {
    const closed = this.#protocol._getCloseWaiter(this);
    const fut = this.#loop.createFuture<void>();
    if (closed.done()) copyOutcome(closed, fut);
    else closed.addDoneCallback(() => copyOutcome(closed, fut));
    return fut;
  }

  /**
   * Transport information: `"peername"`, `"sockname"`, `"socket"`, ... or `defaultValue`.
   * @example
   * const [host, port] = writer.getExtraInfo("peername")
   */
  getExtraInfo(name: string, defaultValue?: unknown): any {
    return this.#transport.getExtraInfo(name, defaultValue);
  }

  /**
   * STARTTLS on the stream (asyncio 3.11's `StreamWriter.start_tls`): waits for the
   * buffered data to drain, then upgrades the connection with `loop.startTls` (a server's
   * writer, from `startServer`, is the TLS server side; `openConnection`'s the client). The
   * writer and its reader go on over TLS. Needs `wasyncio/node`. `sslContext` and the
   * options are `loop.startTls`'s.
   * @example
   * writer.write("STARTTLS\r\n"); yield* reader.readline()
   * yield* writer.startTls({ ca: cert }, { serverHostname: "mail.example" })
   */
  startTls(sslContext: unknown, options?: { serverHostname?: string | null; sslHandshakeTimeout?: number | null }): Future<void> {
    const loop = this.#loop as EventLoop & { startTls?: (...args: unknown[]) => Future<Transport> };
    if (typeof loop.startTls !== "function") throw new Error("startTls(): loop.startTls is installed by wasyncio/node; import the streams from there");
    const protocol = this.#protocol as FlowControlProtocol & { _serverSide?(): boolean; _replaceTransport?(t: Transport): void };
    if (typeof protocol._replaceTransport !== "function") throw expected("startTls()", "the writer's protocol to be a StreamReaderProtocol", protocol);
    return new _Operation(loop, this.#upgrade(loop as EventLoop & { startTls(...args: unknown[]): Future<Transport> }, protocol, sslContext, options));
  }

  *#upgrade(
    loop: EventLoop & { startTls(...args: unknown[]): Future<Transport> }, protocol: FlowControlProtocol & { _serverSide?(): boolean; _replaceTransport?(t: Transport): void },
    sslContext: unknown, options: { serverHostname?: string | null; sslHandshakeTimeout?: number | null } | undefined,
  ): Coroutine<void> {
    yield* this.drain();
    const serverSide = protocol._serverSide?.() ?? false;
    const transport = yield* loop.startTls(this.#transport, protocol, sslContext, { ...options, serverSide });
    this.#transport = transport;
    protocol._replaceTransport!(transport);
    (transport as { _setWriter?(writer: object): void })._setWriter?.(this);
  }

  /**
   * Waits until it is appropriate to write more: a Future, done at once unless the
   * transport's buffer is over its high-water mark (then done once it drains to the low
   * one). Throws the reader's exception if the connection failed, and an `Error` with
   * code `ECONNRESET` ("Connection lost") once the connection is gone.
   * @example
   * for (const chunk of chunks) { writer.write(chunk); yield* writer.drain() }
   */
  drain(): Future<void> {
    const loop = this.#loop;
    const reader = this.#reader;
    if (reader !== null) {
      const exc = reader.exception();
      if (exc !== null && exc !== undefined) {
        const fut = loop.createFuture<void>();
        fut.setException(exc);
        return fut;
      }
    }
    const protocol = this.#protocol;
    if (this.#transport.isClosing()) return new _Operation(loop, this.#drainClosing());
    if (!protocol._connectionLost && !protocol._paused) {
      let done = this.#complete;
      if (done === null) {
        this.#complete = done = loop.createFuture<void>();
        done.setResult(undefined);
      }
      return done;
    }
    return new _Operation(loop, protocol._drainHelper());
  }

  *#drainClosing(): Coroutine<void> {
    // Give connectionLost, already scheduled by close(), its turn first: a loop of
    // `write(); yield* drain()` on a closed connection must see the error, not spin.
    const tick = this.#loop.createFuture<undefined>();
    this.#loop._schedule(_resolvePending, tick);
    yield* tick;
    yield* this.#protocol._drainHelper();
  }

  /**
   * The writer as asyncio's repr shows it: its transport, and its reader.
   * @example
   * String(writer)   // "<StreamWriter transport=<Transport peer=127.0.0.1:8888 open protocol=<StreamReaderProtocol>> reader=<StreamReader ...>>"
   */
  toString(): string {
    const info = [`${this.constructor.name} transport=${repr(this.#transport)}`];
    if (this.#reader !== null) info.push(`reader=${this.#reader}`);
    return `<${info.join(" ")}>`;
  }
}

function copyOutcome(from: Future<void>, to: Future<void>): void {
  if (to.done()) return;
  if (from.cancelled()) {
    to.cancel();
    return;
  }
  const exc = from.exception();
  if (exc !== null) to.setException(exc);
  else to.setResult(undefined);
}
