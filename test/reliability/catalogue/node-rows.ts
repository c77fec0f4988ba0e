// The catalogue's rows for wasyncio/node: sockets, the loop's I/O methods, transports,
// servers and streams. Rows that need a connection run on a real-clock loop over
// 127.0.0.1 and close what they open.
import {
  AF_INET, AF_UNIX, DatagramProtocol, Protocol, SOCK_DGRAM, SOCK_STREAM, Socket, StreamReader, StreamReaderProtocol, StreamWriter,
  PIPE, STDOUT, createSubprocessExec, createSubprocessShell, installTaskDump, openConnection, openStdio,
  openUnixConnection, socket, startServer, startUnixServer, type Coroutine, type EventLoop, type Process, type Transport,
} from "../../../src/node/index.js";
import { table, type Env } from "./harness.js";
import { PassThrough } from "node:stream";

export const { rows, row } = table();

/**
 * Methods a user overrides (a protocol's callbacks, called by the transport), classes only
 * the library makes, and calls with no argument a user can get wrong: nothing to reject.
 */
export const NOT_CALLED_BY_USERS = new Set([
  "new BaseProtocol()", "new Protocol()", "new BufferedProtocol()", "new DatagramProtocol()", "new FlowControlProtocol()",
  "connectionMade()", "connectionLost()", "pauseWriting()", "resumeWriting()", "dataReceived()", "eofReceived()",
  "getBuffer()", "bufferUpdated()", "datagramReceived()", "errorReceived()",
  "new BaseTransport()", "new Transport()", "new DatagramTransport()", "new Server()", "new StreamWriter()",
  "new SubprocessProtocol()", "pipeDataReceived()", "pipeConnectionLost()", "processExited()",
  "new SubprocessTransport()", "new Process()",
  "getPid()", "getReturncode()", "terminate()", "kill()",
  "new PipeTransport()", "new ReadPipeTransport()", "new WritePipeTransport()",
  // no argument a user can get wrong
  "accept()", "fileno()", "getsockname()", "getpeername()", "gettimeout()", "isServing()", "closeClients()",
  "abortClients()", "startServing()", "waitClosed()", "writeEof()", "canWriteEof()",
  "getWriteBufferSize()", "getWriteBufferLimits()", "pauseReading()", "resumeReading()", "isReading()", "abort()",
  "isClosing()", "getProtocol()", "exception()", "feedEof()", "atEof()", "readline()", "drain()", "recvInto()",
  // any key is accepted, as asyncio's dict lookup: an unknown one gives the default
  "getExtraInfo()",
]);

const noop = () => {};
const factory = () => new Protocol();
const badFactories: [string, () => unknown, string][] = [
  ["a factory that returns {}", () => ({}), "returned {}"],
  ["an async factory", async () => new Protocol(), "a Promise"],
  ["a factory that returns null", () => null, "null"],
];

/**
 * A connected Transport on env.real: a server on 127.0.0.1:0 and a client made by
 * `clientFactory`; both closed after the row.
 */
function* connection(env: Env, clientFactory: () => unknown = factory): Coroutine<Transport> {
  const loop = env.real as EventLoop;
  const server = yield* loop.createServer(factory, "127.0.0.1", 0);
  env.cleanup.push(function* () {
    server.close();
    server.closeClients();
    yield* server.waitClosed();
  });
  const [, port] = server.sockets[0].getsockname() as [string, number];
  const [transport] = yield* loop.createConnection(clientFactory as () => Protocol, "127.0.0.1", port);
  env.cleanup.unshift(() => transport.abort());
  return transport;
}

function* streams(env: Env): Coroutine<[StreamReader, StreamWriter]> {
  const server = yield* startServer(function* (_r, w) {
    w.close();
  }, "127.0.0.1", 0);
  env.cleanup.push(function* () {
    server.close();
    yield* server.waitClosed();
  });
  const [, port] = server.sockets[0].getsockname() as [string, number];
  const pair = yield* openConnection("127.0.0.1", port);
  env.cleanup.unshift(() => pair[1].transport.abort());
  return pair;
}

