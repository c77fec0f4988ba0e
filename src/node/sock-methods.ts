/// <reference types="node" preserve="true" />
// The loop's sock* methods and name resolution, as asyncio's selector loop has them: try
// the non-blocking operation at once; if it would block, register a reader or writer on
// the readiness bridge (selector.ts) that retries it, and remove it when the future is done
// (or cancelled). Each returns a Future at once, which `yield*` and `await` both wait for.
import * as dns from "node:dns";
import * as fs from "node:fs";
import * as net from "node:net";
import type { EventLoop } from "../base-loop.js";
import { BlockingIOError, SendfileNotAvailableError } from "../errors.js";
import type { Future } from "../future.js";
import { _Operation } from "../operation.js";
import { checkInetAddress, checkNonNegative, checkService, expected } from "../checks.js";
import { toBytes } from "./bytes.js";
import {
  AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC, IPPROTO_TCP, IPPROTO_UDP, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM,
} from "./constants.js";
import { installLoopMethods } from "./install.js";
import { _settle } from "./node-events.js";
import type { Address } from "../streams/protocols.js";
import { _unwatch, _watch } from "./selector.js";
import { Socket } from "./socket.js";
import { checkUnixPath } from "./socket-address.js";

/**
 * One getaddrinfo result: `[family, type, proto, canonname, [host, port]]`, as Python's.
 * @example
 * const [[family, , , , [host, port]]]: AddrInfo[] = yield* loop.getaddrinfo("localhost", 80)
 */
export type AddrInfo = [family: number, type: number, proto: number, canonname: string, sockaddr: [string, number]];

/**
 * Options of `loop.getaddrinfo`.
 * @example
 * yield* loop.getaddrinfo("localhost", 80, { family: AF_INET, type: SOCK_STREAM })
 */
export interface GetaddrinfoOptions {
  /** `AF_INET`, `AF_INET6` or `AF_UNSPEC` (0, default: both). */
  family?: number;
  /** `SOCK_STREAM`, `SOCK_DGRAM`, or 0 (default: each type, as getaddrinfo(3) answers). */
  type?: number;
  /** The protocol number, or 0. */
  proto?: number;
  /** getaddrinfo flags (accepted; Node's lookup takes none of Python's). */
  flags?: number;
}

/**
 * Options of `loop.sockSendfile`.
 * @example
 * const file = yield* wrapPromise(fs.promises.open("big.bin"))
 * yield* loop.sockSendfile(sock, file, 0, null, { fallback: true })
 */
export interface SendfileOptions {
  /** Read and send in chunks when the socket has no native sendfile (default true; wasyncio sockets never do). */
  fallback?: boolean;
}

/** Checks that `sock` is a wasyncio Socket (here, not in checks.ts: the class needs node:net). */
function checkSocket(call: string, sock: unknown): Socket {
  if (!(sock instanceof Socket)) throw expected(call, "a wasyncio socket (from socket())", sock);
  return sock;
}

// ---- sockRecv / sockRecvInto / sockAccept -------------------------------------------

function sockRecv(this: EventLoop, sock: Socket, n: number): Future<Uint8Array> {
  checkSocket("sockRecv()", sock);
  checkNonNegative("sockRecv()", "n", n);
  return ioOp(this, sock, () => sock._tryRecv(n));
}

function sockRecvInto(this: EventLoop, sock: Socket, buf: Uint8Array): Future<number> {
  checkSocket("sockRecvInto()", sock);
  if (!(buf instanceof Uint8Array)) throw expected("sockRecvInto()", "buf to be a Uint8Array", buf);
  return ioOp(this, sock, () => {
    const got = sock._tryRecvInto(buf);
    return got < 0 ? null : got;
  });
}

function sockAccept(this: EventLoop, sock: Socket): Future<[Socket, Address]> {
  checkSocket("sockAccept()", sock);
  return ioOp(this, sock, () => sock._tryAccept());
}

/**
 * asyncio's pattern for a read (or a datagram's send): try now; if it would block
 * (`attempt` answers null), retry each time the socket is readable (`writable`: writable)
 * until it answers; the watch goes when the future is done (or cancelled).
 */
function ioOp<T>(loop: EventLoop, sock: Socket, attempt: () => T | null, writable = false): Future<T> {
  const fut = loop.createFuture<T>();
  let value: T | null;
  try {
    value = attempt();
  } catch (e) {
    fut.setException(e);
    return fut;
  }
  if (value !== null) {
    fut.setResult(value);
    return fut;
  }
  const reg = _watch(loop, sock, writable, retry, [fut, attempt]);
  fut.addDoneCallback(() => _unwatch(reg));
  return fut;
}

