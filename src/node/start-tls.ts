/// <reference types="node" />
// TLS over a connection that is already open: node:tls wraps the existing net.Socket in a
// TLSSocket (client or server side) and runs the handshake; the connection is ready when
// Node says 'secureConnect' (client) or 'secure' (server). A handshake that takes longer
// than its timeout aborts the connection, as asyncio's sslproto does
// (ConnectionAbortedError there; an Error with code ECONNABORTED here).
import type * as net from "node:net";
import * as tls from "node:tls";
import type { EventLoop } from "../base-loop.js";
import { checkNotClosed, checkOptionalString, checkOptions, expected } from "../checks.js";
import type { Coroutine } from "../events.js";
import type { Future } from "../future.js";
import { _Operation } from "../operation.js";
import { notAProtocol, type StreamProtocolLike } from "../streams/protocols.js";
import { _whenMade } from "./create-connection.js";
import { osError } from "./errno.js";
import { installLoopMethods } from "./install.js";
import { _closeWithLoop, _ignoreError, _once } from "./node-events.js";
import { _clientTls, _handshakeTimeout, _serverTls } from "./tls-options.js";
import { Transport } from "./transports.js";
import type { _ClientOwner } from "./transport-options.js";
import type { _ServerClient } from "../streams/serving.js";

/** How to wrap a connection: which side, its context and options, the handshake's limit. @internal */
export interface _TlsUpgrade {
  serverSide: boolean;
  context: tls.SecureContext;
  /** tls.connect options (client) or TLSSocket options (server), the context excepted. */
  options: tls.ConnectionOptions | tls.TLSSocketOptions;
  /** SNI and the name the certificate must match (client side). */
  servername: string | undefined;
  /** Milliseconds the handshake may take. */
  timeout: number;
  /** The call that asked for it, for the timeout's message. */
  call: string;
}

/**
 * Wraps `conn` in TLS and starts the handshake: the TLS socket and a Future done when the
 * handshake has succeeded (rejected with its error, or ECONNABORTED after `timeout` ms).
 * The caller owns the socket (closes it if the Future fails). @internal
 */
export function _wrapTls(loop: EventLoop, conn: net.Socket, u: _TlsUpgrade): [tls.TLSSocket, Future<void>] {
  let socket: tls.TLSSocket;
  let ready: Future<void>;
  if (u.serverSide) {
    socket = new tls.TLSSocket(conn, { ...(u.options as tls.TLSSocketOptions), isServer: true, secureContext: u.context });
    ready = _once(loop, socket, "secure");
    // A server's handshake only progresses while it reads; there is no application data
    // before 'secure', and reading stops again there (the transport resumes it).
    socket.once("secure", () => socket.pause());
    socket.resume();
  } else {
    socket = tls.connect({ ...(u.options as tls.ConnectionOptions), socket: conn, secureContext: u.context, servername: u.servername });
    ready = _once(loop, socket, "secureConnect");
  }
  socket.on("error", _ignoreError);
  // A peer that closes mid-handshake: Node reports 'close' (maybe without an error).
  const onClose = (): void => {
    if (!ready.done() && !loop.isClosed()) ready.setException(osError(u.call, "ECONNRESET", "the connection closed during the TLS handshake"));
  };
  socket.once("close", onClose);
  const timer = setTimeout(() => {
    if (ready.done() || loop.isClosed()) return;
    const seconds = u.timeout / 1000;
    const error = osError(u.call, "ECONNABORTED", `SSL handshake is taking longer than ${seconds} seconds: aborting the connection`);
    socket.destroy();
    ready.setException(error);
  }, u.timeout);
  // The socket keeps the process alive while it is open; the timer need not.
  timer.unref();
  ready.addDoneCallback(() => {
    clearTimeout(timer);
    socket.removeListener("close", onClose);
    // A failed handshake ends the connection: destroying the TLS socket alone leaves the
    // socket it wraps open.
    if (ready.cancelled() || ready.exception() !== null) conn.destroy();
  });
  return [socket, ready];
}

// ---- loop.startTls ---------------------------------------------------------------------

/**
 * Options of `loop.startTls`.
 * @example
 * yield* loop.startTls(transport, proto, { ca: cert }, { serverHostname: "localhost" })
 */
export interface StartTlsOptions {
  /** Run the handshake as the server (default false: as the client). */
  serverSide?: boolean;
  /** The client's SNI and the name the certificate must match. Not with serverSide. */
  serverHostname?: string | null;
  /** Milliseconds the handshake may take (default 60 000, asyncio's 60 s), as createServer's. */
  sslHandshakeTimeout?: number | null;
}

