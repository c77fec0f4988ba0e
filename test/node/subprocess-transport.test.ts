// loop.subprocessExec / loop.subprocessShell and SubprocessTransport with real child
// processes, real-clock loops, both scheduler cores: asyncio's callback order
// (connectionMade first; processExited before connectionLost; connectionLost last, once,
// after every pipe closed), the pipe transports, signals, close(), bad input.
import * as assert from "uvu/assert";
import {
  DEVNULL, PIPE, SubprocessProtocol, ReadPipeTransport, WritePipeTransport, type EventLoop, type Future, type SubprocessTransport,
} from "../../src/node/index.js";
import { bothCores } from "../helpers.js";
import { alive, captureWarnings } from "./helpers.js";

const node = process.execPath;

/** Records every callback as a string, in order; `done` is resolved by connectionLost. */
class Recorder extends SubprocessProtocol {
  events: string[] = [];
  out: Buffer[] = [];
  err: Buffer[] = [];
  transport!: SubprocessTransport;
  readonly done: Future<void>;
  constructor(loop: EventLoop) {
    super();
    this.done = loop.createFuture<void>();
  }
  override connectionMade(t: SubprocessTransport): void {
    this.transport = t;
    this.events.push("made");
  }
  override pipeDataReceived(fd: number, data: Uint8Array): void {
    if (this.events[this.events.length - 1] !== `data ${fd}`) this.events.push(`data ${fd}`);
    (fd === 1 ? this.out : this.err).push(Buffer.from(data));
  }
  override pipeConnectionLost(fd: number, exc: Error | null): void {
    this.events.push(`pipe ${fd} lost ${exc === null ? "null" : (exc as NodeJS.ErrnoException).code}`);
  }
  override processExited(): void {
    this.events.push(`exited ${this.transport.getReturncode()}`);
  }
  override connectionLost(exc: Error | null): void {
    this.events.push(`lost ${exc}`);
    this.done.setResult(undefined);
  }
}

