/// <reference types="node" preserve="true" />
// The socket facade: Python's non-blocking socket surface over node:net, so the asyncio walkthrough's
// code (accept, recv, send, BlockingIOError, add_reader) runs as written. Node delivers
// events; the facade keeps what they bring (accepted connections, received bytes, EOF, an
// error) until the program asks, and tells the loop's readiness bridge (selector.ts) when
// the socket becomes readable or writable.
//
//   node:net "connection" / "data" / "end" / "error" / "drain" / "connect"
//     └─► facade state (accept queue, receive buffer) ─► _notify() ─► selector: schedule the
//         reader/writer callback on the loop's ready queue (level-triggered)
import * as net from "node:net";
import { BlockingIOError } from "../errors.js";
import { repr } from "../util.js";
import {
  AF_INET, AF_INET6, AF_UNIX, IPPROTO_TCP, SHUT_RD, SHUT_RDWR, SHUT_WR, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, SO_ERROR,
  SO_KEEPALIVE, TCP_NODELAY,
} from "./constants.js";
import type { Address } from "./protocols.js";

// Socket states. OWNED: the connection or listener belongs to a Server or a transport
// (createServer({ sock }), createConnection({ sock }), server.sockets): the facade still
// names it (getsockname, fileno) and closes when it does, as Python's socket object would.
const NEW = 0, BOUND = 1, LISTENING = 2, CONNECTING = 3, CONNECTED = 4, CLOSED = 5, OWNED = 6;
const STATE_NAMES = ["new", "bound", "listening", "connecting", "connected", "closed", "owned"];

/** What `net.BoundSocket` (Node 24+) offers: a TCP or Unix socket bound at construction. */
interface BoundSocketLike {
  address(): net.AddressInfo | string;
  close(): void;
}
type BoundSocketOptions = { host: string; port: number; ipv6Only: boolean } | { path: string };

/**
 * Node's synchronous bind(2) (`net.BoundSocket`, Node 24+), or undefined. Without it, the
 * only way to bind a TCP server socket is `server.listen()`, which takes the address later
 * in the same host tick (it looks the host up first, even an IP literal).
 */
const BoundSocket = (net as unknown as { BoundSocket?: new (options: BoundSocketOptions) => BoundSocketLike }).BoundSocket;
/** Whether `net.BoundSocket` binds Unix paths too (`isPipe` marks that capability). */
const BOUND_PIPES = BoundSocket !== undefined && "isPipe" in BoundSocket.prototype;

