// The benchmark harness works: every workload of every installed system runs at a tiny
// size and reports its correctness count; the retained-bytes runs measure parked tasks;
// the chart renders; a quick run reports every column. No timing is asserted here.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
// @ts-expect-error: plain ESM JavaScript without declarations
import { renderChart } from "../bench/chart.mjs";

const NODE_SYSTEMS: Record<string, string[]> = {
  "wasyncio-wasm": ["w1a", "w1b", "w2", "w2i", "w3", "w4", "w5", "w5g", "w5h", "w5s"],
  "wasyncio-wasm+instrument": ["w2i"],
  "wasyncio-wasm+trace": ["w2i"],
  "wasyncio-wasm+debug": ["w2i"],
  "wasyncio-wasm+context": ["w2i"],
  "wasyncio-wasm+eager": ["w2", "w5", "w5g", "w5h", "w5s"],
  "wasyncio-js": ["w1a", "w1b", "w2", "w3", "w4", "w5", "w5g"],
  "node-stream": ["w3"],
  effection: ["w2", "w5"],
  "node-setImmediate": ["w1a", "w1b"],
  "node-queueMicrotask": ["w1a", "w1b"],
  "node-await-null": ["w2"],
  "node-await-setImmediate": ["w2"],
  "node-setTimeout": ["w4"],
  "node-promises": ["w5", "w5g"],
};
const EXPECTED: Record<string, number> = { w1a: 2000, w1b: 2000, w2: 2000, w2i: 2000, w3: 2000, w4: 1000, w5: 20, w5g: 20, w5h: 20, w5s: 20 };

function runOne(cmd: string, args: string[]): { count: number; ms: number; phases?: object; rssMB?: number } {
  const out = execFileSync(cmd, [...args, "--n", "2000", "--tasks", "20", "--warmup", "0"], { encoding: "utf8", timeout: 60_000 });
  return JSON.parse(out.trim().split("\n").pop()!);
}

for (const [system, workloads] of Object.entries(NODE_SYSTEMS)) {
  test(`bench/node/workloads.mjs ${system}: ${workloads.join(", ")} report their counts`, () => {
    for (const w of workloads) {
      const r = runOne(process.execPath, ["bench/node/workloads.mjs", system, w]);
      assert.is(r.count, EXPECTED[w], `${system} ${w}`);
      assert.ok(r.ms > 0);
      if (w === "w4") assert.ok(r.phases);
      if (w === "w5" || w === "w5g" || w === "w5h") assert.ok(r.rssMB! > 0);
    }
  });
}

test("bench/node/workloads.mjs: an unknown workload of a system exits 3", () => {
  const r = spawnSync(process.execPath, ["bench/node/workloads.mjs", "effection", "w1a"], { encoding: "utf8" });
  assert.is(r.status, 3);
});

type Retained = { heap: number; arrayBuffers: number; wasm: number; parked: number };
function retainedRun(system: string, workload: string, tasks = TASKS): Retained {
  const out = execFileSync(process.execPath, ["--expose-gc", "bench/node/workloads.mjs", system, workload, "--retained", "--tasks", String(tasks)], { encoding: "utf8", timeout: 60_000 });
  const r = JSON.parse(out.trim().split("\n").pop()!);
  assert.is(r.count, tasks, `${system} ${workload} finished every task`);
  return r.retained;
}
const TASKS = 2000;
// A measurement taken before the tasks exist, or after they finished, reads about 0 bytes
// per task; every system keeps at least its task object and a timer per parked task.
// wasyncio's tasks are small: with 2,000 of them, what a run allocates once moved the figure
// from ~225 B down to 64 B in a CI run on Node 20; 20,000 read 222–223 B five times in five.
for (const [system, workloads, tasks] of [["wasyncio-wasm", ["w5", "w5g"], 20_000], ["wasyncio-js", ["w5", "w5g"], 20_000], ["node-promises", ["w5"], TASKS], ["effection", ["w5"], TASKS]] as const) {
  test(`bench/node/workloads.mjs ${system} --retained: ${workloads.join(", ")} measure every task parked`, () => {
    for (const w of workloads) {
      const r = retainedRun(system, w, tasks);
      assert.is(r.parked, tasks, `${system} ${w}: every task parked when measured`);
      assert.ok(r.heap > 100, `${system} ${w}: ${r.heap} B retained per task`);
      assert.ok(r.arrayBuffers >= 0 && r.wasm >= 0);
    }
  });
}

