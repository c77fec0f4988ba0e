// A port for a test's server, outside any event loop (node-net-helpers has the coroutine form).
import * as net from "node:net";

/** A port nothing listens on: bound by node:net on 127.0.0.1, then released. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}