/** listen()'s default backlog (Python's: min(SOMAXCONN, 128)); also the bound before listen() on Node 20/22. */
const DEFAULT_BACKLOG = 128;

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
  /** A bind(2) done by net.BoundSocket, until listen() or connect() adopts it. */
  #bound: BoundSocketLike | null = null;
  /** Without net.BoundSocket: the address bind() asked for, until Node has taken it. */
  #requested: BoundSocketOptions | null = null;
  #server: net.Server | null = null;
  /** Connections Node accepted that accept() has not taken: at most #backlog (see #onConnection). */
  #accepted: net.Socket[] = [];
  #backlog = DEFAULT_BACKLOG;
  #conn: net.Socket | null = null;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #eof = false;
  #shutRd = false;
  #shutWr = false;
  /** An error Node reported that the next operation raises (ECONNRESET, a failed connect). */
  #error: Error | null = null;
  /** Node reported EOF and checkEof has not answered yet. */
  #checkingEof = false;
  #options = new Map<string, number>();
  /** The path an AF_UNIX socket connected to (its peer's name; an accepted one has none). */
  #peerPath = "";
  /** @internal The selector's registrations (one reader and one writer per socket, as an fd). */
  _reader: Registration | null = null;
  /** @internal */
  _writer: Registration | null = null;

  /** Use `socket()`. @internal */
  constructor(family: number, type: number, proto = 0) {
    checkKind("new Socket()", family, type, proto);
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

  /** @internal A facade over a Server's listening socket (`server.sockets`). */
  static _listening(server: net.Server, family: number): Socket {
    const sock = new Socket(family, SOCK_STREAM);
    sock.#server = server;
    sock.#own();
    return sock;
  }

  // ---- the Python socket surface ----------------------------------------------------

  /**
   * Binds the socket to `address`, as Python's `bind()`: the host is an IP address,
   * `"localhost"` or `""` (any); port 0 picks a free port. On Node 24+ the address is taken
   * at the call: an address in use throws here (`EADDRINUSE`) and `getsockname()` answers
   * at once. On Node 20 and 22 (no synchronous bind) Node takes it later in the same host
   * tick: an error is raised by the socket's next operation, and the port of a port-0 bind
   * is known once the loop has run. An AF_UNIX path longer than `sun_path` allows (107
   * bytes of UTF-8 on Linux, 103 on macOS; 108 for a Linux abstract name) throws
   * `AF_UNIX path too long` (`ENAMETOOLONG`) here and in `connect()`, as in Python.
   * @example
   * sock.bind(["127.0.0.1", 0]); const [, port] = sock.getsockname() as [string, number]
   */
  bind(address: Address): void {
    this.#checkOpen("bind()");
    if (this.#state !== NEW) throw osError("bind()", "EINVAL", "the socket is already bound");
    const options = this.#bindOptions("bind()", address);
    if (BoundSocket !== undefined && ("host" in options || BOUND_PIPES)) {
      this.#bound = new BoundSocket(options);
    } else {
      this.#requested = options;
      this.#newServer().listen(options);
    }
    this.#state = BOUND;
  }

  /**
   * Starts accepting connections on the bound address (a connection arriving earlier is
   * refused on Node 24+; on Node 20 and 22 it waits in the accept queue). `backlog` (at
   * least 1) is how many connections may wait for `accept()`. Node accepts every
   * connection from the kernel at once (no public API stops it), so the queue is the
   * socket's own: a connection arriving while `backlog` wait is reset at once (its client
   * sees ECONNRESET) instead of waiting in the kernel until accept() makes room, as in
   * Python. Calling it again on a listening socket changes the backlog.
   * @example
   * sock.listen(100)
   */
  listen(backlog = DEFAULT_BACKLOG): void {
    this.#checkOpen("listen()");
    if (!Number.isInteger(backlog)) throw new TypeError(`listen() expected backlog to be an integer, got ${repr(backlog)}`);
    if (this.#state === LISTENING) {
      this.#backlog = Math.max(backlog, 1);
      return;
    }
    if (this.#state !== BOUND) throw osError("listen()", "EINVAL", "bind() the socket first (wasyncio sockets listen on the address bind() took)");
    // Node 20/22: a bind that has failed by now is reported here.
    const error = this.#takeError();
    if (error !== null) throw error;
    if (this.#bound !== null) {
      this.#newServer().listen(this.#bound, Math.max(backlog, 0));
      this.#bound = null;
    }
    this.#backlog = Math.max(backlog, 1);
    this.#state = LISTENING;
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
    if (this.#state !== NEW && this.#state !== BOUND) throw osError("connect()", "EINVAL", "a listening socket cannot connect");
    let options: net.NetConnectOpts;
    if (this.family === AF_UNIX) {
      if (typeof address !== "string") throw new TypeError(`connect() expected a path for an AF_UNIX socket, got ${repr(address)}`);
      options = { path: checkUnixPath("connect()", address), allowHalfOpen: true };
      this.#peerPath = address;
    } else {
      const [host, port] = checkInetAddress("connect()", address);
      options = { host: host === "" ? "localhost" : host, port, allowHalfOpen: true, family: this.family === AF_INET6 ? 6 : 4 };
    }
    // A bound client socket connects from its address: Node 24+ adopts the bound socket;
    // before, the listener bind() made gives its address up for the connection to take.
    let conn: net.Socket;
    if (this.#bound !== null) {
      conn = new net.Socket({ handle: this.#bound, allowHalfOpen: true } as net.SocketConstructorOpts);
      this.#bound = null;
      conn.connect(options);
    } else {
      const requested = this.#requested;
      if (this.#server !== null) {
        // The address Node took, or (not taken yet) the one bind() asked for: port 0 lets
        // the connection pick its port, as the listener would have.
        const local = this.#server.address() ?? (requested !== null && "host" in requested ? { address: requested.host, port: requested.port } : null);
        this.#server.close();
        this.#server = null;
        if (local !== null && typeof local !== "string") Object.assign(options, { localAddress: local.address, localPort: local.port || undefined });
      }
      conn = net.connect(options);
    }
    this.#state = CONNECTING;
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
    if (typeof bufsize !== "number") throw new TypeError(`recv() expected bufsize to be a non-negative integer, got ${repr(bufsize)}`);
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
    if (this.#state === CLOSED) return;
    // An owned socket is closed by its owner (server.close(), transport.close()); closing
    // the facade only lets go of it.
    const owned = this.#state === OWNED;
    this.#state = CLOSED;
    liveSockets.delete(this.#fd);
    this._reader = this._writer = null;
    const conn = this.#conn, server = this.#server;
    this.#conn = this.#server = null;
    this.#bound?.close();
    this.#bound = null;
    if (owned) return;
    if (conn !== null) {
      this.#detach(conn);
      conn.on("error", ignoreError);
      if (conn.writableLength > 0 && !conn.destroyed) conn.destroySoon();
      else conn.destroy();
    }
    if (server !== null) {
      server.close();
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
    return this.#state === CLOSED ? -1 : this.#fd;
  }

  /**
   * The socket's own address: `[host, port]`, or the path of a Unix socket.
   * @example
   * const [host, port] = server.getsockname() as [string, number]
   */
  getsockname(): Address {
    this.#checkOpen("getsockname()");
    if (this.#bound !== null) return nodeAddress(this.#bound.address());
    if (this.#server !== null) {
      const addr = this.#server.address();
      if (addr !== null) return nodeAddress(addr);
      // Node 20/22: bind() asked Node to listen, and Node has not taken the address yet.
      if (this.#error !== null) throw this.#error;
      const requested = this.#requested;
      if (requested !== null && "path" in requested) return requested.path;
      if (requested !== null && requested.port !== 0) return [requested.host, requested.port];
      throw new BlockingIOError(
        "getsockname() would block: on Node 20 and 22 Node takes a bound address later in the same host tick, " +
          "so the port of a port-0 bind is known once the loop has run (Node 24+ binds at once)",
      );
    }
    const conn = this.#conn;
    // A Unix socket's name is its path ("" when unnamed; Node reports a bound one's path).
    if (this.family === AF_UNIX) return conn?.localAddress ?? "";
    if (conn !== null && conn.localAddress !== undefined) return [conn.localAddress, conn.localPort ?? 0];
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
    if ((this.#state !== CONNECTED && this.#state !== OWNED) || conn === null) throw osError("getpeername()", "ENOTCONN", "the socket is not connected");
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
    if (flag) throw new Error("setblocking(): wasyncio sockets never block the thread (setblocking(true)); use the loop's sock* methods to wait");
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
    if (!Number.isInteger(level) || !Number.isInteger(option)) {
      throw new TypeError(`getsockopt() expected integer level and option, got ${repr(level)}, ${repr(option)}`);
    }
    this.#checkOpen("getsockopt()");
    if (level === SOL_SOCKET && option === SO_ERROR) {
      const error = this.#takeError();
      if (error === null) return 0;
      const code = (error as NodeJS.ErrnoException).code;
      return (code !== undefined && (errnos as Record<string, number>)[code]) || 1;
    }
    return this.#options.get(`${level}:${option}`) ?? 0;
  }

  /**
   * The socket's number, family and state.
   * @example
   * String(socket())   // "<wasyncio.Socket fd=1000 AF_INET new>"
   */
  toString(): string {
    const kind = this.family === AF_UNIX ? "AF_UNIX" : this.family === AF_INET6 ? "AF_INET6" : "AF_INET";
    return `<wasyncio.Socket fd=${this.fileno()} ${kind} ${STATE_NAMES[this.#state]}>`;
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

  /** @internal Whether the socket is closed or belongs to a Server or transport (no readiness callbacks). */
  _closed(): boolean {
    return this.#state === CLOSED || this.#state === OWNED;
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
   * @internal `createServer({ sock })`: hands the listening `net.Server` over, with the
   * connections Node accepted that `accept()` had not given out (paused: the server was
   * made with `pauseOnConnect`). The facade stays the server's socket: `getsockname()` and
   * `fileno()` answer until the server closes it, as in Python.
   */
  _takeListener(): { server: net.Server; pending: net.Socket[] } {
    if (this.#state !== LISTENING || this.#server === null) {
      throw new RangeError(`createServer() expected options.sock to be a listening socket, got ${this}`);
    }
    const error = this.#takeError();
    if (error !== null) throw error;
    const server = this.#server, pending = this.#accepted;
    server.removeListener("connection", this.#onConnection);
    server.removeListener("error", this.#onError);
    for (const conn of pending) conn.removeListener("error", ignoreError);
    this.#accepted = [];
    this.#own();
    return { server, pending };
  }

  /**
   * @internal `createConnection({ sock })`: hands the connected `net.Socket` over, with the
   * bytes received and not read, and whether EOF came. The facade stays the transport's
   * socket (`getsockname()`, `getpeername()`, `fileno()`) until the connection closes.
   */
  _takeConnection(): { conn: net.Socket; buffered: Buffer[]; eof: boolean } {
    if (this.#state !== CONNECTED || this.#conn === null) {
      throw new RangeError(`createConnection() expected options.sock to be a connected socket, got ${this}`);
    }
    // An EOF being checked goes with it (a reset then follows as the connection's error).
    const conn = this.#conn, buffered = this.#chunks, eof = this.#eof || this.#checkingEof;
    this.#detach(conn);
    this.#conn = conn;
    this.#chunks = [];
    this.#buffered = 0;
    this.#own();
    return { conn, buffered, eof };
  }

  // ---- internals ----------------------------------------------------------------------

  /** The connection or listener now belongs to a Server or transport; the facade closes with it. */
  #own(): void {
    this.#state = OWNED;
    this._reader = this._writer = null;
    const closed = (): void => {
      if (this.#state !== OWNED) return;
      this.#state = CLOSED;
      liveSockets.delete(this.#fd);
      this.#conn = this.#server = null;
    };
    if (this.#conn !== null) this.#conn.once("close", closed);
    else this.#server!.once("close", closed);
  }

  /** A server for bind()/listen(), its connections held paused until accept() takes them. */
  #newServer(): net.Server {
    const server = (this.#server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }));
    server.on("connection", this.#onConnection);
    server.on("error", this.#onError);
    return server;
  }

  #bindOptions(call: string, address: Address): BoundSocketOptions {
    if (this.family === AF_UNIX) {
      if (typeof address !== "string" || address === "") throw new TypeError(`${call} expected a path for an AF_UNIX socket, got ${repr(address)}`);
      return { path: checkUnixPath(call, address) };
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
    if (this.#accepted.length >= this.#backlog) {
      _refuse(conn);
      return;
    }
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
    if (this.family === AF_UNIX || this.#conn === null) {
      this.#eofChecked(true);
    } else {
      this.#checkingEof = true;
      checkEof(this.#conn, this.#eofChecked);
    }
  };

  /** The peer's EOF, checked (checkEof): a reset is left to 'error' (ECONNRESET) and 'close'. */
  #eofChecked = (eof: boolean): void => {
    this.#checkingEof = false;
    if (!eof) return;
    this.#eof = true;
    this._notify();
  };

  #onError = (error: Error): void => {
    if (_isEofCheckError(error)) return;
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
    if (this.#state === CLOSED) throw osError(call, "EBADF", "the socket is closed");
    if (this.#state === OWNED && !OWNED_CALLS.has(call)) {
      throw new Error(`${call}: this socket belongs to a ${this.#conn !== null ? "transport" : "Server"}; use its methods`);
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
  checkKind("socket()", family, type, proto);
  return new Socket(family, type, proto);
}

/** The checks of socket()'s arguments, for `socket()` and `new Socket()`. */
function checkKind(call: string, family: unknown, type: unknown, proto: unknown): void {
  for (const [name, value] of [["family", family], ["type", type], ["proto", proto]] as const) {
    if (typeof value !== "number") throw new TypeError(`${call} expected ${name} to be a number, got ${repr(value)}`);
  }
  if (family !== AF_INET && family !== AF_INET6 && family !== AF_UNIX) {
    throw new RangeError(`${call} expected family AF_INET, AF_INET6 or AF_UNIX, got ${repr(family)}`);
  }
  if (type === SOCK_DGRAM) throw new RangeError(`${call}: SOCK_DGRAM sockets are not offered; use loop.createDatagramEndpoint() for UDP`);
  if (type !== SOCK_STREAM) throw new RangeError(`${call} expected type SOCK_STREAM, got ${repr(type)}`);
  if (!Number.isInteger(proto)) throw new RangeError(`${call} expected proto to be an integer, got ${repr(proto)}`);
}

/**
 * Whether this Node's libuv may report a peer's reset as a clean EOF. Before libuv 1.52.1
 * (Node 20 and 22), a read(2) that returns less than asked while the kernel also reports
 * POLLHUP ends the stream at once, without the next read(2) that would have returned the
 * ECONNRESET the kernel holds: when the last data and the reset arrive together (always,
 * for a connection not read yet), the reset reads as EOF. Later libuv reads again
 * (libuv#4997) and Node reports the ECONNRESET itself. @internal
 */
export const EOF_MAY_HIDE_RESET = ((): boolean => {
  const [major = 0, minor = 0, patch = 0] = (process.versions.uv ?? "").split(".").map(Number);
  return major * 1e6 + minor * 1e3 + patch < 1_052_001;
})();

const NOTHING = Buffer.alloc(0);

/** Errors of checkEof's empty writes after a real EOF (EPIPE): not the connection's own. */
const eofCheckErrors = new WeakSet<Error>();

/**
 * Tells a TCP connection's EOF from a reset libuv reported as EOF (see EOF_MAY_HIDE_RESET):
 * an empty write sends nothing, but on a reset connection the kernel fails it with the
 * pending ECONNRESET, which Node then reports as the socket's 'error' (and closes it).
 * `done(true)`: a real EOF; `done(false)`: a reset, which the 'error' and 'close' that
 * follow report. A real EOF's write may fail too (EPIPE: the peer had closed cleanly, then
 * refused data we sent): that error is not the connection's (`_isEofCheckError`). Not tried
 * (`done(true)` at once) on a libuv that reports resets, when the write side is closed, or
 * when data waits to be sent: the empty write would wait behind data a peer may never
 * read. Only for TCP: on a Unix socket an empty write fails with EPIPE after any close.
 * @internal
 */
export function checkEof(conn: net.Socket, done: (eof: boolean) => void): void {
  if (!EOF_MAY_HIDE_RESET || conn.destroyed || conn.writableEnded || conn.writableLength > 0) {
    done(true);
    return;
  }
  conn.write(NOTHING, (err?: Error | null) => {
    if (err && (err as NodeJS.ErrnoException).code === "ECONNRESET") return done(false);
    if (err) eofCheckErrors.add(err);
    done(true);
  });
}

/** Whether `err` is the failed empty write of a real EOF's check (to be ignored). @internal */
export function _isEofCheckError(err: Error): boolean {
  return eofCheckErrors.has(err);
}

/** What an owned socket still answers (Python's TransportSocket offers these). */
const OWNED_CALLS = new Set(["getsockname()", "getpeername()", "getsockopt()", "setsockopt()"]);

/** `[host, port]` or a path, from what Node's `address()` gives. */
function nodeAddress(addr: net.AddressInfo | string): Address {
  return typeof addr === "string" ? addr : [addr.address, addr.port];
}

function ignoreError(): void {}

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

/**
 * The size of `sockaddr_un.sun_path`: 108 bytes on Linux, 104 on macOS and the BSDs. A
 * path must fit with its terminating NUL; a Linux abstract name (a leading NUL) may fill it.
 */
const SUN_PATH_SIZE = process.platform === "linux" || process.platform === "android" ? 108 : 104;

/**
 * Checks that a Unix socket path fits in `sun_path`, as Python does ("AF_UNIX path too
 * long"): libuv would bind or connect to a truncated path instead (Node 20/22), or fail
 * later with EINVAL (Node 24+). Counted in bytes (UTF-8). Windows pipe names are not
 * sockaddr_un paths and are left to Node. @internal
 */
export function checkUnixPath(call: string, path: string): string {
  if (process.platform === "win32") return path;
  const bytes = Buffer.byteLength(path, "utf8");
  const max = path.startsWith("\0") ? SUN_PATH_SIZE : SUN_PATH_SIZE - 1;
  if (bytes > max) {
    throw osError(call, "ENAMETOOLONG", `AF_UNIX path too long: ${bytes} bytes (UTF-8), at most ${max} on ${process.platform}: ${repr(path)}`);
  }
  return path;
}


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
