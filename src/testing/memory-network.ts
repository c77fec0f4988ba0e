// createMemoryNetwork: wasyncio/node's createServer / createConnection / startServer /
// openConnection over in-memory hosts and ports, on the loop's clock, with faults to
// inject (latency, reset, half-close, a bounded buffer per direction). A server's tests
// run in microseconds of real time on the virtual clock, the same every run, in any host.
import type { EventLoop } from "../base-loop.js";
import type { Coroutine } from "../events.js";
import type { Future } from "../future.js";
import { _runningLoopOrNull, getEventLoop, getRunningLoop } from "../running.js";
import {
  checkBacklog, checkClientConnected, checkFactory, checkHosts, checkLimit, checkMs, checkNumber, checkOptionalString, checkOptions, checkPort, expected,
} from "../checks.js";
import { makeProtocol, type ProtocolFactory, type StreamProtocolLike } from "../streams/protocols.js";
import { DEFAULT_LIMIT, StreamReader } from "../streams/stream-reader.js";
import { StreamWriter } from "../streams/stream-writer.js";
import { StreamReaderProtocol, type ClientConnectedCallback } from "../streams/stream-reader-protocol.js";
import type { Transport } from "../node/transports.js";
import { MemoryServer, type _PendingConnection } from "./memory-server.js";
import { MemoryTransport, type _LinkConditions } from "./memory-transport.js";

/** The first ephemeral port, as Linux's ip_local_port_range. */
const EPHEMERAL_FIRST = 32768;
const EPHEMERAL_LAST = 60999;
/** What a server listening on "every host" is keyed under. */
const ANY = "0.0.0.0";

/**
 * Options of `createMemoryNetwork()`.
 * @example
 * const net = createMemoryNetwork({ latencyMs: 5, bufferSize: 4096 })
 */
export interface MemoryNetworkOptions {
  /** One-way delay of every delivery (and of a connection's setup), in ms of the loop's clock: 0 by default (the next iteration). */
  latencyMs?: number;
  /** Bytes in flight per direction of a connection before its writer buffers (and is flow-controlled): 64 KiB by default. */
  bufferSize?: number;
}

/**
 * Options of `network.createServer` (and, with `limit`, `network.startServer`).
 * @example
 * yield* net.createServer(factory, "10.0.0.1", 80, { backlog: 1, startServing: false })
 */
export interface MemoryServerOptions {
  /** How many connections may wait while the server is not serving (default 100); more are refused. */
  backlog?: number;
  /** Accept connections at once (default true); otherwise call `server.startServing()`. */
  startServing?: boolean;
}

/** The error of connecting where nobody listens, as Node reports it (asyncio's ConnectionRefusedError). */
function refused(host: string, port: number): Error {
  return Object.assign(new Error(`connect ECONNREFUSED ${host}:${port}`), { code: "ECONNREFUSED", errno: -111, syscall: "connect", address: host, port });
}

/** The error of listening on an address in use, as Node reports it. */
function inUse(host: string, port: number): Error {
  return Object.assign(new Error(`listen EADDRINUSE: address already in use ${host}:${port}`), { code: "EADDRINUSE", errno: -98, syscall: "listen", address: host, port });
}

/** "localhost" is 127.0.0.1 (the network has no other names: hosts are what you call them). */
function hostName(host: string | null | undefined): string {
  return host === undefined || host === null || host === "" || host === "localhost" ? "127.0.0.1" : host;
}

function checkSize(call: string, name: string, n: unknown): number {
  return checkNumber(call, `${name} to be a positive integer`, n, (v) => Number.isInteger(v) && v > 0);
}

/**
 * An in-memory network of hosts and ports (made by `createMemoryNetwork()`): servers and
 * connections with wasyncio/node's signatures and behaviour, on the loop's clock, and the
 * faults to inject into them.
 * @example
 * const net = createMemoryNetwork()
 * const server = yield* net.startServer(echo, "10.0.0.1", 7)
 * const [reader, writer] = yield* net.openConnection("10.0.0.1", 7)
 */
