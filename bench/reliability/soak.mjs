// Soak: echo traffic, timer churn and random task cancellation in one process for a while,
// watching RSS for growth.
//
//   npm run soak                     # 3 minutes
//   npm run soak -- --minutes 10
//   npm run soak -- --minutes 0.2    # fractional minutes: a quick check
//   npm run soak -- --quick          # 12 seconds, fewer tasks (what a test runs)
//   npm run soak -- --seed 1234      # replay the random choices of an earlier run
//
// Everything runs on one wasyncio loop (the built library, ../../dist/; `npm run build`
// first), public API only:
//   - two echo servers, a Protocol (loop.createServer) and streams (startServer);
//   - client sessions (openConnection): each sends messages of random size (1 B .. 64 KiB)
//     of its own payload, `yield* writer.drain()`, `readexactly` the echo and checks it byte
//     for byte; after a random number of round trips it half-closes (writeEof) and expects
//     EOF, or just closes, and a new session takes its place;
//   - timer churn: tasks looping on sleep(random) and waitFor(sleep(a), b) (checking that no
//     timer fires early and waitFor's outcome matches the times), and bursts of
//     loop.callLater of which about a fifth are cancelled before they are due (checking that
//     those never run and the others all do, never early);
//   - chaos: every few milliseconds a random session or timer task is cancelled (it must end
//     cancelled, its finally closing its connection) and replaced.
// RSS is sampled every second. At the end it prints RSS at start, peak and end, the slope of
// RSS over the second half (least squares, MB/min), operations done and bytes verified, and
// "RSS flat" if that slope is at most FLAT_MB_PER_MIN, plus what JavaScript holds after a
// full GC at 40 % and at the end (see FLAT_MB_PER_MIN for both thresholds and why). Exit
// status 1 on any lost or corrupted byte, any timer misbehaviour, any unhandled error (loop
// exception handler, uncaught exception, unhandled rejection), a cancelled task that did
// not end cancelled, a hang while winding down, or (runs of a minute or more) memory growth.
import {
  CancelledError, IncompleteReadError, TimeoutError, createTask, getRunningLoop, openConnection, run, sleep, waitFor,
} from "../../dist/node.js";
import {
  EchoStats, HOST, MiB, RssSampler, checkPayload, cli, fillPayload, given, int, mb, num, printSummary, retainedAfterGc, seedOf, slope,
  startEcho, trackUnhandled, until,
} from "./common.mjs";

const opts = cli("node bench/reliability/soak.mjs [options]", {
  minutes: { type: "string", default: "3", help: "how long (fractions allowed: 0.2 = 12 s)" },
  sessions: { type: "string", default: "32", help: "concurrent client sessions" },
  timers: { type: "string", default: "200", help: "concurrent timer-churn tasks" },
  seed: { type: "string", default: "", help: "seed of the random choices (default: random, printed)" },
});
const Q = opts.quick;
const minutes = num("minutes", Q && !given("minutes") ? "0.2" : opts.minutes, { min: 0.01, integer: false });
const SESSIONS = num("sessions", Q && !given("sessions") ? "8" : opts.sessions, { min: 1 });
const TIMERS = num("timers", Q && !given("timers") ? "50" : opts.timers, { min: 1 });
const seed = opts.seed === "" ? (Math.random() * 2 ** 32) >>> 0 : num("seed", opts.seed);
const DURATION_MS = minutes * 60_000;
const MAX_MESSAGE = 64 * 1024;
const CHAOS_EVERY_MS = 5;

/**
 * "RSS flat": RSS grows at most FLAT_MB_PER_MIN over the second half (least-squares slope of
 * the one-second samples; the first half is warm-up: JIT, heap sizing, socket buffers).
 * Why 10 MB/min: this workload allocates ~90 MB/s of Buffers, and V8 sizes its heap and
 * frees the Buffers' memory in steps, so RSS wanders by ±10 MB over tens of seconds with
 * no leak at all (a 90-s window of a healthy run measured slopes of a few MB/min either
 * way); a threshold inside that wander would fail healthy runs. RSS only sees a leak larger
 * than that, so a second, sharper check is made on what JavaScript still holds after a full
 * GC, taken at 40 % of the run and at its end with the same traffic running: it may grow
 * at most RETAINED_MB (a few MB of in-flight messages differ between the two moments). At
 * the ~1.5 million operations per minute done here, 8 MB over the second half is well under
 * 10 bytes per operation: a leak of one small object per round trip, timer or task fails it.
 * Runs shorter than JUDGE_MIN_MINUTES print both figures but do not judge them (too few
 * samples, mostly warm-up); errors are judged always.
 */
