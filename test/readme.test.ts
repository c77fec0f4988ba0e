// Every code block of the README, as a reader copies it. Each TypeScript block is a whole
// program: all are type-checked together (strict, against the built package's own types,
// through its exports map), then each runs in a fresh Node process, importing "wasyncio"
// from dist/. A block followed by a text block (the lines after "It prints:") must print
// exactly that. A block marked `<!-- readme-test: server PORT -->` is a server: it is
// started on a free port instead of PORT, talked to by a client (a line must come back),
// then sent SIGINT; `<!-- readme-test: server PORT exits -->` must then exit with code 0.
// Shell blocks name commands: each `npm run X` must be a script of package.json and each
// `npx tsx FILE` must name a file that exists.
import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as net from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import { freePort, plainEnv } from "./host.js";
import * as assert from "uvu/assert";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const TSC = createRequire(import.meta.url).resolve("typescript/bin/tsc");

interface Block {
  lang: string;
  code: string;
  line: number;
  /** The text block that shows what it prints, if any. */
  prints?: string;
  /** `server PORT [exits]`. */
  server?: { port: number; exits: boolean };
}

function blocks(markdown: string): Block[] {
  const found: Block[] = [];
  const lines = markdown.split("\n");
  let marker: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const m = /^<!-- readme-test: (.*) -->$/.exec(lines[i]);
    if (m) marker = m[1];
    const fence = /^```(\w*)\s*$/.exec(lines[i]);
    if (!fence) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "```"; i++) body.push(lines[i]);
    const block: Block = { lang: fence[1], code: body.join("\n") + "\n", line: start + 1 };
    if (marker !== null) {
      const s = /^server (\d+)( exits)?$/.exec(marker);
      if (!s) throw new Error(`README.md:${start}: unknown readme-test marker "${marker}"`);
      block.server = { port: Number(s[1]), exits: s[2] !== undefined };
      marker = null;
    }
    const previous = found[found.length - 1];
    if (block.lang === "text" && previous !== undefined && /It prints:\s*$/.test(lines.slice(previous.line, start).join("\n"))) {
      previous.prints = block.code;
      continue;
    }
    found.push(block);
  }
  return found;
}

const all = blocks(README);
const programs = all.filter((b) => b.lang === "ts" || b.lang === "typescript");
const files = programs.map((b) => join(ROOT, `.readme-${b.line}-${process.pid}.mts`));

function run(args: string[], options: { timeout?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = plainEnv();
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, env, timeout: options.timeout ?? 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}


/** Connects to 127.0.0.1:port, retrying while the server starts; sends a line, returns the reply. */
function echo(port: number, deadline: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const conn = net.connect(port, "127.0.0.1");
      let got = "";
      conn.setEncoding("utf8");
      conn.once("connect", () => conn.write("hello\n"));
      conn.on("data", (chunk: string) => {
        got += chunk;
        if (got.endsWith("\n")) {
          conn.destroy();
          resolve(got);
        }
      });
      conn.once("error", (err) => {
        conn.destroy();
        if (Date.now() < deadline) setTimeout(attempt, 50);
        else reject(err);
      });
    };
    attempt();
  });
}

/** The server's resident memory, from /proc (Linux). */
function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m === null ? NaN : Number(m[1]) * 1024;
}

/**
 * Ten peers that send lines and never read what comes back, for up to 3 s. A server that
 * honours backpressure (pauseWriting, drain) stops reading from them once its writes back
 * are stuck, so it holds only the kernel's buffers; one that does not reads all 320 MB
 * and keeps it. Returns how much the server's memory grew.
 */
async function nonReadingPeers(port: number, pid: number): Promise<number> {
  const before = rssOf(pid);
  const chunk = Buffer.alloc(64 * 1024, "x\n");
  const peers = Array.from({ length: 10 }, () => net.connect(port, "127.0.0.1"));
  let peak = before;
  try {
    await Promise.race([
      Promise.all(peers.map((peer) => new Promise<void>((resolve, reject) => {
        let left = 32 * 1024 * 1024;
        const pump = () => {
          while (left > 0) {
            left -= chunk.length;
            if (!peer.write(chunk)) return void peer.once("drain", pump);
          }
          resolve();
        };
        peer.once("connect", pump);
        peer.once("error", reject);
        peer.pause(); // never read
      }))),
      new Promise((r) => setTimeout(r, 3000)),
    ]);
    peak = Math.max(peak, rssOf(pid));
  } finally {
    for (const peer of peers) peer.destroy();
  }
  return peak - before;
}

test.before(() => {
  programs.forEach((b, i) => writeFileSync(files[i], b.code));
});

