/// <reference types="node" preserve="true" />
// The readiness bridge: addReader/addWriter, level-triggered like asyncio's selector loop.
// A registration lives on its socket (one reader and one writer per socket, as per fd in a
// selector). When Node brings something (data, a connection, EOF, an error, drain) the
// socket's side calls _notify(), which puts the registration's callback on the loop's ready queue
// (one slot id on the Wasm ring) and wakes the loop. After the callback has run, if the
// socket is still ready, it is queued again for the next iteration: while a socket is
// readable its reader runs once per iteration; when nothing is ready nothing runs.
import { EventLoop } from "../base-loop.js";
import { checkFunction, checkNotClosed, expected } from "../checks.js";
import { _socketByFd } from "./fd-table.js";
import { installLoopMethods } from "./install.js";
import { Socket } from "./socket.js";

/**
 * A socket or its `fileno()`: what `addReader`/`addWriter` take, as asyncio takes a socket or an fd.
 * @example
 * const fd: FileDescriptor = sock.fileno(); loop.addReader(fd, onReadable)
 */
export type FileDescriptor = Socket | number;

/**
 * A readiness registration: the callback to schedule while the socket is readable (or
 * writable). The socket holds its reader's and writer's (`_reader`, `_writer`). @internal
 */
export interface Registration {
  readonly sock: Socket;
  queued: boolean;
  /** Schedules the registration's callback on its loop (false if the loop is closed). */
  schedule(): boolean;
}

/** A reader or writer registration: `callback(...args)`, run while its socket is ready. */
class Watch implements Registration {
  queued = false;
  constructor(
    readonly loop: EventLoop,
    readonly sock: Socket,
    readonly writer: boolean,
    readonly callback: (...args: any[]) => unknown,
    readonly args: unknown[],
  ) {}

  schedule(): boolean {
    if (this.loop.isClosed()) return false;
    this.queued = true;
    this.loop._schedule(runWatch, this);
    return true;
  }

  /** Still the socket's reader (writer). */
  current(): boolean {
    return (this.writer ? this.sock._writer : this.sock._reader) === this;
  }

  ready(): boolean {
    return this.writer ? this.sock._writable() : this.sock._readable();
  }

  drop(): void {
    if (this.writer) this.sock._writer = null;
    else this.sock._reader = null;
  }
}

function runWatch(reg: Watch): void {
  reg.queued = false;
  if (!reg.current()) return;
  try {
    reg.callback(...reg.args);
  } finally {
    // Level-triggered: still ready and still registered, so run again next iteration.
    if (reg.current() && !reg.queued && reg.ready() && !reg.schedule()) reg.drop();
  }
}

/**
 * @internal Something changed on `sock` (Node brought data, a connection, EOF, an error,
 * drain): schedule its registered callbacks that can run now.
 */
export function _notify(sock: Socket): void {
  const reader = sock._reader, writer = sock._writer;
  if (reader !== null && !reader.queued && sock._readable() && !reader.schedule()) sock._reader = null;
  if (writer !== null && !writer.queued && sock._writable() && !writer.schedule()) sock._writer = null;
}

/** The open socket `fd` names. @internal */
export function socketOf(call: string, fd: unknown): Socket {
  const sock = fd instanceof Socket ? fd : typeof fd === "number" ? _socketByFd(fd) : null;
  if (sock === null) throw expected(call, "a wasyncio socket or its fileno()", fd);
  if (sock === undefined) throw new RangeError(`${call}: no open wasyncio socket has file descriptor ${fd}`);
  // asyncio refuses a descriptor a transport uses too ("File descriptor ... is used by transport").
  if (sock._closed()) throw new RangeError(`${call}: ${sock} is closed or belongs to a Server or transport`);
  return sock;
}

/** The socket `fd` names for a removal: undefined (nothing to remove) if none is open. */
function registered(call: string, fd: unknown): Socket | undefined {
  if (fd instanceof Socket) return fd;
  if (typeof fd === "number") return _socketByFd(fd);
  throw expected(call, "a wasyncio socket or its fileno()", fd);
}

function addReader(this: EventLoop, fd: FileDescriptor, callback: (...args: any[]) => unknown, ...args: unknown[]): void {
  const sock = socketOf("addReader()", fd);
  checkFunction("addReader()", callback);
  _watch(this, sock, false, callback, args);
}

/**
 * @internal Registers `callback(...args)` as `sock`'s reader (or writer) and returns the
 * registration, for the sock* methods to remove exactly theirs with `_unwatch`.
 */
export function _watch(loop: EventLoop, sock: Socket, writer: boolean, callback: (...args: any[]) => unknown, args: unknown[]): Registration {
  checkNotClosed(writer ? "addWriter()" : "addReader()", loop);
  const reg = new Watch(loop, sock, writer, callback, args);
  if (writer) sock._writer = reg;
  else sock._reader = reg;
  if (reg.ready()) reg.schedule();
  return reg;
}

/** @internal Removes `reg` if it is still its socket's reader or writer. */
export function _unwatch(reg: Registration): void {
  const sock = reg.sock;
  if (sock._reader === reg) sock._reader = null;
  if (sock._writer === reg) sock._writer = null;
}

function removeReader(this: EventLoop, fd: FileDescriptor): boolean {
  const sock = registered("removeReader()", fd);
  if (sock === undefined || sock._reader === null) return false;
  sock._reader = null;
  return true;
}

function addWriter(this: EventLoop, fd: FileDescriptor, callback: (...args: any[]) => unknown, ...args: unknown[]): void {
  const sock = socketOf("addWriter()", fd);
  checkFunction("addWriter()", callback);
  _watch(this, sock, true, callback, args);
}

function removeWriter(this: EventLoop, fd: FileDescriptor): boolean {
  const sock = registered("removeWriter()", fd);
  if (sock === undefined || sock._writer === null) return false;
  sock._writer = null;
  return true;
}

installLoopMethods({ addReader, removeReader, addWriter, removeWriter });

declare module "../base-loop.js" {
  interface EventLoop {
    /**
     * Runs `callback(...args)` while `fd` is readable (data, a connection, EOF or an error
     * waiting): once per loop iteration, level-triggered like asyncio's selector loop.
     * Replaces the socket's previous reader. Node only (`wasyncio/node`).
     * @example
     * loop.addReader(sock, () => { const [conn] = sock.accept(); serve(conn) })
     */
    addReader<A extends unknown[]>(fd: FileDescriptor, callback: (...args: A) => unknown, ...args: A): void;
    /**
     * Stops watching `fd` for reading; returns whether a reader was registered.
     * @example
     * loop.removeReader(sock)
     */
    removeReader(fd: FileDescriptor): boolean;
    /**
     * Runs `callback(...args)` while `fd` is writable (its send buffer has room, or a
     * connect finished), once per loop iteration. Node only.
     * @example
     * loop.addWriter(sock, () => { sent += sock.send(data.subarray(sent)); if (sent === data.length) loop.removeWriter(sock) })
     */
    addWriter<A extends unknown[]>(fd: FileDescriptor, callback: (...args: A) => unknown, ...args: A): void;
    /**
     * Stops watching `fd` for writing; returns whether a writer was registered.
     * @example
     * loop.removeWriter(sock)
     */
    removeWriter(fd: FileDescriptor): boolean;
  }
}
