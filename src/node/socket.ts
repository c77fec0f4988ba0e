/// <reference types="node" preserve="true" />
// The socket facade: Python's non-blocking socket surface over node:net, so the seed's
// code (accept, recv, send, BlockingIOError, add_reader) runs as written. Node delivers
// events; the facade keeps what they bring (accepted connections, received bytes, EOF, an
// error) until the program asks, and tells the loop's readiness bridge (selector.ts) when
// the socket becomes readable or writable.
//
//   node:net "connection" / "data" / "end" / "error" / "drain" / "connect"
//     └─► facade state (accept queue, receive buffer) ─► _notify() ─► selector: schedule the
//         reader/writer callback on the loop's ready queue (level-triggered)
import dns from "node:dns";
import net from "node:net";
import { BlockingIOError } from "../errors.js";
import { repr } from "../util.js";
import {
  AF_INET, AF_INET6, AF_UNIX, IPPROTO_TCP, SHUT_RD, SHUT_RDWR, SHUT_WR, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, SO_ERROR,
  SO_KEEPALIVE, TCP_NODELAY,
} from "./constants.js";
import type { Address } from "./protocols.js";

// Socket states.
const NEW = 0, LISTENING = 1, CONNECTING = 2, CONNECTED = 3, CLOSED = 4, DETACHED = 5, SERVED = 6;

/** Received bytes a socket buffers before it stops reading (the peer then feels TCP backpressure). */
const RECV_BUFFER = 256 * 1024;

/** File descriptor numbers of wasyncio sockets: unique among live sockets, never the OS's. */
let nextFd = 1000;
const liveSockets = new Map<number, Socket>();

/**
 * A readiness registration (selector.ts): the callback to schedule while the socket is
 * readable (or writable). @internal
 */
export interface Registration {
  readonly sock: Socket;
  queued: boolean;
  /** Schedules the registration's callback on its loop (false if the loop is closed). */
  schedule(): boolean;
}

/**
 * A non-blocking socket with Python's interface, over `node:net` (TCP and Unix stream
 * sockets). An operation that would block throws `BlockingIOError`; the loop's
 * `addReader`/`addWriter` say when to try again, and the `loop.sock*` methods do that for
 * you. Addresses are `[host, port]` (IP) or a path (Unix). Make one with `socket()`.
 * @example
 * const sock = socket(AF_INET, SOCK_STREAM)
 * sock.setblocking(false)
 * sock.bind(["127.0.0.1", 0])
 * sock.listen(100)
 * const [conn, addr] = yield* loop.sockAccept(sock)
 */
export class Socket {
  /** `AF_INET`, `AF_INET6` or `AF_UNIX`. */
  readonly family: number;
  /** `SOCK_STREAM`. */
  readonly type: number;
  /** The protocol number (0: the default). */
  readonly proto: number;
  #fd: number;
  #state = NEW;
  #server: net.Server | null = null;
  #accepted: net.Socket[] = [];
  #conn: net.Socket | null = null;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #eof = false;
  #shutRd = false;
  #shutWr = false;
  /** An error Node reported that the next operation raises (ECONNRESET, a failed connect). */
  #error: Error | null = null;
  #options = new Map<string, number>();
  /** The path an AF_UNIX socket connected to (its peer's name; an accepted one has none). */
  #peerPath = "";
  /** @internal The selector's registrations (one reader and one writer per socket, as an fd). */
  _reader: Registration | null = null;
  /** @internal */
  _writer: Registration | null = null;

