// startTrace(): the recorder's Chrome Trace Event JSON, on both cores and the virtual clock
// (so the trace is exact): every event has the format's required fields, steps are complete
// events on their task's track, spawns are flows from the spawning step to the first step.
import * as assert from "uvu/assert";
import { sleep, startTrace, TraceRecorder, type Coroutine, type EventLoop, type Trace, type TraceEvent } from "../src/index.js";
import { bothCores, caught, runIn } from "./helpers.js";
import { validateTrace } from "./trace-format.js";

function* program(loop: EventLoop): Coroutine<number> {
  const worker = loop.createTask((function* () {
    yield* sleep(10);
    return 2;
  })(), { name: "worker" });
  loop.callLater(5, function tick() {});
  return (yield* worker) * 21;
}

bothCores("startTrace()", (test) => {
  test("a virtual-clock run's trace: steps, the spawn flow, the timer callback, the idle jump; exactly the same twice", ({ newLoop }) => {
    const traces: Trace[] = [];
    for (let i = 0; i < 2; i++) {
      const loop = newLoop();
      const recorder = startTrace(loop);
      assert.instance(recorder, TraceRecorder);
      assert.is(runIn(loop, loop.createTask(program(loop), { name: "main" })), 42);
      traces.push(recorder.stop());
    }
    const trace = traces[0];
    validateTrace(trace);
    assert.equal(traces[1], trace, "deterministic");
    assert.is(trace.otherData.clock, "virtual");
    const ev = trace.traceEvents;
    const thread = (tid: number) => ev.find((e) => e.ph === "M" && e.name === "thread_name" && e.tid === tid)?.args?.name;
    assert.is(thread(0), "event loop");
    const steps = ev.filter((e) => e.ph === "X" && e.cat === "task");
    assert.equal(steps.map((e) => `${e.name}@${e.ts}`), ["main@0.002", "worker@0.005", "worker@10000.002", "main@10000.005"]);
    const mainTid = steps[0].tid, workerTid = steps[1].tid;
    assert.is(thread(mainTid), "main");
    assert.is(thread(workerTid), "worker");
    assert.equal(steps[1].args, { task: workerTid });
    // The spawn: a flow from main's first step to worker's first step.
    // main's own spawn (outside any step: from the loop's track) is a flow too.
    assert.equal(ev.filter((e) => e.ph === "s").map((e) => [e.tid, e.id]), [[0, mainTid], [mainTid, workerTid]]);
    const s = ev.find((e) => e.ph === "s" && e.id === workerTid)!, f = ev.find((e) => e.ph === "f" && e.id === workerTid)!;
    assert.is(s.tid, mainTid);
    assert.is(f.tid, workerTid);
    assert.is(s.id, f.id);
    assert.ok(s.ts > steps[0].ts && s.ts < steps[0].ts + steps[0].dur!, "inside main's step");
    assert.is(f.ts, steps[1].ts, "at worker's first step");
    // The timer callback at 5 ms, the loop's idle jumps (0 -> 5, 5 -> 10), the sleep's end, the exits.
    const tick = ev.find((e) => e.cat === "timer")!;
    assert.equal([tick.name, tick.ph, tick.tid, Math.floor(tick.ts)], ["<Handle tick()>", "X", 0, 5000]);
    const idle = ev.filter((e) => e.cat === "io");
    assert.equal(idle.map((e) => [e.ph, Math.round(e.ts), Math.round(e.dur!), e.args?.timeoutMs]), [["X", 0, 5000, 5], ["X", 5000, 5000, 5]]);
    assert.ok(ev.some((e) => e.ph === "i" && e.name === "sleep ended" && e.tid === workerTid));
    assert.equal(ev.filter((e) => e.name === "exited").map((e) => [e.tid, e.args?.outcome]), [[workerTid, "result"], [mainTid, "result"]]);
    assert.equal(ev.filter((e) => e.ph === "i" && e.s === "g").map((e) => e.name), ["run started", "run ended"]);
  });

  test("events() reads the trace so far without stopping; stop() inside a step closes it as open; stop() twice: the same trace", ({ loop }) => {
    const holder: { recorder?: TraceRecorder; mid?: TraceEvent[]; trace?: Trace } = {};
    runIn(loop, loop.createTask((function* () {
      holder.recorder = startTrace();
      yield* sleep(1);
      yield* sleep(1);
      holder.mid = holder.recorder.events();
      holder.trace = holder.recorder.stop();
    })(), { name: "self" }));
    const { recorder, mid, trace } = holder as Required<typeof holder>;
    assert.ok(mid.some((e) => e.ph === "X" && e.name === "self"), "the first traced step is in the live view");
    assert.not.ok(mid.some((e) => e.args?.open), "the step in progress is not");
    validateTrace(trace);
    const last = trace.traceEvents.filter((e) => e.ph === "X" && e.name === "self").pop()!;
    assert.equal(last.args, { task: last.tid, open: true });
    assert.ok(recorder.stopped);
    assert.is(recorder.stop(), trace);
    assert.equal(recorder.events(), trace.traceEvents);
    assert.is(loop._instruments, null, "the recorder's instrument is removed");
  });

  test("an exception and a cancellation are the tasks' outcomes; recording does not retrieve the exception", ({ loop, errors }) => {
    const recorder = startTrace(loop);
    const failing = loop.createTask((function* (): Coroutine<void> {
      yield* sleep(1);
      throw new Error("boom");
    })(), { name: "failing" });
    const cancelled = loop.createTask(sleep(100), { name: "cancelled" });
    loop.callLater(2, () => cancelled.cancel());
    runIn(loop, sleep(3));
    const trace = recorder.stop();
    validateTrace(trace);
    assert.equal(trace.traceEvents.filter((e) => e.name === "exited").map((e) => e.args?.outcome), ["exception", "cancelled", "result"]);
    assert.ok(failing.done());
    loop.close();
    assert.is(errors.length, 1, "the exception is still reported as never retrieved");
    assert.match(errors[0].message, /never retrieved/);
    errors.length = 0;
  });

  test("bad input: startTrace(42) names the call", () => {
    const e = caught(() => startTrace(42 as never)) as Error;
    assert.instance(e, TypeError);
    assert.is(e.message, "startTrace() expected loop to be an EventLoop, got 42");
  });
});
