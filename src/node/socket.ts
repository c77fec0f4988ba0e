/// <reference types="node" preserve="true" />
// The socket facade: Python's non-blocking socket surface over node:net, so the asyncio walkthrough's
// code (accept, recv, send, BlockingIOError, add_reader) runs as written. Node delivers
// events; the facade keeps what they bring (accepted connections, received bytes, EOF, an
// error) until the program asks, and tells the loop's readiness bridge (selector.ts) when
// the socket becomes readable or writable. What the kernel would keep lives in the
// socket's two sides: the listening side (socket-listener.ts: the bound address and the
// accept queue) and the connected side (socket-connection.ts: the receive buffer, EOF,
// shutdown, the send buffer's room). The facade keeps the state machine, the checks and
// errors of each call, the pending error, and the readiness answers.
//
//   node:net "connection" / "data" / "end" / "error" / "drain" / "connect"
//     └─► listener / connection state (accept queue, receive buffer) ─► _notify() ─► selector:
//         schedule the reader/writer callback on the loop's ready queue (level-triggered)
import * as net from "node:net";
import { checkBufsize, checkListenBacklog, checkKind, checkNonNegative, checkShutdownHow, checkSockopt, expected } from "../checks.js";
import { BlockingIOError } from "../errors.js";
import { toBytes } from "./bytes.js";
import { AF_INET, AF_INET6, AF_UNIX, SOCK_STREAM, SOL_SOCKET, SO_ERROR } from "./constants.js";
import { _isEofCheckError } from "./eof-check.js";
import { errnoOf, osError } from "./errno.js";
import type { Address } from "./protocols.js";
import type { Registration } from "./selector.js";
import { bindOptions, connectOptions } from "./socket-address.js";
import { _Connection } from "./socket-connection.js";
import { DEFAULT_BACKLOG, _Listener } from "./socket-listener.js";

// Socket states. OWNED: the connection or listener belongs to a Server or a transport
// (createServer({ sock }), createConnection({ sock }), server.sockets): the facade still
// names it (getsockname, fileno) and closes when it does, as Python's socket object would.
const NEW = 0, BOUND = 1, LISTENING = 2, CONNECTING = 3, CONNECTED = 4, CLOSED = 5, OWNED = 6;
const STATE_NAMES = ["new", "bound", "listening", "connecting", "connected", "closed", "owned"];