function fresh(env: Env): Socket {
  const sock = socket(AF_INET, SOCK_STREAM);
  env.cleanup.push(() => sock.close());
  return sock;
}

const LONG_PATH = `/tmp/${"x".repeat(120)}.sock`;

// ---- sockets ----------------------------------------------------------------------
row("socket()", "a string family", TypeError, '"inet"', () => socket("inet" as never));
row("socket()", "an unknown family", RangeError, "12345", () => socket(12345));
row("socket()", "a Unix datagram socket", RangeError, "AF_UNIX SOCK_DGRAM", () => socket(AF_UNIX, SOCK_DGRAM));
row("new Socket()", "an unknown type", RangeError, "999", () => new Socket(AF_INET, 999));
row("bind()", "a string address", TypeError, '"127.0.0.1"', (env) => fresh(env).bind("127.0.0.1" as never));
row("bind()", "a port out of range", RangeError, "70000", (env) => fresh(env).bind(["127.0.0.1", 70000]));
row("bind()", "a Unix path over the limit", Error, /too long/, (env) => {
  const sock = socket(AF_UNIX, SOCK_STREAM);
  env.cleanup.push(() => sock.close());
  sock.bind(LONG_PATH);
});
row("listen()", "a string backlog", TypeError, '"5"', (env) => fresh(env).listen("5" as never));
row("connect()", "a number address", TypeError, "42", (env) => fresh(env).connect(42 as never));
row("recv()", "a negative size", RangeError, "-1", (env) => fresh(env).recv(-1));
row("recv()", "a string size", TypeError, '"8"', (env) => fresh(env).recv("8" as never));
row("send()", "a number", TypeError, "42", (env) => fresh(env).send(42 as never));
row("recvfrom()", "a negative size", RangeError, "-1", (env) => fresh(env).recvfrom(-1));
row("recvfromInto()", "a string buffer", TypeError, '"buf"', (env) => fresh(env).recvfromInto("buf" as never));
row("shutdown()", "an unknown how", RangeError, "7", (env) => fresh(env).shutdown(7));
row("setblocking()", "blocking mode", Error, "never block", (env) => fresh(env).setblocking(true));
row("setsockopt()", "a string level", TypeError, '"SOL"', (env) => fresh(env).setsockopt("SOL" as never, 1, 1));
row("getsockopt()", "a string option", TypeError, '"X"', (env) => fresh(env).getsockopt(1, "X" as never));
// ---- the loop's I/O methods -------------------------------------------------------
row("addReader()", "a string fd", TypeError, '"3"', ({ real }) => real.addReader("3" as never, noop));
row("addReader()", "a non-function callback", TypeError, "42", (env) => env.real.addReader(fresh(env), 42 as never));
row("removeReader()", "a string fd", TypeError, '"3"', ({ real }) => real.removeReader("3" as never));
row("addWriter()", "a string fd", TypeError, '"3"', ({ real }) => real.addWriter("3" as never, noop));
row("removeWriter()", "a string fd", TypeError, '"3"', ({ real }) => real.removeWriter("3" as never));
row("addReader()", "a closed loop", Error, /closed/, (env) => env.closed.addReader(fresh(env), noop));
row("sockRecv()", "a non-socket", TypeError, "42", ({ real }) => real.sockRecv(42 as never, 10), "real");
row("sockRecv()", "a negative size", RangeError, "-1", (env) => env.real.sockRecv(fresh(env), -1), "real");
row("sockRecvInto()", "a non-buffer", TypeError, "42", (env) => env.real.sockRecvInto(fresh(env), 42 as never), "real");
row("sockRecvfrom()", "a non-socket", TypeError, "42", ({ real }) => real.sockRecvfrom(42 as never, 10), "real");
row("sockRecvfromInto()", "a non-buffer", TypeError, "42", (env) => env.real.sockRecvfromInto(fresh(env), 42 as never), "real");
row("sockSendto()", "a number", TypeError, "42", (env) => env.real.sockSendto(fresh(env), 42 as never, ["127.0.0.1", 9]), "real");
row("sockAccept()", "a non-socket", TypeError, "42", ({ real }) => real.sockAccept(42 as never), "real");
row("sockSendall()", "a number", TypeError, "42", (env) => env.real.sockSendall(fresh(env), 42 as never), "real");
row("sockConnect()", "a string address", TypeError, '"localhost"', (env) => env.real.sockConnect(fresh(env), "localhost" as never), "real");
row("sockSendfile()", "a file name", TypeError, '"data.bin"', (env) => env.real.sockSendfile(fresh(env), "data.bin" as never), "real");
row("getaddrinfo()", "a number host", TypeError, "42", ({ real }) => real.getaddrinfo(42 as never, 80), "real");
row("getnameinfo()", "a string sockaddr", TypeError, '"127.0.0.1"', ({ real }) => real.getnameinfo("127.0.0.1" as never), "real");
row("addSignalHandler()", "an unknown signal name", RangeError, '"SIGNOPE"', ({ real }) => real.addSignalHandler("SIGNOPE" as never, noop));
row("addSignalHandler()", "a boolean signal", TypeError, "true", ({ real }) => real.addSignalHandler(true as never, noop));
row("addSignalHandler()", "SIGKILL", Error, /cannot be caught/, ({ real }) => real.addSignalHandler("SIGKILL", noop));
row("addSignalHandler()", "a generator function", TypeError, /coroutines cannot be used/, ({ real }) => real.addSignalHandler("SIGWINCH", function* () {} as never));
row("addSignalHandler()", "a closed loop", Error, /closed/, ({ closed }) => closed.addSignalHandler("SIGWINCH", noop));
row("removeSignalHandler()", "a signal number not on this platform", RangeError, "99999", ({ real }) => real.removeSignalHandler(99999));
row("connectReadPipe()", "a number pipe", TypeError, "42", ({ real }) => real.connectReadPipe(factory, 42 as never), "real");
row("connectReadPipe()", "a non-function factory", TypeError, "42", ({ real }) => real.connectReadPipe(42 as never, new PassThrough()), "real");
row("connectReadPipe()", "a stream with an encoding", TypeError, "stream of bytes", ({ real }) => real.connectReadPipe(factory, new PassThrough({ encoding: "utf8" })), "real");
row("connectReadPipe()", "a closed loop", Error, /closed/, ({ closed }) => closed.connectReadPipe(factory, new PassThrough()));
row("connectWritePipe()", "a string pipe", TypeError, '"out"', ({ real }) => real.connectWritePipe(factory, "out" as never), "real");
row("connectWritePipe()", "an object-mode stream", TypeError, "stream of bytes", ({ real }) => real.connectWritePipe(factory, new PassThrough({ objectMode: true })), "real");
row("openStdio()", "an unknown option", TypeError, '"limt"', function* () {
  yield* openStdio({ limt: 10 } as never);
}, "real");
row("openStdio()", "a number stdout", TypeError, "42", function* () {
  yield* openStdio({ stdin: new PassThrough(), stdout: 42 as never });
}, "real");

