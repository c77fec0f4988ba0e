// loop.addSignalHandler / removeSignalHandler and run()'s SIGINT handling, with real
// signals: SIGWINCH to this process (its default action is to do nothing, so a signal that
// finds no handler harms no one), and SIGUSR1 / SIGTERM / SIGINT to child processes running
// a wasyncio program, whose stdout and exit code are checked. Both cores.
import * as assert from "uvu/assert";
import { constants } from "node:os";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContextVar, Event, run, sleep, type Coroutine } from "../../src/node/index.js";
import { bothCores, caught, type CoreKind } from "../helpers.js";
import { plainEnv } from "../host.js";
import { until } from "./helpers.js";

/** What a child printed (one entry per line) and how it ended. */
interface ChildEnd {
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Runs `source` (a module; WASYNCIO is the path of wasyncio/node, CORE the core's name) in
 * a child Node. Each line it prints goes to `onLine(line, send)`, where `send(sig)` signals
 * the child: the test sends a signal only after the child said it is ready for it.
 */
function child(source: string, core: CoreKind, onLine: (line: string, send: (sig: NodeJS.Signals) => void) => void): Promise<ChildEnd> {
  const dir = mkdtempSync(join(tmpdir(), "wasyncio-signal-"));
  const file = join(dir, "main.mts");
  const wasyncio = new URL("../../src/node/index.ts", import.meta.url).href;
  writeFileSync(file, source.replaceAll("WASYNCIO", JSON.stringify(wasyncio)).replaceAll("CORE", JSON.stringify(core)));
  const proc = spawn(process.execPath, ["--import", "tsx", file], { env: plainEnv(), stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let stderr = "", partial = "";
  proc.stderr.setEncoding("utf8").on("data", (s: string) => void (stderr += s));
  proc.stdout.setEncoding("utf8").on("data", (s: string) => {
    const parts = (partial + s).split("\n");
    partial = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      onLine(line, (sig) => proc.kill(sig));
    }
  });
  // A child that never gets the signal it waits for must not hang the suite.
  const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
  return new Promise((resolve) => {
    proc.on("close", (code, signal) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      resolve({ lines, code, signal, stderr });
    });
  });
}

bothCores("loop.addSignalHandler", (test, core) => {
  test("bad arguments - TypeError / RangeError / Error naming the call", (ctx) => {
    const loop = ctx.loop;
    const noop = () => {};
    const e1 = caught(() => loop.addSignalHandler({} as never, noop));
    assert.instance(e1, TypeError);
    assert.match(String(e1), "addSignalHandler() expected sig to be a signal name or number");
    const e2 = caught(() => loop.addSignalHandler("SIGNOPE" as never, noop));
    assert.instance(e2, RangeError);
    assert.match(String(e2), /addSignalHandler\(\) expected a signal name of os\.constants\.signals, got .SIGNOPE./);
    const e3 = caught(() => loop.addSignalHandler(100_000, noop));
    assert.instance(e3, RangeError);
    assert.instance(caught(() => loop.addSignalHandler(1.5, noop)), RangeError);
    assert.instance(caught(() => loop.addSignalHandler("SIGWINCH", 42 as never)), TypeError);
    const e4 = caught(() => loop.addSignalHandler("SIGWINCH", function* () {} as never));
    assert.instance(e4, TypeError);
    assert.match(String(e4), "coroutines cannot be used as signal handlers");
    assert.instance(caught(() => loop.addSignalHandler("SIGWINCH", async () => {})), TypeError);
    for (const sig of ["SIGKILL", "SIGSTOP", constants.signals.SIGKILL] as const) {
      const e = caught(() => loop.addSignalHandler(sig, noop)) as Error;
      assert.is(e.constructor, Error);
      assert.match(e.message, /addSignalHandler\(\): signal SIG(KILL|STOP) cannot be caught/);
    }
    assert.instance(caught(() => loop.removeSignalHandler("SIGNOPE" as never)), RangeError);
    assert.instance(caught(() => loop.removeSignalHandler(null as never)), TypeError);
    assert.is(process.listenerCount("SIGWINCH"), 0, "a refused handler left a listener");
    loop.close();
    assert.match(String(caught(() => loop.addSignalHandler("SIGWINCH", noop))), "Event loop is closed: addSignalHandler()");
  });

  test("a real signal runs the callback in the loop, with its args, in the context of addSignalHandler; replace; remove", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const who = new ContextVar<string>("who", { default: "nobody" });
    const events: string[] = [];
    await loop.runUntilComplete(function* (): Coroutine<void> {
      who.set("adder");
      let inListener = true;
      loop.addSignalHandler(constants.signals.SIGWINCH, (a: number, b: string) => {
        // Scheduled, not called from Node's listener: the emit has returned by now.
        events.push(`first ${a} ${b} ${who.get()} ${inListener ? "sync" : "soon"}`);
      }, 1, "x");
      who.set("later");
      assert.is(process.listenerCount("SIGWINCH"), 1);
      process.kill(process.pid, "SIGWINCH");
      inListener = false;
      yield* until(loop, () => events.length === 1, "the first handler");
      // Re-adding replaces: one listener, the new callback only.
      loop.addSignalHandler("SIGWINCH", () => void events.push(`second ${who.get()}`));
      assert.is(process.listenerCount("SIGWINCH"), 1);
      process.kill(process.pid, "SIGWINCH");
      yield* until(loop, () => events.length === 2, "the second handler");
      assert.is(loop.removeSignalHandler("SIGWINCH"), true);
      assert.is(loop.removeSignalHandler("SIGWINCH"), false);
      assert.is(loop.removeSignalHandler(constants.signals.SIGUSR2), false);
      assert.is(process.listenerCount("SIGWINCH"), 0);
      process.kill(process.pid, "SIGWINCH");
      yield* sleep(50);
    }());
    assert.equal(events, ["first 1 x adder soon", "second later"]);
  });

  test("an idle loop wakes for a signal: main waits on an Event only the handler sets", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const stop = new Event();
    const t0 = performance.now();
    const timer = setTimeout(() => process.kill(process.pid, "SIGWINCH"), 30);
    const got = await loop.runUntilComplete(function* (): Coroutine<string> {
      loop.addSignalHandler("SIGWINCH", (ev: Event) => ev.set(), stop);
      yield* stop.wait();
      loop.removeSignalHandler("SIGWINCH");
      return "woken";
    }());
    clearTimeout(timer);
    assert.is(got, "woken");
    assert.ok(performance.now() - t0 >= 25);
  });

  test("loop.close() removes the loop's handlers; another loop's stay", (ctx) => {
    const a = ctx.newLoop(), b = ctx.newLoop();
    a.addSignalHandler("SIGWINCH", () => {});
    a.addSignalHandler("SIGUSR2", () => {});
    b.addSignalHandler("SIGWINCH", () => {});
    assert.is(process.listenerCount("SIGWINCH"), 2);
    a.close();
    assert.is(process.listenerCount("SIGWINCH"), 1);
    assert.is(process.listenerCount("SIGUSR2"), 0);
    assert.is(b.removeSignalHandler("SIGWINCH"), true);
    assert.is(process.listenerCount("SIGWINCH"), 0);
  });

  test("run() installs its SIGINT listener only while main runs, and not over another one", async () => {
    const before = process.listenerCount("SIGINT");
    const during = await run(function* () {
      return process.listenerCount("SIGINT");
    }, { core });
    assert.is(during, before === 0 ? 1 : before);
    assert.is(process.listenerCount("SIGINT"), before);
  });

  test("child: SIGUSR1 twice then SIGTERM; a waiting-only loop stays alive for them; graceful exit", async () => {
    const end = await child(`
      import { run, Event, getRunningLoop } from WASYNCIO;
      await run(function* () {
        const loop = getRunningLoop();
        const stop = new Event();
        let n = 0;
        loop.addSignalHandler("SIGUSR1", () => console.log("usr1 " + ++n));
        loop.addSignalHandler("SIGTERM", (ev) => { console.log("term"); ev.set(); }, stop);
        console.log("ready");
        yield* stop.wait();
        console.log("stopping");
      }, { core: CORE });
      console.log("exited cleanly");
    `, core, (line, send) => {
      if (line === "ready") send("SIGUSR1");
      else if (line === "usr1 1") send("SIGUSR1");
      else if (line === "usr1 2") send("SIGTERM");
    });
    assert.equal(end.lines, ["ready", "usr1 1", "usr1 2", "term", "stopping", "exited cleanly"], end.stderr);
    assert.is(end.code, 0);
  });

  test("child: run() - the first SIGINT cancels main (its finally runs), run() rejects with KeyboardInterrupt", async () => {
    const end = await child(`
      import { run, sleep, KeyboardInterrupt, CancelledError } from WASYNCIO;
      try {
        await run(function* () {
          console.log("ready");
          try { yield* sleep(1e9); }
          catch (e) { console.log("main got " + e.constructor.name); throw e; }
          finally { console.log("cleanup"); }
        }, { core: CORE });
      } catch (e) {
        console.log("run rejected with " + e.constructor.name + " " + (e instanceof KeyboardInterrupt));
        process.stdout.write("", () => process.exit(130));
      }
    `, core, (line, send) => {
      if (line === "ready") send("SIGINT");
    });
    assert.equal(end.lines, ["ready", "main got CancelledError", "cleanup", "run rejected with KeyboardInterrupt true"], end.stderr);
    assert.is(end.code, 130);
  });

  test("child: run() - main catches the SIGINT's cancellation and returns: run() resolves with its value (no KeyboardInterrupt)", async () => {
    const end = await child(`
      import { run, sleep, CancelledError } from WASYNCIO;
      const r = await run(function* () {
        console.log("ready");
        try { yield* sleep(1e9); } catch (e) { if (!(e instanceof CancelledError)) throw e; }
        return "shut down gracefully";
      }, { core: CORE });
      console.log(r);
    `, core, (line, send) => {
      if (line === "ready") send("SIGINT");
    });
    assert.equal(end.lines, ["ready", "shut down gracefully"], end.stderr);
    assert.is(end.code, 0);
  });

  test("child: run() - main ignores the first SIGINT; the second one is a KeyboardInterrupt at once, then shutdown cancels main", async () => {
    const end = await child(`
      import { run, sleep, KeyboardInterrupt } from WASYNCIO;
      const t0 = Date.now();
      try {
        await run(function* () {
          console.log("ready");
          try { yield* sleep(1e9); } catch (e) { console.log("ignoring " + e.constructor.name); }
          try { yield* sleep(1e9); } finally { console.log("cancelled at shutdown"); }
        }, { core: CORE });
      } catch (e) {
        console.log("run rejected with " + e.constructor.name + (Date.now() - t0 < 30000 ? " at once" : " late"));
      }
    `, core, (line, send) => {
      if (line === "ready" || line === "ignoring CancelledError") send("SIGINT");
    });
    assert.equal(end.lines, ["ready", "ignoring CancelledError", "cancelled at shutdown", "run rejected with KeyboardInterrupt at once"], end.stderr);
    assert.is(end.code, 0);
  });

  test("child: run() - main's own SIGINT handler replaces run()'s: main is not cancelled", async () => {
    const end = await child(`
      import { run, Event, getRunningLoop } from WASYNCIO;
      const r = await run(function* () {
        const stop = new Event();
        getRunningLoop().addSignalHandler("SIGINT", () => { console.log("handler"); stop.set(); });
        console.log("ready");
        yield* stop.wait();
        return "main finished";
      }, { core: CORE });
      console.log(r + ", SIGINT listeners left: " + process.listenerCount("SIGINT"));
    `, core, (line, send) => {
      if (line === "ready") send("SIGINT");
    });
    assert.equal(end.lines, ["ready", "handler", "main finished, SIGINT listeners left: 0"], end.stderr);
    assert.is(end.code, 0);
  });

  test("child: a signal with no handler keeps Node's default action", async () => {
    const end = await child(`
      import { run, getRunningLoop, sleep } from WASYNCIO;
      await run(function* () {
        const loop = getRunningLoop();
        loop.addSignalHandler("SIGTERM", () => console.log("handled"));
        console.log("ready");
        yield* sleep(1e9);
      }, { core: CORE });
    `, core, (line, send) => {
      if (line === "ready") send("SIGTERM");
      if (line === "handled") send("SIGUSR2");
    });
    // SIGUSR2 has no handler: Node's default action (terminate) applies, as asyncio's SIG_DFL.
    assert.equal(end.lines, ["ready", "handled"], end.stderr);
    assert.is(end.signal, "SIGUSR2");
  });
});