const FLAT_MB_PER_MIN = 10;
const RETAINED_MB = 8;
const JUDGE_MIN_MINUTES = 1;

/** xorshift32: the random choices, replayable with --seed. */
let rs = seed || 1;
const rand = () => {
  rs ^= rs << 13;
  rs ^= rs >>> 17;
  rs ^= rs << 5;
  return (rs >>> 0) / 2 ** 32;
};
const randInt = (n) => Math.floor(rand() * n);

const c = {
  sessions: 0, roundTrips: 0, bytesVerified: 0, halfCloses: 0, sleeps: 0, waitFors: 0, waitForTimeouts: 0,
  callLaters: 0, callLatersCancelled: 0, callLatersFired: 0, cancels: 0, cancelledEnded: 0,
};
const errors = [];
function error(kind, detail) {
  errors.push(`${kind}: ${detail}`);
  if (errors.length <= 10) console.log(`ERROR ${kind}: ${detail}`);
}

// ---- the work ----------------------------------------------------------------------------

let sessionSeq = 0;

function* session(port, rounds) {
  const id = sessionSeq++;
  const s = seedOf(seed, id);
  c.sessions++;
  const [reader, writer] = yield* openConnection(HOST, port);
  let offset = 0;
  try {
    for (let r = 0; r < rounds; r++) {
      const n = 1 + randInt(rand() < 0.5 ? 512 : MAX_MESSAGE);
      writer.write(fillPayload(s, offset, Buffer.allocUnsafe(n)));
      yield* writer.drain();
      let back;
      try {
        back = yield* reader.readexactly(n);
      } catch (e) {
        if (e instanceof IncompleteReadError) error("lost bytes", `session ${id}: ${e.partial.length} of ${n} bytes, then EOF`);
        else if (!(e instanceof CancelledError)) error("lost bytes", `session ${id}: ${e?.code ?? e}`);
        throw e;
      }
      const bad = checkPayload(s, offset, back);
      if (bad !== -1) error("corrupt echo", `session ${id} byte ${offset + bad}`);
      else c.bytesVerified += n;
      offset += n;
      c.roundTrips++;
      if (rand() < 0.05) yield* sleep(randInt(5));
    }
    if (rand() < 0.5) {
      // Half-close: the echo servers close once they see EOF; nothing more may come back.
      writer.writeEof();
      const rest = yield* reader.read();
      if (rest.length !== 0) error("extra bytes", `session ${id}: ${rest.length} bytes after the last echo`);
      c.halfCloses++;
    }
    writer.close();
    yield* writer.waitClosed();
  } finally {
    // Cancelled (or failed) mid-exchange: drop the connection at once.
    if (!writer.isClosing()) writer.transport.abort();
  }
}

function* timerChurn() {
  const loop = getRunningLoop();
  for (;;) {
    if (rand() < 0.7) {
      const ms = randInt(20);
      const t = loop.time();
      yield* sleep(ms);
      if (loop.time() < t + ms) error("early timer", `sleep(${ms}) woke after ${loop.time() - t} ms`);
      c.sleeps++;
    } else {
      const a = randInt(20), b = randInt(20);
      const t = loop.time();
      try {
        const v = yield* waitFor(sleep(a, "slept"), b);
        if (v !== "slept" || loop.time() < t + a) error("waitFor", `got ${v} after ${loop.time() - t} ms (sleep ${a}, timeout ${b})`);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        c.waitForTimeouts++;
        if (loop.time() < t + b) error("early timeout", `waitFor timed out after ${loop.time() - t} ms < ${b}`);
      }
      c.waitFors++;
    }
  }
}

/** Bursts of callLater: about a fifth cancelled; none of those may run, all others must, never early. */
function* callLaterChurn(stop) {
  const loop = getRunningLoop();
  const pending = new Set();
  while (!stop.stopped || pending.size > 0) {
    if (!stop.stopped) {
      for (let i = 0; i < 50; i++) {
        const rec = { cancelled: false, handle: null };
        rec.handle = loop.callLater(randInt(50), () => {
          const when = rec.handle.when();
          pending.delete(rec);
          if (rec.cancelled) error("cancelled timer ran", `callLater due at ${when}`);
          else if (loop.time() < when) error("early timer", `callLater due at ${when} ran at ${loop.time()}`);
          c.callLatersFired++;
        });
        pending.add(rec);
        c.callLaters++;
      }
      for (const rec of pending) {
        if (!rec.cancelled && rand() < 0.08) {
          rec.cancelled = true;
          rec.handle.cancel();
          pending.delete(rec);
          c.callLatersCancelled++;
        }
      }
    }
    yield* sleep(10);
    // A handle due more than 1 s ago and not run: lost.
    for (const rec of pending) {
      if (rec.handle.when() < loop.time() - 1000) {
        error("timer never ran", `callLater due at ${rec.handle.when()}`);
        pending.delete(rec);
      }
    }
  }
}

