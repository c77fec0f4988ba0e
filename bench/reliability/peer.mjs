// The other end of the reliability tools: a separate Node process (so it never shares an
// event loop with the server under test) that plays clients with plain node:net. It is not
// run by hand: load.mjs, faults.mjs and soak.mjs fork it through spawnPeer() (common.mjs)
// and drive it over the IPC channel:
//
//   parent -> { type: "run", role, params }     starts a role (one at a time)
//   peer   -> { type: <event>, ... }            progress a role reports (e.g. "held")
//   parent -> { type: <command>, ... }          what a role waits for (e.g. "go")
//   peer   -> { type: "result", value }         the role's figures
//   peer   -> { type: "error", message }        the role threw
//   parent -> { type: "exit" }
//
// Every role verifies what it receives against the payload (common.mjs) byte for byte.
import net from "node:net";
import { HOST, PayloadVerifier, delay, fillPayload, percentile } from "./common.mjs";

// ---- the IPC side ------------------------------------------------------------------------

const inbox = new Map(); // type -> [messages]
const waiters = new Map(); // type -> [resolve]

/** The next command of `type` from the parent. */
function command(type) {
  const q = inbox.get(type);
  if (q?.length) return Promise.resolve(q.shift());
  return new Promise((resolve) => {
    if (!waiters.has(type)) waiters.set(type, []);
    waiters.get(type).push(resolve);
  });
}

const report = (type, fields = {}) => process.send({ type, ...fields });

process.on("message", (msg) => {
  if (msg.type === "exit") {
    process.exit(0);
  } else if (msg.type === "run") {
    const role = ROLES[msg.role];
    if (role === undefined) {
      report("error", { message: `no role ${msg.role}` });
      return;
    }
    role(msg.params).then(
      (value) => report("result", { value }),
      (e) => report("error", { message: e?.stack ?? String(e) }),
    );
  } else {
    const w = waiters.get(msg.type);
    if (w?.length) w.shift()(msg);
    else {
      if (!inbox.has(msg.type)) inbox.set(msg.type, []);
      inbox.get(msg.type).push(msg);
    }
  }
});
process.on("disconnect", () => process.exit(0));

// ---- helpers -----------------------------------------------------------------------------

/** A short description of an error for the figures: its code, else its message. */
const what = (e) => e?.code ?? e?.message ?? String(e);

/** Counts of short error descriptions, and the first few in full. */
class Errors {
  constructor() {
    this.count = 0;
    this.kinds = {};
    this.samples = [];
  }
  add(kind, detail = "") {
    this.count++;
    this.kinds[kind] = (this.kinds[kind] ?? 0) + 1;
    if (this.samples.length < 5) this.samples.push(detail ? `${kind}: ${detail}` : kind);
  }
  toJSON() {
    return { count: this.count, kinds: this.kinds, samples: this.samples };
  }
}

/**
 * Opens `n` connections to `port`, at most `inFlight` handshakes at a time (a burst of
 * thousands of SYNs overflows the kernel's SYN queue and turns into 1 s, 3 s, ... retries).
 * `setup(socket, i)` is called at once for each socket. Resolves with the connected sockets
 * (null where the connect failed) once every attempt has ended.
 */
async function connectMany(port, n, inFlight, setup, errors, timeoutMs = 30_000) {
  const sockets = new Array(n).fill(null);
  let next = 0;
  async function worker() {
    while (next < n) {
      const i = next++;
      await new Promise((resolve) => {
        const s = net.connect({ host: HOST, port });
        setup(s, i);
        const timer = setTimeout(() => {
          errors.add("connect timeout");
          s.destroy();
          resolve();
        }, timeoutMs);
        s.once("connect", () => {
          clearTimeout(timer);
          sockets[i] = s;
          resolve();
        });
        s.once("error", (e) => {
          clearTimeout(timer);
          if (sockets[i] === null) {
            errors.add(`connect ${what(e)}`);
            resolve();
          }
        });
      });
    }
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, n) }, worker));
  return sockets;
}

