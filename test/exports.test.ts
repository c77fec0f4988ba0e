// Every name of API.md's core sections is exported by the package's main entry.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as wasyncio from "../src/index.js";
import * as node from "../src/node/index.js";

const FUNCTIONS = [
  "run", "runSync", "getRunningLoop", "getEventLoop", "setEventLoop", "newEventLoop",
  "sleep", "gather", "wait", "waitFor", "timeout", "timeoutAt", "shield", "asCompleted",
  "ensureFuture", "createTask", "createEagerTaskFactory", "eagerTaskFactory", "currentTask", "allTasks", "wrapPromise", "toAbortSignal", "taskGroup",
  "withLock", "withSemaphore", "toThread",
];
const CLASSES = [
  "EventLoop", "Handle", "TimerHandle", "Future", "Task", "TaskGroup", "Timeout",
  "Lock", "Event", "Condition", "Semaphore", "BoundedSemaphore", "Barrier",
  "Queue", "PriorityQueue", "LifoQueue",
  "CancelledError", "InvalidStateError", "TimeoutError", "QueueEmpty", "QueueFull", "QueueShutDown",
  "IncompleteReadError", "LimitOverrunError", "BrokenBarrierError", "BlockingIOError",
  "SendfileNotAvailableError", "ExceptionGroup", "WorkerPool", "InlineExecutor",
];

test("the main entry exports every function and class of the contract", () => {
  const api = wasyncio as unknown as Record<string, unknown>;
  for (const name of [...FUNCTIONS, ...CLASSES]) assert.type(api[name], "function", name);
  for (const name of CLASSES) assert.ok(/^class /.test(String(api[name])), `${name} is a class`);
  assert.is(wasyncio.FIRST_COMPLETED, "FIRST_COMPLETED");
  assert.is(wasyncio.FIRST_EXCEPTION, "FIRST_EXCEPTION");
  assert.is(wasyncio.ALL_COMPLETED, "ALL_COMPLETED");
});

test("the loop has every method of the contract (Node networking aside)", () => {
  const loop = new wasyncio.EventLoop();
  const methods = [
    "runUntilComplete", "runForever", "stop", "close", "isRunning", "isClosed", "callSoon", "callLater",
    "callAt", "time", "createFuture", "createTask", "setTaskFactory", "getTaskFactory", "setExceptionHandler",
    "getExceptionHandler", "callExceptionHandler", "defaultExceptionHandler", "getDebug", "setDebug",
    "runInExecutor", "setDefaultExecutor", "shutdownDefaultExecutor",
  ];
  for (const m of methods) assert.type((loop as unknown as Record<string, unknown>)[m], "function", m);
  loop.close();
});

test("wasyncio/node exports every name of the Node sections, and the loop and classes have their methods", () => {
  const api = node as unknown as Record<string, unknown>;
  for (const name of ["socket", "openConnection", "startServer", "openUnixConnection", "startUnixServer"]) assert.type(api[name], "function", name);
  const classes = ["Socket", "Protocol", "BufferedProtocol", "DatagramProtocol", "Transport", "DatagramTransport", "Server", "StreamReader", "StreamWriter"];
  for (const name of classes) assert.ok(/^class /.test(String(api[name])), `${name} is a class`);
  const constants = ["AF_INET", "AF_INET6", "AF_UNIX", "SOCK_STREAM", "SOCK_DGRAM", "SOL_SOCKET", "SO_REUSEADDR", "SHUT_RD", "SHUT_WR", "SHUT_RDWR"];
  for (const name of constants) assert.type(api[name], "number", name);
  assert.ok(node.EventLoop === wasyncio.EventLoop, "one EventLoop class");
  const methods: Record<string, string[]> = {
    EventLoop: [
      "addReader", "removeReader", "addWriter", "removeWriter", "sockAccept", "sockRecv", "sockRecvInto", "sockSendall",
      "sockRecvfrom", "sockRecvfromInto", "sockSendto",
      "sockConnect", "sockSendfile", "getaddrinfo", "getnameinfo", "createServer", "createConnection", "createUnixServer",
      "createUnixConnection", "createDatagramEndpoint", "connectAcceptedSocket", "startTls",
    ],
    Socket: [
      "bind", "listen", "accept", "connect", "recv", "recvInto", "send", "close", "shutdown", "fileno", "getsockname",
      "getpeername", "setblocking", "setsockopt", "sendto", "recvfrom", "recvfromInto",
    ],
    Protocol: ["connectionMade", "dataReceived", "eofReceived", "connectionLost", "pauseWriting", "resumeWriting"],
    BufferedProtocol: ["getBuffer", "bufferUpdated"],
    DatagramProtocol: ["datagramReceived", "errorReceived"],
    Transport: [
      "write", "writelines", "writeEof", "canWriteEof", "close", "abort", "isClosing", "getExtraInfo", "pauseReading",
      "resumeReading", "isReading", "setWriteBufferLimits", "getWriteBufferSize", "getWriteBufferLimits",
    ],
    DatagramTransport: ["sendto", "close", "abort", "isClosing", "getExtraInfo"],
    Server: ["close", "waitClosed", "serveForever", "startServing", "isServing", "getLoop", "closeClients", "abortClients"],
    StreamReader: ["read", "readline", "readexactly", "readuntil", "atEof"],
    StreamWriter: ["write", "writelines", "drain", "writeEof", "canWriteEof", "close", "isClosing", "waitClosed", "getExtraInfo", "startTls"],
  };
  for (const [cls, names] of Object.entries(methods)) {
    const proto = (api[cls] as { prototype: Record<string, unknown> }).prototype;
    for (const m of names) assert.type(proto[m], "function", `${cls}.${m}`);
  }
  assert.type((node.StreamReader.prototype as unknown as Record<symbol, unknown>)[Symbol.asyncIterator], "function", "StreamReader is async-iterable");
  assert.ok("sockets" in node.Server.prototype, "Server.sockets");
  assert.ok("transport" in node.StreamWriter.prototype, "StreamWriter.transport");
});

