/// <reference types="node" />
// The `ssl` option of the loop's connection methods, checked at the call and turned into
// what node:tls takes: a SecureContext (made once, here) and the per-connection options.
// These checks stay out of checks.ts: they need node:tls (to make the context).
import * as tls from "node:tls";
import { checkHandshakeTimeout, expected } from "../checks.js";

/** asyncio's SSL_HANDSHAKE_TIMEOUT, in ms. */
const SSL_HANDSHAKE_TIMEOUT = 60_000;

/** An `sslHandshakeTimeout` option in ms (checked), or asyncio's default. @internal */
export function _handshakeTimeout(call: string, timeout: unknown): number {
  return timeout !== undefined && timeout !== null ? checkHandshakeTimeout(call, timeout) : SSL_HANDSHAKE_TIMEOUT;
}

/** TLS settings of a server: the context, and the per-connection options. @internal */
export interface _ServerTls {
  context: tls.SecureContext;
  options: tls.TLSSocketOptions;
  /** Milliseconds a handshake may take (asyncio's ssl_handshake_timeout, default 60 s). */
  handshakeTimeout: number;
}

/** TLS settings of a client connection. @internal */
export interface _ClientTls {
  context: tls.SecureContext;
  options: tls.ConnectionOptions;
}

function isSecureContext(value: unknown): value is tls.SecureContext {
  return typeof value === "object" && value !== null && (value as { constructor?: { name?: string } }).constructor?.name === "SecureContext" &&
    "context" in value;
}

/** createServer's `ssl` and `sslHandshakeTimeout` options, or null without TLS. @internal */
export function _serverTls(call: string, ssl: unknown, timeout: unknown): _ServerTls | null {
  if (ssl === undefined || ssl === null || ssl === false) {
    if (timeout !== undefined && timeout !== null) throw new RangeError(`${call}: sslHandshakeTimeout is only meaningful with ssl`);
    return null;
  }
  const handshakeTimeout = timeout !== undefined && timeout !== null ? checkHandshakeTimeout(call, timeout) : SSL_HANDSHAKE_TIMEOUT;
  if (isSecureContext(ssl)) return { context: ssl, options: {}, handshakeTimeout };
  if (typeof ssl !== "object") throw expected(call, "options.ssl to be tls.createServer options or a SecureContext", ssl);
  const o = ssl as tls.TlsOptions;
  const context = o.secureContext ?? tls.createSecureContext(o);
  const options: tls.TLSSocketOptions = {};
  if (o.requestCert !== undefined) options.requestCert = o.requestCert;
  if (o.rejectUnauthorized !== undefined) options.rejectUnauthorized = o.rejectUnauthorized;
  if (o.ALPNProtocols !== undefined) options.ALPNProtocols = o.ALPNProtocols;
  if (o.SNICallback !== undefined) options.SNICallback = o.SNICallback;
  return { context, options, handshakeTimeout };
}

/** createConnection's `ssl` option, or null without TLS. @internal */
export function _clientTls(call: string, ssl: unknown): _ClientTls | null {
  if (ssl === undefined || ssl === null || ssl === false) return null;
  if (ssl === true) {
    const context = tls.createSecureContext();
    return { context, options: { secureContext: context } };
  }
  if (isSecureContext(ssl)) return { context: ssl, options: { secureContext: ssl } };
  if (typeof ssl !== "object") throw expected(call, "options.ssl to be true, tls.connect options or a SecureContext", ssl);
  const o = ssl as tls.ConnectionOptions;
  const context = o.secureContext ?? tls.createSecureContext(o);
  return { context, options: { ...o, secureContext: context } };
}
