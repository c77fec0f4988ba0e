// The file descriptor table of wasyncio sockets: what `fileno()` answers and what
// `loop.addReader(fd, ...)` looks up. The numbers are wasyncio's own (from 1000 up, never
// reused), not the OS's: Node does not expose a socket's descriptor portably.
import type { Socket } from "./socket.js";

let nextFd = 1000;
const liveSockets = new Map<number, Socket>();

/** A new descriptor for `sock`, live until `_closeFd`. @internal */
export function _openFd(sock: Socket): number {
  const fd = nextFd++;
  liveSockets.set(fd, sock);
  return fd;
}

/** `fd` names no socket any more. @internal */
export function _closeFd(fd: number): void {
  liveSockets.delete(fd);
}

/** The live socket with descriptor `fd`, or undefined. @internal */
export function _socketByFd(fd: number): Socket | undefined {
  return liveSockets.get(fd);
}
