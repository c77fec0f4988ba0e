// npm run bench: wasyncio against CPython asyncio, uvloop, Effection and Node's own
// primitives, on the same work, side by side in one run. Every measurement runs in a
// fresh child process (after an in-process warm-up, except W5 which measures peak RSS);
// each is repeated, and ratios against wasyncio (Wasm core) are computed run by run,
// since these machines are noisy. A full run writes bench/results/latest.md and
// latest.svg (committed: the README shows them); a --quick or --only run writes the same
// two files into bench/results/quick/ (git-ignored), never over the full results.
//   npm run bench              the full suite (< 15 min on 2 cores)
//   npm run bench -- --quick   a cut-down run (< 1 min): smaller N, fewer runs
//   npm run bench -- --only w2,w4
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { measureServer } from "./w6/measure.mjs";
import { renderChart } from "./chart.mjs";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const onlyAt = argv.findIndex((a) => a === "--only" || a.startsWith("--only="));
const only = onlyAt < 0 ? undefined : argv[onlyAt].includes("=") ? argv[onlyAt].split("=")[1] : argv[onlyAt + 1];
const RUNS = quick ? 2 : 5;
const N = quick ? 100_000 : 1_000_000;
const W5_TASKS = quick ? 10_000 : 100_000;
const W6 = quick ? { seconds: 1, warmupSeconds: 1, runs: 1 } : { seconds: 5, warmupSeconds: 1, runs: 3 };
const PYTHON = "/usr/bin/python3";
const REFERENCE = "wasyncio";

// ---- systems ----------------------------------------------------------------------------
const node = (system) => ({ cmd: process.execPath, args: ["bench/node/workloads.mjs", system] });
const python = (system) => ({ cmd: PYTHON, args: ["bench/python/workloads.py", system] });

/** Every system, the workloads it runs, and why one may be missing. */
const SYSTEMS = [
  { name: "wasyncio", ...node("wasyncio-wasm"), workloads: ["w1a", "w1b", "w2", "w3", "w4", "w5"] },
  { name: "wasyncio (TS core)", ...node("wasyncio-js"), workloads: ["w1a", "w1b", "w2", "w3", "w4", "w5"] },
  { name: "CPython asyncio", ...python("asyncio"), workloads: ["w1a", "w1b", "w2", "w3", "w4", "w5"], needs: "python" },
  { name: "uvloop", ...python("uvloop"), workloads: ["w1a", "w1b", "w2", "w3", "w4", "w5"], needs: "uvloop" },
  { name: "Effection 4", ...node("effection"), workloads: ["w2", "w5"] },
  { name: "setImmediate", ...node("node-setImmediate"), workloads: ["w1a", "w1b"] },
  { name: "queueMicrotask", ...node("node-queueMicrotask"), workloads: ["w1a", "w1b"] },
  { name: "async fn, await null", ...node("node-await-null"), workloads: ["w2"] },
  { name: "async fn, await setImmediate", ...node("node-await-setImmediate"), workloads: ["w2"] },
  { name: "objectMode stream (highWaterMark 100)", ...node("node-stream"), workloads: ["w3"] },
  { name: "setTimeout/clearTimeout", ...node("node-setTimeout"), workloads: ["w4"] },
  { name: "Promises + setTimeout", ...node("node-promises"), workloads: ["w5"] },
];

