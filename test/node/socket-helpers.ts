// The socket tests' fixtures: a listening socket, a connected pair, reading to EOF, and
// payloads whose every byte is checkable (a pseudo-random pattern: a misordered chunk of any
// size shows).
import { AF_INET, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, socket, type Coroutine, type EventLoop, type Socket } from "../../src/node/index.js";
import { SYNC_BIND, wait } from "./helpers.js";
import { hostTick } from "../host.js";

export type Port = [string, number];

/** A listening socket on 127.0.0.1 and its port (on Node 20/22 the port is known a host tick later). */
export async function listener(): Promise<[Socket, number]> {
  const sock = socket(AF_INET, SOCK_STREAM);
  sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  sock.setblocking(false);
  sock.bind(["127.0.0.1", 0]);
  sock.listen(100);
  if (!SYNC_BIND) await hostTick();
  return [sock, (sock.getsockname() as Port)[1]];
}

/** A connected pair: [client, server side]. */
export function* pair(loop: EventLoop): Coroutine<[Socket, Socket, Socket]> {
  const [srv, port] = yield* wait(listener());
  const cli = socket();
  yield* loop.sockConnect(cli, ["127.0.0.1", port]);
  const [conn] = yield* loop.sockAccept(srv);
  return [cli, conn, srv];
}

/** Reads until EOF. */
export function* readAll(loop: EventLoop, sock: Socket): Coroutine<Buffer> {
  const parts: Uint8Array[] = [];
  for (;;) {
    const data = yield* loop.sockRecv(sock, 65536);
    if (data.length === 0) return Buffer.concat(parts);
    parts.push(data);
  }
}

/** `size` pseudo-random bytes from `seed`. */
export function pattern(size: number, seed: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let x = seed >>> 0;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    buf[i] = x >>> 24;
  }
  return buf;
}

/** An error's Node `.code`. */
export const code = (e: unknown) => (e as { code?: string }).code;
