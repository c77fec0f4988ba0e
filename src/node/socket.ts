/// <reference types="node" preserve="true" />
// The socket facade: Python's non-blocking socket surface over node:net, so the asyncio walkthrough's
// code (accept, recv, send, BlockingIOError, add_reader) runs as written. Node delivers
// events; the facade keeps what they bring (accepted connections, received bytes, EOF, an
// error) until the program asks, and tells the loop's readiness bridge (selector.ts) when
// the socket becomes readable or writable. What the kernel would keep lives in the two
// sides (socket-listener.ts, socket-connection.ts) and socket-options.ts; the facade keeps
// the state (socket-state.ts: the states, each call's checks), the pending error, readiness.
//
//   node:net "connection" / "data" / "end" / "error" / "drain" / "connect"
//     └─► listener / connection state (accept queue, receive buffer) ─► _notify() ─► selector:
//         schedule the reader/writer callback on the loop's ready queue (level-triggered)
import * as net from "node:net";
import { checkBufsize, checkListenBacklog, checkKind, checkNonNegative, checkShutdownHow, checkSockopt, expected } from "../checks.js";
import { BlockingIOError } from "../errors.js";
import { toBytes } from "./bytes.js";
import { AF_INET, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, SO_ERROR } from "./constants.js";
import { _isEofCheckError } from "./eof-check.js";
import { errnoOf, osError } from "./errno.js";
import { _closeFd, _openFd } from "./fd-table.js";
import type { Address } from "../streams/protocols.js";
import { _notify, type Registration } from "./selector.js";
import { bindOptions, connectOptions, familyName, unboundAddress } from "./socket-address.js";
import { _Connection } from "./socket-connection.js";
import { _DatagramSide } from "./socket-datagram.js";
import { _SocketOptions } from "./socket-options.js";
import { DEFAULT_BACKLOG, _Listener } from "./socket-listener.js";
import { BOUND, CLOSED, CONNECTED, CONNECTING, LISTENING, NEW, OWNED, STATE_NAMES, checkOpen, checkReadable, notConnected } from "./socket-state.js";

