// examples/trace.ts, as a reader runs it: it writes a trace file that is valid Trace Event
// JSON (test/trace-format.ts), the same on every run (the virtual clock), with a track per
// task and the flows of the crawler's spawns.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Trace } from "../src/index.js";
import { main } from "../examples/trace.js";
import { validateTrace } from "./trace-format.js";

const root = fileURLToPath(new URL("..", import.meta.url));

test("examples/trace.ts - as a program: writes a valid trace to the path given", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "wasyncio-trace-test-")), "out.json");
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "examples/trace.ts", path], { cwd: root, timeout: 20_000 });
  assert.equal(stdout.trimEnd().split("\n"), ["fetched 1, 1, 3, 4, 5 by 70 ms (virtual)", `51 trace events written to ${path}`]);
  const trace = JSON.parse(readFileSync(path, "utf8")) as Trace;
  validateTrace(trace);
  const threads = trace.traceEvents.filter((e) => e.ph === "M" && e.name === "thread_name").map((e) => e.args?.name);
  assert.equal(threads, ["event loop", "crawler", "worker-1", "worker-2", "worker-3"]);
  const crawler = trace.traceEvents.find((e) => e.ph === "M" && e.args?.name === "crawler")!.tid;
  assert.is(trace.traceEvents.filter((e) => e.ph === "s" && e.tid === crawler).length, 3, "the crawler spawned the three workers");
  assert.is(trace.traceEvents.filter((e) => e.ph === "f").length, 4);
  assert.ok(trace.traceEvents.some((e) => e.cat === "timer" && e.name === "<Handle heartbeat()>" && e.ts >= 25_000));
});

test("examples/trace.ts - in process, twice: the same trace (virtual clock), in a temp file by default", async () => {
  const lines: string[] = [];
  const a = await main({ print: (l) => void lines.push(l) });
  const b = await main({ print: (l) => void lines.push(l) });
  assert.ok(a.startsWith(tmpdir()) && a !== b);
  assert.is(readFileSync(a, "utf8"), readFileSync(b, "utf8"));
  assert.is(lines[1], `51 trace events written to ${a}`);
});

test.run();
