/// <reference types="node" />
// Streams: asyncio's streams module (CPython 3.12): openConnection / startServer and
// their Unix variants over the loop's createConnection / createServer, and the
// StreamReaderProtocol that connects a transport to a StreamReader and a StreamWriter.
import type { EventLoop } from "../base-loop.js";
import type { Coroutine } from "../events.js";
import type { Future } from "../future.js";
import { wrapPromise } from "../promises.js";
import { getRunningLoop } from "../running.js";
import { isGenerator, isThenable } from "../util.js";
import { checkClientConnected, checkLimit, checkOptionalString, checkOptions, checkPort, expected } from "../checks.js";
// Streams are made over the loop's createConnection/createServer: make sure they are installed.
import "./create-connection.js";
import "./create-server.js";
import type { CreateConnectionOptions } from "./create-connection.js";
import type { CreateServerOptions } from "./create-server.js";
import type { Server } from "./server.js";
import { DEFAULT_LIMIT, StreamReader } from "./stream-reader.js";
import { checkUnixPath } from "./socket-address.js";
import { FlowControlProtocol, StreamWriter } from "./stream-writer.js";
import type { Transport } from "./transports.js";

export { DEFAULT_LIMIT, StreamReader, type StreamReaderOptions, type ReadingTransport } from "./stream-reader.js";
export { FlowControlProtocol, StreamWriter } from "./stream-writer.js";

/**
 * What `startServer` calls for each connection: a plain function, a generator function
 * (its generator runs as a Task) or an async function.
 * @example
 * const handle: ClientConnectedCallback = function* (reader, writer) {
 *   writer.write(yield* reader.readline()); writer.close()
 * }
 */
export type ClientConnectedCallback = (reader: StreamReader, writer: StreamWriter) => unknown;

/**
 * The stream option: `limit` (default 64 KiB), the reader's buffer limit.
 * @example
 * yield* startServer(handle, "127.0.0.1", 8888, { limit: 1 << 20 })
 */
export interface StreamOptions {
  /** The StreamReader's limit: the longest line, and half the most it buffers before pausing. */
  limit?: number;
}

/**
 * The protocol between a transport and a StreamReader/StreamWriter pair (asyncio's
 * StreamReaderProtocol): bytes and EOF go to the reader, write flow control to the
 * writer's `drain()`. With `clientConnected` (a server's), each connection makes a
 * writer and calls `clientConnected(reader, writer)`; a generator it returns runs as a
 * Task, a Promise is followed. If the Task or Promise fails, the error goes to the loop's
 * exception handler ("Unhandled exception in client_connected_cb") and the connection is
 * closed (`transport.close()`); a cancelled Task closes it too. If a plain callback
 * throws, the error escapes `connectionMade`: the transport reports it ("Exception in
 * callback protocol.connectionMade()") and the connection stays open, as in asyncio.
 * @example
 * const reader = new StreamReader({ loop })
 * const protocol = new StreamReaderProtocol(reader, null, loop)
 * const [transport] = yield* loop.createConnection(() => protocol, "127.0.0.1", 8888)
 * const writer = new StreamWriter(transport, protocol, reader, loop)
 */
export class StreamReaderProtocol extends FlowControlProtocol {
  #reader: StreamReader | null;
  #clientConnected: ClientConnectedCallback | null;
  #writer: StreamWriter | null = null;
  #task: Future<unknown> | null = null;
  #transport: Transport | null = null;
  #overSsl = false;
  #closed: Future<void>;

  /**
   * The protocol between a transport and a StreamReader (and, for servers, `clientConnected`).
   * @param streamReader the reader fed by this protocol (or null)
   * @param clientConnected for servers: called with the reader and a new writer on connection
   * @param loop the loop (default: the running loop)
   */
  constructor(streamReader: StreamReader | null, clientConnected?: ClientConnectedCallback | null, loop?: EventLoop) {
    super(loop);
    if (streamReader !== null && !(streamReader instanceof StreamReader)) {
      throw expected("new StreamReaderProtocol()", "a StreamReader or null", streamReader);
    }
    if (clientConnected !== undefined && clientConnected !== null) checkClientConnected("new StreamReaderProtocol()", clientConnected);
    this.#reader = streamReader;
    this.#clientConnected = clientConnected ?? null;
    this.#closed = this._loop.createFuture<void>();
  }

