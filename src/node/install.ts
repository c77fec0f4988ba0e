// Node-only methods of EventLoop: each networking module installs its methods on the
// prototype when `wasyncio/node` is loaded, so the browser build carries none of them.
import { EventLoop } from "../base-loop.js";

/**
 * Defines `methods` on `EventLoop.prototype`: writable and configurable, as ordinary
 * prototype methods (the seed replaces `EventLoop.prototype.sockAccept` with its own).
 * @internal
 */
export function installLoopMethods(methods: Record<string, (this: EventLoop, ...args: any[]) => unknown>): void {
  for (const name of Object.keys(methods)) {
    Object.defineProperty(EventLoop.prototype, name, { value: methods[name], writable: true, configurable: true, enumerable: false });
  }
}