bothCores("loop.subprocessExec", (test) => {
  test("callback order: connectionMade first, pipes and processExited, connectionLost(null) last and once", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const [events, out, err, rc] = await loop.runUntilComplete(function* () {
      const script = "process.stdout.write('out');process.stderr.write('err');process.stdin.on('end',()=>process.exit(3));process.stdin.resume()";
      const [t, p] = yield* loop.subprocessExec(() => new Recorder(loop), node, ["-e", script]);
      assert.is(p.events[0], "made", "connectionMade ran before the Future was done");
      assert.ok(t.getPipeTransport(0) instanceof WritePipeTransport);
      assert.ok(t.getPipeTransport(1) instanceof ReadPipeTransport);
      assert.ok(t.getPipeTransport(2) instanceof ReadPipeTransport);
      (t.getPipeTransport(0) as WritePipeTransport).close();
      yield* p.done;
      t.close();
      return [p.events, Buffer.concat(p.out).toString(), Buffer.concat(p.err).toString(), t.getReturncode()] as const;
    }());
    assert.is(out, "out");
    assert.is(err, "err");
    assert.is(rc, 3);
    assert.is(events[0], "made");
    assert.is(events[events.length - 1], "lost null");
    assert.is(events.filter((e) => e.startsWith("lost")).length, 1);
    for (const fd of [0, 1, 2]) assert.ok(events.indexOf(`pipe ${fd} lost null`) > 0, `pipe ${fd} lost: ${events}`);
    assert.ok(events.indexOf("exited 3") < events.length - 1, "processExited before connectionLost");
    assert.ok(events.indexOf("data 1") < events.indexOf("pipe 1 lost null"), "stdout data before its pipe closed");
    assert.ok(events.indexOf("data 2") < events.indexOf("pipe 2 lost null"), "stderr data before its pipe closed");
  });

  test("no pipes: connectionMade, processExited, connectionLost; getPipeTransport is null", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const events = await loop.runUntilComplete(function* () {
      const [t, p] = yield* loop.subprocessExec(() => new Recorder(loop), node, ["-e", "process.exitCode=4"], { stdin: DEVNULL, stdout: DEVNULL, stderr: DEVNULL });
      assert.is(t.getPipeTransport(0), null);
      assert.is(t.getPipeTransport(1), null);
      yield* p.done;
      return p.events;
    }());
    assert.equal(events, ["made", "exited 4", "lost null"]);
  });

  test("sendSignal('SIGINT') -> returncode -2; close() after exit is harmless", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const [rc, pidOk, extraOk] = await loop.runUntilComplete(function* () {
      const ready = loop.createFuture<void>();
      class Ready extends Recorder {
        override pipeDataReceived(fd: number, data: Uint8Array): void {
          super.pipeDataReceived(fd, data);
          if (!ready.done()) ready.setResult(undefined);
        }
      }
      const [t, p] = yield* loop.subprocessExec(() => new Ready(loop), node, ["-e", "setInterval(()=>{},1000);console.log('up')"], { stdin: DEVNULL, stderr: DEVNULL });
      yield* ready;
      t.sendSignal("SIGINT");
      yield* p.done;
      t.close();
      const child = t.getExtraInfo("subprocess") as { pid: number };
      return [t.getReturncode(), t.getPid() === child.pid, typeof child.pid === "number"] as const;
    }());
    assert.is(rc, -2);
    assert.ok(pidOk);
    assert.ok(extraOk);
  });

  test("close() on a running child closes its pipes and kills it (-9), then connectionLost", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const events = await loop.runUntilComplete(function* () {
      const [t, p] = yield* loop.subprocessExec(() => new Recorder(loop), node, ["-e", "setInterval(()=>{},1000)"]);
      t.close();
      assert.ok(t.isClosing());
      yield* p.done;
      return p.events;
    }());
    assert.is(events[0], "made");
    assert.ok(events.includes("exited -9"), String(events));
    assert.is(events[events.length - 1], "lost null");
  });

  test("reading can be paused: the child blocks, nothing is delivered, then everything arrives in order", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const [pausedCount, total, ordered] = await loop.runUntilComplete(function* () {
      const script = "const fs=require('fs');for(let i=0;i<4096;i++)fs.writeSync(1,String(i).padStart(8)+'\\n')";
      const [t, p] = yield* loop.subprocessExec(() => new Recorder(loop), node, ["-e", script], { stdin: DEVNULL, stderr: DEVNULL });
      const pipe = t.getPipeTransport(1) as ReadPipeTransport;
      pipe.pauseReading();
      assert.not.ok(pipe.isReading());
      const at = p.out.length;
      const tick = loop.createFuture<void>();
      loop.callLater(0.1, () => tick.setResult(undefined));
      yield* tick;
      const pausedCount = p.out.length - at;
      pipe.resumeReading();
      yield* p.done;
      const all = Buffer.concat(p.out).toString().split("\n").filter((l) => l !== "").map(Number);
      return [pausedCount, all.length, all.every((n, i) => n === i)] as const;
    }());
    assert.is(pausedCount, 0);
    assert.is(total, 4096);
    assert.ok(ordered);
  });

  test("subprocessShell runs through the shell", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const [out, rc] = await loop.runUntilComplete(function* () {
      const [t, p] = yield* loop.subprocessShell(() => new Recorder(loop), "printf '%s-%s' a b; exit 2", { stdin: DEVNULL });
      yield* p.done;
      return [Buffer.concat(p.out).toString(), t.getReturncode()] as const;
    }());
    assert.equal([out, rc], ["a-b", 2]);
  });

  test("a missing program rejects the Future with ENOENT; the factory is not called", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    let made = 0;
    const err = await loop.runUntilComplete(function* () {
      try {
        yield* loop.subprocessExec(() => (made++, new Recorder(loop)), "/nonexistent/wasyncio-missing");
      } catch (e) {
        return e as NodeJS.ErrnoException;
      }
      return null;
    }());
    assert.is(err?.code, "ENOENT");
    assert.is(made, 0);
  });

  test("bad input: TypeErrors naming the call and the argument, at the call", (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const f = () => new SubprocessProtocol();
    const cases: [() => unknown, RegExp][] = [
      [() => loop.subprocessExec(null as never, node), /^subprocessExec\(\) expected/],
      [() => loop.subprocessExec(f, 7 as never), /^subprocessExec\(\) expected program/],
      [() => loop.subprocessExec(f, node, [1] as never), /^subprocessExec\(\) expected args/],
      [() => loop.subprocessExec(f, node, [], { stdin: {} as never }), /^subprocessExec\(\) expected options.stdin/],
      [() => loop.subprocessExec(f, node, [], { cwd: 5 as never }), /^subprocessExec\(\) expected options.cwd/],
      [() => loop.subprocessExec(f, node, [], { shell: true } as never), /^subprocessExec\(\) got an unknown option .shell./],
      [() => loop.subprocessShell(f, [] as never), /^subprocessShell\(\) expected cmd/],
    ];
    for (const [fn, re] of cases) {
      assert.throws(fn, (e: Error) => e instanceof TypeError && re.test(e.message), String(re));
    }
  });
});

bothCores("SubprocessTransport left running", (test) => {
  test("the loop closes with a child running: one 'unclosed' ResourceWarning, the child is killed; a closed transport: none", async (ctx) => {
    const captured = captureWarnings();
    let pids: number[] = [];
    try {
      const loop = ctx.newLoop({ clock: "real" });
      pids = await loop.runUntilComplete(function* () {
        const [left] = yield* loop.subprocessExec(() => new SubprocessProtocol(), node, ["-e", "setInterval(()=>{},1000)"], { stdin: DEVNULL, stdout: DEVNULL, stderr: DEVNULL });
        const [closed] = yield* loop.subprocessExec(() => new SubprocessProtocol(), node, ["-e", "setInterval(()=>{},1000)"], { stdin: DEVNULL, stdout: DEVNULL, stderr: DEVNULL });
        closed.close();
        return [left.getPid(), closed.getPid()];
      }());
      loop.close();
      ctx.allowLive = true;
      // process.emitWarning delivers on a later tick; the kill takes a moment too.
      const deadline = Date.now() + 5000;
      while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      captured.stop();
    }
    assert.is(captured.warnings.length, 1, captured.warnings.map((w) => w.message).join("\n"));
    assert.match(captured.warnings[0].message, new RegExp(`^unclosed <SubprocessTransport pid=${pids[0]} running`));
    assert.equal(pids.map(alive), [false, false]);
  });
});