// ---- the run -----------------------------------------------------------------------------

const result = await run(function* () {
  const unhandled = trackUnhandled();
  const protoStats = new EchoStats(), streamStats = new EchoStats();
  const [protoServer, protoPort] = yield* startEcho("protocol", protoStats);
  const [streamServer, streamPort] = yield* startEcho("streams", streamStats);
  console.log(
    `soak: ${minutes} min, ${SESSIONS} sessions, ${TIMERS} timer tasks, a cancellation every ${CHAOS_EVERY_MS} ms, seed ${seed}`,
  );

  const stop = { stopped: false };
  const live = new Set(); // the session and timer tasks chaos may cancel
  const cancelledByChaos = new WeakSet();

  function watch(task, restart) {
    live.add(task);
    task.addDoneCallback(() => {
      live.delete(task);
      if (cancelledByChaos.has(task)) {
        if (task.cancelled()) c.cancelledEnded++;
        else if (task.exception() !== null) error("cancelled task failed", String(task.exception()?.stack ?? task.exception()));
        // (a task that finished before the cancellation reached it is fine)
      } else if (task.cancelled()) {
        if (!stop.stopped) error("unexpected cancellation", task.getName());
      } else if (task.exception() !== null) {
        error("task failed", String(task.exception()?.stack ?? task.exception()));
      }
      if (!stop.stopped) restart();
    });
  }
  const startSession = () => {
    const port = rand() < 0.5 ? protoPort : streamPort;
    watch(createTask(session(port, 1 + randInt(200)), { name: "session" }), startSession);
  };
  const startTimer = () => watch(createTask(timerChurn(), { name: "timers" }), startTimer);
  for (let i = 0; i < SESSIONS; i++) startSession();
  for (let i = 0; i < TIMERS; i++) startTimer();
  const laters = createTask(callLaterChurn(stop), { name: "callLater churn" });

  const chaos = createTask((function* () {
    for (;;) {
      yield* sleep(CHAOS_EVERY_MS);
      let k = randInt(live.size);
      for (const task of live) {
        if (k-- > 0) continue;
        if (task.cancel("chaos")) {
          cancelledByChaos.add(task);
          c.cancels++;
        }
        break;
      }
    }
  })(), { name: "chaos" });

  const sampler = new RssSampler(1000).start();
  const t0 = performance.now();
  let lastReport = t0;
  let retainedMid = NaN;
  while (performance.now() - t0 < DURATION_MS) {
    yield* sleep(100);
    if (Number.isNaN(retainedMid) && performance.now() - t0 >= 0.4 * DURATION_MS) retainedMid = retainedAfterGc();
    if (performance.now() - lastReport >= 30_000) {
      lastReport = performance.now();
      console.log(`  ${((lastReport - t0) / 60_000).toFixed(1)} min: RSS ${mb(sampler.last)}, ${int(c.roundTrips)} round trips, ${int(c.cancels)} cancellations, ${errors.length} errors`);
    }
  }
  sampler.stop();
  const retainedEnd = retainedAfterGc();

  // Wind down: stop chaos and replacements, cancel what is left, wait for every connection to close.
  stop.stopped = true;
  chaos.cancel();
  for (const task of [...live]) task.cancel("stop");
  yield* until(() => live.size === 0 && laters.done(), 10_000);
  if (live.size > 0 || !laters.done()) error("hang", `${live.size} tasks did not end after cancellation`);
  const closed = yield* until(() => protoStats.open === 0 && streamStats.open === 0, 10_000);
  if (!closed) error("hang", `server connections still open: ${protoStats.open} protocol, ${streamStats.open} streams`);
  for (const st of [protoStats, streamStats]) for (const b of st.bugs) error("server handler error", b);
  protoServer.close();
  streamServer.close();
  yield* protoServer.waitClosed();
  yield* streamServer.waitClosed();
  if (unhandled.count > 0) for (const s of unhandled.samples) error("unhandled", s);
  return { sampler, elapsedMs: performance.now() - t0, retainedMid, retainedEnd };
});

