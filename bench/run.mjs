// npm run bench: wasyncio against CPython asyncio, uvloop, Effection and Node's own
// primitives, on the same work, side by side in one run. Every measurement runs in a
// fresh child process (after an in-process warm-up, except W5, W5g and W5h, which measure
// peak RSS); each is repeated, and ratios against wasyncio (Wasm core) are computed run by run,
// since these machines are noisy. The main tables, their ratios, the targets and the chart
// come from one Node release (26, the current LTS, by default); wasyncio and Node's own
// primitives also run, fewer times, on other releases (20 and 24 by default), for a small
// table per workload. A full run writes bench/results/latest.md and latest.svg (committed:
// the README shows them); a --quick or --only run writes the same two files into
// bench/results/quick/ (git-ignored), never over the full results.
//   npm run bench                        the full suite (< 20 min on 2 cores)
//   npm run bench -- --quick             a cut-down run (~1.5 min): smaller N, fewer runs
//   npm run bench -- --only w2,w5g       some workloads (w1a w1b w2 w2i w3 w4 w5 w5g w5h w5s w6 w7)
//   npm run bench -- --node 26 --also 20,24   the release lines (the defaults; --also none)
//   npm run bench -- --quick --n 5000 --tasks 500   smaller still (the harness's tests)
// A release line is served by this machine's node when it is of that line (this process's,
// or the first `node` on PATH), else by the newest release of the line in the npm registry,
// fetched and cached as CI does (scripts/node-versions.mjs).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { measureServer } from "./w6/measure.mjs";
import { renderChart } from "./chart.mjs";

const argv = process.argv.slice(2);
/** The value of `--name value` or `--name=value`, or undefined. */
function option(name) {
  const at = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (at < 0) return undefined;
  return argv[at].includes("=") ? argv[at].slice(argv[at].indexOf("=") + 1) : argv[at + 1];
}
function usage(message) {
  console.error(`bench/run.mjs: ${message}`);
  process.exit(2);
}
const quick = argv.includes("--quick");
const only = option("only");
const MAIN_MAJOR = Number(option("node") ?? 26);
const alsoText = option("also") ?? "20,24";
const ALSO_MAJORS = alsoText === "none" ? [] : [...new Set(alsoText.split(",").map(Number))];
if (![MAIN_MAJOR, ...ALSO_MAJORS].every((m) => Number.isInteger(m) && m > 0)) usage(`--node and --also take major versions (--also none for none), e.g. --node 26 --also 20,24`);
const RUNS = quick ? 2 : 5;
/** Runs on each of the other releases: their tables are for the trend across releases. */
const ALSO_RUNS = quick ? 1 : 3;
/** Retained bytes after a full GC repeat to within a few bytes from run to run: one run each. */
const RETAINED_RUNS = 1;
/** `--n` and `--tasks` shrink a run further: for the harness's own tests (test/bench.test.ts), whose figures mean nothing. */
const positive = (name, fallback) => {
  const value = Number(option(name) ?? fallback);
  if (!Number.isInteger(value) || value <= 0) usage(`--${name} takes a positive integer`);
  return value;
};
const N = positive("n", quick ? 100_000 : 1_000_000);
const W5_TASKS = positive("tasks", quick ? 10_000 : 100_000);
const W6 = quick ? { seconds: 1, warmupSeconds: 1, runs: 1 } : { seconds: 5, warmupSeconds: 1, runs: 3 };
/** W7: jobs of `ms` of busy CPU each, submitted at once; RUNS runs per system. */
const W7 = quick ? { jobs: 200, ms: 5 } : { jobs: 1000, ms: 5 };
const PYTHON = "/usr/bin/python3";
const REFERENCE = "wasyncio";

