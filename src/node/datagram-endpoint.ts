/// <reference types="node" />
// loop.createDatagramEndpoint (asyncio's create_datagram_endpoint), installed on
// EventLoop.prototype: checks its arguments at the call and returns a Future at once; the
// work (resolve, bind, maybe connect, then make the protocol and its DatagramTransport)
// is a generator written like asyncio's coroutine, run by an _Operation.
import * as dgram from "node:dgram";
import type { EventLoop } from "../base-loop.js";
import { checkFactory, checkFamily, checkNotClosed, checkOptions } from "../checks.js";
import type { Coroutine } from "../events.js";
import type { Future } from "../future.js";
import { _Operation } from "../operation.js";
import { creationSite } from "../util.js";
import { _addrArg } from "./socket-address.js";
import { AF_INET, AF_INET6, AF_UNSPEC } from "./constants.js";
import { _whenMade } from "./create-connection.js";
import { DatagramTransport, type _EarlyDatagram } from "./datagram.js";
import { installLoopMethods } from "./install.js";
import { _closeWithLoop, _ignoreError, _lookup, _once } from "./node-events.js";
import { makeProtocol, type DatagramProtocolLike, type ProtocolFactory } from "../streams/protocols.js";

/** The families a datagram endpoint can have. */
const FAMILIES = [AF_UNSPEC, AF_INET, AF_INET6];

/**
 * Options of `loop.createDatagramEndpoint`.
 * @example
 * yield* loop.createDatagramEndpoint(factory, { localAddr: ["127.0.0.1", 0] })
 */
export interface DatagramEndpointOptions {
  /** Bind to this `[host, port]` (default: all interfaces, an ephemeral port). */
  localAddr?: [host: string, port: number] | null;
  /** Connect to this `[host, port]`: `sendto` needs no address and only it is heard. */
  remoteAddr?: [host: string, port: number] | null;
  /** `AF_INET` or `AF_INET6` (default: from the addresses, else AF_INET). */
  family?: number;
  /** SO_REUSEADDR (Node's `reuseAddr`). */
  reuseAddress?: boolean;
  /** SO_REUSEPORT, where Node supports it. */
  reusePort?: boolean;
  /** SO_BROADCAST. */
  allowBroadcast?: boolean;
}

declare module "../base-loop.js" {
  interface EventLoop {
    /**
     * A UDP endpoint over node:dgram: bound to `localAddr`, connected to `remoteAddr` if
     * given. Returns a Future of `[transport, protocol]`, done after `connectionMade`.
     * @example
     * const [transport, proto] = yield* loop.createDatagramEndpoint(() => new EchoUdp(), { localAddr: ["127.0.0.1", 9999] })
     */
    createDatagramEndpoint<P extends DatagramProtocolLike>(
      protocolFactory: ProtocolFactory<P>,
      options?: DatagramEndpointOptions,
    ): Future<[DatagramTransport, P]>;
  }
}

interface DatagramArgs<P> {
  factory: ProtocolFactory<P>;
  local: [string, number] | null;
  remote: [string, number] | null;
  family: number;
  reuseAddress: boolean;
  reusePort: boolean;
  allowBroadcast: boolean;
  /** Where the endpoint was asked for (debug mode), for its ResourceWarning. */
  site: string | undefined;
}

function* datagram<P extends DatagramProtocolLike>(loop: EventLoop, a: DatagramArgs<P>): Coroutine<[DatagramTransport, P]> {
  let family: 0 | 4 | 6 = a.family === AF_INET6 ? 6 : a.family === AF_INET ? 4 : 0;
  let local: [string, number] | null = null, remote: [string, number] | null = null;
  if (a.local !== null) {
    const [addr] = yield* _lookup(loop, a.local[0], family);
    local = [addr.address, a.local[1]];
    family = addr.family as 4 | 6;
  }
  if (a.remote !== null) {
    const [addr] = yield* _lookup(loop, a.remote[0], family);
    remote = [addr.address, a.remote[1]];
    family = addr.family as 4 | 6;
  }
  const sock = dgram.createSocket({ type: family === 6 ? "udp6" : "udp4", reuseAddr: a.reuseAddress, ...(a.reusePort ? { reusePort: true } : {}) });
  sock.on("error", _ignoreError);
  // Datagrams can arrive as soon as it is bound: kept for the transport.
  const early: _EarlyDatagram[] = [];
  const onEarly = (msg: Buffer, rinfo: dgram.RemoteInfo): void => void early.push([msg, rinfo]);
  sock.on("message", onEarly);
  let protocol: P;
  const release = _closeWithLoop(loop, () => closeQuietly(sock));
  try {
    const bound = _once(loop, sock, "listening");
    sock.bind({ address: local?.[0] ?? (family === 6 ? "::" : "0.0.0.0"), port: local?.[1] ?? 0 });
    yield* bound;
    if (a.allowBroadcast) sock.setBroadcast(true);
    if (remote !== null) {
      const connected = _once(loop, sock, "connect");
      sock.connect(remote[1], remote[0]);
      yield* connected;
    }
    protocol = makeProtocol("createDatagramEndpoint()", a.factory, "datagram");
  } catch (e) {
    closeQuietly(sock);
    throw e;
  } finally {
    release();
  }
  sock.removeListener("message", onEarly);
  const waiter = loop.createFuture<void>();
  const transport = new DatagramTransport(loop, sock, protocol, remote, { waiter, early, alias: a.remote, site: a.site });
  return yield* _whenMade(waiter, transport, protocol);
}

function closeQuietly(sock: dgram.Socket): void {
  try {
    sock.close();
  } catch {
    // Already closed.
  }
}

function createDatagramEndpoint(this: EventLoop, protocolFactory: unknown, options?: unknown): Future<[DatagramTransport, DatagramProtocolLike]> {
  const call = "createDatagramEndpoint()";
  checkNotClosed(call, this);
  checkFactory(call, protocolFactory);
  const o = checkOptions<DatagramEndpointOptions>(call, options);
  if (typeof o.localAddr === "string" || typeof o.remoteAddr === "string") {
    throw new TypeError(`${call}: Unix datagram sockets are not supported by node:dgram`);
  }
  const local = _addrArg(call, "options.localAddr", o.localAddr);
  const remote = _addrArg(call, "options.remoteAddr", o.remoteAddr);
  const family = checkFamily(call, o.family ?? AF_UNSPEC, FAMILIES);
  const args: DatagramArgs<DatagramProtocolLike> = {
    factory: protocolFactory as ProtocolFactory<DatagramProtocolLike>,
    local, remote, family,
    reuseAddress: Boolean(o.reuseAddress), reusePort: Boolean(o.reusePort), allowBroadcast: Boolean(o.allowBroadcast),
    site: this.getDebug() ? creationSite() : undefined,
  };
  return new _Operation(this, datagram(this, args));
}

installLoopMethods({ createDatagramEndpoint });
