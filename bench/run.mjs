// npm run bench: each measurement in a fresh child process, repeated; medians, min–max,
// and the Wasm/TS ratio computed run by run (the machines are noisy). Writes
// bench/results/latest.md. `npm run bench -- --quick` does fewer, smaller runs.
// The comparison with CPython asyncio, uvloop, Effection and Node natives is the
// benchmark issue's; this runner is its skeleton and the core ablation.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";

const quick = process.argv.includes("--quick");
const RUNS = quick ? 3 : 7;
const N = quick ? 200_000 : 1_000_000;
const WORKLOADS = ["w1a", "w1b", "w2", "w4"];
const CORES = ["wasm", "js"];
const LABEL = { w1a: "W1a call-soon drain", w1b: "W1b chained call-soon", w2: "W2 task switches", w4: "W4 timers (half cancelled)" };

function once(workload, core) {
  const out = execFileSync(process.execPath, ["bench/workloads.mjs", workload, core], {
    env: { ...process.env, BENCH_N: String(N) },
    encoding: "utf8",
  });
  return JSON.parse(out.trim().split("\n").pop()).ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => x.toFixed(1);

const rows = [];
for (const w of WORKLOADS) {
  const times = { wasm: [], js: [] };
  const ratios = [];
  for (let r = 0; r < RUNS; r++) {
    // Alternate the order so drift on the machine hits both cores alike.
    const order = r % 2 === 0 ? CORES : [...CORES].reverse();
    const got = {};
    for (const core of order) got[core] = once(w, core);
    times.wasm.push(got.wasm);
    times.js.push(got.js);
    ratios.push(got.wasm / got.js);
  }
  const row = {
    workload: LABEL[w],
    wasm: `${fmt(median(times.wasm))} (${fmt(Math.min(...times.wasm))}–${fmt(Math.max(...times.wasm))})`,
    js: `${fmt(median(times.js))} (${fmt(Math.min(...times.js))}–${fmt(Math.max(...times.js))})`,
    ratio: median(ratios),
  };
  rows.push(row);
  console.log(`${row.workload.padEnd(28)} wasm ${row.wasm.padEnd(24)} js ${row.js.padEnd(24)} wasm/js ${row.ratio.toFixed(2)}`);
}

const wasmBytes = statSync("build/core.wasm").size;
const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const md = [
  `# wasyncio benchmark: Wasm core vs pure-TS core`,
  ``,
  `${new Date().toISOString().slice(0, 10)} · ${os.cpus()[0]?.model ?? "cpu"} × ${os.cpus().length} · ${Math.round(os.totalmem() / 2 ** 30)} GiB · Node ${process.version} · wasyncio ${pkg.version} · Wasm core ${wasmBytes} bytes`,
  ``,
  `N = ${N.toLocaleString("en")}; ${RUNS} runs, each in a fresh process after a warm-up; times in ms, median (min–max); the ratio is the median of per-run ratios (< 1: Wasm faster).`,
  ``,
  `| workload | Wasm core | TS core | Wasm/TS |`,
  `|---|---|---|---|`,
  ...rows.map((r) => `| ${r.workload} | ${r.wasm} | ${r.js} | ${r.ratio.toFixed(2)} |`),
  ``,
].join("\n");
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/latest.md", md);
console.log("\nwrote bench/results/latest.md");