declare module "../base-loop.js" {
  interface EventLoop {
    /**
     * STARTTLS: upgrades an open connection to TLS (asyncio's `start_tls`). Reading stops,
     * the connection goes under a node:tls socket (client side, or `serverSide`), and once
     * the handshake is done the Future gives the new transport, whose events go to
     * `protocol` (no second `connectionMade`). The old transport must not be used
     * afterwards. `sslContext` is `tls.connect` options (client; `true` for the system CAs),
     * `tls.createServer` options (server: `{ key, cert }`) or a SecureContext. A handshake
     * over `sslHandshakeTimeout` aborts the connection (`ECONNABORTED`).
     * @example
     * transport.write("STARTTLS\r\n")   // the peer agreed: upgrade
     * const tlsTransport = yield* loop.startTls(transport, proto, { ca: cert }, { serverHostname: "mail.example" })
     * tlsTransport.write("EHLO me\r\n")
     */
    startTls(
      transport: Transport, protocol: StreamProtocolLike, sslContext: tls.ConnectionOptions | tls.TlsOptions | tls.SecureContext | true,
      options?: StartTlsOptions,
    ): Future<Transport>;
  }
}

interface StartTlsArgs {
  transport: Transport;
  protocol: StreamProtocolLike;
  upgrade: _TlsUpgrade;
}

function startTls(this: EventLoop, transport: unknown, protocol: unknown, sslContext: unknown, options?: unknown): Future<Transport> {
  const call = "startTls()";
  checkNotClosed(call, this);
  if (!(transport instanceof Transport)) throw expected(call, "transport to be a stream Transport of wasyncio/node", transport);
  const missing = notAProtocol(protocol, "stream");
  if (missing !== null) throw expected(call, `protocol to be a stream protocol${missing}`, protocol);
  const o = checkOptions<StartTlsOptions>(call, options);
  const serverSide = Boolean(o.serverSide);
  const serverHostname = o.serverHostname ?? null;
  checkOptionalString(call, "options.serverHostname", serverHostname);
  if (sslContext === undefined || sslContext === null || sslContext === false) throw expected(call, "sslContext to be TLS options or a SecureContext", sslContext);
  let upgrade: _TlsUpgrade;
  if (serverSide) {
    if (serverHostname !== null) throw new RangeError(`${call}: serverHostname is only meaningful on the client side`);
    const s = _serverTls(call, sslContext, o.sslHandshakeTimeout)!;
    upgrade = { serverSide, context: s.context, options: s.options, servername: undefined, timeout: s.handshakeTimeout, call };
  } else {
    const c = _clientTls(call, sslContext)!;
    const timeout = _handshakeTimeout(call, o.sslHandshakeTimeout);
    upgrade = { serverSide, context: c.context, options: c.options, servername: serverHostname ?? undefined, timeout, call };
  }
  if (transport.isClosing()) throw new Error(`${call}: the transport is closing (or closed): there is no connection left to upgrade`);
  if (transport.getExtraInfo("sslObject") !== undefined) throw new Error(`${call}: the transport is already TLS`);
  return new _Operation(this, upgradeTransport(this, { transport, protocol: protocol as StreamProtocolLike, upgrade }));
}

function* upgradeTransport(loop: EventLoop, a: StartTlsArgs): Coroutine<Transport> {
  // asyncio pauses reading first; one loop iteration lets the chunks Node has already
  // delivered reach the paused transport, which holds them (they belong to the handshake).
  a.transport.pauseReading();
  const turn = loop.createFuture<void>();
  loop.callSoon(() => turn.done() || turn.setResult(undefined));
  yield* turn;
  if (a.transport.isClosing()) throw new Error(`${a.upgrade.call}: the transport was closed before the upgrade`);
  // The server that accepted the connection goes on counting it: the handshake, then the new transport.
  const owner = a.transport._owner as _ClientOwner | null;
  a.transport._owner = null;
  const conn = a.transport._handOver();
  const [socket, ready] = _wrapTls(loop, conn, a.upgrade);
  const handshake: _ServerClient = { close: () => socket.destroy(), abort: () => socket.destroy() };
  owner?._swap(a.transport, handshake);
  const release = _closeWithLoop(loop, () => socket.destroy());
  try {
    yield* ready;
  } catch (e) {
    socket.destroy();
    owner?._detach(handshake);
    throw e;
  } finally {
    release();
  }
  // The new transport must not call connectionMade again (asyncio's call_connection_made=False):
  // it is made with a stand-in whose connectionMade (the transport's first event, before any
  // data) hands the transport over to the real protocol.
  const protocol = a.protocol;
  const standIn = {
    connectionMade(t: Transport): void {
      t.setProtocol(protocol);
    },
    dataReceived(): void {},
  };
  const waiter = loop.createFuture<void>();
  const transport = new Transport(loop, socket, standIn, { waiter, tls: a.upgrade.context, serverSide: a.upgrade.serverSide, owner });
  owner?._swap(handshake, transport);
  const [made] = yield* _whenMade(waiter, transport, protocol);
  return made;
}

installLoopMethods({ startTls });