test("issue 15's subprocess names in wasyncio/node", () => {
  const api = node as unknown as Record<string, unknown>;
  for (const name of ["createSubprocessExec", "createSubprocessShell"]) assert.type(api[name], "function", name);
  for (const name of ["PIPE", "STDOUT", "DEVNULL"]) assert.type(api[name], "number", name);
  assert.equal([node.PIPE, node.STDOUT, node.DEVNULL], [-1, -2, -3], "Python's subprocess values");
  const methods: [unknown, string[]][] = [
    [node.EventLoop, ["subprocessExec", "subprocessShell"]],
    [node.SubprocessProtocol, ["connectionMade", "connectionLost", "pipeDataReceived", "pipeConnectionLost", "processExited"]],
    [node.SubprocessTransport, [
      "getPid", "getReturncode", "getPipeTransport", "sendSignal", "terminate", "kill", "close", "isClosing", "getExtraInfo",
      "getProtocol", "setProtocol",
    ]],
    [node.Process, ["wait", "communicate", "sendSignal", "terminate", "kill"]],
  ];
  for (const [cls, names] of methods) {
    assert.ok(/^class /.test(String(cls)), `${(cls as { name: string }).name} is a class`);
    const proto = (cls as { name: string; prototype: Record<string, unknown> }).prototype;
    for (const m of names) assert.type(proto[m], "function", `${(cls as { name: string }).name}.${m}`);
  }
  assert.ok("returncode" in node.Process.prototype, "Process.returncode");
  assert.ok(!("SubprocessReadPipe" in node) && !("SubprocessWritePipe" in node), "a child's pipes are the pipe transports");
});

test("issue 14's names: contextvars, Runner, cancel scopes, TaskGroup.cancel", () => {
  const api = wasyncio as unknown as Record<string, unknown>;
  for (const name of ["ContextVar", "Context", "Token", "LookupError", "Runner", "CancelScope"]) {
    assert.ok(/^class /.test(String(api[name])), `${name} is a class`);
  }
  for (const name of ["copyContext", "cancelScope"]) assert.type(api[name], "function", name);
  const methods: [unknown, string[]][] = [
    [wasyncio.ContextVar, ["get", "set", "reset"]],
    [wasyncio.Context, ["run", "copy", "get", "has", "keys", "values", "entries"]],
    [wasyncio.Runner, ["run", "runSync", "getLoop", "close", "closeSync"]],
    [wasyncio.CancelScope, ["cancel"]],
    [wasyncio.TaskGroup, ["cancel", "createTask"]],
    [wasyncio.Task, ["getContext"]],
  ];
  for (const [cls, names] of methods) {
    const proto = (cls as { name: string; prototype: Record<string, unknown> }).prototype;
    for (const m of names) assert.type(proto[m], "function", `${(cls as { name: string }).name}.${m}`);
  }
  assert.type((wasyncio.Context.prototype as unknown as Record<symbol, unknown>)[Symbol.iterator], "function", "Context is iterable");
  assert.type((wasyncio.Runner.prototype as unknown as Record<symbol, unknown>)[Symbol.dispose], "function", "Runner[Symbol.dispose]");
  assert.is(wasyncio.LookupError.name, "LookupError");
});

test("issue 15's signal names: loop.addSignalHandler/removeSignalHandler, KeyboardInterrupt", () => {
  const loop = new node.EventLoop();
  for (const m of ["addSignalHandler", "removeSignalHandler"]) assert.type((loop as unknown as Record<string, unknown>)[m], "function", m);
  loop.close();
  assert.ok(/^class /.test(String(wasyncio.KeyboardInterrupt)), "KeyboardInterrupt is a class");
  assert.ok(node.KeyboardInterrupt === wasyncio.KeyboardInterrupt);
  assert.is(new wasyncio.KeyboardInterrupt().name, "KeyboardInterrupt");
});

test("issue 15's pipe names: connectReadPipe/connectWritePipe, the pipe transports, openStdio", () => {
  const loop = new node.EventLoop();
  for (const m of ["connectReadPipe", "connectWritePipe"]) assert.type((loop as unknown as Record<string, unknown>)[m], "function", m);
  loop.close();
  assert.type(node.openStdio, "function");
  const methods: [unknown, string[]][] = [
    [node.ReadPipeTransport, ["pauseReading", "resumeReading", "isReading", "close", "abort", "isClosing", "getExtraInfo", "getProtocol", "setProtocol"]],
    [node.WritePipeTransport, [
      "write", "writelines", "writeEof", "canWriteEof", "close", "abort", "isClosing", "getExtraInfo", "getWriteBufferSize",
      "getWriteBufferLimits", "setWriteBufferLimits",
    ]],
  ];
  for (const [cls, names] of methods) {
    assert.ok(/^class /.test(String(cls)), `${(cls as { name: string }).name} is a class`);
    assert.ok((cls as { prototype: object }).prototype instanceof node.PipeTransport, "a PipeTransport");
    assert.ok((cls as { prototype: object }).prototype instanceof node.BaseTransport, "a BaseTransport");
    const proto = (cls as { prototype: Record<string, unknown> }).prototype;
    for (const m of names) assert.type(proto[m], "function", `${(cls as { name: string }).name}.${m}`);
  }
});

test.run();
