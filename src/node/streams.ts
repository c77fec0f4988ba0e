/// <reference types="node" />
// Streams: asyncio's streams module (CPython 3.12): openConnection / startServer and
// their Unix variants over the loop's createConnection / createServer. The reader, the
// writer and the StreamReaderProtocol between them are host-free, in src/streams/.
import type { EventLoop } from "../base-loop.js";
import type { Coroutine } from "../events.js";
import type { Future } from "../future.js";
import { getRunningLoop } from "../running.js";
import { checkClientConnected, checkLimit, checkOptionalString, checkOptions, checkPort } from "../checks.js";
// Streams are made over the loop's createConnection/createServer: make sure they are installed.
import "./create-connection.js";
import "./create-server.js";
import type { CreateConnectionOptions } from "./create-connection.js";
import type { CreateServerOptions } from "./create-server.js";
import type { Server } from "./server.js";
import { DEFAULT_LIMIT, StreamReader } from "../streams/stream-reader.js";
import { checkUnixPath } from "./socket-address.js";
import { StreamWriter } from "../streams/stream-writer.js";
import { StreamReaderProtocol, type ClientConnectedCallback } from "../streams/stream-reader-protocol.js";
import type { Transport } from "./transports.js";

export { DEFAULT_LIMIT, StreamReader, type StreamReaderOptions, type ReadingTransport } from "../streams/stream-reader.js";
export { FlowControlProtocol, StreamWriter } from "../streams/stream-writer.js";
export { StreamReaderProtocol, type ClientConnectedCallback } from "../streams/stream-reader-protocol.js";

/**
 * The stream option: `limit` (default 64 KiB), the reader's buffer limit.
 * @example
 * yield* startServer(handle, "127.0.0.1", 8888, { limit: 1 << 20 })
 */
export interface StreamOptions {
  /** The StreamReader's limit: the longest line, and half the most it buffers before pausing. */
  limit?: number;
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