const WORKLOADS = {
  w1a: { title: "W1a call-soon drain", what: `${fmtN(N)} no-op callbacks scheduled at once, then drained.` },
  w1b: { title: "W1b chained callbacks", what: `each callback schedules the next, ${fmtN(N)} hops.` },
  w2: { title: "W2 task switches", what: `1,000 tasks × ${fmtN(N / 1000)} \`sleep(0)\` (or the system's equivalent), all awaited with gather.` },
  w2i: {
    title: "W2i instruments and debug mode",
    what: "W2 on wasyncio (Wasm core) as is, then observed: one no-op instrument installed (`beforeTaskStep`, `afterTaskStep`, `taskScheduled`), " +
      "a trace recorder (`startTrace`) recording every step, task-local context (a ContextVar exists, so every task runs each step in a Context of its own; each worker sets it once and reads it after every switch), and debug mode (`debug: true`: each step timed for the slow-callback warning, and a stack trace captured at each suspension, which is what it costs). " +
      "**cost per switch** = (the variant's median time − wasyncio's) ÷ switches, in ns; with no instrument the hooks' sites cost one null check each, so the first row is W2 itself.",
  },
  w3: { title: "W3 queue ping-pong", what: `a producer and a consumer pass ${fmtN(N)} integers through a queue with maxsize 100.` },
  w4: {
    title: "W4 timers",
    what: `${fmtN(N)} timers at pseudo-random [0, 100) ms, every second one cancelled, the rest fired. ` +
      "Phases in ms: schedule (the timers made), cancel, dispatch (the rest fired); **dispatch ratio** = the dispatch phase ÷ wasyncio's in the same run (the TS core's row is the Wasm-vs-TS comparison on it).",
  },
  w5: {
    title: "W5 many tasks",
    what: `${fmtN(W5_TASKS)} tasks each sleeping [0, 100) ms and returning its index, all awaited with gather. ` +
      "The unit per task: wasyncio runs the `sleep(d, i)` operation itself as the task (no generator); CPython and uvloop an `async def` coroutine; Effection a spawned generator; Promises + setTimeout an async function.",
  },
  w5g: {
    title: "W5g many tasks, a generator each",
    what: "W5 with a generator per wasyncio task, `function* () { return yield* sleep(d, i) }`. " +
      "CPython and uvloop (an `async def` coroutine per task) and Promises + setTimeout (an async function per task) run the same code as in W5, since their unit already is a coroutine; they run again here so that the ratios come from the same runs. Effection's W5 row already spawns a generator per task (not run again).",
  },
  w5h: {
    title: "W5h eager tasks",
    what: `${fmtN(W5_TASKS)} tasks of which 9 in 10 return at once (a cache hit) and 1 in 10 sleeps [0, 100) ms (W5's delays), all awaited with gather; ` +
      "a generator per wasyncio task, an `async def` coroutine per CPython task. Each system plain, then with every task started eagerly: " +
      "wasyncio with `loop.setTaskFactory(eagerTaskFactory)`, CPython with `loop.set_task_factory(asyncio.eager_task_factory)` (Python 3.12+). " +
      "An eager task runs its first step inside `createTask`: a hit is done before `createTask` returns and never goes through the ready queue.",
  },
  w5s: {
    title: "W5s eager tasks, one after another",
    what: `${fmtN(W5_TASKS)} tasks made and awaited one after another (\`yield* loop.createTask(immediate(i))\`, \`await loop.create_task(immediate(i))\`), each returning at once; the same systems as W5h. ` +
      "Plain, each task costs a trip through the ready queue and a wakeup of the task awaiting it; eager, neither.",
  },
};
/** The workloads that report retained bytes per task and peak RSS on every release. */
const MANY_TASKS = ["w5", "w5g"];
/** The workloads that take `--tasks`. */
const TASK_COUNT = [...MANY_TASKS, "w5h", "w5s"];
/** Eager tasks against plain ones: wasyncio and CPython asyncio, each both ways. */
const EAGER = ["w5h", "w5s"];
/** What the main release alone runs: W2i measures wasyncio against itself, W5h and W5s against itself and CPython. */
const MAIN_ONLY = ["w2i", ...EAGER];
const ALL = Object.keys(WORKLOADS);
/** The workloads every system runs. */
const COMPARED = ALL.filter((w) => !MAIN_ONLY.includes(w));
const onlyList = only?.split(",");
/** The workloads with a section of their own (their own scripts, on the main release only). */
const SEPARATE = ["w6", "w7"];
for (const w of onlyList ?? []) if (!ALL.includes(w) && !SEPARATE.includes(w)) usage(`--only: no workload ${w}; one of ${[...ALL, ...SEPARATE].join(", ")}`);

// ---- Node releases ---------------------------------------------------------------------------
const majorOf = (version) => Number(version.replace(/^v/, "").split(".")[0]);
const THIS_MACHINE = "this machine's";
const FETCHED = "npm registry, via scripts/node-versions.mjs";

/** This machine's node of that line (this process's, or the first on PATH), or null. */
function machineNode(major) {
  if (majorOf(process.version) === major) return { major, path: process.execPath, version: process.version, source: THIS_MACHINE };
  const r = spawnSync("node", ["-p", "process.version + ' ' + process.execPath"], { encoding: "utf8" });
  const m = r.status === 0 ? /^(v\S+) (.+)$/.exec(r.stdout.trim()) : null;
  return m && majorOf(m[1]) === major ? { major, path: m[2], version: m[1], source: THIS_MACHINE } : null;
}

/** Each line in `majors`: this machine's node of it, else the registry's (fetched and cached); or { error }. */
function resolveNodes(majors) {
  const found = new Map(majors.map((major) => [major, machineNode(major)]));
  const missing = majors.filter((major) => found.get(major) === null);
  if (missing.length) {
    const r = spawnSync(process.execPath, ["scripts/node-versions.mjs", ...missing.map(String)], { encoding: "utf8" });
    if (r.stderr) process.stderr.write(r.stderr);
    for (const line of r.stdout.trim().split("\n")) {
      const m = /^(\d+) (\S+) (.+)$/.exec(line);
      if (m) found.set(Number(m[1]), { major: Number(m[1]), path: join(m[3], "node"), version: `v${m[2]}`, source: FETCHED });
    }
    const why = r.stderr.trim().split("\n").filter((l) => /^node-versions: no /.test(l));
    for (const major of missing) {
      if (found.get(major) === null) found.set(major, { major, error: why.find((l) => l.includes(`@${major} `)) ?? `scripts/node-versions.mjs ${major} failed (exit ${r.status})` });
    }
  }
  return found;
}

const nodes = resolveNodes([...new Set([MAIN_MAJOR, ...ALSO_MAJORS])]);
const MAIN = nodes.get(MAIN_MAJOR);
if (MAIN.error) {
  console.error(`bench/run.mjs: no Node ${MAIN_MAJOR} for the main tables: ${MAIN.error}`);
  process.exit(1);
}
const skipped = [];
/** The release lines measured: the main one (RUNS runs, every system), then the others. */
const LINES = [{ key: "main", node: MAIN, runs: RUNS }];
for (const major of ALSO_MAJORS) {
  const node = nodes.get(major);
  if (node.error) skipped.push({ name: `the Node ${major} columns`, why: node.error });
  else LINES.push({ key: `node${major}`, node, runs: ALSO_RUNS });
}
const ALSO = LINES.slice(1);
/** The line measured on Node `major`, or undefined. */
const lineOf = (major) => LINES.find((l) => l.node.major === major);

// ---- systems ----------------------------------------------------------------------------
const node = (system) => (release) => ({ cmd: release.path, args: ["bench/node/workloads.mjs", system] });
const python = (system) => () => ({ cmd: PYTHON, args: ["bench/python/workloads.py", system] });

