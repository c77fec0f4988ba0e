// W6 load client: the one client every echo server is measured with.
//   node bench/w6/client.mjs --port P [--host 127.0.0.1 --connections 32 --size 1024 --seconds 5 --warmup 1]
// prints one JSON line. As a module: `load({ port, ... })`.
//
// Each connection plays closed-loop ping-pong: send one `size`-byte message, wait for all
// of it to come back (verifying every byte), record the round trip, send the next. On a
// 2-core machine this client saturates before most servers do, so it is kept lean: one
// fixed payload Buffer written again and again, one preallocated read buffer per socket
// (net's `onread`, so no Buffer is allocated per chunk), byte comparison in place
// (Buffer#compare with ranges), latencies in a Float64Array.
import net from "node:net";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const CONNECT_TIMEOUT_MS = 10_000;
// After the deadline each connection only finishes one in-flight round trip; anything
// still open after this is stuck and counted as an error.
const DRAIN_TIMEOUT_MS = 5_000;

const WARMUP = 0;
const MEASURE = 1;
const STOP = 2;

/** A `size`-byte payload of a repeating pattern. The period 251 (prime) does not divide
 * any power-of-two chunk size, so a chunk echoed at the wrong offset would not match. */
function makePayload(size) {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = 32 + (i % 251) % 95; // printable, handy in a tcpdump
  return b;
}

/** Nearest-rank percentile of an ascending-sorted array. */
function percentile(sorted, n, q) {
  if (n === 0) return NaN;
  return sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
}

/**
 * Drive a TCP echo server and measure round trips.
 * @param {object} o
 * @param {string} [o.host] default 127.0.0.1
 * @param {number} o.port
 * @param {number} [o.connections] concurrent connections, each with one message in flight (32)
 * @param {number} [o.size] message size in bytes (1024)
 * @param {number} [o.seconds] measured duration (5)
 * @param {number} [o.warmupSeconds] unrecorded lead-in (1)
 * @param {() => void} [o.onMeasureStart] called synchronously right before the measured phase
 * @param {() => void} [o.onMeasureEnd] called synchronously right after it (before the drain)
 * @returns {Promise<{ roundTrips: number, seconds: number, rps: number, p50Ms: number, p99Ms: number, errors: number }>}
 */
