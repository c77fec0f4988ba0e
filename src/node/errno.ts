// Node's network errors carry their errno's name as `.code` ("ECONNRESET"); the socket
// facade raises its own in that shape, and getsockopt(SO_ERROR) turns a code back into
// the number a C program (or Python) would read.

/** An Error with Node's `.code`, as Node's own network errors carry. @internal */
export function osError(call: string, code: string, message: string): Error {
  return Object.assign(new Error(`${call}: ${message} (${code})`), { code });
}

/** errno numbers of the codes getsockopt(SO_ERROR) reports (Linux). */
const errnos = {
  ECONNREFUSED: 111, ECONNRESET: 104, ETIMEDOUT: 110, EHOSTUNREACH: 113, ENETUNREACH: 101, EADDRINUSE: 98,
  EADDRNOTAVAIL: 99, ECONNABORTED: 103, EPIPE: 32, ENOENT: 2, EACCES: 13, ENOTFOUND: -2, EAI_AGAIN: -3,
};

/** The errno of `error`'s `.code`; 1 (EPERM) for a code the table does not know. @internal */
export function errnoOf(error: Error): number {
  const code = (error as NodeJS.ErrnoException).code;
  return (code !== undefined && (errnos as Record<string, number>)[code]) || 1;
}