const { sampler, elapsedMs, retainedMid, retainedEnd } = result;
const samples = sampler.samples;
const tEnd = samples.at(-1).t;
const half = samples.filter((s) => s.t >= tEnd / 2);
const slopeMBmin = (slope(half.map((s) => s.t), half.map((s) => s.rss)) * 60) / MiB;
const judged = minutes >= JUDGE_MIN_MINUTES;
const flat = slopeMBmin <= FLAT_MB_PER_MIN;
const retainedGrowth = retainedEnd - retainedMid;
const heapFlat = !(retainedGrowth > RETAINED_MB * MiB); // NaN (no gc available): not judged
const ops = c.roundTrips + c.sleeps + c.waitFors + c.callLaters + c.cancels + c.sessions;
const opsPerMin = ops / (elapsedMs / 60_000);
const rssVerdict = !judged ? "not judged: under 1 min" : flat ? "RSS flat" : "**RSS growing**";
const heapVerdict = !judged ? "not judged" : heapFlat ? "flat" : "**growing**";

console.log(
  `\n${(elapsedMs / 60_000).toFixed(2)} min: ${int(c.sessions)} sessions, ${int(c.roundTrips)} round trips, ${mb(c.bytesVerified)} verified, ` +
    `${int(c.halfCloses)} half-closes; ${int(c.sleeps)} sleeps, ${int(c.waitFors)} waitFor (${int(c.waitForTimeouts)} timed out); ` +
    `${int(c.callLaters)} callLater (${int(c.callLatersCancelled)} cancelled, ${int(c.callLatersFired)} ran); ` +
    `${int(c.cancels)} tasks cancelled at random (${int(c.cancelledEnded)} ended cancelled, the rest had finished)`,
);
console.log(
  `RSS start ${mb(sampler.first)}, peak ${mb(sampler.peak)}, end ${mb(sampler.last)}; second half ${slopeMBmin >= 0 ? "+" : ""}${slopeMBmin.toFixed(2)} MB/min ` +
    `(${rssVerdict}; threshold ${FLAT_MB_PER_MIN} MB/min); JS heap + buffers after GC ${mb(retainedMid)} at 40 % -> ${mb(retainedEnd)} at the end ` +
    `(${heapVerdict}; threshold +${RETAINED_MB} MB = ${((RETAINED_MB * MiB) / (opsPerMin * (elapsedMs / 60_000) * 0.6)).toFixed(1)} B per operation at ${int(opsPerMin)} ops/min)`,
);
console.log(`RSS samples (MB, 1/s): ${samples.map((s) => (s.rss / MiB).toFixed(0)).join(" ")}`);

printSummary(
  `Soak: ${minutes} min`,
  ["what", "figure"],
  [
    ["RSS start / peak / end", `${mb(sampler.first)} / ${mb(sampler.peak)} / ${mb(sampler.last)}`],
    ["RSS slope, second half", `${slopeMBmin >= 0 ? "+" : ""}${slopeMBmin.toFixed(2)} MB/min (${rssVerdict}; threshold ${FLAT_MB_PER_MIN} MB/min)`],
    ["JS heap + buffers after GC, 40 % → end", `${mb(retainedMid)} → ${mb(retainedEnd)} (${heapVerdict}; threshold +${RETAINED_MB} MB)`],
    ["echo round trips (bytes verified)", `${int(c.roundTrips)} (${mb(c.bytesVerified)}), ${int(c.sessions)} connections`],
    ["timers", `${int(c.sleeps)} sleeps, ${int(c.waitFors)} waitFor, ${int(c.callLaters)} callLater (${int(c.callLatersCancelled)} cancelled)`],
    ["tasks cancelled at random", int(c.cancels)],
    ["lost / corrupted bytes, unhandled errors", `${errors.length === 0 ? "none" : `**${errors.length} errors**`}`],
  ],
  `\`npm run soak -- --minutes ${minutes}\`: one process, one loop; seed ${seed}.`,
);
const memoryOk = !judged || (flat && heapFlat);
const pass = errors.length === 0 && memoryOk;
console.log(
  pass ? "PASS" : `FAIL${errors.length ? ` (${errors.length} errors: ${errors.slice(0, 3).join(" | ")})` : ""}` +
    `${judged && !flat ? " (RSS not flat)" : ""}${judged && !heapFlat ? " (heap after GC growing)" : ""}`,
);
process.exit(pass ? 0 : 1);