/**
 * Every system, the workloads it runs, and why one may be missing. `everyRelease`: it also
 * runs on the other Node releases (wasyncio and Node's own primitives, so their ratios mean
 * the same there). `retained`: the workloads where it reports retained bytes per task.
 */
const SYSTEMS = [
  { name: "wasyncio", run: node("wasyncio-wasm"), workloads: ALL, everyRelease: true, retained: MANY_TASKS },
  { name: "wasyncio (TS core)", run: node("wasyncio-js"), workloads: COMPARED, everyRelease: true, retained: MANY_TASKS },
  // Every task's first step inside createTask (eagerTaskFactory): the same work, one queueing less per task.
  { name: "wasyncio + eager tasks", run: node("wasyncio-wasm+eager"), workloads: ["w2", "w5", "w5g", ...EAGER] },
  { name: "CPython asyncio", run: python("asyncio"), workloads: [...COMPARED, ...EAGER], needs: "python" },
  { name: "CPython asyncio + eager_task_factory", run: python("asyncio+eager"), workloads: EAGER, needs: "pythonEager" },
  { name: "uvloop", run: python("uvloop"), workloads: COMPARED, needs: "uvloop" },
  { name: "wasyncio + a no-op instrument", run: node("wasyncio-wasm+instrument"), workloads: ["w2i"] },
  { name: "wasyncio + trace recorder", run: node("wasyncio-wasm+trace"), workloads: ["w2i"] },
  { name: "wasyncio, debug mode", run: node("wasyncio-wasm+debug"), workloads: ["w2i"] },
  { name: "wasyncio, tasks with a ContextVar set", run: node("wasyncio-wasm+context"), workloads: ["w2i"] },
  { name: "Effection 4", run: node("effection"), workloads: ["w2", "w5"], retained: ["w5"] },
  { name: "setImmediate", run: node("node-setImmediate"), workloads: ["w1a", "w1b"], everyRelease: true },
  { name: "queueMicrotask", run: node("node-queueMicrotask"), workloads: ["w1a", "w1b"], everyRelease: true },
  { name: "async fn, await null", run: node("node-await-null"), workloads: ["w2"], everyRelease: true },
  { name: "async fn, await setImmediate", run: node("node-await-setImmediate"), workloads: ["w2"], everyRelease: true },
  { name: "objectMode stream (highWaterMark 100)", run: node("node-stream"), workloads: ["w3"], everyRelease: true },
  { name: "setTimeout/clearTimeout", run: node("node-setTimeout"), workloads: ["w4"], everyRelease: true },
  { name: "Promises + setTimeout", run: node("node-promises"), workloads: MANY_TASKS, everyRelease: true, retained: MANY_TASKS },
];

// W6's servers run on the main release (the load client runs in this process).
const wasyncioServer = (...args) => ({ cmd: MAIN.path, args: ["bench/w6/wasyncio-server.mjs", ...args] });
const W6_SERVERS = [
  { name: "raw node:net", cmd: MAIN.path, args: ["bench/w6/net-server.mjs"] },
  { name: "wasyncio protocol", ...wasyncioServer("--mode", "protocol") },
  { name: "wasyncio protocol (TS core)", ...wasyncioServer("--mode", "protocol", "--core", "js"), full: true },
  { name: "wasyncio streams", ...wasyncioServer("--mode", "streams") },
  { name: "wasyncio sock*", ...wasyncioServer("--mode", "sock") },
  { name: "asyncio protocol", cmd: PYTHON, args: ["bench/python/echo_server.py", "asyncio", "protocol"], needs: "python" },
  { name: "asyncio streams", cmd: PYTHON, args: ["bench/python/echo_server.py", "asyncio", "streams"], needs: "python" },
  { name: "uvloop protocol", cmd: PYTHON, args: ["bench/python/echo_server.py", "uvloop", "protocol"], needs: "uvloop" },
  { name: "uvloop streams", cmd: PYTHON, args: ["bench/python/echo_server.py", "uvloop", "streams"], needs: "uvloop" },
];
/** W6's reference: every server's CPU per round trip is divided by this one's in the same run. */
const W6_REFERENCE = "raw node:net";
/** W6's targets: CPU per round trip at most this many times raw node:net's. */
const W6_TARGETS = [
  { name: "wasyncio protocol", within: 1.1 },
  { name: "wasyncio streams", within: 1.25 },
];

// W7's systems, on the main release; each script takes [jobs] [ms] and prints one JSON line
// (wallMs, idealMs, cores, count). Its reference: the ratios are each one's wall ÷ toThread's.
const W7_SYSTEMS = [
  { name: "wasyncio toThread", cmd: MAIN.path, script: "bench/w7/w7.mjs", mode: ["toThread"] },
  { name: "wasyncio runInExecutor(Piscina pool)", cmd: MAIN.path, script: "bench/w7/w7.mjs", mode: ["piscina"] },
  { name: "Piscina used directly", cmd: MAIN.path, script: "bench/w7/piscina.mjs", mode: [] },
  { name: "CPython run_in_executor(ProcessPoolExecutor)", cmd: PYTHON, script: "bench/w7/w7.py", mode: ["process"], needs: "python" },
  { name: "CPython asyncio.to_thread", cmd: PYTHON, script: "bench/w7/w7.py", mode: ["thread"], needs: "python" },
];
const W7_REFERENCE = "wasyncio toThread";

