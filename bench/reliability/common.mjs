// Shared pieces of the reliability tools (load.mjs, faults.mjs, soak.mjs) and their peer
// process (peer.mjs): command-line parsing, the verifiable payload, RSS and fd readings,
// the fd-limit check, the markdown printer, spawning a peer, and the wasyncio echo servers
// (a Protocol and a streams handler) the tools attack.
//
// It imports the BUILT library (../../dist/node.js), public API only: run `npm run build`
// after changing src/, or the tools test the old code. (peer.mjs imports this module for
// the payload and so loads the library too, but never uses it: its clients are node:net.)
import { fork } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { relative } from "node:path";
import { parseArgs } from "node:util";
import v8 from "node:v8";
import vm from "node:vm";
import { CancelledError, Protocol, getRunningLoop, sleep, startServer } from "../../dist/node.js";

export const HOST = "127.0.0.1";
export const MiB = 1024 * 1024;

// ---- command line --------------------------------------------------------------------------

/**
 * Parses `process.argv` with node:util's parseArgs. `options` maps a name to
 * `{ type: "string" | "boolean", default, help }`; `--quick` and `--help` are added.
 * Numbers are given as strings and converted with `num()`.
 */
export function cli(usage, options) {
  const all = {
    ...options,
    quick: { type: "boolean", default: false, help: "small sizes, a few seconds (what a test runs)" },
    help: { type: "boolean", default: false, help: "this text" },
  };
  const spec = {};
  for (const [k, o] of Object.entries(all)) spec[k] = { type: o.type, ...(o.default !== undefined ? { default: o.default } : {}) };
  let values;
  try {
    ({ values } = parseArgs({ options: spec, allowPositionals: false }));
  } catch (e) {
    console.error(`${e.message}\n\n${helpText(usage, all)}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(helpText(usage, all));
    process.exit(0);
  }
  return values;
}

function helpText(usage, all) {
  const lines = [usage, "", "options:"];
  for (const [k, o] of Object.entries(all)) {
    const arg = o.type === "string" ? ` <${o.default ?? "value"}>` : "";
    lines.push(`  --${k}${arg}`.padEnd(28) + (o.help ?? ""));
  }
  return lines.join("\n");
}

/** Whether `--name` was given on the command line (so `--quick` does not override it). */
export const given = (name) => process.argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));

/** A numeric option: `value` (a string) as a finite number >= min, else exit 2. */
export function num(name, value, { min = 0, integer = true } = {}) {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    console.error(`--${name}: expected ${integer ? "an integer" : "a number"} >= ${min}, got ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return n;
}

// ---- the payload: distinct per connection, verifiable at any offset ------------------------

/** 32 bits of hash of (seed, word index): a murmur3-style finaliser. */
function word(seed, w) {
  let x = (Math.imul(seed, 0x9e3779b1) ^ Math.imul(w, 0x85ebca77)) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

const NL = 0x0a;

/**
 * Writes bytes `offset .. offset + buf.length` of stream `seed`'s payload into `buf`.
 * Byte i is byte (i & 3) of word(seed, i >> 2): any stretch can be produced or checked
 * without the ones before it, and two seeds (connections) give unrelated bytes, so an
 * echo that lost, repeated, reordered or crossed bytes between connections does not match.
 * `noNewline`: bytes that would be "\n" are "\v" instead (a payload without a separator).
 */
export function fillPayload(seed, offset, buf, noNewline = false) {
  const n = buf.length;
  let i = 0;
  let pos = offset;
  let w = word(seed, pos >>> 2);
  while (i < n) {
    const b = (w >>> ((pos & 3) << 3)) & 0xff;
    buf[i++] = noNewline && b === NL ? NL + 1 : b;
    pos++;
    if ((pos & 3) === 0) w = word(seed, pos >>> 2);
  }
  return buf;
}

let scratch = Buffer.allocUnsafe(64 * 1024);

/** The index in `chunk` of the first byte that differs from the payload at `offset`, or -1. */
export function checkPayload(seed, offset, chunk, noNewline = false) {
  if (scratch.length < chunk.length) scratch = Buffer.allocUnsafe(chunk.length);
  const expected = fillPayload(seed, offset, scratch.subarray(0, chunk.length), noNewline);
  if (Buffer.compare(expected, chunk) === 0) return -1;
  for (let i = 0; i < chunk.length; i++) if (expected[i] !== chunk[i]) return i;
  return -1;
}

/** One connection's stream of expected bytes: `feed` each chunk received. */
export class PayloadVerifier {
  constructor(seed, length, noNewline = false) {
    this.seed = seed;
    this.length = length;
    this.noNewline = noNewline;
    this.received = 0;
    this.error = null;
  }
  /** Checks `chunk` as the next bytes; false (and `error` set) on any excess or mismatch. */
  feed(chunk) {
    if (this.error !== null) return false;
    if (this.received + chunk.length > this.length) {
      this.error = `${this.received + chunk.length - this.length} bytes more than the ${this.length} sent`;
      return false;
    }
    const bad = checkPayload(this.seed, this.received, chunk, this.noNewline);
    if (bad >= 0) {
      this.error = `byte ${this.received + bad} differs`;
      return false;
    }
    this.received += chunk.length;
    return true;
  }
  get complete() {
    return this.error === null && this.received === this.length;
  }
}

/** A seed for connection `i` of a run: runs differ, so a stale echo from another run fails. */
export function seedOf(runSalt, i) {
  return (Math.imul(runSalt, 0x2545f491) + i * 2654435761) >>> 0;
}

// ---- the process: memory, fds, limits -----------------------------------------------------

/** VmRSS and VmHWM (peak RSS) of `pid` in bytes, from /proc; rss from Node if /proc is missing. */
export function memOf(pid = "self") {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN) * 1024;
    return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
  } catch {
    const rss = pid === "self" ? process.memoryUsage().rss : NaN;
    return { rss, hwm: NaN };
  }
}

/**
 * Resets the kernel's peak-RSS mark (VmHWM) of this process, so the next `memOf().hwm` is
 * the peak since now (Linux: writing 5 to clear_refs). Returns false where unsupported.
 */
export function resetPeakRss() {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

/** The number of open file descriptors of this process (NaN without /proc). */
export function openFds() {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return NaN;
  }
}

/** The soft limit on open files of this process (from /proc/self/limits), or Infinity. */
export function fdLimit() {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    if (m) return m[1] === "unlimited" ? Infinity : Number(m[1]);
  } catch {
    // not Linux
  }
  return Infinity;
}

