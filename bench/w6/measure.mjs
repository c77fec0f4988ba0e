// W6 one-shot driver: start one echo server, load it with the shared client, and report
// the server's CPU time per round trip alongside the client's view (round trips/s, p50,
// p99).
//   node bench/w6/measure.mjs [--connections 32 --size 1024 --seconds 5 --warmup 1] -- <server command...>
// prints one JSON line. As a module: `measureServer({ command, args, ... })`.
//
// The server must print `listening <port>` on stdout once ready and exit on SIGTERM.
// Its CPU time is read from /proc/<pid>/stat (utime+stime, all threads of that process),
// at the boundaries of the measured phase only, so start-up, warm-up and shutdown are
// excluded. Only the spawned process is counted: run the server directly, not through a
// shell or npm wrapper whose children would escape the count.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { load } from "./client.mjs";

const READY_TIMEOUT_MS = 10_000;
const TERM_GRACE_MS = 3_000;
const STDERR_KEEP = 8_192;

let clkTck;
/** Clock ticks per second for /proc times; asked once, 100 if getconf is unavailable. */
function clockTicks() {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    } catch {
      clkTck = NaN;
    }
    if (!(clkTck > 0)) clkTck = 100;
  }
  return clkTck;
}

/** utime+stime of a process in ms (fields 14 and 15 of /proc/<pid>/stat). */
export function processCpuMs(pid) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (err) {
    throw new Error(`cannot read the server's CPU time (/proc/${pid}/stat: ${err.code}); did it exit?`);
  }
  // Field 2 (comm) is parenthesised and may contain spaces or parentheses, so split after
  // the last ")": what follows starts at field 3.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(rest[14 - 3]);
  const stime = Number(rest[15 - 3]);
  return ((utime + stime) * 1000) / clockTicks();
}

/** Resolve with the port from the server's `listening <port>` line. */
function waitListening(child, stderrTail) {
  return new Promise((resolve, reject) => {
    let buf = "";
    let settled = false;
    const done = (err, port) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off("exit", onExit);
      child.off("error", onError);
      if (err) reject(err);
      else resolve(port);
    };
    const timer = setTimeout(
      () => done(new Error(`server not listening after ${READY_TIMEOUT_MS} ms; stderr:\n${stderrTail()}`)),
      READY_TIMEOUT_MS,
    );
    const onExit = (code, signal) =>
      done(new Error(`server exited (${signal ?? code}) before listening; stderr:\n${stderrTail()}`));
    const onError = (err) => done(err);
    child.once("exit", onExit);
    child.once("error", onError);
    // Keep consuming stdout after the line, so a chatty server never blocks on a full pipe.
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      if (settled) return;
      buf += chunk;
      const m = /^listening (\d+)\r?$/m.exec(buf);
      if (m) done(null, Number(m[1]));
      else if (buf.length > 65_536) buf = buf.slice(-1024);
    });
  });
}

/** SIGTERM, then SIGKILL if the server has not exited after TERM_GRACE_MS. */
function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), TERM_GRACE_MS);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/**
 * Spawn an echo server, measure it under load, stop it.
 * @param {object} o
 * @param {string} o.command executable (e.g. process.execPath, "/usr/bin/python3")
 * @param {string[]} [o.args]
 * @param {string} [o.cwd]
 * @param {Record<string, string>} [o.env] extra environment for the server, over process.env
 * @param {number} [o.connections] (32)
 * @param {number} [o.size] (1024)
 * @param {number} [o.seconds] (5)
 * @param {number} [o.warmupSeconds] (1)
 * @returns {Promise<{ roundTrips: number, seconds: number, rps: number, p50Ms: number, p99Ms: number,
 *   errors: number, serverCpuMs: number, serverCpuPerRoundTripUs: number, clientCpuMs: number }>}
 */
export async function measureServer({
  command,
  args = [],
  cwd = undefined,
  env = undefined,
  connections = 32,
  size = 1024,
  seconds = 5,
  warmupSeconds = 1,
}) {
  clockTicks();
  const child = spawn(command, args, {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    // Python block-buffers stdout into a pipe; the ready line must arrive now.
    env: { ...process.env, PYTHONUNBUFFERED: "1", ...env },
  });
  // If this process exits early (error, signal turned into exit), do not orphan the server.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
  });
  const stderrTail = () => stderr.trimEnd() || "(empty)";

  try {
    const port = await waitListening(child, stderrTail);
    let cpu0 = NaN;
    let cpu1 = NaN;
    // The client's own CPU over the same window: says which side saturated first.
    let client0;
    let clientCpuMs = NaN;
    const r = await load({
      port,
      connections,
      size,
      seconds,
      warmupSeconds,
      onMeasureStart: () => {
        cpu0 = processCpuMs(child.pid);
        client0 = process.cpuUsage();
      },
      onMeasureEnd: () => {
        const d = process.cpuUsage(client0);
        clientCpuMs = (d.user + d.system) / 1000;
        cpu1 = processCpuMs(child.pid);
      },
    });
    // A server that died mid-run cannot be read at the end (load() rethrows that), and
    // one that died right after must not pass as measured either.
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited (${child.signalCode ?? child.exitCode}) during the run`);
    }
    const serverCpuMs = cpu1 - cpu0;
    return {
      roundTrips: r.roundTrips,
      seconds: r.seconds,
      rps: r.rps,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      errors: r.errors,
      serverCpuMs,
      serverCpuPerRoundTripUs: r.roundTrips > 0 ? (serverCpuMs * 1000) / r.roundTrips : NaN,
      clientCpuMs,
    };
  } catch (err) {
    if (err instanceof Error && !err.message.includes("stderr:")) err.message += `\nserver stderr:\n${stderrTail()}`;
    throw err;
  } finally {
    await stop(child);
    process.off("exit", killOnExit);
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const sep = argv.indexOf("--");
  const usage =
    "usage: node bench/w6/measure.mjs [--connections 32 --size 1024 --seconds 5 --warmup 1] -- <server command...>";
  if (sep < 0 || sep === argv.length - 1) throw new Error(usage);
  const { values } = parseArgs({
    args: argv.slice(0, sep),
    options: {
      connections: { type: "string", default: "32" },
      size: { type: "string", default: "1024" },
      seconds: { type: "string", default: "5" },
      warmup: { type: "string", default: "1" },
    },
  });
  const [command, ...args] = argv.slice(sep + 1);
  // A Ctrl-C or a runner's SIGTERM goes through exit, so the server is killed too.
  for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => process.exit(130));
  const r = await measureServer({
    // `node` means this Node, so a measurement never depends on what PATH resolves.
    command: command === "node" ? process.execPath : command,
    args,
    connections: Number(values.connections),
    size: Number(values.size),
    seconds: Number(values.seconds),
    warmupSeconds: Number(values.warmup),
  });
  const round = (x, d) => Math.round(x * 10 ** d) / 10 ** d;
  console.log(
    JSON.stringify({
      roundTrips: r.roundTrips,
      seconds: round(r.seconds, 3),
      rps: round(r.rps, 1),
      p50Ms: round(r.p50Ms, 3),
      p99Ms: round(r.p99Ms, 3),
      errors: r.errors,
      serverCpuMs: round(r.serverCpuMs, 1),
      serverCpuPerRoundTripUs: round(r.serverCpuPerRoundTripUs, 2),
      clientCpuMs: round(r.clientCpuMs, 1),
    }),
  );
  if (r.errors > 0) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err?.stack ?? err);
    process.exit(1);
  });
}
