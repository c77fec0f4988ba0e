// The benchmark harness works: every workload of every installed system runs at a tiny
// size and reports its correctness count; the chart renders. No timing is asserted here.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
// @ts-expect-error: plain ESM JavaScript without declarations
import { renderChart } from "../bench/chart.mjs";

const NODE_SYSTEMS: Record<string, string[]> = {
  "wasyncio-wasm": ["w1a", "w1b", "w2", "w3", "w4", "w5"],
  "wasyncio-js": ["w1a", "w1b", "w2", "w3", "w4", "w5"],
  "node-stream": ["w3"],
  effection: ["w2", "w5"],
  "node-setImmediate": ["w1a", "w1b"],
  "node-queueMicrotask": ["w1a", "w1b"],
  "node-await-null": ["w2"],
  "node-await-setImmediate": ["w2"],
  "node-setTimeout": ["w4"],
  "node-promises": ["w5"],
};
const EXPECTED: Record<string, number> = { w1a: 2000, w1b: 2000, w2: 2000, w3: 2000, w4: 1000, w5: 20 };

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
      if (w === "w5") assert.ok(r.rssMB! > 0);
    }
  });
}

test("bench/node/workloads.mjs: an unknown workload of a system exits 3", () => {
  const r = spawnSync(process.execPath, ["bench/node/workloads.mjs", "effection", "w1a"], { encoding: "utf8" });
  assert.is(r.status, 3);
});

const python = "/usr/bin/python3";
const hasUvloop = existsSync(python) && spawnSync(python, ["-c", "import uvloop"]).status === 0;
test(`bench/python/workloads.py: asyncio and uvloop report their counts${hasUvloop ? "" : " (skipped: no uvloop; npm run bench:setup)"}`, () => {
  if (!hasUvloop) return;
  for (const system of ["asyncio", "uvloop"]) {
    for (const w of Object.keys(EXPECTED)) {
      const r = runOne(python, ["bench/python/workloads.py", system, w]);
      assert.is(r.count, EXPECTED[w], `${system} ${w}`);
    }
  }
});

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

test.run();