test("bench/node/workloads.mjs --retained: a generator per task (w5g) retains more than the bare sleep (w5)", () => {
  // 20,000 tasks: with 2,000, what a run allocates once (code, feedback, the loop's tables)
  // moved the per-task figures by hundreds of bytes (a CI run on Node 26 read w5 725 B, w5g 581 B).
  const w5 = retainedRun("wasyncio-wasm", "w5", 20_000), w5g = retainedRun("wasyncio-wasm", "w5g", 20_000);
  assert.ok(w5g.heap > w5.heap + 50, `w5 ${w5.heap} B, w5g ${w5g.heap} B per task`);
});

test("bench/node/workloads.mjs --retained: needs --expose-gc, and is for w5 and w5g only", () => {
  const noGc = spawnSync(process.execPath, ["bench/node/workloads.mjs", "wasyncio-wasm", "w5", "--retained"], { encoding: "utf8" });
  assert.is(noGc.status, 2);
  assert.match(noGc.stderr, /--expose-gc/);
  const w2 = spawnSync(process.execPath, ["--expose-gc", "bench/node/workloads.mjs", "wasyncio-wasm", "w2", "--retained"], { encoding: "utf8" });
  assert.is(w2.status, 2);
});

const python = "/usr/bin/python3";
const hasUvloop = existsSync(python) && spawnSync(python, ["-c", "import uvloop"]).status === 0;
test(`bench/python/workloads.py: asyncio and uvloop report their counts${hasUvloop ? "" : " (skipped: no uvloop; npm run bench:setup)"}`, () => {
  if (!hasUvloop) return;
  for (const system of ["asyncio", "uvloop"]) {
    // W2i measures wasyncio against itself (instruments).
    for (const w of Object.keys(EXPECTED).filter((x) => x !== "w2i")) {
      const r = runOne(python, ["bench/python/workloads.py", system, w]);
      assert.is(r.count, EXPECTED[w], `${system} ${w}`);
    }
  }
});

// asyncio.eager_task_factory is Python 3.12+: an older /usr/bin/python3 says so and exits 3,
// which the runner reports as the row's reason.
const pythonEager = existsSync(python) && spawnSync(python, ["-c", "import asyncio; asyncio.eager_task_factory"]).status === 0;
test(`bench/python/workloads.py asyncio+eager: w5h and w5s report their counts, or exit 3 before Python 3.12 (${pythonEager ? "3.12+" : "older"} here)`, () => {
  if (!existsSync(python)) return;
  for (const w of ["w5h", "w5s"]) {
    if (pythonEager) {
      assert.is(runOne(python, ["bench/python/workloads.py", "asyncio+eager", w]).count, EXPECTED[w], w);
    } else {
      const r = spawnSync(python, ["bench/python/workloads.py", "asyncio+eager", w], { encoding: "utf8" });
      assert.is(r.status, 3, w);
      assert.match(r.stderr, /asyncio\.eager_task_factory is Python 3\.12\+; this is 3\.\d+/);
    }
  }
});

// W6: wasyncio's echo servers (on the built package) answer the load client correctly and
// exit 0 on SIGTERM. Timing is not asserted.
// @ts-expect-error: plain ESM JavaScript without declarations
const { load } = await import("../bench/w6/client.mjs");
const nodeEntry: Record<string, unknown> = await import("wasyncio/node");
const built = {
  sock: typeof nodeEntry.socket === "function",
  protocol: typeof (nodeEntry.EventLoop as { prototype: Record<string, unknown> }).prototype.createServer === "function",
  streams: typeof nodeEntry.startServer === "function",
};

async function echoRun(args: string[]): Promise<{ roundTrips: number; errors: number; exit: number | null }> {
  const child = spawn(process.execPath, ["bench/w6/wasyncio-server.mjs", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        out += d;
        const m = /^listening (\d+)$/m.exec(out);
        if (m) resolve(Number(m[1]));
      });
      void exited.then((code) => reject(new Error(`server exited (${code}) before listening: ${stderr}`)));
    });
    const r = await load({ port, connections: 4, size: 1024, seconds: 0.2, warmupSeconds: 0.05 });
    child.kill("SIGTERM");
    return { roundTrips: r.roundTrips, errors: r.errors, exit: await exited };
  } finally {
    child.kill("SIGKILL");
  }
}

for (const [mode, core] of [["protocol", "wasm"], ["protocol", "js"], ["streams", "wasm"], ["sock", "wasm"], ["sock", "js"]] as const) {
  const ready = built[mode];
  test(`bench/w6/wasyncio-server.mjs --mode ${mode} --core ${core}: echoes every byte, exits 0 on SIGTERM${ready ? "" : " (skipped: not in the built wasyncio/node yet)"}`, async () => {
    if (!ready) return;
    const r = await echoRun(["--mode", mode, "--core", core]);
    assert.ok(r.roundTrips > 0, `${r.roundTrips} round trips`);
    assert.is(r.errors, 0);
    assert.is(r.exit, 0);
  });
}