// ---- what is installed ----------------------------------------------------------------------
function probe(args) {
  return spawnSync(PYTHON, args, { encoding: "utf8" });
}
const have = {
  python: existsSync(PYTHON) && probe(["-c", "import asyncio"]).status === 0,
  uvloop: existsSync(PYTHON) && probe(["-c", "import uvloop"]).status === 0,
  pythonEager: existsSync(PYTHON) && probe(["-c", "import asyncio; asyncio.eager_task_factory"]).status === 0,
};
const versions = {
  python: have.python ? probe(["-c", "import sys; print(sys.version.split()[0])"]).stdout.trim() : null,
  uvloop: have.uvloop ? probe(["-c", "import uvloop; print(uvloop.__version__)"]).stdout.trim() : null,
  effection: JSON.parse(readFileSync("node_modules/effection/package.json", "utf8")).version,
  piscina: JSON.parse(readFileSync("node_modules/piscina/package.json", "utf8")).version,
  wasyncio: JSON.parse(readFileSync("package.json", "utf8")).version,
};
/** Why system `s` cannot run here, or null. */
function missing(s) {
  if (s.needs === undefined || have[s.needs]) return null;
  if (!have.python) return "`/usr/bin/python3` is missing (run `npm run bench:setup`)";
  if (s.needs === "uvloop") return "`/usr/bin/python3` has no uvloop (run `npm run bench:setup`)";
  return `\`/usr/bin/python3\` is Python ${versions.python}; \`asyncio.eager_task_factory\` is Python 3.12+`;
}
const available = (s) => {
  const why = missing(s);
  if (why === null) return true;
  if (!skipped.some((x) => x.name === s.name)) skipped.push({ name: s.name, why });
  return false;
};

// ---- measuring -------------------------------------------------------------------------------
function fmtN(n) {
  return n.toLocaleString("en");
}

/** One run in a fresh process; `retained`: the separate run that measures retained bytes instead. */
function once(unit, workload, { retained = false } = {}) {
  const args = [
    ...(retained ? ["--expose-gc"] : []),
    ...unit.args, workload, "--n", String(N),
    ...(TASK_COUNT.includes(workload) ? ["--tasks", String(W5_TASKS)] : []),
    ...(retained ? ["--retained"] : []),
  ];
  try {
    const out = execFileSync(unit.cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 300_000, maxBuffer: 1 << 20 });
    return JSON.parse(out.trim().split("\n").pop());
  } catch (e) {
    return { error: String(e.stderr || e.message).trim().split("\n").pop() };
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const selected = ALL.filter((w) => !onlyList || onlyList.includes(w));
/**
 * workload -> line key -> system name -> { ms: [], rss: [], phases: [], ratio: [],
 * rssRatio: [], dispatchRatio: [], retained: [], error }. Ratios are against wasyncio on
 * the same line (the same Node release) in the same round.
 */
const results = {};
const started = Date.now();
const emptyRow = () => ({ ms: [], rss: [], phases: [], ratio: [], rssRatio: [], dispatchRatio: [], retained: [] });

console.log(`Node ${MAIN.version} (${MAIN.source}) for the main tables${ALSO.length ? `; ${ALSO.map((l) => l.node.version).join(", ")} for the per-release tables` : ""}`);
for (const w of selected) {
  // The other releases run only the systems marked everyRelease (wasyncio, Node's primitives).
  const units = LINES.flatMap((line) =>
    SYSTEMS.filter((s) => s.workloads.includes(w) && (line.key === "main" || (s.everyRelease && !MAIN_ONLY.includes(w))) && available(s))
      .map((s) => ({ line, system: s, ...s.run(line.node) })));
  results[w] = Object.fromEntries(LINES.map((line) => [line.key, {}]));
  // A system this machine cannot run keeps its row in the main table, saying why.
  for (const s of SYSTEMS.filter((x) => x.workloads.includes(w))) {
    const why = missing(s);
    results[w].main[s.name] = why === null ? null : { ...emptyRow(), notRun: why };
  }
  for (const u of units) results[w][u.line.key][u.system.name] = emptyRow();
  process.stdout.write(`${WORKLOADS[w].title}: `);
  for (let r = 0; r < RUNS; r++) {
    // The other releases run in the first ALSO_RUNS rounds, interleaved with the main one.
    // Rotate the order each round so a drift of the machine hits every system alike.
    const round = units.filter((u) => r < u.line.runs);
    const order = round.map((_, i) => round[(i + r) % round.length]);
    const got = new Map();
    for (const u of order) {
      got.set(u, once(u, w));
      process.stdout.write(".");
    }
    for (const u of round) {
      const m = got.get(u), row = results[w][u.line.key][u.system.name];
      if (m.error) {
        row.error = m.error;
        continue;
      }
      row.ms.push(m.ms);
      if (m.rssMB !== undefined) row.rss.push(m.rssMB);
      if (m.phases) row.phases.push(m.phases);
      const ref = got.get(round.find((x) => x.line === u.line && x.system.name === REFERENCE));
      if (ref && !ref.error) {
        row.ratio.push(m.ms / ref.ms);
        if (m.rssMB !== undefined) row.rssRatio.push(m.rssMB / ref.rssMB);
        if (m.phases && ref.phases) row.dispatchRatio.push(m.phases.dispatch / ref.phases.dispatch);
      }
    }
  }
  // Retained bytes per task: separate runs under --expose-gc, on the main release only.
  for (const u of units.filter((x) => x.line.key === "main" && x.system.retained?.includes(w))) {
    for (let r = 0; r < RETAINED_RUNS; r++) {
      const m = once(u, w, { retained: true });
      results[w].main[u.system.name].retained.push(m.error ? m : m.retained);
      process.stdout.write("r");
    }
  }
  process.stdout.write("\n");
}

/** One table-cell line for a failed W6 run: what happened and the server's first error line. */
function w6Error(e) {
  const text = String(e?.message ?? e).split("\n").map((l) => l.trim()).filter(Boolean);
  const cause = text.slice(1).find((l) => /Error\b/.test(l));
  return [text[0], cause].filter(Boolean).join(" ").replaceAll("|", "\\|");
}

// W6: server CPU time per round trip, one load client for every server. Servers alternate
// (rotated each run, as above) and each one's ratio to raw node:net is taken run by run, so a
// drift of the machine hits every server alike.
let w6 = null;
if (!onlyList || onlyList.includes("w6")) {
  // --quick leaves out the TS-core variant (a trend run needs one core per API).
  const servers = W6_SERVERS.filter((s) => available(s) && !(quick && s.full));
  w6 = Object.fromEntries(servers.map((s) => [s.name, { runs: [], ratio: [] }]));
  process.stdout.write("W6 TCP echo: ");
  for (let r = 0; r < W6.runs; r++) {
    const order = servers.map((_, i) => servers[(i + r) % servers.length]);
    const got = {};
    for (const server of order) {
      try {
        got[server.name] = await measureServer({ command: server.cmd, args: server.args, connections: 32, size: 1024, seconds: W6.seconds, warmupSeconds: W6.warmupSeconds });
        if (got[server.name].errors > 0) got[server.name] = { error: `${got[server.name].errors} wrong or dropped echoes` };
      } catch (e) {
        got[server.name] = { error: w6Error(e) };
      }
      process.stdout.write(".");
    }
    const ref = got[W6_REFERENCE];
    for (const server of servers) {
      const m = got[server.name], row = w6[server.name];
      row.runs.push(m);
      if (!m.error && ref && !ref.error) row.ratio.push(m.serverCpuPerRoundTripUs / ref.serverCpuPerRoundTripUs);
    }
  }
  process.stdout.write("\n");
}

// W7: CPU jobs off the loop's thread. Systems alternate (rotated each run, as above); each
// one's ratio to toThread is taken run by run.
/** One W7 run of `system` in a fresh process, its count checked; or { error }. */
function w7Once(system) {
  try {
    const out = execFileSync(system.cmd, [system.script, String(W7.jobs), String(W7.ms), ...system.mode], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 300_000, maxBuffer: 1 << 20 });
    const m = JSON.parse(out.trim().split("\n").pop());
    return m.count === W7.jobs ? m : { error: `counted ${m.count}, expected ${W7.jobs}` };
  } catch (e) {
    return { error: String(e.stderr || e.message).trim().split("\n").pop() };
  }
}
let w7 = null;
if (!onlyList || onlyList.includes("w7")) {
  // A system this machine cannot run keeps its row, saying why.
  w7 = Object.fromEntries(W7_SYSTEMS.map((s) => [s.name, { runs: [], ratio: [], notRun: missing(s) }]));
  const systems = W7_SYSTEMS.filter((s) => available(s));
  process.stdout.write("W7 CPU jobs off the loop's thread: ");
  for (let r = 0; r < RUNS; r++) {
    const order = systems.map((_, i) => systems[(i + r) % systems.length]);
    const got = {};
    for (const s of order) {
      got[s.name] = w7Once(s);
      process.stdout.write(".");
    }
    const ref = got[W7_REFERENCE];
    for (const s of systems) {
      const m = got[s.name], row = w7[s.name];
      row.runs.push(m);
      if (!m.error && ref && !ref.error) row.ratio.push(m.wallMs / ref.wallMs);
    }
  }
  process.stdout.write("\n");
}

