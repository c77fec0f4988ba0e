// Socket constants with Linux's values, as Python's socket module exports them.

/** IPv4 address family. */
export const AF_INET = 2;
/** IPv6 address family. */
export const AF_INET6 = 10;
/** Unix domain socket family (an address is a path). */
export const AF_UNIX = 1;
/** Unspecified family (getaddrinfo: any). */
export const AF_UNSPEC = 0;
/** Stream socket (TCP). */
export const SOCK_STREAM = 1;
/** Datagram socket (UDP). */
export const SOCK_DGRAM = 2;
/** Raw socket (getaddrinfo results only). */
export const SOCK_RAW = 3;
/** Socket-level options. */
export const SOL_SOCKET = 1;
/** Allow reuse of a local address. */
export const SO_REUSEADDR = 2;
/** The pending error of a socket (read with getsockopt). */
export const SO_ERROR = 4;
/** Keep-alive probes. */
export const SO_KEEPALIVE = 9;
/** TCP protocol level. */
export const IPPROTO_TCP = 6;
/** UDP protocol level. */
export const IPPROTO_UDP = 17;
/** Disable Nagle's algorithm. */
export const TCP_NODELAY = 1;
/** shutdown(): no more receives. */
export const SHUT_RD = 0;
/** shutdown(): no more sends. */
export const SHUT_WR = 1;
/** shutdown(): neither. */
export const SHUT_RDWR = 2;
