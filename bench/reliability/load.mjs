// Load: N concurrent connections through wasyncio's echo servers, every byte verified.
//
//   npm run load                                   # 10,000 connections, both servers
//   npm run load -- --connections 2000 --bytes 65536 --server streams
//   npm run load -- --quick                        # 200 connections, a few seconds
//   bash -c 'ulimit -n 65536 && npm run load'      # if the open-file limit is too low
//
// This process runs the server under test on the built library (../../dist/; `npm run
// build` first): "protocol" is loop.createServer with a Protocol that writes back every
// chunk and pauses reading while its transport is paused for writing; "streams" is
// startServer with a read / write / `yield* writer.drain()` loop per connection. The
// clients run in a separate process (peer.mjs, plain node:net), so client and server
// never share an event loop. The clients first open every connection (at most 256
// handshakes in flight) and hold them all; then each sends `--bytes` of its own
// deterministic payload (common.mjs: distinct per connection, checkable at any offset),
// checks the echo byte for byte, ends its side, and waits for the server to close.
//
// With `--server both` each server runs in a fresh process of its own, one after the other.
// Reported per server: connections held at once (as the server counted them, and as the
// clients did), bytes verified, errors, wall time (connect phase and transfer phase),
// server RSS at start and at its peak (the kernel's VmHWM, reset when the server starts,
// and 100 ms samples). Exit status 1 if any connection failed, any byte was wrong or
// missing, or fewer connections than asked were held at once; 2 on bad arguments or an
// open-file limit too low for --connections (each process needs one fd per connection).
import { fork } from "node:child_process";
import { run, wrapPromise } from "../../dist/node.js";
import {
  EchoStats, RssSampler, cli, fdLimit, given, int, mb, memOf, num, printSummary, requireFds, resetPeakRss, secs, spawnPeer, startEcho,
  sysctl, trackUnhandled, until,
} from "./common.mjs";

const opts = cli("node bench/reliability/load.mjs [options]", {
  connections: { type: "string", default: "10000", help: "concurrent connections" },
  bytes: { type: "string", default: "16384", help: "bytes each connection sends (and gets back)" },
  server: { type: "string", default: "both", help: "protocol | streams | both" },
});
const connections = num("connections", opts.quick && !given("connections") ? "200" : opts.connections, { min: 1 });
const bytes = num("bytes", opts.bytes, { min: 1 });
const kinds = opts.server === "both" ? ["protocol", "streams"] : [opts.server];
if (!kinds.every((k) => k === "protocol" || k === "streams")) {
  console.error(`--server: expected protocol, streams or both, got ${opts.server}`);
  process.exit(2);
}

// One descriptor per connection in this process and in the client process (which inherits
// the limit), plus Node's own and some slack.
requireFds(connections + 64, `${int(connections)} connections`);
const somaxconn = Number(sysctl("net/core/somaxconn") ?? NaN);
const ports = (sysctl("net/ipv4/ip_local_port_range") ?? "").split(/\s+/).map(Number);
if (ports.length === 2 && ports[1] - ports[0] + 1 < connections) {
  console.error(`warning: only ${ports[1] - ports[0] + 1} ephemeral ports (net.ipv4.ip_local_port_range) for ${connections} connections`);
}