function retry<T>(fut: Future<T>, attempt: () => T | null): void {
  if (fut.done()) return;
  try {
    const value = attempt();
    if (value !== null) fut.setResult(value);
  } catch (e) {
    fut.setException(e);
  }
}

// ---- sockRecvfrom / sockRecvfromInto / sockSendto (SOCK_DGRAM) -----------------------

function sockRecvfrom(this: EventLoop, sock: Socket, bufsize: number): Future<[Uint8Array, Address]> {
  checkSocket("sockRecvfrom()", sock);
  checkNonNegative("sockRecvfrom()", "bufsize", bufsize);
  return ioOp(this, sock, () => sock._tryRecvfrom(bufsize, "sockRecvfrom()"));
}

function sockRecvfromInto(this: EventLoop, sock: Socket, buf: Uint8Array, nbytes = 0): Future<[number, Address]> {
  checkSocket("sockRecvfromInto()", sock);
  if (!(buf instanceof Uint8Array)) throw expected("sockRecvfromInto()", "buf to be a Uint8Array", buf);
  checkNonNegative("sockRecvfromInto()", "nbytes", nbytes);
  if (nbytes > buf.length) throw new RangeError(`sockRecvfromInto(): nbytes is greater than the buffer (${nbytes} > ${buf.length})`);
  const want = nbytes === 0 ? buf.length : nbytes;
  return ioOp(this, sock, () => sock._tryRecvfromInto(buf, want, "sockRecvfromInto()"));
}

function sockSendto(this: EventLoop, sock: Socket, data: Uint8Array | string, address: Address): Future<number> {
  checkSocket("sockSendto()", sock);
  const bytes = toBytes("sockSendto()", data);
  // The send buffer is full: retry each time the socket is writable (asyncio's _sock_sendto).
  return ioOp(this, sock, () => {
    const n = sock._trySendto(bytes, address);
    return n < 0 ? null : n;
  }, true);
}

// ---- sockSendall / sockConnect --------------------------------------------------------

function sockSendall(this: EventLoop, sock: Socket, data: Uint8Array | string): Future<void> {
  checkSocket("sockSendall()", sock);
  const bytes = toBytes("sockSendall()", data);
  const fut = this.createFuture<void>();
  const state = { fut, bytes, offset: 0 };
  try {
    if (sendSome(state, sock)) {
      fut.setResult(undefined);
      return fut;
    }
  } catch (e) {
    fut.setException(e);
    return fut;
  }
  // The rest waits for room: the bytes not sent yet are the caller's until then.
  const reg = _watch(this, sock, true, retrySend, [sock, state]);
  fut.addDoneCallback(() => _unwatch(reg));
  return fut;
}

interface SendState {
  fut: Future<void>;
  bytes: Uint8Array;
  offset: number;
}

/** Sends until done (true) or the socket would block (false). */
function sendSome(state: SendState, s: Socket): boolean {
  for (;;) {
    if (state.offset === state.bytes.length) return true;
    const n = s._trySend(state.offset === 0 ? state.bytes : state.bytes.subarray(state.offset));
    if (n < 0) return false;
    state.offset += n;
  }
}

function retrySend(sock: Socket, state: SendState): void {
  if (state.fut.done()) return;
  try {
    if (sendSome(state, sock)) state.fut.setResult(undefined);
  } catch (e) {
    state.fut.setException(e);
  }
}

function sockConnect(this: EventLoop, sock: Socket, address: Address): Future<void> {
  checkSocket("sockConnect()", sock);
  if (sock.family !== AF_UNIX) checkInetAddress("sockConnect()", address);
  else if (typeof address === "string") checkUnixPath("sockConnect()", address);
  const fut = this.createFuture<void>();
  try {
    sock.connect(address);
    fut.setResult(undefined);
    return fut;
  } catch (e) {
    if (!(e instanceof BlockingIOError)) {
      fut.setException(e);
      return fut;
    }
  }
  const reg = _watch(this, sock, true, connectDone, [sock, fut]);
  fut.addDoneCallback(() => _unwatch(reg));
  return fut;
}

function connectDone(sock: Socket, fut: Future<void>): void {
  if (fut.done()) return;
  const outcome = sock._connectOutcome();
  if (outcome === undefined) return;
  if (outcome === null) fut.setResult(undefined);
  else fut.setException(outcome);
}

// ---- sockSendfile -----------------------------------------------------------------------

