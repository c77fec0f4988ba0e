// The load, fault and soak tools (bench/reliability/, `npm run load|faults|soak`) run: each
// at its --quick size passes its own checks (every byte verified, every fault scenario
// handled, no error in the soak) and prints its summary table. Figures are not asserted
// here; the full runs are in the README's "Reliability" section.
import { spawnSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { plainEnv } from "../host.js";

function tool(name: string): string {
  const r = spawnSync(process.execPath, [`bench/reliability/${name}.mjs`, "--quick"], { encoding: "utf8", env: plainEnv(), timeout: 120_000 });
  assert.is(r.status, 0, `npm run ${name} -- --quick exited ${r.status}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  assert.match(r.stdout, /^PASS\b/m);
  return r.stdout;
}

test("npm run load -- --quick: both servers echo every byte of every connection", () => {
  const out = tool("load");
  assert.match(out, /^\| protocol \(`createServer`\) \| 200 \| 3,276,800 \/ 3,276,800 \| 0 \|/m);
  assert.match(out, /^\| streams \(`startServer`\) \| 200 \| 3,276,800 \/ 3,276,800 \| 0 \|/m);
});

test("npm run faults -- --quick: every scenario passes", () => {
  const out = tool("faults");
  const rows = out.split("\n").filter((l) => /^\| [a-z0-9]/.test(l) && !l.startsWith("| scenario"));
  assert.ok(rows.length >= 10, `${rows.length} scenario rows`);
  for (const r of rows) assert.match(r, /\| pass \|/, r);
});

test("npm run soak -- --quick: echo, timers and cancellation with nothing lost", () => {
  const out = tool("soak");
  assert.match(out, /^\| RSS start \/ peak \/ end \|/m);
});

test.run();
