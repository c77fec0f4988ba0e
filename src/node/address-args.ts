// The address arguments of the loop's connection methods (a port, a Unix socket path, a
// `[host, port]`): the shape checks of checks.ts completed by the socket checks (a port's
// range, a path's length in sun_path), which live with the sockets.
import { checkHostPort, checkSocketPath } from "../checks.js";
import { checkPort, checkUnixPath } from "./socket.js";

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