test.after(() => {
  for (const f of files) rmSync(f, { force: true });
});

test("README: there are code blocks, and each TypeScript one imports the package", () => {
  assert.ok(programs.length >= 6, `${programs.length} TypeScript blocks`);
  for (const b of programs) assert.match(b.code, /from "wasyncio(\/node|\/testing)?"/, `README.md:${b.line}`);
});

test("README: every TypeScript block type-checks (strict, the package's own types, skipLibCheck: false)", async () => {
  const config = join(ROOT, `.readme-tsconfig-${process.pid}.json`);
  writeFileSync(config, JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022",
      lib: ["es2022"], types: ["node"], skipLibCheck: false,
    },
    files: files.map((f) => f.slice(ROOT.length)),
  }));
  try {
    const result = await run([TSC, "-p", config]);
    assert.is(result.code, 0, result.stdout.replaceAll(/\.readme-(\d+)-\d+\.mts/g, "README.md block at line $1"));
  } finally {
    rmSync(config, { force: true });
  }
});

programs.forEach((block, i) => {
  const what = block.server ? `serves (port ${block.server.port})` : block.prints !== undefined ? "prints what the README shows" : "runs";
  test(`README block at line ${block.line} ${what}`, async () => {
    if (block.server === undefined) {
      const result = await run(["--import", "tsx", files[i]]);
      assert.is(result.code, 0, `exit ${result.code}\n${result.stdout}\n${result.stderr}`);
      if (block.prints !== undefined) assert.fixture(result.stdout, block.prints);
      return;
    }
    const port = await freePort();
    writeFileSync(files[i], block.code.replaceAll(String(block.server.port), String(port)));
    const env = plainEnv();
    const child = spawn(process.execPath, ["--import", "tsx", files[i]], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      assert.is(await echo(port, Date.now() + 20_000), "hello\n", stderr);
      if (process.platform === "linux") {
        const grew = await nonReadingPeers(port, child.pid!);
        assert.ok(grew < 64e6, `ten peers that never read grew the server by ${(grew / 1e6).toFixed(0)} MB: it ignores backpressure`);
        assert.is(await echo(port, Date.now() + 5_000), "hello\n", `after the peers: ${stderr}`);
      }
      child.kill("SIGINT");
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r("still running 10 s after SIGINT"), 10_000))]);
      if (block.server.exits) {
        assert.is(code, 0, `${stdout}\n${stderr}`);
        if (block.prints !== undefined) assert.fixture(stdout, block.prints);
      }
    } finally {
      child.kill("SIGKILL");
    }
  });
});

test("README: shell blocks name scripts and files that exist", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  for (const b of all.filter((x) => x.lang === "sh" || x.lang === "bash")) {
    for (const m of b.code.matchAll(/npm run (\S+)/g)) assert.ok(m[1] in pkg.scripts, `README.md:${b.line}: npm run ${m[1]} is not a script`);
    for (const m of b.code.matchAll(/npx tsx (\S+)/g)) assert.ok(existsSync(join(ROOT, m[1])), `README.md:${b.line}: ${m[1]} does not exist`);
  }
});

test("README: the Architecture's source tree names every file and folder of src/", () => {
  const tree = all.find((b) => b.code.startsWith("assembly/") && b.code.includes("\nsrc/\n"));
  assert.ok(tree, "the source tree block (assembly/, src/ ...) is in the README");
  const words = new Set(tree.code.split(/[^\w.-]+/).flatMap((w) => [w, w.replace(/\.ts$/, "")]));
  const missing: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const stem = entry.name.replace(/\.ts$/, "");
      if (entry.isDirectory()) {
        if (!tree.code.includes(`${entry.name}/`)) missing.push(`${dir}/${entry.name}/`);
        walk(`${dir}/${entry.name}`);
      } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".generated.ts") && !["index", "types"].includes(stem) && !words.has(stem)) {
        missing.push(`${dir}/${entry.name}`);
      }
    }
  };
  walk("src");
  assert.equal(missing, []);
});

test("README: no blank line splits a table (a row after it would render as text)", () => {
  const split = [...README.matchAll(/^\|.*\|\n\n(\|.*)$/gm)].map((m) => m[1].slice(0, 60));
  assert.equal(split, []);
});

test("README: no link leaves the repository, and every relative link leads to a file", () => {
  for (const m of README.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1];
    if (/^https?:\/\//.test(target) || target.startsWith("#")) continue;
    assert.not.ok(target.startsWith("../") || target.startsWith("/"), `README links outside the repository: ${target}`);
    assert.ok(existsSync(join(ROOT, target.split("#")[0])), `README links to ${target}, which does not exist`);
  }
});

test.run();