  override connectionMade(transport: Transport): void {
    this.#transport = transport;
    const reader = this.#reader;
    if (reader !== null) reader.setTransport(transport);
    const ssl = transport.getExtraInfo("sslcontext");
    this.#overSsl = ssl !== undefined && ssl !== null;
    const cb = this.#clientConnected;
    if (cb === null) return;
    const writer = new StreamWriter(transport, this, reader, this._loop);
    this.#writer = writer;
    // A plain callback's exception escapes connectionMade, as in asyncio: the transport
    // reports it as a failing callback's and stays open.
    const res: unknown = cb(reader!, writer);
    let fut: Future<unknown> | null = null;
    if (isGenerator(res)) fut = this._loop.createTask(res as Coroutine<unknown>);
    else if (isThenable(res)) fut = wrapPromise(res, this._loop);
    if (fut === null) return;
    this.#task = fut;
    fut.addDoneCallback((done) => {
      if (done.cancelled()) {
        transport.close();
        return;
      }
      const exc = done.exception();
      if (exc !== null) this.#clientFailed(exc, transport);
    });
  }

  /** clientConnected's task or Promise failed: report it, close the connection (asyncio 3.12). */
  #clientFailed(exc: unknown, transport: Transport): void {
    this._loop.callExceptionHandler({
      message: "Unhandled exception in client_connected_cb",
      exception: exc,
      protocol: this,
      transport,
    });
    transport.close();
  }

  override connectionLost(exc: Error | null): void {
    const reader = this.#reader;
    if (reader !== null) {
      if (exc === null || exc === undefined) reader.feedEof();
      else reader.setException(exc);
    }
    const closed = this.#closed;
    if (!closed.done()) {
      if (exc === null || exc === undefined) {
        closed.setResult(undefined);
      } else {
        closed.setException(exc);
        // Only waitClosed() reports it (asyncio's __del__ retrieves it likewise).
        closed.exception();
      }
    }
    super.connectionLost(exc);
    this.#reader = null;
    this.#writer = null;
    this.#task = null;
    this.#transport = null;
  }

  override dataReceived(data: Uint8Array): void {
    const reader = this.#reader;
    if (reader !== null) reader.feedData(data);
  }

  override eofReceived(): boolean {
    const reader = this.#reader;
    if (reader !== null) reader.feedEof();
    // Over TLS a half-close is not possible: let the transport close.
    return !this.#overSsl;
  }

  /** @internal */
  override _getCloseWaiter(_stream: StreamWriter): Future<void> {
    return this.#closed;
  }
}

function splitOptions<O extends StreamOptions>(call: string, opts: O | undefined): [number, Omit<O, "limit">] {
  const { limit, ...rest } = checkOptions<O>(call, opts);
  const path = (rest as { path?: unknown }).path;
  if (typeof path === "string") checkUnixPath(call, path);
  return [limit === undefined ? DEFAULT_LIMIT : checkLimit(call, limit), rest as Omit<O, "limit">];
}

/**
 * Connects to `host`:`port` and returns `[reader, writer]` (asyncio.open_connection): a
 * generator function, used with `yield*`. `opts` are `createConnection`'s (`ssl`,
 * `sock`, ...) plus `limit`.
 * @example
 * function* client() {
 *   const [reader, writer] = yield* openConnection("127.0.0.1", 8888)
 *   writer.write(new TextEncoder().encode("hello\n"))
 *   const reply = yield* reader.readline()
 *   writer.close()
 *   yield* writer.waitClosed()
 * }
 */
export function openConnection(host?: string | null, port?: number | null, opts?: StreamOptions & CreateConnectionOptions): Coroutine<[StreamReader, StreamWriter]> {
  const [limit, rest] = splitOptions("openConnection()", opts);
  // Checked at the call (openConnection is lazy): the error names this call, not createConnection().
  checkOptionalString("openConnection()", "host", host);
  if (port !== undefined && port !== null) checkPort("openConnection()", "port", port);
  return connect(limit, (loop, factory) => loop.createConnection(factory, host, port, rest));
}