// ---- report ----------------------------------------------------------------------------------
const f1 = (x) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) : "–");
const ratioText = (x) => (Number.isFinite(x) ? `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}×` : "–");
const summary = (row) => (row.ms.length === 1 ? f1(row.ms[0]) : `${f1(median(row.ms))} (${f1(Math.min(...row.ms))}–${f1(Math.max(...row.ms))})`);
const bytes = (x) => (Number.isFinite(x) ? fmtN(Math.round(x)) : "–");
const nodeText = (release) => `Node ${release.version} (${release.source})`;

/** Retained bytes per parked task (JS heap, off-heap) over a row's retained runs, or why not. */
function retainedOf(row) {
  const runs = row?.retained ?? [];
  const failed = runs.find((r) => r.error);
  if (runs.length === 0 || failed) return { error: failed?.error, heap: NaN, offHeap: NaN };
  const notParked = runs.find((r) => r.parked < W5_TASKS);
  return {
    heap: median(runs.map((r) => r.heap)),
    offHeap: median(runs.map((r) => r.arrayBuffers + r.wasm)),
    note: notParked ? ` (${fmtN(notParked.parked)} of ${fmtN(W5_TASKS)} parked)` : "",
  };
}

const lines = [];
const wasmBytes = statSync("build/core.wasm").size;
/** What a browser loads for the main entry: dist/index.js and the files it imports, transitively. */
function esmGraph(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const m of readFileSync(file, "utf8").matchAll(/(?:from|import)\s*["'](\.\.?\/[^"']+)["']/g)) esmGraph(join(dirname(file), m[1]), seen);
  return seen;
}
const bundleBytes = [...esmGraph("dist/index.js")].reduce((sum, f) => sum + statSync(f).size, 0);
const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const machine = `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`;
const date = new Date().toISOString().slice(0, 10);
lines.push(`# wasyncio benchmarks`, "");
lines.push(`${date} · ${machine}`, "");
lines.push(
  `Main tables, ratios, targets and chart: ${nodeText(MAIN)}` +
    (ALSO.length ? ` · per-release tables: ${ALSO.map((l) => nodeText(l.node)).join(", ")}` : "") +
    ` · the harness and W6's load client: Node ${process.version}`,
  "",
);
lines.push(`wasyncio ${versions.wasyncio} · Python ${versions.python ?? "not installed"} · uvloop ${versions.uvloop ?? "not installed"} · Effection ${versions.effection} · Piscina ${versions.piscina}`, "");
lines.push(`Wasm core: ${fmtN(wasmBytes)} bytes · ESM bundle (index.js and its chunks): ${fmtN(bundleBytes)} bytes`, "");
lines.push(
  `${quick ? "**Quick run** (`--quick`): smaller N, fewer runs; for a trend only. " : ""}` +
    `Each figure of the main tables: median of ${RUNS} runs (min–max), each run in a fresh process after a warm-up in that process (W5, W5g and W5h: no warm-up, they measure peak RSS). ` +
    "**Ratio** = the system's time ÷ wasyncio's (Wasm core) on the same Node release in the same round, median over runs: above 1× wasyncio is faster. Times in ms; every run asserted its correctness count." +
    (ALSO.length
      ? ` Under each main table, the same workload on ${ALSO.map((l) => `Node ${l.node.version}`).join(" and ")}: wasyncio (both cores) and Node's own primitives only, ${ALSO_RUNS} run${ALSO_RUNS > 1 ? "s" : ""} each (fewer than the main tables'; median, min–max), interleaved with the main runs; its last columns repeat the main table's figures. CPython and uvloop do not depend on the Node release, Effection runs on the main release only, and so do W2i, W5h and W5s (wasyncio against itself, and CPython).`
      : ""),
  "",
);