/**
 * Exits 2 with a clear message if this process may not open `needed` more descriptors.
 * `ulimit -n` is a shell builtin: a process cannot raise its own soft limit from Node, so
 * the fix is in the shell that starts it. A forked peer inherits the limit.
 */
export function requireFds(needed, what) {
  const limit = fdLimit();
  const have = limit - openFds();
  if (have >= needed) return limit;
  console.error(
    `The open-file limit is ${limit} (ulimit -n) and ${what} needs about ${needed} descriptors per process.\n` +
      `Raise it in the shell that starts this, e.g.:\n` +
      `  bash -c 'ulimit -n ${Math.max(65536, needed + 1024)} && node ${relative(process.cwd(), process.argv[1])} ${process.argv.slice(2).join(" ")}'\n` +
      `(if the hard limit is lower too, as root or via /etc/security/limits.conf), or pass a smaller --connections.`,
  );
  process.exit(2);
}

/** Reads a small numeric kernel setting (e.g. net/core/somaxconn), or null. */
export function sysctl(name) {
  try {
    return readFileSync(`/proc/sys/${name}`, "utf8").trim();
  } catch {
    return null;
  }
}

/**
 * Samples this process's RSS every `intervalMs` (and on demand with `sample()`): `start`,
 * `peak`, `end` and the samples `[{ t (s since start), rss }]`. The timer is unref'd.
 */
export class RssSampler {
  constructor(intervalMs = 1000) {
    this.intervalMs = intervalMs;
    this.samples = [];
    this.t0 = performance.now();
    this.peak = 0;
    this.timer = null;
  }
  start() {
    this.t0 = performance.now();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }
  sample() {
    const rss = process.memoryUsage.rss();
    this.samples.push({ t: (performance.now() - this.t0) / 1000, rss });
    if (rss > this.peak) this.peak = rss;
    return rss;
  }
  stop() {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    // Between two samples RSS may have peaked higher: the kernel's mark does not miss it.
    // (VmHWM covers the whole process life unless resetPeakRss() was called at start.)
    return this;
  }
  get first() {
    return this.samples[0]?.rss ?? NaN;
  }
  get last() {
    return this.samples.at(-1)?.rss ?? NaN;
  }
}

/** Least-squares slope of `ys` over `xs` (units of y per unit of x); NaN under 2 points. */
export function slope(xs, ys) {
  const n = xs.length;
  if (n < 2) return NaN;
  let sx = 0, sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i];
    sy += ys[i];
  }
  const mx = sx / n, my = sy / n;
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