// ---- transports, servers, protocols -----------------------------------------------
row("createServer()", "a non-function factory", TypeError, "42", ({ real }) => real.createServer(42 as never, "127.0.0.1", 0), "real");
row("createServer()", "a string port", TypeError, '"80"', ({ real }) => real.createServer(factory, "127.0.0.1", "80" as never), "real");
row("createServer()", "a NaN backlog", RangeError, "NaN", ({ real }) => real.createServer(factory, "127.0.0.1", 0, { backlog: NaN }), "real");
row("createServer()", "a closed loop", Error, /closed/, ({ closed }) => closed.createServer(factory, "127.0.0.1", 0));
row("startTls()", "a non-transport", TypeError, "42", ({ real }) => real.startTls(42 as never, new Protocol(), {}), "real");
row("connectAcceptedSocket()", "a non-socket", TypeError, "42", ({ real }) => real.connectAcceptedSocket(factory, 42 as never), "real");
row("createConnection()", "a non-function factory", TypeError, "42", ({ real }) => real.createConnection(42 as never, "127.0.0.1", 1), "real");
row("createConnection()", "a port out of range", RangeError, "70000", ({ real }) => real.createConnection(factory, "127.0.0.1", 70000), "real");
for (const [bad, f, names] of badFactories) {
  row("createConnection()", bad, TypeError, names, (env) => connection(env, f), "real");
  row("createDatagramEndpoint()", bad, TypeError, names, ({ real }) => real.createDatagramEndpoint(f as never, { localAddr: ["127.0.0.1", 0] }), "real");
}
row("createUnixServer()", "a number path", TypeError, "42", ({ real }) => real.createUnixServer(factory, 42 as never), "real");
row("createUnixServer()", "a path over the limit", Error, /too long/, ({ real }) => real.createUnixServer(factory, LONG_PATH), "real");
row("createUnixConnection()", "a path over the limit", Error, /too long/, ({ real }) => real.createUnixConnection(factory, LONG_PATH), "real");
row("createDatagramEndpoint()", "a non-function factory", TypeError, "42", ({ real }) => real.createDatagramEndpoint(42 as never), "real");
row("createDatagramEndpoint()", "a number localAddr", TypeError, "42", ({ real }) =>
  real.createDatagramEndpoint(() => new DatagramProtocol(), { localAddr: 42 as never }), "real");