const wasyncioServer = (...args) => ({ cmd: process.execPath, args: ["bench/w6/wasyncio-server.mjs", ...args] });
const W6_SERVERS = [
  { name: "raw node:net", cmd: process.execPath, args: ["bench/w6/net-server.mjs"] },
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

const WORKLOADS = {
  w1a: { title: "W1a call-soon drain", what: `${fmtN(N)} no-op callbacks scheduled at once, then drained` },
  w1b: { title: "W1b chained callbacks", what: `each callback schedules the next, ${fmtN(N)} hops` },
  w2: { title: "W2 task switches", what: `1,000 tasks × ${fmtN(N / 1000)} \`sleep(0)\` (or the system's equivalent), all awaited with gather` },
  w3: { title: "W3 queue ping-pong", what: `a producer and a consumer pass ${fmtN(N)} integers through a queue with maxsize 100` },
  w4: { title: "W4 timers", what: `${fmtN(N)} timers at pseudo-random [0, 100) ms, every second one cancelled, the rest fired` },
  w5: { title: "W5 many tasks", what: `${fmtN(W5_TASKS)} tasks each sleeping [0, 100) ms and returning its index, all awaited with gather` },
};

// ---- what is installed ----------------------------------------------------------------------
function probe(args) {
  return spawnSync(PYTHON, args, { encoding: "utf8" });
}
const have = {
  python: existsSync(PYTHON) && probe(["-c", "import asyncio"]).status === 0,
  uvloop: existsSync(PYTHON) && probe(["-c", "import uvloop"]).status === 0,
};
const versions = {
  node: process.version,
  python: have.python ? probe(["-c", "import sys; print(sys.version.split()[0])"]).stdout.trim() : null,
  uvloop: have.uvloop ? probe(["-c", "import uvloop; print(uvloop.__version__)"]).stdout.trim() : null,
  effection: JSON.parse(readFileSync("node_modules/effection/package.json", "utf8")).version,
  wasyncio: JSON.parse(readFileSync("package.json", "utf8")).version,
};
const skipped = [];
const available = (s) => {
  if (s.needs === undefined || have[s.needs]) return true;
  const why = s.needs === "uvloop" ? "`/usr/bin/python3` has no uvloop" : "`/usr/bin/python3` is missing";
  if (!skipped.some((x) => x.name === s.name)) skipped.push({ name: s.name, why: `${why} (run \`npm run bench:setup\`)` });
  return false;
};

// ---- measuring -------------------------------------------------------------------------------
function fmtN(n) {
  return n.toLocaleString("en");
}

function once(system, workload) {
  const args = [...system.args, workload, "--n", String(N), ...(workload === "w5" ? ["--tasks", String(W5_TASKS)] : [])];
  try {
    const out = execFileSync(system.cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 300_000, maxBuffer: 1 << 20 });
    return JSON.parse(out.trim().split("\n").pop());
  } catch (e) {
    return { error: String(e.stderr || e.message).trim().split("\n").pop() };
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const selected = Object.keys(WORKLOADS).filter((w) => !only || only.split(",").includes(w));
const results = {}; // workload -> system name -> { ms: [], rss: [], phases: [], ratio: [], rssRatio: [], error }
const started = Date.now();

for (const w of selected) {
  const systems = SYSTEMS.filter((s) => s.workloads.includes(w) && available(s));
  results[w] = Object.fromEntries(systems.map((s) => [s.name, { ms: [], rss: [], phases: [], ratio: [], rssRatio: [] }]));
  process.stdout.write(`${WORKLOADS[w].title}: `);
  for (let r = 0; r < RUNS; r++) {
    // Rotate the order each run so a drift of the machine hits every system alike.
    const order = systems.map((_, i) => systems[(i + r) % systems.length]);
    const got = {};
    for (const s of order) {
      got[s.name] = once(s, w);
      process.stdout.write(".");
    }
    const ref = got[REFERENCE];
    for (const s of systems) {
      const m = got[s.name], row = results[w][s.name];
      if (m.error) {
        row.error = m.error;
        continue;
      }
      row.ms.push(m.ms);
      if (m.rssMB !== undefined) row.rss.push(m.rssMB);
      if (m.phases) row.phases.push(m.phases);
      if (ref && !ref.error) {
        row.ratio.push(m.ms / ref.ms);
        if (m.rssMB !== undefined) row.rssRatio.push(m.rssMB / ref.rssMB);
      }
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
if (!only || only.split(",").includes("w6")) {
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

// ---- report ----------------------------------------------------------------------------------
const f1 = (x) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) : "–");
const ratioText = (x) => (Number.isFinite(x) ? `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}×` : "–");
const summary = (row) => `${f1(median(row.ms))} (${f1(Math.min(...row.ms))}–${f1(Math.max(...row.ms))})`;

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
lines.push(`Node ${versions.node} · wasyncio ${versions.wasyncio} · Python ${versions.python ?? "not installed"} · uvloop ${versions.uvloop ?? "not installed"} · Effection ${versions.effection}`, "");
lines.push(`Wasm core: ${fmtN(wasmBytes)} bytes · ESM bundle (index.js and its chunks): ${fmtN(bundleBytes)} bytes`, "");
lines.push(`${quick ? "**Quick run** (`--quick`): smaller N, fewer runs; for a trend only. " : ""}Each figure: median of ${RUNS} runs (min–max), each run in a fresh process after a warm-up in that process (W5: no warm-up, it measures peak RSS). **Ratio** = the system's time ÷ wasyncio's (Wasm core) in the same run, median over runs: above 1× wasyncio is faster. Times in ms; every run asserted its correctness count.`, "");
for (const w of selected) {
  lines.push(`## ${WORKLOADS[w].title}`, "", WORKLOADS[w].what + ".", "");
  const rows = results[w];
  const hasRss = Object.values(rows).some((r) => r.rss.length);
  const hasPhases = Object.values(rows).some((r) => r.phases.length);
  const header = ["system", "time (ms)", "ratio"];
  if (hasPhases) header.push("schedule", "cancel", "dispatch");
  if (hasRss) header.push("peak RSS (MB)", "RSS ratio");
  lines.push(`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`);
  for (const [name, row] of Object.entries(rows)) {
    if (row.ms.length === 0) {
      lines.push(`| ${name} | failed: ${row.error ?? "no result"} |${" |".repeat(header.length - 2)}`);
      continue;
    }
    const cells = [name === REFERENCE ? `**${name}**` : name, summary(row), ratioText(median(row.ratio))];
    if (hasPhases) for (const p of ["schedule", "cancel", "dispatch"]) cells.push(row.phases.length ? f1(median(row.phases.map((x) => x[p]))) : "–");
    if (hasRss) cells.push(row.rss.length ? f1(median(row.rss)) : "–", row.rssRatio.length ? ratioText(median(row.rssRatio)) : "–");
    lines.push(`| ${cells.join(" | ")} |`);
  }
  lines.push("");
}
if (w6) {
  lines.push("## W6 TCP echo", "");
  lines.push(`One load client (\`bench/w6/client.mjs\`) for every server: 32 connections, 1 KiB messages, ${W6.seconds} s (after ${W6.warmupSeconds} s warm-up), each connection waits for the full echo before its next send; ${W6.runs} run(s) per server, servers alternating. The primary figure is the server's CPU time (user + sys) per round trip, which does not depend on which side saturated first. **Ratio** = that figure ÷ raw node:net's in the same run, median over runs: here *below* 1× is cheaper than raw node:net. wasyncio's servers are \`bench/w6/wasyncio-server.mjs --mode protocol|streams|sock\` (Wasm core unless marked), on the built package.`, "");
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

// Targets: each marked met or missed with its ratio; a miss is a finding, not a reason to change the workload.
const ratioOf = (w, name, key = "ratio") => {
  const row = results[w]?.[name];
  return row && row[key].length ? median(row[key]) : NaN;
};
const targets = [];
const target = (what, ratio, ok, shown = ratioText(ratio)) =>
  targets.push(`| ${what} | ${Number.isFinite(ratio) ? shown : "not measured"} | ${Number.isFinite(ratio) ? (ok(ratio) ? "met" : "**missed**") : "–"} |`);
for (const w of ["w1a", "w1b", "w2"]) {
  target(`${WORKLOADS[w].title}: ≥ 10× faster than CPython asyncio`, ratioOf(w, "CPython asyncio"), (r) => r >= 10);
  target(`${WORKLOADS[w].title}: ≥ 5× faster than uvloop`, ratioOf(w, "uvloop"), (r) => r >= 5);
}
target("W2: faster than async functions doing `await null`", ratioOf("w2", "async fn, await null"), (r) => r > 1);
target("W2: faster than Effection", ratioOf("w2", "Effection 4"), (r) => r > 1);
target("W4: ≥ 5× faster than Node's setTimeout", ratioOf("w4", "setTimeout/clearTimeout"), (r) => r >= 5);
target("W5: at most half of CPython asyncio's peak memory", ratioOf("w5", "CPython asyncio", "rssRatio"), (r) => r >= 2, `asyncio uses ${ratioText(ratioOf("w5", "CPython asyncio", "rssRatio"))}`);
target("W3: faster than CPython asyncio and uvloop (no target was set; shown for the record)", ratioOf("w3", "uvloop"), (r) => r > 1, `uvloop ${ratioText(ratioOf("w3", "uvloop"))}, asyncio ${ratioText(ratioOf("w3", "CPython asyncio"))}`);
for (const w of ["w1a", "w1b", "w2"]) {
  const r = ratioOf(w, "wasyncio (TS core)");
  target(`${WORKLOADS[w].title}: Wasm core within 10% of the TS core`, r, (x) => x >= 1 / 1.1, `TS/Wasm ${ratioText(r)}`);
}
for (const w of ["w4", "w5"]) {
  const r = ratioOf(w, "wasyncio (TS core)");
  target(`${WORKLOADS[w].title}: Wasm core faster than the TS core`, r, (x) => x > 1, `TS/Wasm ${ratioText(r)}`);
}
for (const { name, within } of W6_TARGETS) {
  const row = w6?.[name];
  const r = row && row.ratio.length ? median(row.ratio) : NaN;
  const what = `W6: ${name} echo within ${Math.round((within - 1) * 100)}% of raw node:net in server CPU per round trip`;
  // One 1 s run on a shared 2-core machine moves by ±30%: a quick run shows the trend only.
  if (quick && Number.isFinite(r)) targets.push(`| ${what} | ${name}/raw ${ratioText(r)} | not judged (\`--quick\`: one 1 s run) |`);
  else target(what, r, (x) => x <= within, `${name}/raw ${ratioText(r)}`);
}
lines.push("## Targets", "", "| target | ratio | result |", "|---|---|---|", ...targets, "");
if (skipped.length) {
  lines.push("## Skipped", "");
  for (const s of skipped) lines.push(`- ${s.name}: ${s.why}`);
  lines.push("");
}
lines.push(`Suite time: ${((Date.now() - started) / 1000).toFixed(0)} s.`, "");

const OUT = quick || only ? "bench/results/quick" : "bench/results";
mkdirSync(OUT, { recursive: true });
writeFileSync(`${OUT}/latest.md`, lines.join("\n"));
const chartRows = selected.map((w) => ({
  title: WORKLOADS[w].title,
  bars: Object.entries(results[w]).filter(([, row]) => row.ratio.length).map(([name, row]) => ({ name, ratio: median(row.ratio) })),
}));
writeFileSync(`${OUT}/latest.svg`, renderChart(chartRows, { subtitle: `${date} · ${machine} · Node ${versions.node}${quick ? " · quick run" : ""}` }));
console.log(lines.join("\n"));
console.log(`wrote ${OUT}/latest.md and ${OUT}/latest.svg`);