export class MemoryNetwork {
  readonly #link: _LinkConditions;
  /** Listening servers by "host:port". */
  readonly #listeners = new Map<string, MemoryServer>();
  #nextPort = EPHEMERAL_FIRST;

  /** @internal Use `createMemoryNetwork()`. */
  constructor(link: _LinkConditions) {
    this.#link = link;
  }

  /**
   * Sets the one-way latency of every delivery from now on (what is in flight keeps its
   * arrival time; nothing overtakes what was sent before it).
   * @example
   * net.latency(50)   // each write arrives 50 ms of loop time later
   */
  latency(ms: number): void {
    checkMs("latency()", "ms", ms);
    if (ms < 0 || ms === Infinity) throw expected("latency()", "ms to be a finite number of 0 or more", ms, RangeError);
    this.#link.latencyMs = ms;
  }

  /**
   * Resets a connection from the side of `conn` (a MemoryTransport or a StreamWriter over
   * one): that end closes at once (`connectionLost(null)`), and its peer, after the
   * latency, gets `connectionLost` with an `ECONNRESET` error (a StreamReader's reads throw
   * it); what was not delivered yet is lost.
   * @example
   * net.reset(serverWriter)   // the client's next read throws ECONNRESET
   */
  reset(conn: MemoryTransport | StreamWriter): void {
    transportOf("reset()", conn)._reset();
  }

  /**
   * Half-closes a connection from the side of `conn` (a MemoryTransport or a StreamWriter
   * over one): its peer gets EOF after what `conn` wrote so far; what `conn` writes later
   * is lost. `conn` can still receive.
   * @example
   * net.halfClose(clientWriter)   // the server's reader sees EOF
   */
  halfClose(conn: MemoryTransport | StreamWriter): void {
    transportOf("halfClose()", conn)._halfClose();
  }

  /**
   * Listens on `host` and `port` (every host if `host` is omitted, null or ""; port 0 or
   * omitted picks a free ephemeral port) and serves each connection with a new protocol from
   * `protocolFactory` and a MemoryTransport: `loop.createServer`'s signature. An address
   * in use rejects with `EADDRINUSE`.
   * @example
   * const server = yield* net.createServer(() => new Echo(), "10.0.0.1", 7)
   */
  createServer(
    protocolFactory: ProtocolFactory<StreamProtocolLike>, host?: string | readonly string[] | null, port?: number | null, options?: MemoryServerOptions,
  ): Future<MemoryServer> {
    return this.#createServer("createServer()", protocolFactory, host, port, options);
  }