row("write()", "a number", TypeError, "42", function* (env) {
  (yield* connection(env)).write(42 as never);
}, "real");
row("writelines()", "a number", TypeError, "42", function* (env) {
  (yield* connection(env)).writelines(42 as never);
}, "real");
row("setWriteBufferLimits()", "high below low", RangeError, /high/, function* (env) {
  (yield* connection(env)).setWriteBufferLimits(10, 20);
}, "real");
row("setWriteBufferLimits()", "a string high", TypeError, '"64k"', function* (env) {
  (yield* connection(env)).setWriteBufferLimits("64k" as never);
}, "real");
row("setProtocol()", "a non-protocol", TypeError, "42", function* (env) {
  (yield* connection(env)).setProtocol(42 as never);
}, "real");
row("sendto()", "a number", TypeError, "42", function* (env) {
  const [transport] = yield* env.real.createDatagramEndpoint(() => new DatagramProtocol(), { localAddr: ["127.0.0.1", 0] });
  env.cleanup.push(() => transport.close());
  transport.sendto(42 as never, ["127.0.0.1", 9]);
}, "real");
row("serveForever()", "a closed Server", Error, /closed/, function* (env) {
  const server = yield* env.real.createServer(factory, "127.0.0.1", 0);
  server.close();
  env.cleanup.push(() => server.waitClosed());
  yield* server.serveForever();
}, "real");