/**
 * A non-blocking socket with Python's interface, over `node:net` (TCP and Unix stream
 * sockets) and `node:dgram` (UDP: `SOCK_DGRAM` with `bind`, `sendto`, `recvfrom`,
 * `recvfromInto`). An operation that would block throws `BlockingIOError`; the loop's
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
  /** `SOCK_STREAM` or `SOCK_DGRAM`. */
  readonly type: number;
  /** The protocol number (0: the default). */
  readonly proto: number;
  #fd: number;
  #state = NEW;
  /** The bound address and, once listening, the accept queue (socket-listener.ts). */
  #listener: _Listener | null = null;
  /** The connection and its receive buffer (socket-connection.ts), from connect() or accept. */
  #connection: _Connection | null = null;
  /** A SOCK_DGRAM socket's datagrams (socket-datagram.ts); null for a stream socket. */
  #datagram: _DatagramSide | null = null;
  /** An error Node reported that the next operation raises (ECONNRESET, a failed connect). */
  #error: Error | null = null;
  readonly #options = new _SocketOptions();
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
    this.#fd = _openFd(this);
    if (type === SOCK_DGRAM) this.#datagram = new _DatagramSide(this, family, this.#onError);
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
    checkOpen("bind()", this.#state, this.#connection !== null);
    if (this.#state !== NEW) throw osError("bind()", "EINVAL", "the socket is already bound");
    if (this.#datagram !== null) {
      this.#datagram.bind(bindOptions("bind()", this.family, address) as { host: string; port: number; ipv6Only: boolean });
      this.#state = BOUND;
      return;
    }
    // On Node 24+ an address in use throws here, and the socket stays unbound.
    this.#listener = new _Listener(this, this.#onError, bindOptions("bind()", this.family, address));
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
    checkOpen("listen()", this.#state, this.#connection !== null);
    this.#checkStream("listen()");
    checkListenBacklog("listen()", backlog);
    if (this.#state !== LISTENING) {
      if (this.#state !== BOUND) throw osError("listen()", "EINVAL", "bind() the socket first (wasyncio sockets listen on the address bind() took)");
      // Node 20/22: a bind that has failed by now is reported here.
      this.#raiseError();
    }
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
    checkOpen("accept()", this.#state, this.#connection !== null);
    this.#checkStream("accept()");
    if (this.#state !== LISTENING) throw osError("accept()", "EINVAL", "the socket is not listening");
    this.#raiseError();
    const conn = this.#listener!.accept();
    if (conn === undefined) return null;
    const sock = new Socket(this.family, SOCK_STREAM);
    sock.#state = CONNECTED;
    return [sock, (sock.#connection = new _Connection(conn, sock, sock.#onError, "", sock.#options)).peerName()];
  }

  /**
   * Starts connecting to `address` and throws `BlockingIOError` (in progress), as a
   * non-blocking Python socket: wait until the socket is writable, then read
   * `getsockopt(SOL_SOCKET, SO_ERROR)` (0: connected). `loop.sockConnect` does all that.
   * @example
   * try { sock.connect(["127.0.0.1", 8080]) } catch (e) { if (!(e instanceof BlockingIOError)) throw e }
   */
  connect(address: Address): void {
    checkOpen("connect()", this.#state, this.#connection !== null);
    this.#checkStream("connect()");
    if (this.#state === CONNECTED) throw osError("connect()", "EISCONN", "the socket is already connected");
    if (this.#state === CONNECTING) throw new BlockingIOError("connect() would block: the connection is in progress");
    this.#raiseError();
    if (this.#state !== NEW && this.#state !== BOUND) throw osError("connect()", "EINVAL", "a listening socket cannot connect");
    const options = connectOptions("connect()", this.family, address);
    // A bound socket connects from its address (socket-listener.ts).
    const conn = this.#listener !== null ? this.#listener.connect(options) : net.connect(options);
    this.#listener = null;
    this.#state = CONNECTING;
    conn.once("connect", () => {
      if (this.#state !== CONNECTING) return;
      this.#state = CONNECTED;
      _notify(this);
    });
    this.#connection = new _Connection(conn, this, this.#onError, typeof address === "string" ? address : "", this.#options);
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
    if (this.#datagram !== null) return this._tryRecvfrom(bufsize, "recv()")?.[0] ?? null;
    checkReadable("recv()", this.#state, this.#connection !== null);
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
    if (this.#datagram !== null) return this._tryRecvfromInto(buffer, want, "recvInto()")?.[0] ?? -1;
    checkReadable("recvInto()", this.#state, this.#connection !== null);
    if (want === 0) return 0;
    const conn = this.#connection!;
    return conn.takeInto(buffer, want) || (conn.nothingBuffered(this.#takeError()) === null ? -1 : 0);
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
    checkOpen("send()", this.#state, this.#connection !== null);
    this.#checkStream("send()");
    this.#raiseError();
    if (this.#state === CONNECTING) return -1;
    if (this.#state !== CONNECTED) throw notConnected("send()");
    return this.#connection!.send(bytes);
  }

  /**
   * Sends one datagram to `address` (`[host, port]`; a string as UTF-8) and returns its
   * length. An unbound socket is bound to the any address and a free port first, as by the
   * kernel. Throws `BlockingIOError` while Node holds a full send buffer of earlier
   * datagrams. The bytes are copied: `data` may be reused at once.
   * @example
   * sock.sendto("ping", ["127.0.0.1", 9999])
   */
  sendto(data: Uint8Array | string, address: Address): number {
    const n = this._trySendto(toBytes("sendto()", data), address);
    if (n < 0) throw new BlockingIOError("sendto() would block: the send buffer is full");
    return n;
  }

  /** @internal sendto() that answers -1 instead of throwing BlockingIOError. */
  _trySendto(bytes: Uint8Array, address: Address): number {
    checkOpen("sendto()", this.#state, false);
    const side = this.#datagram;
    if (side === null) throw osError("sendto()", "EOPNOTSUPP", "sendto() with an address needs a SOCK_DGRAM socket; use send() on a stream socket");
    const { host, port } = bindOptions("sendto()", this.family, address) as { host: string; port: number };
    this.#raiseError();
    if (!side.sendto(bytes, host, port)) return -1;
    this.#state = BOUND;
    return bytes.length;
  }

  /**
   * Takes the oldest waiting datagram: `[data, address]`, the data cut to `bufsize` bytes
   * (the rest of a longer datagram is dropped, as in Python). Throws `BlockingIOError` if
   * none waits, or the socket's pending error (a failed bind or send).
   * @example
   * const [data, [host, port]] = sock.recvfrom(2048) as [Uint8Array, [string, number]]
   */
  recvfrom(bufsize: number): [Uint8Array, Address] {
    const got = this._tryRecvfrom(bufsize, "recvfrom()");
    if (got === null) throw new BlockingIOError("recvfrom() would block: no datagram has arrived");
    return got;
  }

  /** @internal recvfrom() that answers null instead of throwing BlockingIOError. */
  _tryRecvfrom(bufsize: number, call = "recvfrom()"): [Uint8Array, Address] | null {
    checkBufsize(call, bufsize);
    const side = this.#checkDatagram(call);
    const item = side.take();
    if (item === undefined) return null;
    const [msg, from] = item;
    return [new Uint8Array(msg.buffer, msg.byteOffset, Math.min(bufsize, msg.length)), from];
  }

  /**
   * Takes the oldest waiting datagram into `buffer` (up to `nbytes`, default its length;
   * the rest of a longer datagram is dropped): `[count, address]`. Throws
   * `BlockingIOError` if none waits.
   * @example
   * const buf = new Uint8Array(2048); const [n, addr] = sock.recvfromInto(buf)
   */
  recvfromInto(buffer: Uint8Array, nbytes = 0): [number, Address] {
    if (!(buffer instanceof Uint8Array)) throw expected("recvfromInto()", "a Uint8Array", buffer);
    checkNonNegative("recvfromInto()", "nbytes", nbytes);
    if (nbytes > buffer.length) throw new RangeError(`recvfromInto(): nbytes is greater than the buffer (${nbytes} > ${buffer.length})`);
    const got = this._tryRecvfromInto(buffer, nbytes === 0 ? buffer.length : nbytes, "recvfromInto()");
    if (got === null) throw new BlockingIOError("recvfromInto() would block: no datagram has arrived");
    return got;
  }

  /** @internal recvfromInto() (arguments checked, `want` bytes at most) that answers null instead of throwing. */
  _tryRecvfromInto(buffer: Uint8Array, want: number, call: string): [number, Address] | null {
    const side = this.#checkDatagram(call);
    const item = side.take();
    if (item === undefined) return null;
    const [msg, from] = item;
    const n = Math.min(want, msg.length);
    buffer.set(n === msg.length ? msg : msg.subarray(0, n));
    return [n, from];
  }

  /**
   * Shuts down reading (`SHUT_RD`), writing (`SHUT_WR`: sends EOF after the buffered
   * bytes) or both (`SHUT_RDWR`).
   * @example
   * conn.shutdown(SHUT_WR)
   */
  shutdown(how: number): void {
    checkShutdownHow("shutdown()", how);
    checkOpen("shutdown()", this.#state, this.#connection !== null);
    this.#checkStream("shutdown()");
    if (this.#state !== CONNECTED) throw notConnected("shutdown()");
    this.#connection!.shutdown(how);
    _notify(this);
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
    _closeFd(this.#fd);
    this._reader = this._writer = null;
    const conn = this.#connection, listener = this.#listener;
    this.#connection = this.#listener = null;
    this.#datagram?.close();
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
    checkOpen("getsockname()", this.#state, this.#connection !== null);
    if (this.#listener !== null) return this.#listener.name(this.#error);
    if (this.#datagram !== null) {
      // node:dgram reports a failed bind (EADDRINUSE) as an error event: raised here, as by Python's bind().
      this.#raiseError();
      return this.#datagram.name() ?? unboundAddress(this.family);
    }
    return this.#connection?.localName() ?? unboundAddress(this.family);
  }

  /**
   * The peer's address: `[host, port]` (`""` for a Unix socket's unnamed peer).
   * @example
   * const [host, port] = conn.getpeername() as [string, number]
   */
  getpeername(): Address {
    checkOpen("getpeername()", this.#state, this.#connection !== null);
    this.#checkStream("getpeername()");
    const conn = this.#connection;
    if ((this.#state !== CONNECTED && this.#state !== OWNED) || conn === null) throw notConnected("getpeername()");
    return conn.peerName();
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
    checkOpen("setsockopt()", this.#state, this.#connection !== null);
    this.#options.set(level, option, value);
    if (this.#connection !== null) this.#options.applyTo(this.#connection.conn, this.family);
  }

  /**
   * Reads an option: `SO_ERROR` gives (and clears) the pending error's errno, 0 if none;
   * others what `setsockopt` set (0 by default).
   * @example
   * if (sock.getsockopt(SOL_SOCKET, SO_ERROR) !== 0) throw new Error("connect failed")
   */
  getsockopt(level: number, option: number): number {
    checkSockopt("getsockopt()", level, option);
    checkOpen("getsockopt()", this.#state, this.#connection !== null);
    if (level === SOL_SOCKET && option === SO_ERROR) return this.#error === null ? 0 : errnoOf(this.#takeError()!);
    return this.#options.get(level, option);
  }

  /**
   * The socket's number, family and state.
   * @example
   * String(socket())   // "<wasyncio.Socket fd=1000 AF_INET new>"
   */
  toString(): string {
    return `<wasyncio.Socket fd=${this.fileno()} ${familyName(this.family)} ${STATE_NAMES[this.#state]}>`;
  }

  // ---- readiness (selector.ts) --------------------------------------------------------
  /** @internal Whether a read would not block: data, a connection, EOF or an error is waiting. */
  _readable(): boolean {
    const state = this.#state;
    if (this.#datagram !== null) return state !== CLOSED && (this.#datagram.readable() || this.#error !== null);
    if (state === LISTENING) return this.#listener!.waiting() || this.#error !== null;
    if (state === CONNECTED) return this.#connection!.readable() || this.#error !== null;
    return state === CONNECTING && this.#error !== null;
  }

  /** @internal Whether a send would take bytes (or a connect has finished, either way). */
  _writable(): boolean {
    if (this.#datagram !== null) return this.#state !== CLOSED && (this.#datagram.writable() || this.#error !== null);
    if (this.#error !== null) return this.#state === CONNECTING || this.#state === CONNECTED;
    return this.#state === CONNECTED && this.#connection!.writable();
  }

  /** @internal Whether the socket is closed or belongs to a Server or transport (no readiness callbacks). */
  _closed(): boolean {
    return this.#state === CLOSED || this.#state === OWNED;
  }

  /** @internal A connect's outcome: undefined while in progress, null if connected, else the error (taken). */
  _connectOutcome(): Error | null | undefined {
    if (this.#state === CONNECTED) return null;
    if (this.#state === CONNECTING && this.#error === null) return undefined;
    return this.#takeError() ?? notConnected("connect()");
  }

  // ---- hand-over to transports and servers (create-*.ts) -------------------------------
  /**
   * @internal `createServer({ sock })`: hands the listener over (socket-listener.ts). The
   * facade stays the server's socket (`getsockname()`, `fileno()`) until it closes, as in Python.
   */
  _takeListener(): { server: net.Server; pending: net.Socket[] } {
    if (this.#state !== LISTENING || this.#listener === null) throw expected("createServer()", "options.sock to be a listening socket", this, RangeError);
    this.#raiseError();
    const handed = this.#listener.handOver();
    this.#own();
    return handed;
  }

  /**
   * @internal `createConnection({ sock })`: hands the connection over (socket-connection.ts).
   * The facade stays the transport's socket (getsockname, getpeername, fileno) until it closes.
   */
  _takeConnection(call = "createConnection()", what = "options.sock"): { conn: net.Socket; buffered: Buffer[]; eof: boolean } {
    if (this.#state !== CONNECTED || this.#connection === null) throw expected(call, `${what} to be a connected socket`, this, RangeError);
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
      if (this.#state === OWNED) this.close();
    };
    if (this.#connection !== null) this.#connection.conn.once("close", closed);
    else this.#listener!.onClose(closed);
  }

  /** Node's errors, of the listener or the connection: the first waits for the next operation. */
  #onError = (error: Error): void => {
    if (_isEofCheckError(error)) return;
    if (this.#error === null) this.#error = error;
    _notify(this);
  };

  /** A stream-only call on a SOCK_DGRAM socket: the datagram facade offers bind/sendto/recvfrom. */
  #checkStream(call: string): void {
    if (this.#datagram !== null) throw osError(call, "EOPNOTSUPP", "not offered on a SOCK_DGRAM socket (the datagram facade has bind, sendto, recvfrom, recvfromInto)");
  }

  /** The datagram side, after the checks every receive makes: open, SOCK_DGRAM, no pending error. */
  #checkDatagram(call: string): _DatagramSide {
    checkOpen(call, this.#state, false);
    const side = this.#datagram;
    if (side === null) throw osError(call, "EOPNOTSUPP", "needs a SOCK_DGRAM socket; use recv() on a stream socket");
    this.#raiseError();
    return side;
  }

  /** The next operation raises the pending error. */
  #raiseError(): void {
    if (this.#error !== null) throw this.#takeError();
  }

  #takeError(): Error | null {
    const error = this.#error;
    this.#error = null;
    return error;
  }
}

/**
 * A new non-blocking socket (Python's `socket.socket(family, type)`): `AF_INET` (default),
 * `AF_INET6` or `AF_UNIX`, and `SOCK_STREAM` (default) or, for `AF_INET` and `AF_INET6`,
 * `SOCK_DGRAM` (UDP over node:dgram).
 * @example
 * const udp = socket(AF_INET, SOCK_DGRAM)
 * udp.bind(["127.0.0.1", 0])
 * const sock = socket(AF_INET, SOCK_STREAM)
 * sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
 * sock.bind(["127.0.0.1", 9527]); sock.listen(10)
 */
export function socket(family: number = AF_INET, type: number = SOCK_STREAM, proto = 0): Socket {
  checkKind("socket()", family, type, proto);
  return new Socket(family, type, proto);
}

