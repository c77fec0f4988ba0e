// The Trace Event Format's rules that Perfetto and chrome://tracing rely on, checked on a
// trace from startTrace() (test/trace.test.ts) and on the file examples/trace.ts writes.
import * as assert from "uvu/assert";
import type { Trace } from "../src/index.js";

/** Throws on the first rule `trace` breaks. */
export function validateTrace(trace: Trace): void {
  assert.ok(Array.isArray(trace.traceEvents), "traceEvents is an array");
  const flows = new Map<number, { s: number; f: number }>();
  let lastTs = -Infinity;
  for (const e of trace.traceEvents) {
    const where = JSON.stringify(e);
    assert.type(e.name, "string", where);
    assert.ok(["X", "i", "s", "f", "M"].includes(e.ph), where);
    for (const k of ["ts", "pid", "tid"] as const) assert.ok(typeof e[k] === "number" && Number.isFinite(e[k]), `${k}: ${where}`);
    if (e.ph === "X") assert.ok(typeof e.dur === "number" && e.dur >= 0, `dur: ${where}`);
    if (e.ph === "i") assert.ok(e.s === "t" || e.s === "g" || e.s === "p", `scope: ${where}`);
    if (e.ph === "s" || e.ph === "f") {
      assert.type(e.id, "number", where);
      const pair = flows.get(e.id!) ?? { s: 0, f: 0 };
      pair[e.ph]++;
      flows.set(e.id!, pair);
      if (e.ph === "f") assert.is(e.bp, "e", where);
    }
    if (e.ph === "M") assert.ok(e.name === "process_name" || e.name === "thread_name", where);
    else {
      assert.ok(e.ts >= lastTs || e.ph === "X", `timestamps in order: ${where}`);
      if (e.ph !== "X") lastTs = e.ts;
    }
  }
  for (const [id, pair] of flows) assert.ok(pair.s === 1 && pair.f <= 1, `flow ${id}: ${pair.s} start(s), ${pair.f} end(s)`);
  JSON.parse(JSON.stringify(trace)); // plain JSON: no Infinity, no cycles
}

