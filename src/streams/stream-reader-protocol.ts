// StreamReaderProtocol: asyncio's, between a stream transport and a StreamReader /
// StreamWriter pair. Host-free: Node's transports (wasyncio/node) and the memory network's
// (wasyncio/testing) both carry it.
import type { Coroutine } from "../events.js";
import type { EventLoop } from "../base-loop.js";
import type { Future } from "../future.js";
import { wrapPromise } from "../promises.js";
import { isGenerator, isThenable } from "../util.js";
import { checkClientConnected, expected } from "../checks.js";
import type { Transport } from "../node/transports.js";
import { StreamReader } from "./stream-reader.js";
import { FlowControlProtocol, StreamWriter } from "./stream-writer.js";

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

  /** @internal StreamWriter.startTls (asyncio's _replace_transport): the same connection, now over TLS. */
  _replaceTransport(transport: Transport): void {
    this.#transport = transport;
    this.#reader?._replaceTransport(transport);
    const ssl = transport.getExtraInfo("sslcontext");
    this.#overSsl = ssl !== undefined && ssl !== null;
  }

  /** @internal Whether this is a server's protocol (it calls clientConnected): StreamWriter.startTls's side. */
  _serverSide(): boolean {
    return this.#clientConnected !== null;
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