/** The main table of workload `w`: every system, on the main release. */
function mainTable(w) {
  const rows = results[w].main;
  const hasRss = Object.values(rows).some((r) => r.rss.length);
  const hasPhases = Object.values(rows).some((r) => r.phases.length);
  const hasRetained = MANY_TASKS.includes(w);
  const perSwitch = w === "w2i";
  const header = ["system", "time (ms)", "ratio"];
  if (perSwitch) header.push("cost per switch (ns)");
  if (hasPhases) header.push("schedule", "cancel", "dispatch", "dispatch ratio");
  if (hasRss) header.push("peak RSS (MB)", "RSS ratio");
  if (hasRetained) header.push("retained B/task", "off-heap B/task");
  lines.push(`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`);
  for (const [name, row] of Object.entries(rows)) {
    if (row.notRun) {
      lines.push(`| ${name} | not run: ${row.notRun} |${" |".repeat(header.length - 2)}`);
      continue;
    }
    if (row.ms.length === 0) {
      lines.push(`| ${name} | failed: ${row.error ?? "no result"} |${" |".repeat(header.length - 2)}`);
      continue;
    }
    const cells = [name === REFERENCE ? `**${name}**` : name, summary(row), ratioText(median(row.ratio))];
    if (perSwitch) {
      const ref = rows[REFERENCE];
      cells.push(name === REFERENCE || !ref?.ms.length ? "–" : f1(((median(row.ms) - median(ref.ms)) / N) * 1e6));
    }
    if (hasPhases) {
      for (const p of ["schedule", "cancel", "dispatch"]) cells.push(row.phases.length ? f1(median(row.phases.map((x) => x[p]))) : "–");
      cells.push(row.dispatchRatio.length ? ratioText(median(row.dispatchRatio)) : "–");
    }
    if (hasRss) cells.push(row.rss.length ? f1(median(row.rss)) : "–", row.rssRatio.length ? ratioText(median(row.rssRatio)) : "–");
    if (hasRetained) {
      const r = retainedOf(row);
      if (r.error) cells.push(`failed: ${r.error.replaceAll("|", "\\|")}`, "–");
      else cells.push(Number.isFinite(r.heap) ? `${bytes(r.heap)}${r.note}` : "–", bytes(r.offHeap));
    }
    lines.push(`| ${cells.join(" | ")} |`);
  }
  lines.push("");
}

/** The same workload across the releases: the systems that ran on every one, the main release last. */
function releasesTable(w) {
  const order = [...ALSO, LINES[0]];
  const names = Object.keys(results[w].main).filter((name) => ALSO.some((l) => results[w][l.key][name]));
  if (names.length === 0) return;
  lines.push(`${WORKLOADS[w].title.split(" ")[0]} on other Node releases, the main table's last (time in ms; ratio against wasyncio on the same release${MANY_TASKS.includes(w) ? "; peak RSS in MB" : ""}):`, "");
  const hasRss = MANY_TASKS.includes(w);
  const header = ["system"];
  for (const l of order) header.push(`Node ${l.node.version}${l.key === "main" ? " (above)" : ""}`, "ratio", ...(hasRss ? ["MB"] : []));
  lines.push(`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`);
  for (const name of names) {
    const cells = [name === REFERENCE ? `**${name}**` : name];
    for (const l of order) {
      const row = results[w][l.key][name];
      if (!row || row.ms.length === 0) cells.push(row?.error ? `failed: ${row.error.replaceAll("|", "\\|")}` : "–", "–", ...(hasRss ? ["–"] : []));
      else cells.push(summary(row), ratioText(median(row.ratio)), ...(hasRss ? [row.rss.length ? f1(median(row.rss)) : "–"] : []));
    }
    lines.push(`| ${cells.join(" | ")} |`);
  }
  lines.push("");
}

const RETAINED_TEXT =
  "**retained B/task**: what each parked task keeps alive on the JS heap, from a separate run of the same workload in a fresh process under `--expose-gc` " +
  "(so that no forced collection touches the timed runs' time or peak RSS): a full GC before the tasks are made, another once every task has taken its first step and is parked in its sleep (checked: a run where some were not says so), " +
  `then (heap used after − before) ÷ tasks. It counts all the workload keeps per task: the task, its sleep and timer, gather's bookkeeping and the workload's array of tasks (8 B). **off-heap B/task**: the same for ArrayBuffers (the TS core's typed arrays) plus Wasm memory, both grown by doubling, so capacity rather than use. ${RETAINED_RUNS} run per system on ${`Node ${MAIN.version}`} (after a full GC these repeat to within a few bytes); CPython and uvloop: not measured (–).`;

