// The asyncio walkthrough's section "How does loop.create_server work?", ported: a server built by hand
// from a listening socket (what loop.createServer does inside), serving an echo protocol.
// The walkthrough starts serving with the private loop._start_serving(); the public way to serve
// a socket you made yourself is loop.createServer(factory, undefined, undefined, { sock }).
//
// Run it: npx tsx examples/create-server.ts [--builtin]   then: nc localhost 5566
import { pathToFileURL } from "node:url";
import {
  AF_INET, EventLoop, Protocol, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, socket,
  type Coroutine, type ProtocolFactory, type Server, type Transport,
} from "../src/node/index.js";

function* createServer(loop: EventLoop, protocolFactory: ProtocolFactory<Protocol>, host: string, port: number): Coroutine<Server> {
  const sock = socket(AF_INET, SOCK_STREAM, 0);
  sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  sock.setblocking(false);
  sock.bind([host, port]);
  sock.listen(10);
  return yield* loop.createServer(protocolFactory, undefined, undefined, { sock });
}

/** Where the example's lines go (console.log when run as a program). */
let print: (line: string) => void = console.log;

class EchoProtocol extends Protocol {
  transport!: Transport;

  override connectionMade(transport: Transport): void {
    const peername = transport.getExtraInfo("peername");
    print(`Connection from ${JSON.stringify(peername)}`);
    this.transport = transport;
  }

  override dataReceived(data: Uint8Array): void {
    const message = new TextDecoder().decode(data);
    void message;
    this.transport.write(data);
  }
}

/**
 * Serves until `signal` aborts (Ctrl-C when run as a program). `builtin` uses
 * loop.createServer(EchoProtocol, "localhost", port) itself (the walkthrough's "Equal to" line);
 * `port` 0 picks a free port, which `ready(port)` receives.
 */
export async function main(options: {
  port?: number; builtin?: boolean; print?: (line: string) => void; ready?: (port: number) => void; signal?: AbortSignal;
} = {}): Promise<void> {
  print = options.print ?? console.log;
  const loop = new EventLoop();
  const port = options.port ?? 5566;

  // Equal to: loop.createServer(EchoProtocol, "localhost", 5566)
  const coro = options.builtin ? loop.createServer(EchoProtocol, "localhost", port) : createServer(loop, EchoProtocol, "localhost", port);
  const server = await loop.runUntilComplete(coro);
  const [, actual] = server.sockets[0].getsockname() as [string, number];
  (options.ready ?? ((p) => console.log(`echo server on localhost:${p}`)))(actual);

  const stop = () => loop.stop();
  options.signal?.addEventListener("abort", stop, { once: true });
  try {
    await loop.runForever();
  } finally {
    options.signal?.removeEventListener("abort", stop);
    server.close();
    await loop.runUntilComplete(server.waitClosed());
    loop.close();
  }
}

// Run main() only when this file is the program, not when a test imports it.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  await main({ builtin: process.argv.includes("--builtin"), signal: stop.signal });
}
