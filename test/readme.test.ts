// The README's echo server, as a reader copies it: run through the package's own exports
// (wasyncio/node from dist/), then talked to by a client.
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The README's first TypeScript block that contains `needle`. */
function readmeBlock(needle: string): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  for (const m of readme.matchAll(/```ts\n([\s\S]*?)```/g)) if (m[1].includes(needle)) return m[1];
  throw new Error(`no ts block with ${needle} in README.md`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

function connectWithRetry(port: number, deadline: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const conn = net.connect(port, "127.0.0.1");
      conn.once("connect", () => resolve(conn));
      conn.once("error", (err) => {
        conn.destroy();
        // The server is still starting (tsx compiles it first).
        if (Date.now() < deadline) setTimeout(attempt, 50);
        else reject(err);
      });
    };
    attempt();
  });
}

test("README: the echo server in ten lines runs and echoes", async () => {
  const code = readmeBlock("class Echo");
  const lines = code.trim().split("\n");
  assert.ok(lines.length <= 12, `the echo server is ${lines.length} lines`);
  const port = await freePort();
  // In the package root, so "wasyncio/node" resolves through the package's self-reference to dist/.
  const file = join(ROOT, `.readme-echo-${process.pid}.mts`);
  writeFileSync(file, code.replace("8888", String(port)));
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ["--import", "tsx", file], { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  try {
    const conn = await connectWithRetry(port, Date.now() + 15_000);
    const echoed = await new Promise<string>((resolve, reject) => {
      let got = "";
      conn.setEncoding("utf8");
      conn.on("data", (chunk: string) => {
        got += chunk;
        if (got.length >= 11) resolve(got);
      });
      conn.on("error", reject);
      conn.write("hello\nworld");
    });
    conn.destroy();
    assert.is(echoed, "hello\nworld", stderr);
  } finally {
    child.kill("SIGTERM");
    rmSync(file, { force: true });
  }
});

test.run();