function sockSendfile(
  this: EventLoop, sock: Socket, file: number | fs.promises.FileHandle, offset = 0, count: number | null = null,
  options?: SendfileOptions,
): Future<number> {
  checkSocket("sockSendfile()", sock);
  const fd = typeof file === "number" ? file : (file as fs.promises.FileHandle | undefined)?.fd;
  if (typeof fd !== "number" || !Number.isInteger(fd) || fd < 0) {
    throw expected("sockSendfile()", "file to be a file descriptor or an fs.promises.FileHandle", file);
  }
  checkNonNegative("sockSendfile()", "offset", offset);
  if (count !== null && (!Number.isInteger(count) || count <= 0)) {
    throw expected("sockSendfile()", "count to be a positive integer or null", count, RangeError);
  }
  if (options?.fallback === false) {
    const fut = this.createFuture<number>();
    fut.setException(new SendfileNotAvailableError("sockSendfile(): wasyncio sockets have no native sendfile and fallback is false"));
    return fut;
  }
  return new _Operation(this, sendfileFallback(this, sock, fd, offset, count));
}

/** asyncio's _sock_sendfile_fallback: read a chunk, send it all, until EOF or `count`. */
function* sendfileFallback(loop: EventLoop, sock: Socket, fd: number, offset: number, count: number | null) {
  const chunkSize = count === null ? 256 * 1024 : Math.min(count, 256 * 1024);
  let total = 0;
  for (;;) {
    const want = count === null ? chunkSize : Math.min(chunkSize, count - total);
    if (want <= 0) break;
    const buf = Buffer.allocUnsafe(want);
    const read = loop.createFuture<number>();
    fs.read(fd, buf, 0, want, offset + total, (err, n) => _settle(loop, read, err, n));
    const n: number = yield* read;
    if (n === 0) break;
    yield* loop.sockSendall(sock, buf.subarray(0, n));
    total += n;
  }
  return total;
}

// ---- getaddrinfo / getnameinfo ---------------------------------------------------------

function getaddrinfo(this: EventLoop, host: string | null, port: number | string | null, options?: GetaddrinfoOptions): Future<AddrInfo[]> {
  if (host !== null && host !== undefined && typeof host !== "string") throw expected("getaddrinfo()", "host to be a string or null", host);
  const portNumber = checkService("getaddrinfo()", port);
  const family = options?.family ?? AF_UNSPEC, type = options?.type ?? 0, proto = options?.proto ?? 0;
  if (family !== AF_UNSPEC && family !== AF_INET && family !== AF_INET6) {
    throw expected("getaddrinfo()", "options.family to be AF_INET, AF_INET6 or AF_UNSPEC", family, RangeError);
  }
  if (type !== 0 && type !== SOCK_STREAM && type !== SOCK_DGRAM && type !== SOCK_RAW) {
    throw expected("getaddrinfo()", "options.type to be SOCK_STREAM, SOCK_DGRAM, SOCK_RAW or 0", type, RangeError);
  }
  const fut = this.createFuture<AddrInfo[]>();
  const name = host === null || host === undefined || host === "" ? "localhost" : host;
  const onLookup = (err: Error | null, addresses: dns.LookupAddress[]) => {
    if (err !== null) return _settle(this, fut, err, undefined);
    const out: AddrInfo[] = [];
    for (const { address, family: fam } of addresses) {
      const af = fam === 6 ? AF_INET6 : AF_INET;
      // getaddrinfo(3) answers once per socket type when none is asked for.
      for (const [t, p] of SOCKET_TYPES) {
        if ((type === 0 || type === t) && (proto === 0 || proto === p || t === SOCK_RAW)) out.push([af, t, type === t && proto !== 0 ? proto : p, "", [address, portNumber]]);
      }
    }
    _settle(this, fut, null, out);
  };
  dns.lookup(name, { all: true, family: family === AF_INET6 ? 6 : family === AF_INET ? 4 : 0 }, onLookup);
  return fut;
}

const SOCKET_TYPES: [number, number][] = [[SOCK_STREAM, IPPROTO_TCP], [SOCK_DGRAM, IPPROTO_UDP], [SOCK_RAW, 0]];

function getnameinfo(this: EventLoop, sockaddr: [string, number], flags = 0): Future<[host: string, service: string]> {
  const [host, port] = checkInetAddress("getnameinfo()", sockaddr);
  if (net.isIP(host) === 0) throw expected("getnameinfo()", "an IP address", host, RangeError);
  void flags;
  const fut = this.createFuture<[string, string]>();
  dns.lookupService(host, port, (err, hostname, service) => _settle(this, fut, err, [hostname, service] as [string, string]));
  return fut;
}