/**
 * Connects to the Unix socket at `path` and returns `[reader, writer]`
 * (asyncio.open_unix_connection).
 * @example
 * const [reader, writer] = yield* openUnixConnection("/tmp/app.sock")
 */
export function openUnixConnection(path?: string | null, opts?: StreamOptions & Omit<CreateConnectionOptions, "path">): Coroutine<[StreamReader, StreamWriter]> {
  const [limit, rest] = splitOptions("openUnixConnection()", opts);
  if (typeof path === "string") checkUnixPath("openUnixConnection()", path);
  return connect(limit, (loop, factory) => loop.createUnixConnection(factory, path, rest));
}

function* connect(
  limit: number,
  open: (loop: EventLoop, factory: () => StreamReaderProtocol) => Future<[Transport, StreamReaderProtocol]>,
): Coroutine<[StreamReader, StreamWriter]> {
  const loop = getRunningLoop();
  const reader = new StreamReader({ limit, loop });
  const protocol = new StreamReaderProtocol(reader, null, loop);
  const [transport] = yield* open(loop, () => protocol);
  const writer = new StreamWriter(transport, protocol, reader, loop);
  return [reader, writer];
}

/**
 * Starts a server on `host`:`port` calling `clientConnected(reader, writer)` for each
 * connection, and returns the Server (asyncio.start_server): a generator function.
 * `clientConnected` may be a plain function, a generator function (run as a Task) or an
 * async function. If its Task or Promise fails, the error goes to the loop's exception
 * handler ("Unhandled exception in client_connected_cb") and that connection is closed;
 * the server goes on. If a plain function throws, the error is reported as a failing
 * callback's ("Exception in callback protocol.connectionMade()") and, as in asyncio, that
 * connection is left open: close it in the handler (`writer.close()`) if it must not be.
 * `opts` are `createServer`'s plus `limit`.
 * @example
 * function* handle(reader: StreamReader, writer: StreamWriter) {
 *   for (;;) {
 *     const data = yield* reader.read(65536)
 *     if (data.length === 0) break
 *     writer.write(data)
 *     yield* writer.drain()
 *   }
 *   writer.close()
 * }
 * const server = yield* startServer(handle, "127.0.0.1", 8888)
 * yield* server.serveForever()
 */
export function startServer(
  clientConnected: ClientConnectedCallback,
  host?: string | readonly string[] | null,
  port?: number | null,
  opts?: StreamOptions & CreateServerOptions,
): Coroutine<Server> {
  checkClientConnected("startServer()", clientConnected);
  const [limit, rest] = splitOptions("startServer()", opts);
  return serve(limit, clientConnected, (loop, factory) => loop.createServer(factory, host, port, rest));
}

/**
 * As `startServer`, on the Unix socket at `path` (asyncio.start_unix_server).
 * @example
 * const server = yield* startUnixServer(handle, "/tmp/app.sock")
 */
export function startUnixServer(
  clientConnected: ClientConnectedCallback,
  path?: string | null,
  opts?: StreamOptions & Omit<CreateServerOptions, "path">,
): Coroutine<Server> {
  checkClientConnected("startUnixServer()", clientConnected);
  const [limit, rest] = splitOptions("startUnixServer()", opts);
  if (typeof path === "string") checkUnixPath("startUnixServer()", path);
  return serve(limit, clientConnected, (loop, factory) => loop.createUnixServer(factory, path, rest));
}

function* serve(
  limit: number,
  clientConnected: ClientConnectedCallback,
  create: (loop: EventLoop, factory: () => StreamReaderProtocol) => Future<Server>,
): Coroutine<Server> {
  const loop = getRunningLoop();
  const factory = () => new StreamReaderProtocol(new StreamReader({ limit, loop }), clientConnected, loop);
  return yield* create(loop, factory);
}
