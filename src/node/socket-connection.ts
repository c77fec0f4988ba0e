/// <reference types="node" preserve="true" />
// A socket's connected side, what the kernel keeps for a connected socket: the bytes
// received and not read (the receive buffer, with TCP backpressure when it is full), the
// peer's EOF, the shutdown of either direction, and the send buffer's room. Node delivers
// 'data', 'end', 'drain' and 'close'; the connection keeps what they bring and tells its
// socket (`_notify`), whose readiness callbacks then run.
import type * as net from "node:net";
import { AF_UNIX, SHUT_RD, SHUT_WR } from "./constants.js";
import { checkEof } from "./eof-check.js";
import { osError } from "./errno.js";
import type { Address } from "../streams/protocols.js";
import { _notify } from "./selector.js";
import type { Socket } from "./socket.js";
import type { _SocketOptions } from "./socket-options.js";
import { _ignoreError } from "./node-events.js";

/** Received bytes a socket buffers before it stops reading (the peer then feels TCP backpressure). */
const RECV_BUFFER = 256 * 1024;

/**
 * @internal The connected side of a Socket, over a `net.Socket`. Node's errors go to the
 * socket's `onError`, which keeps the first for the next operation to raise.
 */
export class _Connection {
  /** Node's connection. */
  readonly conn: net.Socket;
  readonly #sock: Socket;
  readonly #onError: (error: Error) => void;
  /** The path an AF_UNIX socket connected to (its peer's name; an accepted one has none). */
  readonly #peerPath: string;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #eof = false;
  #shutRd = false;
  #shutWr = false;
  /** Node reported EOF and checkEof has not answered yet. */
  #checkingEof = false;

  /** Takes Node's connection (paused or flowing): listens to it, applies `options`, lets it flow. */
  constructor(conn: net.Socket, sock: Socket, onError: (error: Error) => void, peerPath: string, options: _SocketOptions) {
    this.conn = conn;
    this.#sock = sock;
    this.#onError = onError;
    this.#peerPath = peerPath;
    conn.on("data", this.#onData);
    conn.on("end", this.#onEnd);
    conn.on("error", this.#onError);
    conn.on("drain", this.#onDrain);
    conn.on("close", this.#onClose);
    options.applyTo(conn, this.#sock.family);
    conn.resume();
  }

  /** Whether a read would not block (an error aside): data, EOF, or reading was shut down. */
  readable(): boolean {
    return this.#buffered > 0 || this.#eof || this.#shutRd;
  }

  /** Whether a send would take bytes: the send buffer has room (or writing was shut down: send raises EPIPE). */
  writable(): boolean {
    return this.#shutWr || !this.conn.writableNeedDrain;
  }

  /** getsockname(): its own address, or null while it has none. */
  localName(): Address | null {
    const local = this.conn.localAddress;
    if (local === undefined) return null;
    // A Unix socket's name is its path ("" when unnamed; Node reports a bound one's path).
    return this.#sock.family === AF_UNIX ? local : [local, this.conn.localPort ?? 0];
  }

  /** getpeername() and accept(): the peer's address. */
  peerName(): Address {
    if (this.#sock.family === AF_UNIX) return this.#peerPath;
    return [this.conn.remoteAddress ?? "", this.conn.remotePort ?? 0];
  }

  /** Up to `n` (> 0) buffered bytes, or null if none is buffered. */
  take(n: number): Buffer | null {
    return this.#buffered > 0 ? this.#take(n) : null;
  }

  /** Up to `want` (> 0) buffered bytes copied into `buffer`: their count, 0 if none is buffered. */
  takeInto(buffer: Uint8Array, want: number): number {
    let n = 0;
    while (n < want && this.#buffered > 0) {
      const chunk = this.#take(want - n);
      buffer.set(chunk, n);
      n += chunk.length;
    }
    return n;
  }

  /**
   * recv() with nothing buffered: throws `error` (the socket's pending one; later reads
   * then see EOF), else EOF (empty) or null (would block).
   */
  nothingBuffered(error: Error | null): Uint8Array | null {
    if (error !== null) {
      this.#eof = true;
      throw error;
    }
    return this.#eof || this.#shutRd ? new Uint8Array(0) : null;
  }

  /** Sends as many of `bytes` as the send buffer takes now: their count, -1 if none. */
  send(bytes: Uint8Array): number {
    if (this.#shutWr) throw osError("send()", "EPIPE", "the socket was shut down for writing");
    if (bytes.length === 0) return 0;
    const conn = this.conn;
    // The send buffer is Node's writable buffer up to its high-water mark.
    const room = conn.writableHighWaterMark - conn.writableLength;
    if (room <= 0 || conn.writableNeedDrain) return -1;
    const n = Math.min(room, bytes.length);
    conn.write(Buffer.from(bytes.subarray(0, n)));
    return n;
  }

  /** shutdown(how): reading drops what is buffered and what comes; writing sends EOF after the buffered bytes. */
  shutdown(how: number): void {
    if (how !== SHUT_WR) {
      this.#shutRd = true;
      this.#chunks = [];
      this.#buffered = 0;
      this.conn.resume();
    }
    if (how !== SHUT_RD && !this.#shutWr) {
      this.#shutWr = true;
      this.conn.end();
    }
  }

  /**
   * Lets go of the connection for a transport: the bytes received and not read, and
   * whether EOF came. An EOF being checked goes with it (a reset then follows as the
   * connection's error).
   */
  handOver(): { conn: net.Socket; buffered: Buffer[]; eof: boolean } {
    const buffered = this.#chunks, eof = this.#eof || this.#checkingEof;
    this.#detach();
    this.#chunks = [];
    this.#buffered = 0;
    return { conn: this.conn, buffered, eof };
  }

  /** Closes the connection: bytes already sent are still delivered; bytes not read are dropped. */
  close(): void {
    const conn = this.conn;
    this.#detach();
    conn.on("error", _ignoreError);
    if (conn.writableLength > 0 && !conn.destroyed) conn.destroySoon();
    else conn.destroy();
    this.#chunks = [];
    this.#buffered = 0;
  }

  #detach(): void {
    const conn = this.conn;
    conn.removeListener("data", this.#onData);
    conn.removeListener("end", this.#onEnd);
    conn.removeListener("error", this.#onError);
    conn.removeListener("drain", this.#onDrain);
    conn.removeListener("close", this.#onClose);
    conn.pause();
  }

  #onData = (chunk: Buffer): void => {
    if (this.#shutRd) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    if (this.#buffered >= RECV_BUFFER) this.conn.pause();
    _notify(this.#sock);
  };

  #onEnd = (): void => {
    this.#checkingEof = true;
    checkEof(this.conn, this.#sock.family !== AF_UNIX, this.#eofChecked);
  };

  /** The peer's EOF, checked (checkEof): a reset is left to 'error' (ECONNRESET) and 'close'. */
  #eofChecked = (eof: boolean): void => {
    this.#checkingEof = false;
    if (!eof) return;
    this.#eof = true;
    _notify(this.#sock);
  };

  #onDrain = (): void => {
    _notify(this.#sock);
  };

  #onClose = (): void => {
    // Closed under us (reset, or destroyed after a failed connect): reads see EOF.
    this.#eof = true;
    _notify(this.#sock);
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
    const conn = this.conn;
    if (conn.isPaused() && this.#buffered < RECV_BUFFER / 2) conn.resume();
    return out;
  }
}
