import { browserDriver } from "./browser.js";
import { nodeDriver } from "./node.js";
import { hostSetImmediate, type HostDriver } from "./types.js";

let driver: HostDriver | undefined;

/** The driver for this host: Node (setImmediate) or a browser (MessageChannel). @internal */
export function hostDriver(): HostDriver {
  return (driver ??= typeof hostSetImmediate === "function" ? nodeDriver() : browserDriver());
}