/** File descriptor numbers of wasyncio sockets: unique among live sockets, never the OS's. */
let nextFd = 1000;
const liveSockets = new Map<number, Socket>();

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
  /** The bound address and, once listening, the accept queue (socket-listener.ts). */
  #listener: _Listener | null = null;
  /** The connection and its receive buffer (socket-connection.ts), from connect() or accept. */
  #connection: _Connection | null = null;
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
    sock.#listener = _Listener.of(sock, server);
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
    const options = bindOptions("bind()", this.family, address);
    const listener = new _Listener(this, this.#onError);
    // On Node 24+ an address in use throws here, and the socket stays unbound.
    listener.bind(options);
    this.#listener = listener;
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
    checkListenBacklog("listen()", backlog);
    if (this.#state === LISTENING) {
      this.#listener!.listen(backlog);
      return;
    }
    if (this.#state !== BOUND) throw osError("listen()", "EINVAL", "bind() the socket first (wasyncio sockets listen on the address bind() took)");
    // Node 20/22: a bind that has failed by now is reported here.
    const error = this.#takeError();
    if (error !== null) throw error;
    this.#listener!.listen(backlog);
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
    const conn = this.#listener!.accept();
    if (conn === undefined) return null;
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
    const options = connectOptions("connect()", this.family, address);
    if (this.family === AF_UNIX) this.#peerPath = address as string;
    // A bound socket connects from its address (socket-listener.ts).
    const listener = this.#listener;
    const conn = listener !== null ? listener.connect(options) : net.connect(options);
    this.#listener = null;
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
    checkBufsize("recv()", bufsize);
    this.#checkReadable("recv()");
    // Python answers recv(0) at once with b''.
    if (bufsize === 0) return new Uint8Array(0);
    const conn = this.#connection!;
    return conn.take(bufsize) ?? conn.nothingBuffered(this.#takeError());
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
    if (!(buffer instanceof Uint8Array)) throw expected("recvInto()", "a Uint8Array", buffer);
    checkNonNegative("recvInto()", "nbytes", nbytes);
    const want = nbytes === 0 ? buffer.length : Math.min(nbytes, buffer.length);
    this.#checkReadable("recvInto()");
    if (want === 0) return 0;
    const conn = this.#connection!;
    const n = conn.takeInto(buffer, want);
    if (n > 0) return n;
    return conn.nothingBuffered(this.#takeError()) === null ? -1 : 0;
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
    return this.#connection!.send(bytes);
  }

  /**
   * Shuts down reading (`SHUT_RD`), writing (`SHUT_WR`: sends EOF after the buffered
   * bytes) or both (`SHUT_RDWR`).
   * @example
   * conn.shutdown(SHUT_WR)
   */
  shutdown(how: number): void {
    checkShutdownHow("shutdown()", how);
    this.#checkOpen("shutdown()");
    if (this.#state !== CONNECTED) throw osError("shutdown()", "ENOTCONN", "the socket is not connected");
    this.#connection!.shutdown(how);
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
    const conn = this.#connection, listener = this.#listener;
    this.#connection = this.#listener = null;
    listener?.close(owned);
    if (!owned) conn?.close();
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
    const listener = this.#listener;
    if (listener !== null) {
      const addr = listener.address();
      if (addr !== null) return addr;
      // Node 20/22: bind() asked Node to listen, and Node has not taken the address yet.
      if (this.#error !== null) throw this.#error;
      return listener.requested();
    }
    const conn = this.#connection?.conn ?? null;
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
    const conn = this.#connection?.conn ?? null;
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
    checkSockopt("setsockopt()", level, option);
    this.#checkOpen("setsockopt()");
    this.#options.set(`${level}:${option}`, Number(value));
    this.#connection?.applyOptions(this.#options);
  }

  /**
   * Reads an option: `SO_ERROR` gives (and clears) the pending error's errno, 0 if none;
   * others what `setsockopt` set (0 by default).
   * @example
   * if (sock.getsockopt(SOL_SOCKET, SO_ERROR) !== 0) throw new Error("connect failed")
   */
  getsockopt(level: number, option: number): number {
    checkSockopt("getsockopt()", level, option);
    this.#checkOpen("getsockopt()");
    if (level === SOL_SOCKET && option === SO_ERROR) {
      const error = this.#takeError();
      return error === null ? 0 : errnoOf(error);
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
        return this.#listener!.waiting() || this.#error !== null;
      case CONNECTED:
        return this.#connection!.readable() || this.#error !== null;
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
    return this.#connection!.writable();
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

  // ---- hand-over to transports and servers (create-*.ts) -------------------------------

  /**
   * @internal `createServer({ sock })`: hands the listening `net.Server` over, with the
   * connections Node accepted that `accept()` had not given out (paused: the server was
   * made with `pauseOnConnect`). The facade stays the server's socket: `getsockname()` and
   * `fileno()` answer until the server closes it, as in Python.
   */
  _takeListener(): { server: net.Server; pending: net.Socket[] } {
    if (this.#state !== LISTENING || this.#listener === null) throw expected("createServer()", "options.sock to be a listening socket", this, RangeError);
    const error = this.#takeError();
    if (error !== null) throw error;
    const handed = this.#listener.handOver();
    this.#own();
    return handed;
  }

  /**
   * @internal `createConnection({ sock })`: hands the connected `net.Socket` over, with the
   * bytes received and not read, and whether EOF came. The facade stays the transport's
   * socket (`getsockname()`, `getpeername()`, `fileno()`) until the connection closes.
   */
  _takeConnection(): { conn: net.Socket; buffered: Buffer[]; eof: boolean } {
    if (this.#state !== CONNECTED || this.#connection === null) throw expected("createConnection()", "options.sock to be a connected socket", this, RangeError);
    const handed = this.#connection.handOver();
    this.#own();
    return handed;
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
      this.#connection = this.#listener = null;
    };
    if (this.#connection !== null) this.#connection.conn.once("close", closed);
    else this.#listener!.onClose(closed);
  }

  /** Takes the connection Node made or accepted: its events now reach this socket. */
  #attach(conn: net.Socket): void {
    const connection = (this.#connection = new _Connection(conn, this, this.#onError));
    connection.attach(this.#options);
  }

  /** Node's errors, of the listener or the connection: the first waits for the next operation. */
  #onError = (error: Error): void => {
    if (_isEofCheckError(error)) return;
    if (this.#error === null) this.#error = error;
    this._notify();
  };

  #checkReadable(call: string): void {
    this.#checkOpen(call);
    if (this.#state === CONNECTING) throw new BlockingIOError(`${call} would block: the connection is in progress`);
    if (this.#state !== CONNECTED) throw osError(call, "ENOTCONN", "the socket is not connected");
  }

  #checkOpen(call: string): void {
    if (this.#state === CLOSED) throw osError(call, "EBADF", "the socket is closed");
    if (this.#state === OWNED && !OWNED_CALLS.has(call)) {
      throw new Error(`${call}: this socket belongs to a ${this.#connection !== null ? "transport" : "Server"}; use its methods`);
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

/** What an owned socket still answers (Python's TransportSocket offers these). */
const OWNED_CALLS = new Set(["getsockname()", "getpeername()", "getsockopt()", "setsockopt()"]);

