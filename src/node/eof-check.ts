/// <reference types="node" preserve="true" />
// A peer's EOF or its reset? Older libuv may report a reset as a clean EOF; the socket
// facade and the stream transport both ask checkEof before they believe an 'end'.
import type * as net from "node:net";

/**
 * Whether this Node's libuv may report a peer's reset as a clean EOF. Before libuv 1.52.1
 * (Node 20 and 22), a read(2) that returns less than asked while the kernel also reports
 * POLLHUP ends the stream at once, without the next read(2) that would have returned the
 * ECONNRESET the kernel holds: when the last data and the reset arrive together (always,
 * for a connection not read yet), the reset reads as EOF. Later libuv reads again
 * (libuv#4997) and Node reports the ECONNRESET itself.
 */
const EOF_MAY_HIDE_RESET = ((): boolean => {
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
 * read. Only for plain TCP (`tcp`; else `done(true)` at once): on a Unix socket an empty
 * write fails with EPIPE after any close.
 * @internal
 */
export function checkEof(conn: net.Socket, tcp: boolean, done: (eof: boolean) => void): void {
  if (!tcp || !EOF_MAY_HIDE_RESET || conn.destroyed || conn.writableEnded || conn.writableLength > 0) {
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
