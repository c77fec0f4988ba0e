// The asyncio walkthrough's section "How does loop.sock_* work?", ported line by line: the loop's
// sockAccept, sockRecv and sockSendall written by hand with the non-blocking socket calls
// (accept, recv, send), BlockingIOError and addReader/addWriter, installed on
// EventLoop.prototype, serving an echo server.
//
// Run it: npx tsx examples/sock-methods.ts   then, in other consoles: nc localhost 9527
import { pathToFileURL } from "node:url";
import {
  AF_INET, BlockingIOError, CancelledError, EventLoop, Future, gather, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, socket,
  type Address, type Coroutine, type Socket,
} from "../src/node/index.js";

function sockAccept(this: EventLoop, sock: Socket, fut?: Future<[Socket, Address]>, registed = false): Future<[Socket, Address]> {
  const fd = sock.fileno();
  if (fut === undefined) fut = this.createFuture();
  if (registed) this.removeReader(fd);
  let accepted: [Socket, Address];
  try {
    accepted = sock.accept();
    accepted[0].setblocking(false);
  } catch (e) {
    if (e instanceof BlockingIOError) this.addReader(fd, sockAccept.bind(this), sock, fut, true);
    else fut.setException(e);
    return fut;
  }
  fut.setResult(accepted);
  return fut;
}

function sockRecv(this: EventLoop, sock: Socket, n: number, fut?: Future<Uint8Array>, registed = false): Future<Uint8Array> {
  const fd = sock.fileno();
  if (fut === undefined) fut = this.createFuture();
  if (registed) this.removeReader(fd);
  let data: Uint8Array;
  try {
    data = sock.recv(n);
  } catch (e) {
    if (e instanceof BlockingIOError) this.addReader(fd, sockRecv.bind(this), sock, n, fut, true);
    else fut.setException(e);
    return fut;
  }
  fut.setResult(data);
  return fut;
}

function sockSendall(this: EventLoop, sock: Socket, data: Uint8Array, fut?: Future<void>, registed = false): Future<void> {
  const fd = sock.fileno();
  if (fut === undefined) fut = this.createFuture();
  if (registed) this.removeWriter(fd);
  let n: number;
  try {
    n = sock.send(data);
  } catch (e) {
    if (e instanceof BlockingIOError) n = 0;
    else {
      fut.setException(e);
      return fut;
    }
  }
  if (n === data.length) {
    fut.setResult(undefined);
  } else {
    if (n) data = data.subarray(n);
    // The walkthrough passes `sock` where the callback goes (add_writer(fd, sock, ...)); it means
    // sock_sendall, which retries with the rest once the socket is writable.
    this.addWriter(fd, sockSendall.bind(this), sock, data, fut, true);
  }
  return fut;
}

function* handler(loop: EventLoop, conn: Socket): Coroutine<void> {
  // The walkthrough leaves the connection open when the server stops (its process exits); a Node
  // process would stay up while a socket is open, so the finally clauses here close them.
  try {
    for (;;) {
      const msg = yield* loop.sockRecv(conn, 1024);
      if (msg.length) yield* loop.sockSendall(conn, msg);
      else break;
    }
  } finally {
    conn.close();
  }
}

function* server(loop: EventLoop, port: number, ready: (port: number) => void): Coroutine<void> {
  const sock = socket(AF_INET, SOCK_STREAM, 0);
  sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  sock.setblocking(false);
  sock.bind(["localhost", port]);
  sock.listen(10);
  ready((sock.getsockname() as [string, number])[1]);

  const handlers = new Set<ReturnType<EventLoop["createTask"]>>();
  try {
    for (;;) {
      const [conn] = yield* loop.sockAccept(sock);
      const task = loop.createTask(handler(loop, conn));
      handlers.add(task);
      task.addDoneCallback(() => handlers.delete(task));
    }
  } finally {
    sock.close();
    for (const task of handlers) task.cancel();
    yield* gather(...handlers, { returnExceptions: true });
  }
}

/**
 * Serves on localhost:`port` (default 9527) until `signal` aborts (Ctrl-C when run as a
 * program); `ready(port)` is called once the socket listens. (Port 0 would pick a free
 * port, whose number getsockname() knows at once on Node 24+, a moment later on Node 20/22.)
 */
export async function main(options: { port?: number; ready?: (port: number) => void; signal?: AbortSignal } = {}): Promise<void> {
  const proto = EventLoop.prototype;
  const library = { sockAccept: proto.sockAccept, sockRecv: proto.sockRecv, sockSendall: proto.sockSendall };
  proto.sockAccept = sockAccept;
  proto.sockRecv = sockRecv;
  proto.sockSendall = sockSendall;
  const loop = new EventLoop();

  const task = loop.createTask(server(loop, options.port ?? 9527, options.ready ?? ((port) => console.log(`echo server on localhost:${port}`))), {
    signal: options.signal,
  });
  try {
    await loop.runUntilComplete(task);
  } catch (e) {
    // KeyboardInterrupt in the walkthrough: here the signal cancels the server.
    if (!(e instanceof CancelledError)) throw e;
  } finally {
    loop.close();
    // The walkthrough's process ends here; this one may go on (a test), with the library's methods.
    Object.assign(proto, library);
  }
}

// Run main() only when this file is the program, not when a test imports it.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  await main({ signal: stop.signal });
}