for (const w of selected) {
  lines.push(`## ${WORKLOADS[w].title}`, "", WORKLOADS[w].what, "");
  if (MANY_TASKS.includes(w)) lines.push(RETAINED_TEXT, "");
  mainTable(w);
  if (ALSO.length) releasesTable(w);
}
if (w6) {
  lines.push("## W6 TCP echo", "");
  lines.push(`One load client (\`bench/w6/client.mjs\`) for every server: 32 connections, 1 KiB messages, ${W6.seconds} s (after ${W6.warmupSeconds} s warm-up), each connection waits for the full echo before its next send; ${W6.runs} run(s) per server, servers alternating. The primary figure is the server's CPU time (user + sys) per round trip, which does not depend on which side saturated first. **Ratio** = that figure ÷ raw node:net's in the same run, median over runs: here *below* 1× is cheaper than raw node:net. wasyncio's servers are \`bench/w6/wasyncio-server.mjs --mode protocol|streams|sock\` (Wasm core unless marked), on the built package; the Node servers run on Node ${MAIN.version}.`, "");
  lines.push("| server | CPU µs / round trip | ratio to raw node:net | round trips/s | p50 ms | p99 ms |", "|---|---|---|---|---|---|");
  for (const [name, row] of Object.entries(w6)) {
    const ok = row.runs.filter((r) => !r.error);
    if (ok.length === 0) {
      lines.push(`| ${name} | failed: ${row.runs[0]?.error ?? "no result"} | | | | |`);
      continue;
    }
    const m = (k) => median(ok.map((r) => r[k]));
    const cpu = ok.map((r) => r.serverCpuPerRoundTripUs);
    const cpuText = ok.length > 1 ? `${f1(median(cpu))} (${f1(Math.min(...cpu))}–${f1(Math.max(...cpu))})` : f1(cpu[0]);
    const shown = name.startsWith("wasyncio") ? `**${name}**` : name;
    lines.push(`| ${shown} | ${cpuText} | ${ratioText(median(row.ratio))} | ${f1(m("rps"))} | ${f1(m("p50Ms"))} | ${f1(m("p99Ms"))} |`);
  }
  lines.push("");
  lines.push("Where a wasyncio server's CPU per round trip goes (profiles under this load, and with one connection, where nothing amortises the loop's wake-up): `bench/w6/README.md`.", "");
  lines.push("CPython asyncio runs as shipped. On this VM its `recv(262144)` per read makes glibc `mmap`/`munmap` a 256 KiB buffer every time (~130 µs of CPU per read); any glibc malloc tunable (e.g. `MALLOC_TOP_PAD_=1048576`) removes that and brings it to about uvloop's figure.", "");
}

if (w7) {
  const cores = os.availableParallelism();
  const ideal = (W7.jobs * W7.ms) / cores;
  lines.push("## W7 CPU jobs off the loop's thread", "");
  lines.push(
    `${fmtN(W7.jobs)} jobs of ~${W7.ms} ms of busy-waiting on the clock each (\`bench/w7/jobs.mjs\`, \`burn\` in \`bench/w7/w7.py\`: the same wall time in every runtime, so only the dispatch differs), submitted at once and gathered; each pool is first warmed with one job per core (worker start-up is not measured). ` +
      `The ideal is jobs × ms ÷ cores (${fmtN(ideal)} ms on ${cores} cores). ${RUNS} run(s) per system, each in a fresh process, systems alternating; wall time in ms, median (min–max). ` +
      "**Ratio** = the system's wall time ÷ wasyncio toThread's in the same run, median over runs: above 1× toThread is faster. **Overhead per job** = (wall − ideal) × cores ÷ jobs, in ms. " +
      "wasyncio's rows run the built package: `toThread()` on the default executor (a `WorkerPool` of one worker thread per core) and `loop.runInExecutor()` with a Piscina pool as the executor; " +
      `Piscina ${versions.piscina} used directly is \`pool.run(ms, { name: "burn" })\` gathered with \`Promise.all\`; both Piscina pools have one thread per core (minThreads = maxThreads), other options Piscina's defaults. ` +
      "CPython's parallel comparison is `run_in_executor` with a `ProcessPoolExecutor` (one process per core); `asyncio.to_thread` runs the jobs in threads of which the GIL lets one run at a time: shown for that reason (a job descheduled mid-wait still ends on the clock, so its time can come in under jobs × ms without any parallel work). " +
      `The Node scripts run on Node ${MAIN.version}.`,
    "",
  );
  lines.push("| system | wall (ms) | ratio | overhead per job (ms) |", "|---|---|---|---|");
  for (const [name, row] of Object.entries(w7)) {
    if (row.notRun) {
      lines.push(`| ${name} | not run: ${row.notRun} | | |`);
      continue;
    }
    const ok = row.runs.filter((r) => !r.error);
    if (ok.length === 0) {
      lines.push(`| ${name} | failed: ${(row.runs.find((r) => r.error)?.error ?? "no result").replaceAll("|", "\\|")} | | |`);
      continue;
    }
    const wall = ok.map((r) => r.wallMs);
    const wallText = ok.length > 1 ? `${f1(median(wall))} (${f1(Math.min(...wall))}–${f1(Math.max(...wall))})` : f1(wall[0]);
    // Each run's overhead from its own ideal (its runtime's count of cores).
    const overhead = median(ok.map((r) => ((r.wallMs - r.idealMs) * r.cores) / r.jobs));
    const failed = row.runs.length - ok.length;
    const shown = name === W7_REFERENCE ? `**${name}**` : name;
    lines.push(`| ${shown} | ${wallText}${failed ? ` (${failed} of ${row.runs.length} runs failed)` : ""} | ${ratioText(median(row.ratio))} | ${f1(overhead)} |`);
  }
  lines.push("");
  lines.push("How the systems are run, and by hand: `bench/w7/README.md`.", "");
}

