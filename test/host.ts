// What tests need of the host, outside any event loop: a free port, a turn of Node's own
// event loop, and a child process environment like a user's shell.
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

/**
 * Lets Node run what it deferred to its next turn: next-tick and immediate callbacks (a
 * bind on Node 20/22, the process's warnings). In a task: `yield* wait(hostTick())`.
 */
export function hostTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The environment of a user's shell for a child process: no loader (tsx) inherited, no forced colours. */
export function plainEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env.NODE_OPTIONS;
  delete env.FORCE_COLOR;
  return env;
}