export async function load({
  host = "127.0.0.1",
  port,
  connections = 32,
  size = 1024,
  seconds = 5,
  warmupSeconds = 1,
  onMeasureStart = undefined,
  onMeasureEnd = undefined,
} = {}) {
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`load: bad port ${port}`);
  if (!Number.isInteger(connections) || connections < 1) throw new Error(`load: bad connections ${connections}`);
  if (!Number.isInteger(size) || size < 1) throw new Error(`load: bad size ${size}`);
  if (!(seconds > 0) || !(warmupSeconds >= 0)) throw new Error("load: bad seconds/warmupSeconds");

  const payload = makePayload(size);
  let phase = WARMUP;
  let errors = 0;
  // Completed round trips in the measured phase = count of recorded latencies. Start big
  // enough for ~200k round trips/s and double if a fast server outruns that.
  let lat = new Float64Array(Math.min(1 << 24, Math.max(1 << 16, Math.ceil(seconds * 200_000))));
  let n = 0;

  const conns = [];
  let open = 0;
  let resolveAllClosed;
  const allClosed = new Promise((r) => (resolveAllClosed = r));

  function send(c) {
    c.off = 0;
    c.t0 = process.hrtime.bigint();
    c.socket.write(payload);
  }

  function fail(c) {
    if (c.failed) return;
    c.failed = true;
    errors++;
    c.socket.destroy();
  }

  function onRead(c, nread, buf) {
    if (c.failed) return;
    // Only one message is in flight, so more bytes than remain, or bytes that differ from
    // the payload at this offset, mean the echo is wrong.
    if (c.off + nread > size || buf.compare(payload, c.off, c.off + nread, 0, nread) !== 0) {
      fail(c);
      return;
    }
    c.off += nread;
    if (c.off < size) return;
    if (phase === MEASURE) {
      if (n === lat.length) {
        const bigger = new Float64Array(lat.length * 2);
        bigger.set(lat);
        lat = bigger;
      }
      lat[n++] = Number(process.hrtime.bigint() - c.t0) / 1e6;
    } else if (phase === STOP) {
      c.ending = true;
      c.socket.end();
      return;
    }
    send(c);
  }

  for (let i = 0; i < connections; i++) {
    const c = { socket: null, off: 0, t0: 0n, failed: false, ending: false, connected: null };
    const readBuf = Buffer.allocUnsafe(Math.max(size, 64 * 1024));
    c.socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: { buffer: readBuf, callback: (nread, buf) => onRead(c, nread, buf) },
    });
    c.socket.setNoDelay(true);
    c.connected = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`connect to ${host}:${port} timed out`)), CONNECT_TIMEOUT_MS);
      c.socket.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
      c.socket.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    c.socket.on("error", () => fail(c));
    open++;
    c.socket.once("close", () => {
      // A close we did not ask for (server hung up, reset) is an error unless already counted.
      if (!c.ending && !c.failed) {
        c.failed = true;
        errors++;
      }
      if (--open === 0) resolveAllClosed();
    });
    conns.push(c);
  }

  try {
    await Promise.all(conns.map((c) => c.connected));
  } catch (err) {
    for (const c of conns) {
      c.failed = true;
      c.socket.destroy();
    }
    await allClosed;
    throw err;
  }

  let startNs = 0n;
  let endNs = 0n;
  // The callbacks run from timers, where a throw would kill the process with sockets
  // open; keep the first error, let the run drain, and rethrow it at the end.
  let hookError;
  const hook = (fn) => {
    try {
      fn?.();
    } catch (err) {
      hookError ??= err;
    }
  };
  await new Promise((resolve) => {
    const begin = () => {
      hook(onMeasureStart);
      startNs = process.hrtime.bigint();
      phase = MEASURE;
      setTimeout(() => {
        phase = STOP;
        endNs = process.hrtime.bigint();
        hook(onMeasureEnd);
        resolve();
      }, seconds * 1000);
    };
    for (const c of conns) send(c);
    if (warmupSeconds > 0) setTimeout(begin, warmupSeconds * 1000);
    else begin();
  });

  // Drain: each connection ends after its in-flight round trip (see onRead). A connection
  // that already failed is closed; one that never answers is destroyed at the timeout.
  const drainTimer = setTimeout(() => {
    for (const c of conns) if (!c.socket.destroyed) fail(c);
  }, DRAIN_TIMEOUT_MS);
  await allClosed;
  clearTimeout(drainTimer);
  if (hookError !== undefined) throw hookError;

  const measured = Number(endNs - startNs) / 1e9;
  const sorted = lat.subarray(0, n).sort();
  return {
    roundTrips: n,
    seconds: measured,
    rps: n / measured,
    p50Ms: percentile(sorted, n, 0.5),
    p99Ms: percentile(sorted, n, 0.99),
    errors,
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string" },
      connections: { type: "string", default: "32" },
      size: { type: "string", default: "1024" },
      seconds: { type: "string", default: "5" },
      warmup: { type: "string", default: "1" },
    },
  });
  if (values.port === undefined) throw new Error("usage: node bench/w6/client.mjs --port P [--connections 32 --size 1024 --seconds 5 --warmup 1]");
  const r = await load({
    host: values.host,
    port: Number(values.port),
    connections: Number(values.connections),
    size: Number(values.size),
    seconds: Number(values.seconds),
    warmupSeconds: Number(values.warmup),
  });
  console.log(JSON.stringify(r));
  // The figures are printed either way; a non-zero exit flags a run with echo errors.
  if (r.errors > 0) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err?.stack ?? err);
    process.exit(1);
  });
}
