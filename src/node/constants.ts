// Socket constants with Linux's values, as Python's socket module exports them.

/**
 * IPv4 address family.
 * @example
 * socket(AF_INET, SOCK_STREAM)
 */
export const AF_INET = 2;
/**
 * IPv6 address family.
 * @example
 * socket(AF_INET6).bind(["::1", 0])
 */
export const AF_INET6 = 10;
/**
 * Unix domain socket family (an address is a path).
 * @example
 * socket(AF_UNIX).bind("/tmp/app.sock")
 */
export const AF_UNIX = 1;
/**
 * Unspecified family (getaddrinfo: any).
 * @example
 * yield* loop.getaddrinfo("localhost", 80, { family: AF_UNSPEC })
 */
export const AF_UNSPEC = 0;
/**
 * Stream socket (TCP).
 * @example
 * socket(AF_INET, SOCK_STREAM)
 */
export const SOCK_STREAM = 1;
/**
 * Datagram socket (UDP).
 * @example
 * yield* loop.getaddrinfo("localhost", 53, { type: SOCK_DGRAM })
 */
export const SOCK_DGRAM = 2;
/**
 * Raw socket (getaddrinfo results only).
 * @example
 * infos.filter(([, type]) => type !== SOCK_RAW)
 */
export const SOCK_RAW = 3;
/**
 * Socket-level options.
 * @example
 * sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
 */
export const SOL_SOCKET = 1;
/**
 * Allow reuse of a local address.
 * @example
 * sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
 */
export const SO_REUSEADDR = 2;
/**
 * The pending error of a socket (read with getsockopt).
 * @example
 * const errno = sock.getsockopt(SOL_SOCKET, SO_ERROR)
 */
export const SO_ERROR = 4;
/**
 * Keep-alive probes.
 * @example
 * conn.setsockopt(SOL_SOCKET, SO_KEEPALIVE, 1)
 */
export const SO_KEEPALIVE = 9;
/**
 * TCP protocol level.
 * @example
 * conn.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)
 */
export const IPPROTO_TCP = 6;
/**
 * UDP protocol level.
 * @example
 * infos.filter(([, , proto]) => proto === IPPROTO_UDP)
 */
export const IPPROTO_UDP = 17;
/**
 * Disable Nagle's algorithm.
 * @example
 * conn.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)
 */
export const TCP_NODELAY = 1;
/**
 * shutdown(): no more receives.
 * @example
 * conn.shutdown(SHUT_RD)
 */
export const SHUT_RD = 0;
/**
 * shutdown(): no more sends.
 * @example
 * conn.shutdown(SHUT_WR) // the peer reads EOF
 */
export const SHUT_WR = 1;
/**
 * shutdown(): neither.
 * @example
 * conn.shutdown(SHUT_RDWR)
 */
export const SHUT_RDWR = 2;

// Subprocess stdio choices, with Python's subprocess module values.

/**
 * Subprocess stdio: a new pipe to the child (the Process's `stdin`/`stdout`/`stderr`).
 * @example
 * const proc = yield* createSubprocessExec("ls", [], { stdout: PIPE })
 */
export const PIPE = -1;
/**
 * Subprocess stderr: into the same pipe or file as stdout (as `2>&1`).
 * @example
 * const proc = yield* createSubprocessShell("make", { stdout: PIPE, stderr: STDOUT })
 */
export const STDOUT = -2;
/**
 * Subprocess stdio: the null device (input at EOF, output discarded).
 * @example
 * const proc = yield* createSubprocessExec("make", [], { stdout: DEVNULL })
 */
export const DEVNULL = -3;