test("the chart: an SVG with a bar and a label per system, on a log scale", () => {
  const svg: string = renderChart(
    [{ title: "W1a", bars: [{ name: "wasyncio", ratio: 1 }, { name: "CPython asyncio", ratio: 7.5 }, { name: "queueMicrotask", ratio: 0.5 }] }],
    { subtitle: "test" },
  );
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.is((svg.match(/<rect /g) ?? []).length, 4); // background + 3 bars
  assert.match(svg, />7\.50×</);
  assert.match(svg, />0\.50×</);
  assert.match(svg, />10×</); // an axis decade
});

// The quick run's release lines are this process's Node (main and other), so the test
// needs neither the registry nor a download, yet fills the per-release tables.
const major = process.versions.node.split(".")[0];
test("a --quick (or --only) run writes bench/results/quick/, git-ignored, leaves the full results alone, and reports every column", () => {
  const committed = ["bench/results/latest.md", "bench/results/latest.svg"];
  const before = committed.map((f) => readFileSync(f, "utf8"));
  const started = Date.now();
  execFileSync(process.execPath, ["bench/run.mjs", "--quick", "--only", "w4,w5,w5g", "--n", "20000", "--tasks", "2000", "--node", major, "--also", major], { encoding: "utf8", timeout: 240_000 });
  assert.equal(committed.map((f) => readFileSync(f, "utf8")), before, "the full run's files are untouched");
  for (const f of ["bench/results/quick/latest.md", "bench/results/quick/latest.svg"]) {
    assert.ok(statSync(f).mtimeMs >= started - 1000, `${f} was written`);
    assert.is(spawnSync("git", ["check-ignore", "-q", f]).status, 0, `${f} is git-ignored`);
  }
  const md = readFileSync("bench/results/quick/latest.md", "utf8");
  const version = process.version.replace(/\./g, "\\.");
  assert.match(md, new RegExp(`Main tables, ratios, targets and chart: Node ${version} \\(this machine's\\) · per-release tables: Node ${version}`));
  assert.match(readFileSync("bench/results/quick/latest.svg", "utf8"), new RegExp(`a run on Node ${version}`));
  // W4: the phases and the dispatch ratio; the TS core's row has one.
  assert.match(md, /\| system \| time \(ms\) \| ratio \| schedule \| cancel \| dispatch \| dispatch ratio \|/);
  assert.match(md, /\| wasyncio \(TS core\) \| [^|]+ \| [^|]+ \| [^|]+ \| [^|]+ \| [^|]+ \| \d+\.\d+× \|/);
  // W5 and W5g: retained bytes per task from the separate runs, a number for wasyncio, – for CPython.
  for (const title of ["W5 many tasks", "W5g many tasks, a generator each"]) {
    const section = md.slice(md.indexOf(`## ${title}`), md.indexOf("\n## ", md.indexOf(`## ${title}`) + 1));
    assert.match(section, /\| retained B\/task \| off-heap B\/task \|/, title);
    assert.match(section, /\| \*\*wasyncio\*\* \|[^\n]*\| [\d,]+ \| [\d,]+ \|\n/, `${title}: wasyncio's retained bytes`);
    assert.match(section, new RegExp(`on other Node releases[^]*\\| system \\| Node ${version} \\| ratio \\| MB \\| Node ${version} \\(above\\) \\| ratio \\| MB \\|`), `${title}: the per-release table`);
    if (hasUvloop) assert.match(section, /\| CPython asyncio \|[^\n]*\| – \| – \|\n/, `${title}: no retained figure for CPython`);
  }
  assert.match(md, /\| W5: ≤ 250 B retained per parked task \(without its generator\) \| [\d,]+ B on the JS heap, \+ [\d,]+ B off-heap \| (met|\*\*missed\*\*) \|/);
  assert.match(md, /\| W4's dispatch phase: Wasm core ≥ 1\.3× faster than the TS core \| TS\/Wasm \d+\.\d+× \|/);
});

test("a --quick --only w2i run: W2 as is, with a no-op instrument, a trace recorder and in debug mode, each with its cost per switch", () => {
  execFileSync(process.execPath, ["bench/run.mjs", "--quick", "--only", "w2i", "--n", "20000", "--tasks", "2000", "--node", major, "--also", "none"], { encoding: "utf8", timeout: 240_000 });
  const md = readFileSync("bench/results/quick/latest.md", "utf8");
  const section = md.slice(md.indexOf("## W2i instruments and debug mode"), md.indexOf("\n## ", md.indexOf("## W2i") + 1));
  assert.match(section, /\| system \| time \(ms\) \| ratio \| cost per switch \(ns\) \|/);
  assert.match(section, /\| \*\*wasyncio\*\* \| [^|]+ \| 1\.00× \| – \|/);
  for (const name of ["wasyncio \\+ a no-op instrument", "wasyncio \\+ trace recorder", "wasyncio, debug mode", "wasyncio, tasks with a ContextVar set"]) {
    assert.match(section, new RegExp(`\\| ${name} \\| [^|]+ \\| \\d+(\\.\\d+)?× \\| -?\\d+(\\.\\d+)? \\|`), name);
  }
  assert.not.match(section, /CPython|uvloop|TS core/, "W2i measures wasyncio against itself only");
});

test("a --quick --only w5h,w5s run: wasyncio and CPython asyncio, each plain and eager, side by side; the W5s target", () => {
  execFileSync(process.execPath, ["bench/run.mjs", "--quick", "--only", "w5h,w5s", "--n", "20000", "--tasks", "2000", "--node", major, "--also", major], { encoding: "utf8", timeout: 240_000 });
  const md = readFileSync("bench/results/quick/latest.md", "utf8");
  for (const title of ["W5h eager tasks", "W5s eager tasks, one after another"]) {
    const at = md.indexOf(`## ${title}\n`);
    assert.ok(at >= 0, title);
    const section = md.slice(at, md.indexOf("\n## ", at + 1));
    assert.match(section, /\| \*\*wasyncio\*\* \| [^|]+ \| 1\.00× \|/, title);
    assert.match(section, /\| wasyncio \+ eager tasks \| [^|]+ \| \d+\.\d+× \|/, title);
    if (existsSync(python)) {
      assert.match(section, /\| CPython asyncio \| [^|]+ \| \d+(\.\d+)?× \|/, title);
      const eager = pythonEager ? "[^|]+ \\| \\d+(\\.\\d+)?×" : "not run: `/usr/bin/python3` is Python 3\\.\\d+\\.\\d+; `asyncio\\.eager_task_factory` is Python 3\\.12\\+";
      assert.match(section, new RegExp(`\\| CPython asyncio \\+ eager_task_factory \\| ${eager} \\|`), title);
    }
    assert.not.match(section, /uvloop|TS core|on other Node releases/, `${title}: wasyncio and CPython, on the main release only`);
  }
  assert.match(md, /\| W5s: a task that returns at once costs at most half as much made and awaited eagerly \(`eagerTaskFactory`\) \| eager\/plain \d+\.\d+× \| (met|\*\*missed\*\*) \|/);
});

// W7: each script (on the built package) runs its jobs and prints its line with the count.
// 8 jobs of 1 ms; timing is not asserted.
const W7_SCRIPTS: [string, string[]][] = [
  [process.execPath, ["bench/w7/w7.mjs", "8", "1", "toThread"]],
  [process.execPath, ["bench/w7/w7.mjs", "8", "1", "piscina"]],
  [process.execPath, ["bench/w7/piscina.mjs", "8", "1"]],
  ...(existsSync(python) ? [[python, ["bench/w7/w7.py", "8", "1", "process"]], [python, ["bench/w7/w7.py", "8", "1", "thread"]]] as [string, string[]][] : []),
];
for (const [cmd, args] of W7_SCRIPTS) {
  test(`${args.join(" ")}: every job returns, one JSON line with the count and the ideal`, () => {
    const out = execFileSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
    const r = JSON.parse(out.trim().split("\n").pop()!);
    assert.type(r.runtime, "string");
    assert.is(r.jobs, 8);
    assert.is(r.ms, 1);
    assert.is(r.count, 8);
    assert.ok(Number.isInteger(r.cores) && r.cores > 0);
    assert.is(r.idealMs, 8 / r.cores);
    assert.ok(r.wallMs > 0);
    assert.ok(Number.isFinite(r.overheadPerJobMs));
  });
}

test("bench/run.mjs: an unknown --only workload is a usage error", () => {
  const r = spawnSync(process.execPath, ["bench/run.mjs", "--only", "w9"], { encoding: "utf8" });
  assert.is(r.status, 2);
  assert.match(r.stderr, /no workload w9; one of .*w6, w7$/m);
});

test.run();