/** Writes `length` bytes of payload `seed` from `offset` in `chunk`-byte writes, honouring 'drain'. */
function writePayload(socket, seed, length, chunk, { noNewline = false, offset = 0 } = {}) {
  return new Promise((resolve, reject) => {
    let off = offset;
    const end = offset + length;
    const onClose = () => reject(Object.assign(new Error(`closed after ${off - offset} of ${length} bytes written`), { code: "EARLYCLOSE" }));
    socket.once("close", onClose);
    const pump = () => {
      while (off < end) {
        const n = Math.min(chunk, end - off);
        const buf = fillPayload(seed, off, Buffer.allocUnsafe(n), noNewline);
        off += n;
        if (!socket.write(buf)) {
          socket.once("drain", pump);
          return;
        }
      }
      socket.off("close", onClose);
      resolve();
    };
    pump();
  });
}

// ---- roles -------------------------------------------------------------------------------

const ROLES = {
  /**
   * load.mjs: `connections` echo clients. All connect first (reporting "held" with how
   * many are open at once), then on "go" each sends `bytes` of its own payload and checks
   * the echo; once all of it is back it ends its side and waits for the server to close.
   */
  async echo({ port, connections, bytes, chunk = 16 * 1024, salt, inFlight = 256, stallMs = 30_000 }) {
    const errors = new Errors();
    let open = 0, maxOpen = 0, verified = 0, completed = 0, lastProgress = performance.now();
    const state = [];
    const t0 = performance.now();
    const sockets = await connectMany(port, connections, inFlight, (s, i) => {
      const v = new PayloadVerifier(salt + i, bytes);
      state[i] = { v, connected: false, done: false, closed: false, failed: false };
      s.setNoDelay(true);
      s.on("error", () => {}); // every failure is also a 'close' before the echo is complete
      s.on("data", (d) => {
        lastProgress = performance.now();
        if (!v.feed(d)) {
          if (!state[i].failed) errors.add("corrupt echo", v.error);
          state[i].failed = true;
          s.destroy();
          return;
        }
        verified += d.length;
        if (v.complete && !state[i].done) {
          state[i].done = true;
          s.end();
        }
      });
      s.once("connect", () => {
        state[i].connected = true;
        if (++open > maxOpen) maxOpen = open;
      });
      s.once("close", () => {
        state[i].closed = true;
        if (!state[i].connected) return; // counted by connectMany
        if (!state[i].failed && !state[i].done) errors.add("closed early", `after ${v.received} of ${bytes} bytes`);
        else if (state[i].done) completed++;
        open--;
        lastProgress = performance.now();
      });
    }, errors);
    const connectMs = performance.now() - t0;
    const connected = sockets.filter((s) => s !== null).length;
    report("held", { open, maxOpen, connected, connectMs });
    await command("go");
    const t1 = performance.now();
    lastProgress = t1;
    sockets.forEach((s, i) => {
      if (s === null || s.destroyed) return;
      writePayload(s, salt + i, bytes, chunk).catch(() => {});
    });
    // Done when every connection has closed; a connection that makes no progress for
    // `stallMs` is a hang (counted as an error), not a wait forever.
    while (sockets.some((s, i) => s !== null && !state[i].closed)) {
      await delay(50);
      if (performance.now() - lastProgress > stallMs) {
        sockets.forEach((s, i) => {
          if (s !== null && !state[i].closed) {
            errors.add("stalled", `${state[i].v.received} of ${bytes} bytes back after ${stallMs} ms without progress`);
            state[i].failed = true;
            s.destroy();
          }
        });
        break;
      }
    }
    return { connected, maxOpen, verified, completed, errors, connectMs, transferMs: performance.now() - t1 };
  },

  /**
   * faults.mjs: `connections` clients each send `bytes` to an echo server and, once at
   * least `afterEcho` bytes of echo are back (mid-stream: the server is still writing),
   * reset the connection (RST). `afterEcho: 0` resets right after connecting.
   */
  async reset({ port, connections, bytes, afterEcho, salt, inFlight = 64 }) {
    const errors = new Errors();
    let resets = 0, echoed = 0;
    const done = [];
    await connectMany(port, connections, inFlight, (s, i) => {
      s.on("error", () => {});
      let got = 0;
      const v = new PayloadVerifier(salt + i, bytes);
      done[i] = new Promise((resolve) => s.once("close", resolve));
      const rst = () => {
        if (s.destroyed) return;
        resets++;
        echoed += got;
        s.resetAndDestroy();
      };
      s.once("connect", () => {
        if (afterEcho === 0) {
          rst();
          return;
        }
        writePayload(s, salt + i, bytes, 16 * 1024).catch(() => {});
      });
      s.on("data", (d) => {
        if (!v.feed(d)) errors.add("corrupt echo", v.error);
        got += d.length;
        if (got >= afterEcho) rst();
      });
    }, errors);
    await Promise.all(done);
    return { resets, echoedBeforeReset: echoed, errors };
  },

  /**
   * faults.mjs: half-close. Each client sends `bytes`, ends its side (FIN) without
   * waiting, and keeps reading: it expects the echo of everything and then the trailer
   * `EOF <bytes>\n` that the server writes after its eofReceived/EOF, then the server's close.
   */
  async halfClose({ port, connections, bytes, salt, inFlight = 64 }) {
    const errors = new Errors();
    let ok = 0, verified = 0;
    const done = [];
    await connectMany(port, connections, inFlight, (s, i) => {
      const v = new PayloadVerifier(salt + i, bytes);
      const tail = [];
      let ended = false;
      s.on("error", (e) => errors.add(what(e)));
      s.on("data", (d) => {
        const room = bytes - v.received;
        const head = d.subarray(0, room);
        if (head.length > 0 && !v.feed(head)) errors.add("corrupt echo", v.error);
        if (d.length > room) tail.push(d.subarray(room));
      });
      s.once("end", () => (ended = true));
      done[i] = new Promise((resolve) =>
        s.once("close", () => {
          const trailer = Buffer.concat(tail).toString("latin1");
          if (!v.complete) errors.add("echo incomplete", `${v.received} of ${bytes}${v.error ? `, ${v.error}` : ""}`);
          else if (trailer !== `EOF ${bytes}\n`) errors.add("bad trailer", JSON.stringify(trailer.slice(0, 40)));
          else if (!ended) errors.add("no EOF from server");
          else {
            ok++;
            verified += bytes + trailer.length;
          }
          resolve();
        }),
      );
      s.once("connect", () => writePayload(s, salt + i, bytes, 16 * 1024).then(() => s.end(), () => {}));
    }, errors);
    await Promise.all(done);
    return { ok, verified, errors };
  },

  /**
   * faults.mjs: slowloris. `connections` clients each send one byte (never a newline) every
   * `intervalMs`, staggered, until "stop"; then they close. Reports "connected" first.
   */
  async slowloris({ port, connections, intervalMs, inFlight = 128 }) {
    const errors = new Errors();
    let sent = 0, closedByServer = 0;
    const sockets = await connectMany(port, connections, inFlight, (s) => {
      s.on("error", () => {});
      s.resume(); // read (and drop) whatever an echo server returns
      s.once("close", () => {
        if (!s.stopping) closedByServer++;
      });
    }, errors);
    const live = sockets.filter((s) => s !== null);
    report("connected", { connected: live.length });
    let k = 0;
    // One timer walks the sockets round-robin, so each sends a byte every intervalMs.
    const tick = Math.max(5, intervalMs / Math.max(1, live.length));
    const perTick = Math.max(1, Math.round((live.length * tick) / intervalMs));
    const timer = setInterval(() => {
      for (let j = 0; j < perTick; j++) {
        const s = live[k++ % live.length];
        if (!s.destroyed) {
          s.write("x");
          sent++;
        }
      }
    }, tick);
    await command("stop");
    clearInterval(timer);
    const stillOpen = live.filter((s) => !s.destroyed).length;
    for (const s of live) {
      s.stopping = true;
      s.destroy();
    }
    return { connected: live.length, stillOpen, bytesSent: sent, closedByServer, errors };
  },

  /**
   * faults.mjs: the well-behaved client next to an attack. `clients` connections each do
   * request/response round trips of a `size`-byte line (payload + "\n") for `durationMs`;
   * each reply must be the same line. Reports the round-trip latencies.
   */
  async latency({ port, clients = 4, size = 256, durationMs, salt }) {
    const errors = new Errors();
    const rtts = [];
    const deadline = performance.now() + durationMs;
    const sockets = await connectMany(port, clients, clients, (s) => s.setNoDelay(true), errors);
    await Promise.all(sockets.map(async (s, c) => {
      if (s === null) return;
      s.on("error", () => {});
      let pending = null; // { need, got: [], resolve }
      s.on("data", (d) => {
        if (pending === null) return errors.add("unexpected data");
        pending.got.push(d);
        pending.n += d.length;
        if (pending.n >= pending.need) pending.resolve();
      });
      s.once("close", () => pending?.resolve());
      for (let r = 0; performance.now() < deadline && !s.destroyed; r++) {
        const line = fillPayload(salt + c, r * size, Buffer.allocUnsafe(size), true);
        line[size - 1] = 0x0a;
        const t = performance.now();
        await new Promise((resolve) => {
          pending = { need: size, n: 0, got: [], resolve };
          s.write(line);
        });
        const back = Buffer.concat(pending.got);
        pending = null;
        if (!back.equals(line)) {
          errors.add(back.length < size ? "closed early" : "corrupt reply");
          break;
        }
        rtts.push(performance.now() - t);
      }
      s.end();
    }));
    return {
      rounds: rtts.length,
      p50Ms: percentile(rtts, 0.5),
      p99Ms: percentile(rtts, 0.99),
      maxMs: rtts.length ? rtts.reduce((a, b) => (b > a ? b : a)) : NaN,
      errors,
    };
  },

  /**
   * faults.mjs: peers that never read. They connect (reporting "connected") and stop
   * reading at once; on "disconnect" { how: "reset" | "close" } every other one resets
   * (RST) and the rest close with unread data (which the kernel also turns into a RST),
   * or all do `how`.
   */
  async nonReader({ port, connections, inFlight = 64 }) {
    const errors = new Errors();
    let received = 0;
    const sockets = await connectMany(port, connections, inFlight, (s) => {
      s.on("error", () => {});
      // A 1-byte read buffer through onread would still read; pause() keeps Node from
      // reading past its stream high-water mark, so the kernel buffers fill and stay full.
      s.pause();
    }, errors);
    const live = sockets.filter((s) => s !== null);
    report("connected", { connected: live.length });
    const { how } = await command("disconnect");
    live.forEach((s, i) => {
      received += s.readableLength;
      if (how === "reset" || (how === "mixed" && i % 2 === 0)) s.resetAndDestroy();
      else s.destroy();
    });
    return { connected: live.length, bufferedInPeer: received, errors };
  },

  /**
   * faults.mjs: one client sends `bytes` of payload with no "\n" (nor "\r\n") in it, ends
   * its side, and reads what the server says until it closes.
   */
  async flood({ port, bytes, salt, chunk = 64 * 1024 }) {
    const errors = new Errors();
    const [s] = await connectMany(port, 1, 1, () => {}, errors);
    if (s === null) return { sent: 0, errors };
    const reply = [];
    let err = null;
    s.on("data", (d) => reply.push(d));
    s.on("error", (e) => (err = e));
    const closed = new Promise((resolve) => s.once("close", resolve));
    const t0 = performance.now();
    let sent = 0;
    try {
      await writePayload(s, salt, bytes, chunk, { noNewline: true });
      sent = bytes;
      s.end();
    } catch (e) {
      errors.add(what(e));
    }
    await closed;
    if (err !== null) errors.add(what(err));
    return { sent, ms: performance.now() - t0, reply: Buffer.concat(reply).toString("latin1"), errors };
  },
};