/**
 * Settles `fut` from a Node callback, unless it was cancelled meanwhile or its loop closed
 * (the answer then has nowhere to go: nothing may throw out of Node's callback).
 */
installLoopMethods({ sockRecv, sockRecvInto, sockAccept, sockRecvfrom, sockRecvfromInto, sockSendto, sockSendall, sockConnect, sockSendfile, getaddrinfo, getnameinfo });

declare module "../base-loop.js" {
  interface EventLoop {
    /**
     * Receives up to `n` bytes from a connected socket (empty at EOF). Node only.
     * @example
     * const data: Uint8Array = yield* loop.sockRecv(conn, 1024)
     */
    sockRecv(sock: Socket, n: number): Future<Uint8Array>;
    /**
     * Receives into `buf`; the Future gives the count (0 at EOF).
     * @example
     * const n = yield* loop.sockRecvInto(conn, buf)
     */
    sockRecvInto(sock: Socket, buf: Uint8Array): Future<number>;
    /**
     * Waits for a connection on a listening socket: `[conn, address]`.
     * @example
     * const [conn, addr] = yield* loop.sockAccept(server)
     */
    sockAccept(sock: Socket): Future<[Socket, Address]>;
    /**
     * Receives one datagram on a `SOCK_DGRAM` socket: `[data, address]`, the data cut to
     * `bufsize` bytes (asyncio's `sock_recvfrom`). Node only.
     * @example
     * const [data, addr] = yield* loop.sockRecvfrom(udp, 2048)
     */
    sockRecvfrom(sock: Socket, bufsize: number): Future<[Uint8Array, Address]>;
    /**
     * Receives one datagram into `buf` (up to `nbytes`, default its length): `[count, address]`
     * (asyncio's `sock_recvfrom_into`, 3.11).
     * @example
     * const buf = new Uint8Array(2048); const [n, addr] = yield* loop.sockRecvfromInto(udp, buf)
     */
    sockRecvfromInto(sock: Socket, buf: Uint8Array, nbytes?: number): Future<[number, Address]>;
    /**
     * Sends one datagram to `address` on a `SOCK_DGRAM` socket, waiting while the send
     * buffer is full; gives the bytes sent (asyncio's `sock_sendto`, 3.11).
     * @example
     * yield* loop.sockSendto(udp, "ping", ["127.0.0.1", 9999])
     */
    sockSendto(sock: Socket, data: Uint8Array | string, address: Address): Future<number>;
    /**
     * Sends all of `data` (a string as UTF-8), waiting for room as needed.
     * @example
     * yield* loop.sockSendall(conn, "hello\n")
     */
    sockSendall(sock: Socket, data: Uint8Array | string): Future<void>;
    /**
     * Connects `sock` to `address` (`[host, port]`, or a path for AF_UNIX); rejects with
     * Node's error (`ECONNREFUSED` ...).
     * @example
     * const sock = socket(); yield* loop.sockConnect(sock, ["127.0.0.1", 8080])
     */
    sockConnect(sock: Socket, address: Address): Future<void>;
    /**
     * Sends a file (a descriptor or an `fs.promises.FileHandle`) from `offset`, `count` bytes
     * or to EOF; gives the bytes sent. wasyncio sockets have no native sendfile, so it reads
     * and sends in chunks (with `{ fallback: false }` it fails with SendfileNotAvailableError).
     * @example
     * const fh = await fs.promises.open("big.bin"); const sent = yield* loop.sockSendfile(conn, fh)
     */
    sockSendfile(sock: Socket, file: number | fs.promises.FileHandle, offset?: number, count?: number | null, options?: SendfileOptions): Future<number>;
    /**
     * Resolves `host` (Node's dns.lookup, as getaddrinfo(3)): a list of
     * `[family, type, proto, canonname, [address, port]]`. Errors keep Node's `.code` (ENOTFOUND).
     * @example
     * const infos = yield* loop.getaddrinfo("localhost", 443, { type: SOCK_STREAM })
     */
    getaddrinfo(host: string | null, port: number | string | null, options?: GetaddrinfoOptions): Future<AddrInfo[]>;
    /**
     * Reverse lookup of `[address, port]`: `[host, service]` (Node's dns.lookupService).
     * @example
     * const [host, service] = yield* loop.getnameinfo(["127.0.0.1", 22])
     */
    getnameinfo(sockaddr: [string, number], flags?: number): Future<[host: string, service: string]>;
  }
}
