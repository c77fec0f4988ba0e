/// <reference types="node" preserve="true" />
// wasyncio/node: the whole library plus Node networking. Loading it installs the loop's
// Node methods (addReader, sock*, getaddrinfo, createServer, ...) on EventLoop.prototype.

export * from "../index.js";

// The loop methods each module installs when it loads.
import "./selector.js";
import "./sock-methods.js";
import "./create-server.js";
import "./create-connection.js";
import "./datagram-endpoint.js";
import "./subprocess-transport.js";
import "./signals.js";
import "./pipes.js";
import "./start-tls.js";

// Sockets and the readiness bridge
export * from "./constants.js";
export { Socket, socket } from "./socket.js";
export { type FileDescriptor } from "./selector.js";
export { type AddrInfo, type GetaddrinfoOptions, type SendfileOptions } from "./sock-methods.js";

// Transports, protocols and servers
export {
  BaseProtocol, Protocol, BufferedProtocol, DatagramProtocol, type Address, type ProtocolFactory, type StreamProtocolLike, type DatagramProtocolLike,
} from "../streams/protocols.js";
export { BaseTransport } from "../streams/base-transport.js";
export { Transport } from "./transports.js";
export { DatagramTransport } from "./datagram.js";
export { Server } from "./server.js";
export { type CreateServerOptions } from "./create-server.js";
export { type CreateConnectionOptions, type ConnectAcceptedSocketOptions } from "./create-connection.js";
export { type DatagramEndpointOptions } from "./datagram-endpoint.js";
export { type StartTlsOptions } from "./start-tls.js";

// Streams
export {
  StreamReader, StreamWriter, StreamReaderProtocol, FlowControlProtocol, openConnection, startServer, openUnixConnection, startUnixServer,
  DEFAULT_LIMIT, type StreamOptions, type StreamReaderOptions, type ClientConnectedCallback, type ReadingTransport,
} from "./streams.js";

// Subprocesses
export {
  SubprocessProtocol, SubprocessTransport, type SubprocessProtocolLike, type SubprocessOptions, type StdioChoice,
} from "./subprocess-transport.js";
export { Process, createSubprocessExec, createSubprocessShell, type CreateSubprocessOptions } from "./subprocess.js";
// Signals, pipes and stdio
export { type SignalLike } from "./signals.js";
export { PipeTransport, ReadPipeTransport, WritePipeTransport } from "./pipe-transports.js";
export { openStdio, type StdioOptions } from "./pipes.js";

// Introspection
export { installTaskDump, type TaskDumpOptions } from "./task-dump.js";