  /** Use `socket()`. @internal */
  constructor(family: number, type: number, proto = 0) {
    this.family = family;
    this.type = type;
    this.proto = proto;
    this.#fd = nextFd++;
    liveSockets.set(this.#fd, this);
  }

  /** @internal The live socket with file descriptor `fd`, or undefined. */
  static _byFd(fd: number): Socket | undefined {
    return liveSockets.get(fd);
  }

  /** @internal A facade over a connection Node accepted or made (`conn` is paused or flowing). */
  static _fromConnection(conn: net.Socket, family: number): Socket {
    const sock = new Socket(family, SOCK_STREAM);
    sock.#state = CONNECTED;
    sock.#attach(conn);
    return sock;
  }

  /** @internal A read-only facade over a Server's listening socket (`server.sockets`). */
  static _listening(server: net.Server, family: number): Socket {
    const sock = new Socket(family, SOCK_STREAM);
    sock.#state = SERVED;
    sock.#server = server;
    return sock;
  }

  // ---- the Python socket surface ----------------------------------------------------

  /**
   * Binds a listening socket's address and takes it at once, as Python's `bind()`: an
   * address in use throws here (`EADDRINUSE`), and `getsockname()` works right after (port
   * 0 gives an ephemeral port). The host is an IP address, `"localhost"` or `""` (any).
   * @example
   * sock.bind(["127.0.0.1", 0]); const [, port] = sock.getsockname() as [string, number]
   */
  bind(address: Address): void {
    this.#checkOpen("bind()");
    if (this.#state !== NEW || this.#server !== null) throw osError("bind()", "EINVAL", "the socket is already bound");
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
    listenNow(server, this.#listenOptions("bind()", address));
    this.#server = server;
    server.on("connection", this.#onConnection);
    server.on("error", this.#onError);
  }

  /**
   * Starts accepting connections on the bound address. `backlog` is accepted for
   * Python's sake; Node's listen queue is its own.
   * @example
   * sock.listen(100)
   */
  listen(backlog = 128): void {
    this.#checkOpen("listen()");
    if (!Number.isInteger(backlog)) throw new TypeError(`listen() expected backlog to be an integer, got ${repr(backlog)}`);
    if (this.#server === null) throw osError("listen()", "EINVAL", "bind() the socket first (wasyncio sockets take their address at bind)");
    if (this.#state === NEW) this.#state = LISTENING;
  }

  /**
   * Takes a waiting connection: `[conn, address]`. Throws `BlockingIOError` if none is waiting.
   * @example
   * try { const [conn, addr] = sock.accept() } catch (e) { if (e instanceof BlockingIOError) wait() }
   */
  accept(): [Socket, Address] {
    const accepted = this._tryAccept();
    if (accepted === null) throw new BlockingIOError("accept() would block: no connection is waiting");
    return accepted;
  }

  /** @internal accept() that answers null instead of throwing BlockingIOError (no exception on the hot path). */
  _tryAccept(): [Socket, Address] | null {
    this.#checkOpen("accept()");
    if (this.#state !== LISTENING) throw osError("accept()", "EINVAL", "the socket is not listening");
    const error = this.#takeError();
    if (error !== null) throw error;
    const conn = this.#accepted.shift();
    if (conn === undefined) return null;
    conn.removeListener("error", ignoreError);
    const sock = Socket._fromConnection(conn, this.family);
    return [sock, this.family === AF_UNIX ? "" : [conn.remoteAddress ?? "", conn.remotePort ?? 0]];
  }

  /**
   * Starts connecting to `address` and throws `BlockingIOError` (in progress), as a
   * non-blocking Python socket: wait until the socket is writable, then read
   * `getsockopt(SOL_SOCKET, SO_ERROR)` (0: connected). `loop.sockConnect` does all that.
   * @example
   * try { sock.connect(["127.0.0.1", 8080]) } catch (e) { if (!(e instanceof BlockingIOError)) throw e }
   */
  connect(address: Address): void {
    this.#checkOpen("connect()");
    if (this.#state === CONNECTED) throw osError("connect()", "EISCONN", "the socket is already connected");
    if (this.#state === CONNECTING) throw new BlockingIOError("connect() would block: the connection is in progress");
    const error = this.#takeError();
    if (error !== null) throw error;
    if (this.#state !== NEW) throw osError("connect()", "EINVAL", "a listening socket cannot connect");
    let options: net.NetConnectOpts;
    if (this.family === AF_UNIX) {
      if (typeof address !== "string") throw new TypeError(`connect() expected a path for an AF_UNIX socket, got ${repr(address)}`);
      options = { path: address, allowHalfOpen: true };
      this.#peerPath = address;
    } else {
      const [host, port] = checkInetAddress("connect()", address);
      options = { host: host === "" ? "localhost" : host, port, allowHalfOpen: true, family: this.family === AF_INET6 ? 6 : 4 };
      // A bound client socket: give up the listener bind() made and connect from its address.
      if (this.#server !== null) {
        const local = this.#server.address() as net.AddressInfo;
        this.#server.close();
        this.#server = null;
        Object.assign(options, { localAddress: local.address, localPort: local.port });
      }
    }
    this.#state = CONNECTING;
    const conn = net.connect(options);
    conn.once("connect", () => {
      if (this.#state !== CONNECTING) return;
      this.#state = CONNECTED;
      this._notify();
    });
    this.#attach(conn);
    throw new BlockingIOError("connect() would block: the connection is in progress");
  }

  /**
   * Returns up to `bufsize` received bytes; an empty array at EOF. Throws
   * `BlockingIOError` when nothing is buffered, or the connection's error (ECONNRESET).
   * @example
   * const data = conn.recv(1024)
   */
  recv(bufsize: number): Uint8Array {
    const data = this._tryRecv(bufsize);
    if (data === null) throw new BlockingIOError("recv() would block: no data has arrived");
    return data;
  }

  /** @internal recv() that answers null instead of throwing BlockingIOError. */
  _tryRecv(bufsize: number): Uint8Array | null {
    if (!Number.isInteger(bufsize) || bufsize < 0) throw new RangeError(`recv() expected bufsize to be a non-negative integer, got ${repr(bufsize)}`);
    this.#checkReadable("recv()");
    // Python answers recv(0) at once with b''.
    if (bufsize === 0) return new Uint8Array(0);
    if (this.#buffered > 0) return this.#take(bufsize);
    return this.#nothingBuffered();
  }

  /**
   * Receives into `buffer` (up to `nbytes`, default its length); returns the count, 0 at EOF.
   * @example
   * const n = conn.recvInto(buf)
   */
  recvInto(buffer: Uint8Array, nbytes = 0): number {
    const n = this._tryRecvInto(buffer, nbytes);
    if (n < 0) throw new BlockingIOError("recvInto() would block: no data has arrived");
    return n;
  }

  /** @internal recvInto() that answers -1 instead of throwing BlockingIOError. */
  _tryRecvInto(buffer: Uint8Array, nbytes = 0): number {
    if (!(buffer instanceof Uint8Array)) throw new TypeError(`recvInto() expected a Uint8Array, got ${repr(buffer)}`);
    if (!Number.isInteger(nbytes) || nbytes < 0) throw new RangeError(`recvInto() expected nbytes to be a non-negative integer, got ${repr(nbytes)}`);
    const want = nbytes === 0 ? buffer.length : Math.min(nbytes, buffer.length);
    this.#checkReadable("recvInto()");
    if (want === 0) return 0;
    if (this.#buffered === 0) {
      const eof = this.#nothingBuffered();
      return eof === null ? -1 : 0;
    }
    let n = 0;
    while (n < want && this.#buffered > 0) {
      const chunk = this.#take(want - n);
      buffer.set(chunk, n);
      n += chunk.length;
    }
    return n;
  }

  /**
   * Sends as many bytes of `data` as the socket takes now (a string is sent as UTF-8)
   * and returns that count, which may be less than `data.length`. Throws `BlockingIOError`
   * when the send buffer is full. The bytes are copied: `data` may be reused at once.
   * @example
   * const n = conn.send(data); data = data.subarray(n)
   */
  send(data: Uint8Array | string): number {
    const n = this._trySend(toBytes("send()", data));
    if (n < 0) throw new BlockingIOError("send() would block: the send buffer is full");
    return n;
  }

  /** @internal send() that answers -1 instead of throwing BlockingIOError. */
  _trySend(bytes: Uint8Array): number {
    this.#checkOpen("send()");
    const error = this.#takeError();
    if (error !== null) throw error;
    if (this.#state === CONNECTING) return -1;
    if (this.#state !== CONNECTED) throw osError("send()", "ENOTCONN", "the socket is not connected");
    if (this.#shutWr) throw osError("send()", "EPIPE", "the socket was shut down for writing");
    if (bytes.length === 0) return 0;
    const conn = this.#conn!;
    // The send buffer is Node's writable buffer up to its high-water mark.
    const room = conn.writableHighWaterMark - conn.writableLength;
    if (room <= 0 || conn.writableNeedDrain) return -1;
    const n = Math.min(room, bytes.length);
    conn.write(Buffer.from(bytes.subarray(0, n)));
    return n;
  }

  /**
   * Shuts down reading (`SHUT_RD`), writing (`SHUT_WR`: sends EOF after the buffered
   * bytes) or both (`SHUT_RDWR`).
   * @example
   * conn.shutdown(SHUT_WR)
   */
  shutdown(how: number): void {
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) {
      throw new RangeError(`shutdown() expected SHUT_RD, SHUT_WR or SHUT_RDWR, got ${repr(how)}`);
    }
    this.#checkOpen("shutdown()");
    if (this.#state !== CONNECTED) throw osError("shutdown()", "ENOTCONN", "the socket is not connected");
    if (how !== SHUT_WR) {
      this.#shutRd = true;
      this.#chunks = [];
      this.#buffered = 0;
      this.#conn!.resume();
    }
    if (how !== SHUT_RD && !this.#shutWr) {
      this.#shutWr = true;
      this.#conn!.end();
    }
    this._notify();
  }

  /**
   * Closes the socket. Bytes already sent are still delivered (as the kernel would);
   * bytes received and not read are dropped. Idempotent.
   * @example
   * conn.close()
   */
  close(): void {
    if (this.#state === CLOSED || this.#state === DETACHED) return;
    const served = this.#state === SERVED;
    this.#state = CLOSED;
    liveSockets.delete(this.#fd);
    this._reader = this._writer = null;
    const conn = this.#conn;
    if (conn !== null) {
      this.#detach(conn);
      conn.on("error", ignoreError);
      if (conn.writableLength > 0 && !conn.destroyed) conn.destroySoon();
      else conn.destroy();
    }
    if (this.#server !== null && !served) {
      this.#server.close();
      for (const pending of this.#accepted) pending.destroy();
    }
    this.#chunks = [];
    this.#buffered = 0;
    this.#accepted = [];
  }

  /**
   * The socket's number for `loop.addReader`/`addWriter` (a wasyncio number, unique among
   * open sockets, not the OS descriptor); -1 once closed.
   * @example
   * loop.addReader(sock.fileno(), onReadable)
   */
  fileno(): number {
    return this.#state === CLOSED || this.#state === DETACHED ? -1 : this.#fd;
  }

  /**
   * The socket's own address: `[host, port]`, or the path of a Unix socket.
   * @example
   * const [host, port] = server.getsockname() as [string, number]
   */
  getsockname(): Address {
    this.#checkOpen("getsockname()");
    if (this.#server !== null) {
      const addr = this.#server.address();
      if (addr === null) return this.family === AF_UNIX ? "" : ["0.0.0.0", 0];
      return typeof addr === "string" ? addr : [addr.address, addr.port];
    }
    const conn = this.#conn;
    if (conn !== null && conn.localAddress !== undefined) return [conn.localAddress, conn.localPort ?? 0];
    if (this.family === AF_UNIX) return "";
    return [this.family === AF_INET6 ? "::" : "0.0.0.0", 0];
  }

  /**
   * The peer's address: `[host, port]` (`""` for a Unix socket's unnamed peer).
   * @example
   * const [host, port] = conn.getpeername() as [string, number]
   */
  getpeername(): Address {
    this.#checkOpen("getpeername()");
    const conn = this.#conn;
    if (this.#state !== CONNECTED || conn === null) throw osError("getpeername()", "ENOTCONN", "the socket is not connected");
    if (this.family === AF_UNIX) return this.#peerPath;
    return [conn.remoteAddress ?? "", conn.remotePort ?? 0];
  }

  /**
   * Python's `setblocking(False)`: wasyncio sockets are always non-blocking, so `false` is
   * accepted and `true` is an error (nothing may block the event loop's thread).
   * @example
   * sock.setblocking(false)
   */
  setblocking(flag: boolean): void {
    if (flag) throw new Error("setblocking(true): wasyncio sockets never block the thread; use the loop's sock* methods to wait");
  }

  /** Always 0: wasyncio sockets are non-blocking (Python's `gettimeout()` of one). */
  gettimeout(): number {
    return 0;
  }

  /**
   * Sets an option: `TCP_NODELAY` and `SO_KEEPALIVE` take effect on the connection;
   * `SO_REUSEADDR` is what Node does anyway on listening sockets; others are recorded.
   * @example
   * sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
   */
  setsockopt(level: number, option: number, value: number | boolean): void {
    if (!Number.isInteger(level) || !Number.isInteger(option)) {
      throw new TypeError(`setsockopt() expected integer level and option, got ${repr(level)}, ${repr(option)}`);
    }
    this.#checkOpen("setsockopt()");
    this.#options.set(`${level}:${option}`, Number(value));
    this.#applyOptions();
  }

  /**
   * Reads an option: `SO_ERROR` gives (and clears) the pending error's errno, 0 if none;
   * others what `setsockopt` set (0 by default).
   * @example
   * if (sock.getsockopt(SOL_SOCKET, SO_ERROR) !== 0) throw new Error("connect failed")
   */
  getsockopt(level: number, option: number): number {
    this.#checkOpen("getsockopt()");
    if (level === SOL_SOCKET && option === SO_ERROR) {
      const error = this.#takeError();
      if (error === null) return 0;
      const code = (error as NodeJS.ErrnoException).code;
      return (code !== undefined && (errnos as Record<string, number>)[code]) || 1;
    }
    return this.#options.get(`${level}:${option}`) ?? 0;
  }

  toString(): string {
    const kind = this.family === AF_UNIX ? "AF_UNIX" : this.family === AF_INET6 ? "AF_INET6" : "AF_INET";
    const state = ["new", "listening", "connecting", "connected", "closed", "detached", "listening"][this.#state];
    return `<wasyncio.Socket fd=${this.fileno()} ${kind} ${state}>`;
  }

  // ---- readiness (selector.ts) --------------------------------------------------------

  /** @internal Whether a read would not block: data, a connection, EOF or an error is waiting. */
  _readable(): boolean {
    switch (this.#state) {
      case LISTENING:
        return this.#accepted.length > 0 || this.#error !== null;
      case CONNECTED:
        return this.#buffered > 0 || this.#eof || this.#shutRd || this.#error !== null;
      case CONNECTING:
        return this.#error !== null;
      default:
        return false;
    }
  }

  /** @internal Whether a send would take bytes (or a connect has finished, either way). */
  _writable(): boolean {
    if (this.#error !== null) return this.#state === CONNECTING || this.#state === CONNECTED;
    if (this.#state !== CONNECTED) return false;
    const conn = this.#conn!;
    return this.#shutWr || !conn.writableNeedDrain;
  }

  /** @internal Whether the socket is closed (or handed to a transport or server). */
  _closed(): boolean {
    return this.#state === CLOSED || this.#state === DETACHED;
  }

  /** @internal A connect's outcome: undefined while in progress, null if connected, else the error (taken). */
  _connectOutcome(): Error | null | undefined {
    if (this.#state === CONNECTED) return null;
    if (this.#state === CONNECTING && this.#error === null) return undefined;
    return this.#takeError() ?? osError("connect()", "ENOTCONN", "the socket is not connected");
  }

  /** @internal Something changed: schedule the registered callbacks that can run now. */
  _notify(): void {
    const reader = this._reader, writer = this._writer;
    if (reader !== null && !reader.queued && this._readable() && !reader.schedule()) this._reader = null;
    if (writer !== null && !writer.queued && this._writable() && !writer.schedule()) this._writer = null;
  }

  // ---- hand-over to transports and servers (high-level.ts) ----------------------------

  /**
   * @internal `createServer({ sock })`: hands the listening `net.Server` over. The facade is
   * detached (fileno -1); connections Node accepted that `accept()` had not given out come
   * along, paused (the server was made with `pauseOnConnect`).
   */
  _takeListener(): { server: net.Server; pending: net.Socket[] } {
    if (this.#state !== LISTENING || this.#server === null) {
      throw new RangeError(`createServer() expected options.sock to be a listening socket, got ${this}`);
    }
    const server = this.#server, pending = this.#accepted;
    server.removeListener("connection", this.#onConnection);
    server.removeListener("error", this.#onError);
    for (const conn of pending) conn.removeListener("error", ignoreError);
    this.#server = null;
    this.#accepted = [];
    this.#detachFacade();
    return { server, pending };
  }

  /**
   * @internal `createConnection({ sock })`: hands the connected `net.Socket` over, with the
   * bytes received and not read, and whether EOF came. The facade is detached.
   */
  _takeConnection(): { conn: net.Socket; buffered: Buffer[]; eof: boolean } {
    if (this.#state !== CONNECTED || this.#conn === null) {
      throw new RangeError(`createConnection() expected options.sock to be a connected socket, got ${this}`);
    }
    const conn = this.#conn, buffered = this.#chunks, eof = this.#eof;
    this.#detach(conn);
    this.#chunks = [];
    this.#buffered = 0;
    this.#detachFacade();
    return { conn, buffered, eof };
  }

  // ---- internals ----------------------------------------------------------------------

  #detachFacade(): void {
    this.#state = DETACHED;
    liveSockets.delete(this.#fd);
    this._reader = this._writer = null;
  }

  #listenOptions(call: string, address: Address): net.ListenOptions {
    if (this.family === AF_UNIX) {
      if (typeof address !== "string" || address === "") throw new TypeError(`${call} expected a path for an AF_UNIX socket, got ${repr(address)}`);
      return { path: address };
    }
    const [host, port] = checkInetAddress(call, address);
    const v6 = this.family === AF_INET6;
    let ip = host;
    if (host === "") ip = v6 ? "::" : "0.0.0.0";
    else if (host === "localhost") ip = v6 ? "::1" : "127.0.0.1";
    const kind = net.isIP(ip);
    if (kind === 0) {
      throw new TypeError(`${call} expected an IP address, "localhost" or "" as the host, got ${repr(host)}; resolve names first with loop.getaddrinfo()`);
    }
    if ((kind === 6) !== v6) throw new RangeError(`${call}: ${repr(host)} is not an ${v6 ? "IPv6" : "IPv4"} address (the socket is ${v6 ? "AF_INET6" : "AF_INET"})`);
    return { host: ip, port, ipv6Only: v6 };
  }

  #attach(conn: net.Socket): void {
    this.#conn = conn;
    conn.on("data", this.#onData);
    conn.on("end", this.#onEnd);
    conn.on("error", this.#onError);
    conn.on("drain", this.#onDrain);
    conn.on("close", this.#onClose);
    this.#applyOptions();
    conn.resume();
  }

  #detach(conn: net.Socket): void {
    conn.removeListener("data", this.#onData);
    conn.removeListener("end", this.#onEnd);
    conn.removeListener("error", this.#onError);
    conn.removeListener("drain", this.#onDrain);
    conn.removeListener("close", this.#onClose);
    conn.pause();
    this.#conn = null;
  }

  #applyOptions(): void {
    const conn = this.#conn;
    if (conn === null || this.family === AF_UNIX) return;
    const nodelay = this.#options.get(`${IPPROTO_TCP}:${TCP_NODELAY}`);
    if (nodelay !== undefined) conn.setNoDelay(nodelay !== 0);
    const keepalive = this.#options.get(`${SOL_SOCKET}:${SO_KEEPALIVE}`);
    if (keepalive !== undefined) conn.setKeepAlive(keepalive !== 0);
  }

  #onConnection = (conn: net.Socket): void => {
    // Paused until accepted; an error meanwhile (the peer gave up) must not go unhandled.
    conn.on("error", ignoreError);
    this.#accepted.push(conn);
    this._notify();
  };

  #onData = (chunk: Buffer): void => {
    if (this.#shutRd) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    if (this.#buffered >= RECV_BUFFER) this.#conn!.pause();
    this._notify();
  };

  #onEnd = (): void => {
    this.#eof = true;
    this._notify();
  };

  #onError = (error: Error): void => {
    if (this.#error === null) this.#error = error;
    this._notify();
  };

  #onDrain = (): void => {
    this._notify();
  };

  #onClose = (): void => {
    // Closed under us (reset, or destroyed after a failed connect): reads see EOF.
    this.#eof = true;
    this._notify();
  };

  #take(n: number): Buffer {
    const chunks = this.#chunks;
    const first = chunks[0];
    let out: Buffer;
    if (first.length > n) {
      out = first.subarray(0, n);
      chunks[0] = first.subarray(n);
    } else if (chunks.length === 1 || first.length === n) {
      out = first;
      chunks.shift();
    } else {
      // Several chunks fit: join them up to n bytes.
      let size = 0, count = 0;
      while (count < chunks.length && size + chunks[count].length <= n) size += chunks[count++].length;
      const parts = chunks.splice(0, count);
      const rest = n - size;
      if (rest > 0 && chunks.length > 0) {
        parts.push(chunks[0].subarray(0, rest));
        chunks[0] = chunks[0].subarray(rest);
        size += rest;
      }
      out = Buffer.concat(parts, size);
    }
    this.#buffered -= out.length;
    const conn = this.#conn;
    if (conn !== null && conn.isPaused() && this.#buffered < RECV_BUFFER / 2) conn.resume();
    return out;
  }

  /** recv() with nothing buffered: throws the pending error, else EOF (empty) or null (would block). */
  #nothingBuffered(): Uint8Array | null {
    const error = this.#takeError();
    if (error !== null) {
      this.#eof = true;
      throw error;
    }
    return this.#eof || this.#shutRd ? new Uint8Array(0) : null;
  }

  #checkReadable(call: string): void {
    this.#checkOpen(call);
    if (this.#state === CONNECTING) throw new BlockingIOError(`${call} would block: the connection is in progress`);
    if (this.#state !== CONNECTED) throw osError(call, "ENOTCONN", "the socket is not connected");
  }

  #checkOpen(call: string): void {
    if (this.#state === CLOSED || this.#state === DETACHED) throw osError(call, "EBADF", "the socket is closed");
    if (this.#state === SERVED && call !== "getsockname()") {
      throw new Error(`${call}: this socket belongs to a Server; use the Server's methods`);
    }
  }

  #takeError(): Error | null {
    const error = this.#error;
    this.#error = null;
    return error;
  }
}

/**
 * A new non-blocking socket (Python's `socket.socket(family, type)`): `AF_INET` (default),
 * `AF_INET6` or `AF_UNIX`, and `SOCK_STREAM`. For UDP use `loop.createDatagramEndpoint`.
 * @example
 * const sock = socket(AF_INET, SOCK_STREAM)
 * sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
 * sock.bind(["127.0.0.1", 9527]); sock.listen(10)
 */
export function socket(family: number = AF_INET, type: number = SOCK_STREAM, proto = 0): Socket {
  if (family !== AF_INET && family !== AF_INET6 && family !== AF_UNIX) {
    throw new RangeError(`socket() expected family AF_INET, AF_INET6 or AF_UNIX, got ${repr(family)}`);
  }
  if (type === SOCK_DGRAM) throw new RangeError("socket(): SOCK_DGRAM sockets are not offered; use loop.createDatagramEndpoint() for UDP");
  if (type !== SOCK_STREAM) throw new RangeError(`socket() expected type SOCK_STREAM, got ${repr(type)}`);
  if (!Number.isInteger(proto)) throw new TypeError(`socket() expected proto to be an integer, got ${repr(proto)}`);
  return new Socket(family, type, proto);
}

/**
 * Listens synchronously, as Python's bind() and listen() are. Node's listen() looks the
 * host up with dns.lookup even for an IP literal (answering a tick later) and reports a
 * failure from process.nextTick; for the length of this call the first answers at once and
 * the second is caught, so the address is taken, or the error thrown, before it returns.
 * @internal
 */
export function listenNow(server: net.Server, options: net.ListenOptions): void {
  const lookup = dns.lookup, nextTick = process.nextTick;
  let failure: Error | undefined;
  (dns as { lookup: unknown }).lookup = (host: string, opts: unknown, callback?: (...args: unknown[]) => void) => {
    const cb = typeof opts === "function" ? (opts as (...args: unknown[]) => void) : callback!;
    const kind = net.isIP(host);
    if (kind === 0) return lookup(host, opts as dns.LookupOptions, callback as never);
    cb(null, host, kind);
  };
  process.nextTick = ((fn: (...args: unknown[]) => void, ...args: unknown[]) => {
    if (args[0] === server && args[1] instanceof Error) failure = args[1];
    else nextTick(fn, ...args);
  }) as typeof process.nextTick;
  try {
    server.listen(options);
  } finally {
    (dns as { lookup: unknown }).lookup = lookup;
    process.nextTick = nextTick;
  }
  if (failure !== undefined) throw failure;
  if (!server.listening) {
    server.close();
    throw new Error(`listen() on ${JSON.stringify(options)} did not complete synchronously (unexpected in this Node version)`);
  }
}

function ignoreError(): void {}

/** Checks an `[host, port]` address. @internal */
export function checkInetAddress(call: string, address: unknown): [string, number] {
  if (!Array.isArray(address) || address.length < 2 || typeof address[0] !== "string") {
    throw new TypeError(`${call} expected an address [host, port], got ${repr(address)}`);
  }
  return [address[0], checkPort(call, "port", address[1])];
}

/**
 * Checks a port number: TypeError unless an integer, RangeError outside 0-65535.
 * @internal
 */
export function checkPort(call: string, name: string, port: unknown): number {
  if (typeof port !== "number" || !Number.isInteger(port)) {
    throw new TypeError(`${call} expected ${name} to be an integer 0-65535, got ${repr(port)}`);
  }
  if (port < 0 || port > 65535) throw new RangeError(`${call} expected ${name} to be an integer 0-65535, got ${port}`);
  return port;
}

/** Uint8Array (or string as UTF-8) to send. @internal */
export function toBytes(call: string, data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError(`${call} expected data to be bytes (a Uint8Array) or a string, got ${repr(data)}`);
}

/** An Error with Node's `.code`, as Node's own network errors carry. @internal */
export function osError(call: string, code: string, message: string): Error {
  return Object.assign(new Error(`${call}: ${message} (${code})`), { code });
}

/** errno numbers of the codes getsockopt(SO_ERROR) reports (Linux). */
const errnos = {
  ECONNREFUSED: 111, ECONNRESET: 104, ETIMEDOUT: 110, EHOSTUNREACH: 113, ENETUNREACH: 101, EADDRINUSE: 98,
  EADDRNOTAVAIL: 99, ECONNABORTED: 103, EPIPE: 32, ENOENT: 2, EACCES: 13, ENOTFOUND: -2, EAI_AGAIN: -3,
};
