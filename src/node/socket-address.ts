/// <reference types="node" preserve="true" />
// Socket addresses as Python spells them ([host, port], or a Unix path) and as Node takes
// and gives them: the checks a bind() or connect() makes before Node sees the address,
// and the address arguments of the loop's connection methods (a port, a path, a [host, port]).
import * as net from "node:net";
import { checkHostPort, checkInetAddress, checkPort, checkSocketPath, expected } from "../checks.js";
import { repr } from "../util.js";
import { AF_INET6, AF_UNIX } from "./constants.js";
import { osError } from "./errno.js";
import type { Address } from "../streams/protocols.js";

/** What bind(2) takes: an IP address and port (`net.BoundSocket`'s options), or a Unix path. @internal */
export type BindOptions = { host: string; port: number; ipv6Only: boolean } | { path: string };

/**
 * The address a socket of `family` binds for `address`: the host is an IP address,
 * `"localhost"` or `""` (any), in the socket's family. @internal
 */
export function bindOptions(call: string, family: number, address: Address): BindOptions {
  if (family === AF_UNIX) {
    if (typeof address !== "string" || address === "") throw expected(call, "a path for an AF_UNIX socket", address);
    return { path: checkUnixPath(call, address) };
  }
  const [host, port] = checkInetAddress(call, address);
  const v6 = family === AF_INET6;
  let ip = host;
  if (host === "") ip = v6 ? "::" : "0.0.0.0";
  else if (host === "localhost") ip = v6 ? "::1" : "127.0.0.1";
  const kind = net.isIP(ip);
  if (kind === 0) {
    throw new TypeError(`${call} expected an IP address, "localhost" or "" as the host, got ${repr(host)}; resolve names first with loop.getaddrinfo()`);
  }
  if ((kind === 6) !== v6) throw new RangeError(`${call}: ${repr(host)} is not an ${v6 ? "IPv6" : "IPv4"} address (the socket is ${familyName(family)})`);
  return { host: ip, port, ipv6Only: v6 };
}

/** The name of a socket of `family` that has none yet: the any address and port 0, or `""` (Unix). @internal */
export function unboundAddress(family: number): Address {
  return family === AF_UNIX ? "" : [family === AF_INET6 ? "::" : "0.0.0.0", 0];
}

/** `"AF_INET"`, `"AF_INET6"` or `"AF_UNIX"`. @internal */
export function familyName(family: number): string {
  return family === AF_UNIX ? "AF_UNIX" : family === AF_INET6 ? "AF_INET6" : "AF_INET";
}

/** What `net.connect` takes to connect a socket of `family` to `address`. @internal */
export function connectOptions(call: string, family: number, address: Address): net.NetConnectOpts {
  if (family === AF_UNIX) {
    if (typeof address !== "string") throw expected(call, "a path for an AF_UNIX socket", address);
    return { path: checkUnixPath(call, address), allowHalfOpen: true };
  }
  const [host, port] = checkInetAddress(call, address);
  return { host: host === "" ? "localhost" : host, port, allowHalfOpen: true, family: family === AF_INET6 ? 6 : 4 };
}

/** `[host, port]` or a path, from what Node's `address()` gives. @internal */
export function nodeAddress(addr: net.AddressInfo | string): Address {
  return typeof addr === "string" ? addr : [addr.address, addr.port];
}

/**
 * The size of `sockaddr_un.sun_path`: 108 bytes on Linux, 104 on macOS and the BSDs. A
 * path must fit with its terminating NUL; a Linux abstract name (a leading NUL) may fill it.
 */
const SUN_PATH_SIZE = process.platform === "linux" || process.platform === "android" ? 108 : 104;

/**
 * Checks that a Unix socket path fits in `sun_path`, as Python does ("AF_UNIX path too
 * long"): libuv would bind or connect to a truncated path instead (Node 20/22), or fail
 * later with EINVAL (Node 24+). Counted in bytes (UTF-8). Windows pipe names are not
 * sockaddr_un paths and are left to Node. @internal
 */
export function checkUnixPath(call: string, path: string): string {
  if (process.platform === "win32") return path;
  const bytes = Buffer.byteLength(path, "utf8");
  const max = path.startsWith("\0") ? SUN_PATH_SIZE : SUN_PATH_SIZE - 1;
  if (bytes > max) {
    throw osError(call, "ENAMETOOLONG", `AF_UNIX path too long: ${bytes} bytes (UTF-8), at most ${max} on ${process.platform}: ${repr(path)}`);
  }
  return path;
}

/** A port argument, or null if omitted. @internal */
export function _optionalPort(call: string, port: unknown): number | null {
  return port === undefined || port === null ? null : checkPort(call, "port", port);
}

/** A Unix socket path argument that fits in sun_path, or null if omitted. @internal */
export function _pathArg(call: string, name: string, path: unknown): string | null {
  const p = checkSocketPath(call, name, path);
  return p === null ? null : checkUnixPath(call, p);
}

/** A `[host, port]` argument, or null if omitted. @internal */
export function _addrArg(call: string, name: string, addr: unknown): [string, number] | null {
  const a = checkHostPort(call, name, addr);
  if (a !== null) checkPort(call, "port", a[1]);
  return a;
}