// Targets: each marked met or missed with its figure; a miss is a finding, not a reason to change
// the workload. Ratios are from the main release unless the target names another.
const ratioOf = (w, name, key = "ratio", line = "main") => {
  const row = results[w]?.[line]?.[name];
  return row && row[key].length ? median(row[key]) : NaN;
};
const targets = [];
const target = (what, value, ok, shown = ratioText(value)) =>
  targets.push(`| ${what} | ${Number.isFinite(value) ? shown : "not measured"} | ${Number.isFinite(value) ? (ok(value) ? "met" : "**missed**") : "–"} |`);
for (const w of ["w1a", "w1b", "w2"]) {
  target(`${WORKLOADS[w].title}: ≥ 10× faster than CPython asyncio`, ratioOf(w, "CPython asyncio"), (r) => r >= 10);
  target(`${WORKLOADS[w].title}: ≥ 5× faster than uvloop`, ratioOf(w, "uvloop"), (r) => r >= 5);
}
// W2 against async functions doing `await null`, on the release each bound is set for: Node
// 26's await costs about half of Node 24's.
for (const [major, least] of [[24, 1.0], [26, 0.6]]) {
  const line = lineOf(major);
  const r = line ? ratioOf("w2", "async fn, await null", "ratio", line.key) : NaN;
  target(`W2: ≥ ${least.toFixed(1)}× async functions doing \`await null\`, on Node ${major}${line ? ` (${line.node.version})` : ""}`, r, (x) => x >= least);
}
target("W2: faster than Effection", ratioOf("w2", "Effection 4"), (r) => r > 1);
target("W3: faster than CPython asyncio and uvloop (no target was set; shown for the record)", ratioOf("w3", "uvloop"), (r) => r > 1, `uvloop ${ratioText(ratioOf("w3", "uvloop"))}, asyncio ${ratioText(ratioOf("w3", "CPython asyncio"))}`);
target("W4: ≥ 2× faster than Node's setTimeout", ratioOf("w4", "setTimeout/clearTimeout"), (r) => r >= 2);
{
  const r = ratioOf("w4", "wasyncio (TS core)", "dispatchRatio");
  target("W4's dispatch phase: Wasm core ≥ 1.3× faster than the TS core", r, (x) => x >= 1.3, `TS/Wasm ${ratioText(r)}`);
}
target("W5: ≥ 1.7× faster than Promises + setTimeout", ratioOf("w5", "Promises + setTimeout"), (r) => r >= 1.7);
{
  const line = lineOf(26);
  const rss = line ? median(results.w5?.[line.key]?.[REFERENCE]?.rss ?? []) : NaN;
  target(`W5: peak RSS ≤ 120 MB on Node 26${line ? ` (${line.node.version})` : ""}`, rss, (x) => x <= 120, `${f1(rss)} MB`);
}
{
  const r = retainedOf(results.w5?.main?.[REFERENCE]);
  const parked = !r.error && r.note === "";
  target("W5: ≤ 250 B retained per parked task (without its generator)", r.heap, (x) => parked && x <= 250, `${bytes(r.heap)} B on the JS heap${r.note ?? ""}, + ${bytes(r.offHeap)} B off-heap`);
}
{
  // The README's Eager tasks section says so; the figure is this run's.
  const r = ratioOf("w5s", "wasyncio + eager tasks");
  target("W5s: a task that returns at once costs at most half as much made and awaited eagerly (`eagerTaskFactory`)", r, (x) => x <= 0.5, `eager/plain ${ratioText(r)}`);
}
for (const w of ["w1a", "w1b", "w2", "w3", "w5", "w5g"]) {
  const r = ratioOf(w, "wasyncio (TS core)");
  target(`${WORKLOADS[w].title}: Wasm core within 5% of the TS core`, r, (x) => x >= 1 / 1.05, `TS/Wasm ${ratioText(r)}`);
}
for (const { name, within } of W6_TARGETS) {
  const row = w6?.[name];
  const r = row && row.ratio.length ? median(row.ratio) : NaN;
  const what = `W6: ${name} echo within ${Math.round((within - 1) * 100)}% of raw node:net in server CPU per round trip`;
  // One 1 s run on a shared 2-core machine moves by ±30%: a quick run shows the trend only.
  if (quick && Number.isFinite(r)) targets.push(`| ${what} | ${name}/raw ${ratioText(r)} | not judged (\`--quick\`: one 1 s run) |`);
  else target(what, r, (x) => x <= within, `${name}/raw ${ratioText(r)}`);
}
lines.push("## Targets", "", `On Node ${MAIN.version} unless a row names another release.`, "", "| target | measured | result |", "|---|---|---|", ...targets, "");
if (skipped.length) {
  lines.push("## Skipped", "");
  for (const s of skipped) lines.push(`- ${s.name}: ${s.why}`);
  lines.push("");
}
lines.push(`Suite time: ${((Date.now() - started) / 1000).toFixed(0)} s.`, "");

const OUT = quick || only ? "bench/results/quick" : "bench/results";
mkdirSync(OUT, { recursive: true });
writeFileSync(`${OUT}/latest.md`, lines.join("\n"));
// The chart: the main release's ratios only.
const chartRows = selected.filter((w) => w !== "w2i").map((w) => ({
  title: WORKLOADS[w].title,
  bars: Object.entries(results[w].main).filter(([, row]) => row.ratio.length).map(([name, row]) => ({ name, ratio: median(row.ratio) })),
}));
writeFileSync(`${OUT}/latest.svg`, renderChart(chartRows, { subtitle: `${date} · ${machine} · a run on Node ${MAIN.version}${quick ? " · quick run" : ""}` }));
console.log(lines.join("\n"));
console.log(`wrote ${OUT}/latest.md and ${OUT}/latest.svg`);