// ---- streams ----------------------------------------------------------------------
row("new StreamReader()", "a zero limit", RangeError, "0", () => new StreamReader({ limit: 0 }));
row("new StreamReader()", "a string limit", TypeError, '"64k"', () => new StreamReader({ limit: "64k" as never }));
row("feedData()", "a number", TypeError, "42", () => new StreamReader().feedData(42 as never), true);
row("feedData()", "data after feedEof()", Error, "feedEof()", () => {
  const r = new StreamReader();
  r.feedEof();
  r.feedData(new Uint8Array(1));
}, true);
row("setException()", "undefined", TypeError, "undefined", () => new StreamReader().setException(undefined), true);
row("setTransport()", "a non-transport", TypeError, "42", () => new StreamReader().setTransport(42 as never), true);
row("read()", "a string size", TypeError, '"8"', () => new StreamReader().read("8" as never), true);
row("readexactly()", "a negative size", RangeError, "-1", () => new StreamReader().readexactly(-1), true);
row("readuntil()", "an empty separator", RangeError, "separator", () => new StreamReader().readuntil(""), true);
row("readuntil()", "a number separator", TypeError, "42", () => new StreamReader().readuntil(42 as never), true);
row("new StreamReaderProtocol()", "a non-reader", TypeError, "42", () => new StreamReaderProtocol(42 as never), true);
row("new StreamReaderProtocol()", "a non-function callback", TypeError, "42", () => new StreamReaderProtocol(new StreamReader(), 42 as never), true);
row("write()", "a number to a StreamWriter", TypeError, "42", function* (env) {
  (yield* streams(env))[1].write(42 as never);
}, "real");
row("writelines()", "a number to a StreamWriter", TypeError, "42", function* (env) {
  (yield* streams(env))[1].writelines(42 as never);
}, "real");
row("openConnection()", "a port out of range", RangeError, "70000", () => openConnection("127.0.0.1", 70000), "real");
row("openConnection()", "a zero limit", RangeError, "0", () => openConnection("127.0.0.1", 1, { limit: 0 }), "real");
row("openUnixConnection()", "a path over the limit", Error, /too long/, () => openUnixConnection(LONG_PATH), "real");
row("startServer()", "a non-function callback", TypeError, "42", () => startServer(42 as never, "127.0.0.1", 0), "real");
row("startUnixServer()", "a non-function callback", TypeError, "42", () => startUnixServer(42 as never, "/tmp/x.sock"), "real");
row("startUnixServer()", "a path over the limit", Error, /too long/, () => startUnixServer(function* () {}, LONG_PATH), "real");
row("installTaskDump()", "a number for options", TypeError, "options", () => installTaskDump(42 as never));
row("installTaskDump()", "an unknown signal", TypeError, "options.signal", () => installTaskDump({ signal: "SIGNOPE" as never }));

// ---- subprocesses -----------------------------------------------------------------
/** A child (`node -e` reading stdin) on env.real, killed and waited for after the row. */
function* child(env: Env): Coroutine<Process> {
  const proc = yield* createSubprocessExec(process.execPath, ["-e", "process.stdin.resume()"], { stdin: PIPE });
  env.cleanup.push(function* () {
    if (proc.returncode === null) proc.kill();
    yield* proc.wait();
  });
  return proc;
}
row("subprocessExec()", "a non-function factory", TypeError, "42", ({ real }) => real.subprocessExec(42 as never, "ls"), "real");
row("subprocessExec()", "a number program", TypeError, "42", ({ real }) => real.subprocessExec(() => ({ processExited() {} }), 42 as never), "real");
row("subprocessExec()", "STDOUT for stdin", RangeError, "STDOUT", ({ real }) => real.subprocessExec(() => ({ processExited() {} }), "ls", [], { stdin: STDOUT }), "real");
row("subprocessShell()", "an array cmd", TypeError, "cmd", ({ real }) => real.subprocessShell(() => ({ processExited() {} }), ["ls"] as never), "real");
row("createSubprocessExec()", "a string args", TypeError, '"-l"', () => createSubprocessExec("ls", "-l" as never), "real");
row("createSubprocessExec()", "a zero limit", RangeError, "0", () => createSubprocessExec("ls", [], { limit: 0 }), "real");
row("createSubprocessShell()", "a number cmd", TypeError, "42", () => createSubprocessShell(42 as never), "real");
row("sendSignal()", "an unknown signal name", TypeError, '"SIGNOPE"', function* (env) {
  (yield* child(env)).sendSignal("SIGNOPE" as never);
}, "real");
row("communicate()", "a number input", TypeError, "42", function* (env) {
  (yield* child(env)).communicate(42 as never);
}, "real");
row("getPipeTransport()", "a string fd", TypeError, '"1"', function* ({ real }) {
  const [transport] = yield* real.subprocessExec(() => ({ processExited() {} }), process.execPath, ["-e", ""]);
  try {
    transport.getPipeTransport("1" as never);
  } finally {
    transport.close();
  }
}, "real");
