// Node-only methods of EventLoop: each networking module installs its methods on the
// prototype when `wasyncio/node` is loaded, so the browser build carries none of them.
import { EventLoop } from "../base-loop.js";

/**
 * Which copy of the networking modules installed the methods. When a program loads both
 * builds of the package, they share one EventLoop (src/registry.ts) and the first
 * networking copy serves both; a later copy's modules still run, and must not replace
 * the methods with ones bound to its own, unused, Socket class.
 */
const INSTALLER = Symbol.for("wasyncio.node.installer");
const thisCopy = {};

/**
 * Defines `methods` on `EventLoop.prototype`: writable and configurable, as ordinary
 * prototype methods (the asyncio walkthrough replaces `EventLoop.prototype.sockAccept`
 * with its own).
 * @internal
 */
export function installLoopMethods(methods: Record<string, (this: EventLoop, ...args: any[]) => unknown>): void {
  const proto = EventLoop.prototype as unknown as Record<symbol, unknown>;
  if (proto[INSTALLER] !== undefined && proto[INSTALLER] !== thisCopy) return;
  Object.defineProperty(proto, INSTALLER, { value: thisCopy, configurable: true });
  for (const name of Object.keys(methods)) {
    Object.defineProperty(EventLoop.prototype, name, { value: methods[name], writable: true, configurable: true, enumerable: false });
  }
}
