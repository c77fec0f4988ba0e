/// <reference types="node" />
// Node's callbacks and events as the loop meets them: a callback or an event settles a
// Future (unless its loop closed meanwhile: the answer then has nowhere to go, and nothing
// may throw out of Node's callback), an 'error' nobody else listens to is ignored, and what
// a connection method holds is closed if its loop closes first.
import type * as dns from "node:dns";
import { lookup as dnsLookup } from "node:dns";
import type { EventEmitter } from "node:events";
import { isIP } from "node:net";
import type { EventLoop } from "../base-loop.js";
import type { Future } from "../future.js";

/**
 * Settles `fut` from a Node callback, unless it was cancelled meanwhile or its loop closed
 * (the answer then has nowhere to go: nothing may throw out of Node's callback). @internal
 */
export function _settle<T>(loop: EventLoop, fut: Future<T>, err: Error | null | undefined, value?: T): void {
  if (fut.done() || loop.isClosed()) return;
  if (err !== null && err !== undefined) fut.setException(err);
  else fut.setResult(value as T);
}

/** Ignores an 'error' event: every Node socket we touch gets one, so none is ever unhandled. @internal */
export function _ignoreError(): void {}

/** A Future of `event` (or of the 'error' that comes first) on `emitter`. @internal */
export function _once(loop: EventLoop, emitter: EventEmitter, event: string): Future<void> {
  const fut = loop.createFuture<void>();
  const onError = (err: Error): void => {
    emitter.removeListener(event, onEvent);
    _settle(loop, fut, err);
  };
  const onEvent = (): void => {
    emitter.removeListener("error", onError);
    _settle(loop, fut, null);
  };
  emitter.once("error", onError);
  emitter.once(event, onEvent);
  return fut;
}

/** Every address `host` resolves to (node:dns lookup, as asyncio's getaddrinfo). @internal */
export function _lookup(loop: EventLoop, host: string, family: 0 | 4 | 6): Future<dns.LookupAddress[]> {
  const fut = loop.createFuture<dns.LookupAddress[]>();
  const ip = isIP(host);
  if (ip !== 0) fut.setResult([{ address: host, family: ip }]);
  else dnsLookup(host, { all: true, family }, (err, addresses) => _settle(loop, fut, err, addresses));
  return fut;
}

/**
 * Closes what a connection method is making if its loop closes first: the method's Future
 * can then never be done, so nobody would ever get the socket (asyncio's coroutine would be
 * dropped and its socket collected), and an open Node socket keeps the process alive.
 * Returns the function that ends the watch once the socket is handed over (or closed). @internal
 */
export function _closeWithLoop(loop: EventLoop, close: () => void): () => void {
  const watch = { _loopClosed: close };
  loop._addResource(watch);
  return () => loop._removeResource(watch);
}
