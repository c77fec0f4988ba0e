// A socket's states, and what a call may do in each: Python raises EBADF on a closed socket
// and ENOTCONN where a call needs a connection; a connection in progress would block.
// OWNED: the connection or listener belongs to a Server or a transport (createServer({ sock }),
// createConnection({ sock }), server.sockets): the facade still names it (getsockname,
// fileno) and closes when it does, as Python's socket object would.
import { BlockingIOError } from "../errors.js";
import { osError } from "./errno.js";

/** @internal */
export const NEW = 0, BOUND = 1, LISTENING = 2, CONNECTING = 3, CONNECTED = 4, CLOSED = 5, OWNED = 6;
/** The states' names, as toString() shows them. @internal */
export const STATE_NAMES = ["new", "bound", "listening", "connecting", "connected", "closed", "owned"];

/** What an owned socket still answers (Python's TransportSocket offers these). */
const OWNED_CALLS = new Set(["getsockname()", "getpeername()", "getsockopt()", "setsockopt()"]);

/** Throws unless `call` may run in `state` (an owned socket's belongs to a transport if `ownedConnection`, else a Server). @internal */
export function checkOpen(call: string, state: number, ownedConnection: boolean): void {
  if (state === CLOSED) throw osError(call, "EBADF", "the socket is closed");
  if (state === OWNED && !OWNED_CALLS.has(call)) {
    throw new Error(`${call}: this socket belongs to a ${ownedConnection ? "transport" : "Server"}; use its methods`);
  }
}

/** Throws unless a socket in `state` can read (an open socket that is connecting would block). @internal */
export function checkReadable(call: string, state: number, ownedConnection: boolean): void {
  checkOpen(call, state, ownedConnection);
  if (state === CONNECTING) throw new BlockingIOError(`${call} would block: the connection is in progress`);
  if (state !== CONNECTED) throw notConnected(call);
}

/** `call`'s ENOTCONN. @internal */
export function notConnected(call: string): Error {
  return osError(call, "ENOTCONN", "the socket is not connected");
}