function* loadOne(kind, unhandled) {
  const stats = new EchoStats();
  const backlog = Math.min(4096, Number.isFinite(somaxconn) ? somaxconn : 4096);
  const [server, port] = yield* startEcho(kind, stats, { backlog });
  const peer = spawnPeer(`${kind} clients`);
  const salt = (Math.random() * 2 ** 32) >>> 0;
  const unhandledBefore = unhandled.count;
  try {
    const hwmReset = resetPeakRss();
    const rssStart = memOf().rss;
    const sampler = new RssSampler(100).start();
    const t0 = performance.now();
    const done = peer.run("echo", { port, connections, bytes, salt });
    const held = yield* wrapPromise(peer.next("held"));
    // The clients saw their handshakes complete; the server's accepts may trail by a few ticks.
    yield* until(() => stats.open >= held.connected, 5000);
    const serverHeld = stats.open;
    peer.send({ type: "go" });
    const result = yield* wrapPromise(done);
    // Every client has seen its connection closed by the server: the server's count must be 0.
    const drained = yield* until(() => stats.open === 0, 5000);
    const wallMs = performance.now() - t0;
    sampler.stop();
    const hwm = hwmReset ? memOf().hwm : NaN;
    const peak = Math.max(sampler.peak, Number.isFinite(hwm) ? hwm : 0);
    const expected = connections * bytes;
    const failures = [];
    if (result.errors.count > 0) failures.push(`${result.errors.count} client errors: ${JSON.stringify(result.errors.kinds)}`);
    if (result.verified !== expected) failures.push(`${result.verified} of ${expected} bytes verified`);
    if (serverHeld < connections || result.maxOpen < connections) failures.push(`held ${serverHeld} (server) / ${result.maxOpen} (clients) of ${connections}`);
    if (!drained) failures.push(`${stats.open} connections still open on the server after the clients finished`);
    if (stats.bugs.length > 0) failures.push(`server errors: ${stats.bugs.join("; ")}`);
    if (unhandled.count > unhandledBefore) failures.push(`${unhandled.count - unhandledBefore} unhandled errors: ${unhandled.samples.join("; ")}`);
    const row = {
      kind,
      held: serverHeld,
      clientHeld: result.maxOpen,
      verified: result.verified,
      expected,
      errors: result.errors.count + stats.bugs.length + (unhandled.count - unhandledBefore),
      connectMs: result.connectMs,
      transferMs: result.transferMs,
      wallMs,
      rssStart,
      peak,
      ends: stats.endsText,
      failures,
    };
    console.log(
      `${kind}: held ${int(serverHeld)} connections at once (clients: ${int(result.maxOpen)}), ` +
        `${int(result.verified)} of ${int(expected)} bytes verified, ${row.errors} errors, ` +
        `connect ${secs(result.connectMs)} + transfer ${secs(result.transferMs)}, ` +
        `server RSS ${mb(rssStart)} -> peak ${mb(peak)}; server-side ends: ${stats.endsText}`,
    );
    for (const f of failures) console.log(`  FAIL: ${f}`);
    if (result.errors.samples.length) console.log(`  first client errors: ${result.errors.samples.join(" | ")}`);
    return row;
  } finally {
    yield* wrapPromise(peer.close());
    server.close();
    yield* server.waitClosed();
  }
}

/** `--server both`: each server in a fresh process of its own, so neither's RSS starts where the other's ended. */
async function eachInItsOwnProcess() {
  const out = [];
  for (const kind of kinds) {
    // parseArgs keeps the last --server given.
    const child = fork(process.argv[1], [...process.argv.slice(2), "--server", kind], { env: { ...process.env, [ROW_ONLY]: "1" } });
    let row = null;
    child.on("message", (m) => (row = m));
    const code = await new Promise((resolve) => child.once("exit", resolve));
    out.push(row ?? { kind, held: 0, verified: 0, expected: connections * bytes, errors: 1, failures: [`exited ${code} without a result`] });
  }
  return out;
}

const ROW_ONLY = "WASYNCIO_LOAD_ROW";
if (!process.env[ROW_ONLY]) console.log(
  `load: ${int(connections)} connections x ${int(bytes)} bytes, server ${kinds.join(" then ")}; ` +
    `open-file limit ${fdLimit()}, somaxconn ${somaxconn}`,
);
const rows = kinds.length > 1
  ? await eachInItsOwnProcess()
  : await run(function* () {
    return [yield* loadOne(kinds[0], trackUnhandled())];
  });
if (process.env[ROW_ONLY] && process.send) {
  process.send(rows[0]);
  process.exit(rows[0].failures.length === 0 ? 0 : 1);
}

printSummary(
  `Load: ${int(connections)} concurrent connections`,
  ["server", "connections held at once", "bytes verified", "errors", "wall time", "server peak RSS"],
  rows.map((r) => [
    r.kind === "protocol" ? "protocol (`createServer`)" : "streams (`startServer`)",
    int(r.held),
    `${int(r.verified)} / ${int(r.expected)}`,
    r.errors,
    `${secs(r.wallMs)} (connect ${secs(r.connectMs)})`,
    `${mb(r.peak)} (from ${mb(r.rssStart)})`,
  ]),
  `\`npm run load -- --connections ${connections} --bytes ${bytes}\`: clients in a separate process (node:net), ` +
    `each connection sends ${int(bytes)} bytes of its own payload and checks the echo byte for byte.`,
);
const failed = rows.filter((r) => r.failures.length > 0);
console.log(failed.length === 0 ? "PASS" : `FAIL (${failed.map((r) => r.kind).join(", ")})`);
process.exit(failed.length === 0 ? 0 : 1);
