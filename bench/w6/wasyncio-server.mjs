// W6: wasyncio's echo servers, one per API level, for the shared load client.
//   node bench/w6/wasyncio-server.mjs [--mode protocol|streams|sock] [--core wasm|js] [--port 0]
// Prints exactly `listening <port>` once listening; exits 0 on SIGTERM/SIGINT.
//
//   protocol  loop.createServer with a Protocol writing back every dataReceived chunk (the
//             fastest thing asyncio offers: no coroutine per read); pauses reading while
//             the transport is paused for writing, as bench/python/echo_server.py does.
//   streams   startServer with a read/write/drain loop per connection (what most
//             application code looks like).
//   sock      socket() + bind + listen, a task per connection doing sockRecv/sockSendall
//             (the seed's level: the readiness bridge with a coroutine per read).
//
// It imports the built package (`wasyncio/node` is dist/node.js through the package's
// self-reference): run `npm run build` after changing src/.
import { parseArgs } from "node:util";
import * as wasyncio from "wasyncio/node";

const { AF_INET, EventLoop, IPPROTO_TCP, Protocol, SOCK_STREAM, TCP_NODELAY, socket, startServer } = wasyncio;

const { values } = parseArgs({
  options: {
    mode: { type: "string", default: "protocol" },
    core: { type: "string", default: "wasm" },
    port: { type: "string", default: "0" },
  },
});
const { mode, core } = values;
const port = Number(values.port);
const HOST = "127.0.0.1";
const READ_SIZE = 65536;
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port ${values.port}`);
if (!["protocol", "streams", "sock"].includes(mode)) throw new Error(`bad --mode ${mode} (protocol|streams|sock)`);
if (core !== "wasm" && core !== "js") throw new Error(`bad --core ${core} (wasm|js)`);

// ---- protocol ----------------------------------------------------------------------------
const transports = new Set();

class EchoProtocol extends Protocol {
  transport = null;
  connectionMade(transport) {
    this.transport = transport;
    transports.add(transport);
  }
  dataReceived(data) {
    this.transport.write(data);
  }
  // Backpressure: stop reading while the peer is not reading our replies.
  pauseWriting() {
    this.transport.pauseReading();
  }
  resumeWriting() {
    this.transport.resumeReading();
  }
  connectionLost() {
    transports.delete(this.transport);
  }
  // eofReceived returns undefined: the transport closes itself after a half-close.
}

// ---- streams -----------------------------------------------------------------------------
const writers = new Set();

function* echoStream(reader, writer) {
  writers.add(writer);
  try {
    for (;;) {
      const data = yield* reader.read(READ_SIZE);
      if (data.length === 0) break;
      writer.write(data);
      yield* writer.drain();
    }
  } catch (e) {
    // The client went away mid-run (ECONNRESET): nothing to echo to.
    if (e?.code === undefined) throw e;
  } finally {
    writers.delete(writer);
    writer.close();
  }
}

// ---- sock* -------------------------------------------------------------------------------
const conns = new Set();

function* echoSock(loop, conn) {
  try {
    for (;;) {
      const data = yield* loop.sockRecv(conn, READ_SIZE);
      if (data.length === 0) break;
      yield* loop.sockSendall(conn, data);
    }
  } catch (e) {
    if (e?.code === undefined) throw e;
  } finally {
    conn.close();
  }
}

function* acceptLoop(loop, listener) {
  for (;;) {
    const [conn] = yield* loop.sockAccept(listener);
    // Echo is latency-bound ping-pong: Nagle would hold each small reply back.
    conn.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
    const task = loop.createTask(echoSock(loop, conn));
    conns.add(task);
    task.addDoneCallback(() => conns.delete(task));
  }
}

// ---- the loop ----------------------------------------------------------------------------
const loop = new EventLoop({ clock: "real", core });
const stop = loop.createFuture();
const onSignal = () => {
  // A stuck shutdown is bounded, as in net-server.mjs.
  setTimeout(() => process.exit(0), 1000).unref();
  if (!stop.done()) stop.setResult(undefined);
};
process.once("SIGTERM", onSignal);
process.once("SIGINT", onSignal);

function* main() {
  let bound, server = null, listener = null, acceptor = null;
  if (mode === "protocol") {
    server = yield* loop.createServer(() => new EchoProtocol(), HOST, port);
    bound = server.sockets[0].getsockname()[1];
  } else if (mode === "streams") {
    server = yield* startServer(echoStream, HOST, port, { limit: READ_SIZE });
    bound = server.sockets[0].getsockname()[1];
  } else {
    listener = socket(AF_INET, SOCK_STREAM);
    listener.bind([HOST, port]);
    listener.listen(128);
    // Node 20/22 take a bound address within the host tick (Node 24+ at bind()).
    yield new Promise((resolve) => setImmediate(resolve));
    bound = listener.getsockname()[1];
    acceptor = loop.createTask(acceptLoop(loop, listener));
  }
  process.stdout.write(`listening ${bound}\n`);

  yield* stop;

  if (server !== null) {
    server.close();
    for (const t of transports) t.close();
    for (const w of writers) w.close();
    yield* server.waitClosed();
  } else {
    acceptor.cancel();
    listener.close();
    for (const task of conns) task.cancel();
  }
}

// Sockets the client still holds must not keep the process up once the loop is done.
loop.runUntilComplete(main()).then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