/** Percentile (nearest rank) of numbers, sorted here. */
export function percentile(values, q) {
  if (values.length === 0) return NaN;
  const s = Float64Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

// ---- printing ------------------------------------------------------------------------------

export const mb = (bytes) => (Number.isFinite(bytes) ? `${(bytes / MiB).toFixed(1)} MB` : "n/a");
export const secs = (ms) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
export const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");

/** A markdown table: `headers` and rows of cells (strings; "|" is escaped). */
export function markdownTable(headers, rows) {
  const cell = (c) => String(c).replaceAll("|", "\\|").replaceAll("\n", " ");
  const line = (cells) => `| ${cells.map(cell).join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}

/**
 * The final summary: a heading, the markdown table (ready for a README "Reliability"
 * section) and a line saying where and how it ran.
 */
export function printSummary(title, headers, rows, note = "") {
  const where = `Node ${process.version}, ${process.platform}/${process.arch}, ${new Date().toISOString().slice(0, 10)}`;
  console.log(`\n### ${title}\n\n${markdownTable(headers, rows)}\n\n${note ? `${note} ` : ""}(${where})\n`);
}

// ---- the peer process ---------------------------------------------------------------------

const PEER = new URL("./peer.mjs", import.meta.url);

/**
 * Forks peer.mjs (plain node:net, its own event loop and process) and returns a handle:
 * `run(role, params)` starts a role there and resolves with its result; `send(msg)` sends a
 * command to the running role; `next(type)` resolves with the next message of that type;
 * `close()` ends the process. A peer that exits or throws rejects what waits on it.
 */
export function spawnPeer(name = "peer") {
  const child = fork(PEER, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "advanced" });
  const waiting = new Map(); // type -> [{ resolve, reject }]
  const queued = new Map(); // type -> [messages nobody waited for yet]
  let dead = null;
  const failAll = (err) => {
    dead = err;
    for (const list of waiting.values()) for (const w of list) w.reject(err);
    waiting.clear();
  };
  child.on("message", (msg) => {
    if (msg?.type === "error") {
      failAll(new Error(`${name}: ${msg.message}`));
      return;
    }
    const list = waiting.get(msg.type);
    if (list?.length) list.shift().resolve(msg);
    else {
      if (!queued.has(msg.type)) queued.set(msg.type, []);
      queued.get(msg.type).push(msg);
    }
  });
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  exited.then(({ code, signal }) => failAll(new Error(`${name} exited (${signal ?? code})`)));
  const next = (type) => {
    const q = queued.get(type);
    if (q?.length) return Promise.resolve(q.shift());
    if (dead) return Promise.reject(dead);
    return new Promise((resolve, reject) => {
      if (!waiting.has(type)) waiting.set(type, []);
      waiting.get(type).push({ resolve, reject });
    });
  };
  const send = (msg) => {
    if (child.connected) child.send(msg);
  };
  return {
    pid: child.pid,
    next,
    send,
    /** Starts `role` with `params`; resolves with its `result` message. */
    async run(role, params = {}) {
      const result = next("result");
      send({ type: "run", role, params });
      return (await result).value;
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        send({ type: "exit" });
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/**
 * A full garbage collection, or null if this Node does not allow one (`--expose-gc`,
 * turned on here at run time). Used only at measuring points, never during a run.
 */
export const gc = (() => {
  try {
    v8.setFlagsFromString("--expose-gc");
    return vm.runInNewContext("gc");
  } catch {
    return null;
  }
})();

/** What JavaScript holds after a full GC (V8 heap + ArrayBuffers/Buffers), in bytes; NaN without gc. */
export function retainedAfterGc() {
  if (gc === null) return NaN;
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Resolves after `ms` (a host timer, outside any wasyncio loop). */
export const delay = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the servers under test (wasyncio) -----------------------------------------------------

/** What a network error is called in the figures: Node's code (ECONNRESET, EPIPE) or the class. */
export const errName = (e) => e?.code ?? e?.constructor?.name ?? String(e);

/**
 * Counters an echo server keeps: connections open now and at most, accepted, bytes echoed,
 * and how each connection ended (`ends`: "eof" for a clean end of stream, "closed" for a
 * close with no EOF seen, else the error's code or class), plus errors that are not
 * network errors (a bug in the server or the library: always a failure).
 */
export class EchoStats {
  open = 0;
  maxOpen = 0;
  accepted = 0;
  bytes = 0;
  ends = {};
  bugs = [];
  opened() {
    this.accepted++;
    if (++this.open > this.maxOpen) this.maxOpen = this.open;
  }
  closed(how) {
    this.open--;
    this.ends[how] = (this.ends[how] ?? 0) + 1;
  }
  bug(e) {
    if (this.bugs.length < 5) this.bugs.push(e?.stack ?? String(e));
    else this.bugs.push("...");
  }
  get endsText() {
    return Object.entries(this.ends).map(([k, v]) => `${k} ${v}`).join(", ") || "none";
  }
}

/** A network error (what a peer can cause), as opposed to a bug. */
const isNetworkError = (e) => typeof e?.code === "string" || e?.name === "IncompleteReadError";

/**
 * The protocol echo server: writes back every chunk; stops reading while its transport is
 * paused for writing (pauseWriting/resumeWriting), so a client that does not read cannot
 * make it buffer without bound. `trailer`: on EOF it keeps the transport open
 * (eofReceived returns true), writes `EOF <bytes received>\n` a moment later, then closes.
 */
class EchoProtocol extends Protocol {
  constructor(stats, trailer) {
    super();
    this.stats = stats;
    this.trailer = trailer;
    this.transport = null;
    this.received = 0;
    this.eof = false;
  }
  connectionMade(transport) {
    this.transport = transport;
    this.stats.opened();
  }
  dataReceived(data) {
    this.received += data.length;
    this.stats.bytes += data.length;
    this.transport.write(data);
  }
  eofReceived() {
    this.eof = true;
    if (!this.trailer) return false; // the transport closes itself, after the buffered echo
    getRunningLoop().callLater(5, () => {
      this.transport.write(`EOF ${this.received}\n`);
      this.transport.close();
    });
    return true;
  }
  pauseWriting() {
    this.transport.pauseReading();
  }
  resumeWriting() {
    this.transport.resumeReading();
  }
  connectionLost(exc) {
    this.stats.closed(exc === null ? (this.eof ? "eof" : "closed") : errName(exc));
  }
}

/**
 * The streams echo handler: `read(readSize)` (or `readline()` with `lines`), `write`, then
 * `yield* writer.drain()` (so it waits while the client is not reading). `trailer` as for
 * the protocol: after EOF it writes `EOF <bytes>\n`, then closes.
 */
function echoHandler(stats, { trailer = false, lines = false, readSize = 65536 } = {}) {
  return function* echo(reader, writer) {
    stats.opened();
    let how = "eof", received = 0;
    try {
      for (;;) {
        const data = lines ? yield* reader.readline() : yield* reader.read(readSize);
        if (data.length === 0) break;
        received += data.length;
        stats.bytes += data.length;
        writer.write(data);
        yield* writer.drain();
      }
      if (trailer) {
        yield* sleep(5);
        writer.write(`EOF ${received}\n`);
        yield* writer.drain();
      }
    } catch (e) {
      how = errName(e);
      if (e instanceof CancelledError) throw e;
      if (!isNetworkError(e)) stats.bug(e);
    } finally {
      stats.closed(how);
      writer.close();
    }
  };
}

/**
 * Starts a wasyncio echo server on 127.0.0.1 (a free port): `kind` "protocol"
 * (loop.createServer with EchoProtocol) or "streams" (startServer with the echo handler).
 * Returns `[server, port]`. A generator: `yield*` it in a task.
 */
export function* startEcho(kind, stats, { backlog = 1024, trailer = false, lines = false, limit } = {}) {
  let server;
  if (kind === "protocol") {
    server = yield* getRunningLoop().createServer(() => new EchoProtocol(stats, trailer), HOST, 0, { backlog });
  } else if (kind === "streams") {
    server = yield* startServer(echoHandler(stats, { trailer, lines }), HOST, 0, { backlog, ...(limit ? { limit } : {}) });
  } else {
    throw new Error(`unknown server kind ${kind} (protocol|streams)`);
  }
  return [server, server.sockets[0].getsockname()[1]];
}

/**
 * Installs an exception handler on the running loop that records what reaches it (an
 * error nobody handled: a failing callback, a task's unretrieved exception), and process
 * handlers for uncaught errors and unhandled rejections. Returns the record.
 */
export function trackUnhandled() {
  const rec = { count: 0, samples: [] };
  const add = (text) => {
    rec.count++;
    if (rec.samples.length < 5) rec.samples.push(text);
  };
  getRunningLoop().setExceptionHandler((_loop, ctx) => {
    add(`${ctx.message}${ctx.exception ? `: ${ctx.exception?.stack ?? ctx.exception}` : ""}`);
  });
  process.on("uncaughtException", (e) => add(`uncaught: ${e?.stack ?? e}`));
  process.on("unhandledRejection", (e) => add(`unhandled rejection: ${e?.stack ?? e}`));
  return rec;
}

/** Polls `pred` every `everyMs` until it is true (returns true) or `timeoutMs` passes (false). */
export function* until(pred, timeoutMs, everyMs = 10) {
  const deadline = performance.now() + timeoutMs;
  while (!pred()) {
    if (performance.now() > deadline) return false;
    yield* sleep(everyMs);
  }
  return true;
}