  #createServer(
    call: string, factory: ProtocolFactory<StreamProtocolLike>, host: unknown, port: unknown, options: MemoryServerOptions | undefined,
  ): Future<MemoryServer> {
    checkFactory(call, factory);
    const hosts = (checkHosts(call, host) ?? [ANY]).map(hostName);
    let p = port === undefined || port === null ? 0 : checkPort(call, "port", port);
    const opts = checkOptions<MemoryServerOptions>(call, options);
    const backlog = opts.backlog === undefined ? 100 : checkBacklog(call, opts.backlog);
    const loop = currentLoop();
    const fut = loop.createFuture<MemoryServer>();
    if (p === 0) p = this.#freePort(hosts);
    const keys = hosts.map((h) => `${h}:${p}`);
    const taken = hosts.find((h) => this.#listeners.has(`${h}:${p}`) || this.#listeners.has(`${ANY}:${p}`) || (h === ANY && this.#anyOnPort(p)));
    if (taken !== undefined) {
      fut.setException(inUse(taken, p));
      return fut;
    }
    const server = new MemoryServer(loop, hosts.map((h) => [h, p]), {
      unlisten: () => {
        for (const k of keys) if (this.#listeners.get(k) === server) this.#listeners.delete(k);
      },
    }, backlog);
    for (const k of keys) this.#listeners.set(k, server);
    server._setFactory(call, factory);
    if (opts.startServing !== false) server._startServing();
    fut.setResult(server);
    return fut;
  }

  #anyOnPort(port: number): boolean {
    for (const k of this.#listeners.keys()) if (k.endsWith(`:${port}`)) return true;
    return false;
  }

  #freePort(hosts: string[]): number {
    for (let i = 0; i <= EPHEMERAL_LAST - EPHEMERAL_FIRST; i++) {
      const p = this.#nextPort;
      this.#nextPort = p === EPHEMERAL_LAST ? EPHEMERAL_FIRST : p + 1;
      if (!hosts.some((h) => this.#listeners.has(`${h}:${p}`)) && !this.#listeners.has(`${ANY}:${p}`)) return p;
    }
    throw new Error("The memory network has no free ephemeral port");
  }

  /**
   * Connects to `host`:`port` and returns a Future of `[transport, protocol]`, done after
   * the protocol's `connectionMade`: `loop.createConnection`'s signature. The connection is
   * made (or refused: `ECONNREFUSED` where nobody listens) one latency after the call.
   * @example
   * const [transport, proto] = yield* net.createConnection(() => new Client(), "10.0.0.1", 7)
   */
  createConnection<P extends StreamProtocolLike>(protocolFactory: ProtocolFactory<P>, host?: string | null, port?: number | null): Future<[MemoryTransport, P]> {
    return this.#connect("createConnection()", protocolFactory, host, port);
  }

  #connect<P extends StreamProtocolLike>(call: string, factory: ProtocolFactory<P>, host: unknown, port: unknown): Future<[MemoryTransport, P]> {
    checkFactory(call, factory);
    checkOptionalString(call, "host", host);
    if (port === undefined || port === null || port === 0) throw expected(call, "port to be an integer 1-65535", port, port === 0 ? RangeError : TypeError);
    const p = checkPort(call, "port", port);
    const h = hostName(host as string | null | undefined);
    const loop = currentLoop();
    const fut = loop.createFuture<[MemoryTransport, P]>();
    const link = this.#link;
    const arrive = (): void => {
      if (fut.done()) return;
      const server = this.#listeners.get(`${h}:${p}`) ?? this.#listeners.get(`${ANY}:${p}`);
      const refuse = (): void => {
        if (!fut.done()) fut.setException(refused(h, p));
      };
      if (server === undefined) {
        refuse();
        return;
      }
      const pending: _PendingConnection = {
        refuse,
        accept: () => {
          if (fut.done()) return; // the client gave up (cancelled) meanwhile
          let protocol: P;
          try {
            protocol = makeProtocol(call, factory);
          } catch (e) {
            fut.setException(e);
            return;
          }
          const clientPort = this.#freePort([h]);
          const waiter = loop.createFuture<void>();
          const client = new MemoryTransport(loop, protocol, link, { sockname: [h, clientPort], peername: [h, p], waiter });
          if (server._accept(client, [h, clientPort], [h, p], link) === null) {
            fut.setException(refused(h, p));
            return;
          }
          waiter.addDoneCallback(() => {
            if (!fut.done()) fut.setResult([client, protocol]);
            else client.abort();
          });
        },
      };
      server._connect(pending);
    };
    loop.callLater(link.latencyMs, arrive);
    return fut;
  }

  /**
   * Starts a server calling `clientConnected(reader, writer)` for each connection and
   * returns it: wasyncio/node's `startServer` (a generator function, for `yield*`), with
   * `options.limit` for the readers.
   * @example
   * function* echo(reader: StreamReader, writer: StreamWriter) {
   *   writer.write(yield* reader.read(100)); yield* writer.drain(); writer.close()
   * }
   * const server = yield* net.startServer(echo, "10.0.0.1", 7)
   */
  startServer(
    clientConnected: ClientConnectedCallback, host?: string | readonly string[] | null, port?: number | null, options?: MemoryServerOptions & { limit?: number },
  ): Coroutine<MemoryServer> {
    checkClientConnected("startServer()", clientConnected);
    const { limit, ...rest } = checkOptions<MemoryServerOptions & { limit?: number }>("startServer()", options);
    const lim = limit === undefined ? DEFAULT_LIMIT : checkLimit("startServer()", limit);
    return this.#serve(lim, clientConnected, host, port, rest);
  }

  *#serve(limit: number, cb: ClientConnectedCallback, host: unknown, port: unknown, rest: MemoryServerOptions): Coroutine<MemoryServer> {
    const loop = getRunningLoop();
    const factory = () => new StreamReaderProtocol(new StreamReader({ limit, loop }), cb, loop);
    return yield* this.#createServer("startServer()", factory, host, port, rest);
  }

  /**
   * Connects to `host`:`port` and returns `[reader, writer]`: wasyncio/node's
   * `openConnection` (a generator function, for `yield*`), with `options.limit`.
   * @example
   * const [reader, writer] = yield* net.openConnection("10.0.0.1", 7)
   * writer.write("ping\n")
   * const reply = yield* reader.readline()
   */
  openConnection(host?: string | null, port?: number | null, options?: { limit?: number }): Coroutine<[StreamReader, StreamWriter]> {
    const { limit } = checkOptions<{ limit?: number }>("openConnection()", options);
    const lim = limit === undefined ? DEFAULT_LIMIT : checkLimit("openConnection()", limit);
    checkOptionalString("openConnection()", "host", host);
    if (port !== undefined && port !== null) checkPort("openConnection()", "port", port);
    return this.#open(lim, host, port);
  }

  *#open(limit: number, host: unknown, port: unknown): Coroutine<[StreamReader, StreamWriter]> {
    const loop = getRunningLoop();
    const reader = new StreamReader({ limit, loop });
    const protocol = new StreamReaderProtocol(reader, null, loop);
    const [transport] = yield* this.#connect("openConnection()", () => protocol, host, port);
    // A StreamWriter is typed over Node's Transport; a MemoryTransport has its every method.
    return [reader, new StreamWriter(transport as unknown as Transport, protocol, reader, loop)];
  }
}

