// Debug mode as the user meets it, in a child process (its console output is the subject,
// and no test replaces console methods): WASYNCIO_DEBUG=1 turns it on; a slow callback is
// reported with its duration, a slow step names the task, its creation site and the future
// it is suspended on (if any), and is counted in metrics(); a task's never-retrieved
// exception is reported with the task's creation stack.
import { spawnSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";

/** Runs `body` (ESM, with wasyncio's source as `w`) in a child Node with `env`; its stdout and stderr. */
function child(body: string, env: Record<string, string> = {}): { stdout: string; stderr: string } {
  const script = `const w = await import("./src/index.js");\n${body}`;
  const base = { ...process.env };
  delete base.WASYNCIO_DEBUG;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", env: { ...base, ...env }, timeout: 60_000 });
  assert.is(r.status, 0, r.stderr);
  return { stdout: r.stdout, stderr: r.stderr };
}

test("WASYNCIO_DEBUG=1 turns debug mode on for new loops; an explicit debug option wins; 0 or unset is off", () => {
  const probe = `console.log(JSON.stringify([new w.EventLoop().getDebug(), new w.EventLoop({ debug: false }).getDebug(), new w.EventLoop({ debug: true }).getDebug()]))`;
  assert.equal(JSON.parse(child(probe, { WASYNCIO_DEBUG: "1" }).stdout), [true, false, true]);
  assert.equal(JSON.parse(child(probe, { WASYNCIO_DEBUG: "0" }).stdout), [false, false, true]);
  assert.equal(JSON.parse(child(probe).stdout), [false, false, true]);
});

test("a slow task step names the task, its creation site and where it is suspended; metrics count it", () => {
  const { stdout, stderr } = child(`
    const loop = new w.EventLoop({ clock: "virtual", slowCallbackMs: 0 });
    const fut = loop.createFuture();
    function* slowpoke() { const t0 = performance.now(); while (performance.now() - t0 < 2); yield* fut; }
    loop.createTask(slowpoke(), { name: "slowpoke" });
    loop._runOnce();
    console.log(String(loop.metrics().slowCallbacks));
    fut.cancel();
    loop._runOnce();
    loop.close();
  `, { WASYNCIO_DEBUG: "1" });
  const line = stderr.split("\n").find((l) => l.startsWith("Executing <Task"));
  assert.ok(line, stderr);
  assert.match(line!, /^Executing <Task pending name="slowpoke"> \(created at .*\[eval1\]:\d+:\d+\)?\), suspended at .*awaiting <Future pending.*> took \d+\.\d{3} ms$/);
  assert.ok(Number(stdout.trim().split("\n")[0]) >= 1, stdout);
});

test("debug: true - a slow callback and a slow task step at a bare yield are each reported once (both cores)", () => {
  const { stderr } = child(`
    for (const core of ["wasm", "js"]) {
      const loop = new w.EventLoop({ clock: "virtual", core, debug: true, slowCallbackMs: 0 });
      loop.callSoon(function slowOne() {});
      loop._runOnce();
      process.stderr.write("-- end of the callback\\n");
      loop.createTask(w.sleep(0), { name: "slowpoke" });
      loop._runOnce();
      process.stderr.write("-- end of the step\\n");
      loop._runUntilCompleteSync(w.sleep(1));
      loop.close();
      process.stderr.write("-- end of the loop\\n");
    }
  `);
  const loops = stderr.split("-- end of the loop\n");
  assert.is(loops.length, 3, stderr);
  for (const output of loops.slice(0, 2)) {
    const [callback, rest] = output.split("-- end of the callback\n");
    const step = rest.split("-- end of the step\n")[0];
    // One line each, and only it: the handle and its duration; the task by name and creation
    // site (sleep(0) suspends at a bare yield, not on a future: no "suspended at" part).
    assert.match(callback, /^Executing <Handle slowOne\(\)> took \d+\.\d{3} ms\n$/);
    assert.match(step, /^Executing <Task pending name="slowpoke"> \(created at .*\[eval1\]:\d+:\d+\)?\) took \d+\.\d{3} ms\n$/);
  }
});

test("a task's exception never retrieved is reported with the task's creation stack (debug mode)", () => {
  const { stderr } = child(`
    const loop = new w.EventLoop({ clock: "virtual" });
    function* fails() { throw new Error("boom"); }
    function makeIt() { return loop.createTask(fails(), { name: "failing" }); }
    makeIt();
    loop._runOnce();
    loop.close();
  `, { WASYNCIO_DEBUG: "1" });
  assert.match(stderr, /Task exception was never retrieved/);
  assert.match(stderr, /sourceTraceback: .*makeIt/s);
  assert.match(stderr, /Error: boom/);
});

test.run();
