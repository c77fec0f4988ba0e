// What tests need of the host, outside any event loop: a free port, a turn of Node's own
// event loop, and a child process environment like a user's shell.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

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

/**
 * Runs `source` (TypeScript; `WASYNCIO` in it names src/index.ts) in a fresh Node process
 * with `nodeArgs` (--expose-gc is always on), for what a test cannot measure in its own
 * process: heap after a synchronous job, memory limits. Returns its exit status and output.
 */
export function runChild(source: string, nodeArgs: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), "wasyncio-child-"));
  const file = join(dir, "main.ts");
  const index = pathToFileURL(join(import.meta.dirname, "..", "src", "index.ts")).href;
  writeFileSync(file, source.replaceAll("WASYNCIO", JSON.stringify(index)));
  try {
    const r = spawnSync(process.execPath, ["--import", "tsx", "--expose-gc", ...nodeArgs, file], { encoding: "utf8", env: plainEnv(), timeout: 120_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