/** The loop of a call: the running one, else the current one. */
function currentLoop(): EventLoop {
  return (_runningLoopOrNull() as EventLoop | null) ?? getEventLoop();
}

function transportOf(call: string, conn: unknown): MemoryTransport {
  const t = conn instanceof StreamWriter ? conn.transport : conn;
  if (!(t instanceof MemoryTransport)) throw expected(call, "conn to be a MemoryTransport or a StreamWriter over one", conn);
  return t;
}

/**
 * A new in-memory network: `createServer`, `createConnection`, `startServer` and
 * `openConnection` with wasyncio/node's signatures and Transport / StreamReader /
 * StreamWriter behaviour (flow control and water marks included), over hosts and ports
 * that exist only in it, on the loop's clock (so on the virtual clock a server's test runs
 * in microseconds, the same every time), in Node and in browsers. Faults: `latency(ms)`,
 * `reset(conn)`, `halfClose(conn)`, and `bufferSize` bytes in flight per direction.
 * @example
 * runSync(function* () {
 *   const net = createMemoryNetwork({ latencyMs: 10 })
 *   const server = yield* net.startServer(function* (reader, writer) {
 *     writer.write(yield* reader.readline()); writer.close()
 *   }, "10.0.0.1", 7)
 *   const [reader, writer] = yield* net.openConnection("10.0.0.1", 7)
 *   writer.write("ping\n")
 *   yield* reader.readline()   // "ping\n", at 30 ms: connect, request, reply
 *   server.close()
 * })
 */
export function createMemoryNetwork(options?: MemoryNetworkOptions): MemoryNetwork {
  const opts = checkOptions<MemoryNetworkOptions>("createMemoryNetwork()", options);
  let latencyMs = 0;
  if (opts.latencyMs !== undefined) {
    latencyMs = checkMs("createMemoryNetwork()", "options.latencyMs", opts.latencyMs);
    if (latencyMs < 0 || latencyMs === Infinity) throw expected("createMemoryNetwork()", "options.latencyMs to be a finite number of 0 or more", latencyMs, RangeError);
  }
  const bufferSize = opts.bufferSize === undefined ? 65536 : checkSize("createMemoryNetwork()", "options.bufferSize", opts.bufferSize);
  return new MemoryNetwork({ latencyMs, bufferSize });
}
