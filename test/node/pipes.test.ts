// loop.connectReadPipe / connectWritePipe and openStdio over real pipes (a child process's
// stdio) and real files (fs streams in a temp directory), real-clock loops, both cores:
// asyncio's read and write pipe transport semantics.
import * as assert from "uvu/assert";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { ReadPipeTransport, WritePipeTransport, openStdio, sleep, type Coroutine } from "../../src/node/index.js";
import { bothCores, caught, type CoreKind } from "../helpers.js";
import { hostTick, plainEnv } from "../host.js";
import { Recorder, captureWarnings, compact, payload, until } from "./helpers.js";

/** A child Node running `code` (plain JavaScript), its stdio piped. */
function node(code: string): ChildProcess {
  return spawn(process.execPath, ["-e", code], { env: plainEnv(), stdio: ["pipe", "pipe", "inherit"] });
}

/** The child's exit code, once it exits. */
function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
}

/** A child that writes `n` bytes of payload(n, seed) to stdout and exits. */
function writer(n: number, seed: number): ChildProcess {
  return node(`
    const n = ${n}, seed = ${seed}, b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >>> 8)) & 0xff;
    process.stdout.write(b);
  `);
}

/** A child that reads its stdin to the end, then prints how many bytes and their sha256. */
function digester(): ChildProcess {
  return node(`
    const h = require("crypto").createHash("sha256"); let n = 0;
    process.stdin.on("data", (c) => { n += c.length; h.update(c); });
    process.stdin.on("end", () => console.log(n + " " + h.digest("hex")));
  `);
}

function sha(b: Uint8Array): string {
  return createHash("sha256").update(b).digest("hex");
}

/** The child's whole stdout, as text. */
function stdoutOf(child: ChildProcess): Promise<string> {
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => void (out += s));
  return new Promise((resolve) => child.stdout!.once("end", () => resolve(out)));
}

bothCores("loop.connectReadPipe", (test) => {
  test("a child's stdout: every byte in order, then eofReceived and connectionLost(null); the stream is destroyed", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const child = writer(3 << 20, 5);
    await loop.runUntilComplete(function* (): Coroutine<void> {
      const [transport, proto] = yield* loop.connectReadPipe(() => new Recorder(loop), child.stdout!);
      assert.instance(transport, ReadPipeTransport);
      assert.instance(proto, Recorder);
      assert.is(proto.transport as unknown, transport);
      assert.is(transport.getExtraInfo("pipe"), child.stdout);
      assert.ok(transport.isReading());
      assert.is(yield* proto.lost, null);
      assert.ok(transport.isClosing());
      assert.not.ok(transport.isReading());
      assert.ok(child.stdout!.destroyed);
      assert.equal(compact(proto.events), ["made", "data", "eof", "lost null"]);
      assert.ok(proto.received().equals(payload(3 << 20, 5)), "every byte, in order");
      assert.match(String(transport), /^<ReadPipeTransport closed protocol=<Recorder>>$/);
    }());
    assert.is(await exited(child), 0);
  });

  test("pauseReading holds delivery (no dataReceived while paused); resumeReading delivers the rest in order", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const child = writer(4 << 20, 9);
    await loop.runUntilComplete(function* (): Coroutine<void> {
      const [transport, proto] = yield* loop.connectReadPipe(() => new Recorder(loop), child.stdout!);
      let pausedAt = -1;
      proto.onData = () => {
        if (pausedAt < 0) {
          transport.pauseReading();
          pausedAt = proto.bytes;
        }
      };
      yield* until(loop, () => pausedAt >= 0, "the first chunk");
      assert.not.ok(transport.isReading());
      yield* sleep(100);
      assert.is(proto.bytes, pausedAt, "nothing delivered while paused");
      assert.not.ok(proto.events.includes("eof"));
      transport.resumeReading();
      transport.resumeReading(); // idempotent
      assert.ok(transport.isReading());
      yield* proto.lost;
      assert.equal(compact(proto.events), ["made", "data", "eof", "lost null"]);
      assert.ok(proto.received().equals(payload(4 << 20, 9)));
    }());
    await exited(child);
  });

  test("close() stops delivery at once; connectionLost(null) once; the child's writes then fail", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const child = node(`process.stdout.on("error", (e) => process.exit(e.code === "EPIPE" ? 3 : 4)); setInterval(() => process.stdout.write("x".repeat(1000)), 1)`);
    await loop.runUntilComplete(function* (): Coroutine<void> {
      const [transport, proto] = yield* loop.connectReadPipe(() => new Recorder(loop), child.stdout!);
      yield* proto.waitBytes(5000);
      transport.close();
      transport.close();
      assert.ok(transport.isClosing());
      const at = proto.bytes;
      assert.is(yield* proto.lost, null);
      yield* sleep(50);
      assert.is(proto.bytes, at, "nothing after close()");
      assert.equal(compact(proto.events), ["made", "data", "lost null"]);
      assert.ok(child.stdout!.destroyed);
    }());
    // The pipe's read end is closed: the child's next write gets EPIPE.
    const code = await Promise.race([exited(child), new Promise<string>((r) => setTimeout(() => r("still running"), 10_000))]);
    assert.is(code, 3);
    child.kill("SIGKILL");
  });

  test("an fs.ReadStream; a BufferedProtocol gets the bytes in its buffer", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const dir = mkdtempSync(join(tmpdir(), "wasyncio-pipe-"));
    try {
      const file = join(dir, "in.bin");
      writeFileSync(file, payload(1 << 20, 2));
      const got: Buffer[] = [], events: string[] = [];
      const buf = new Uint8Array(1000);
      await loop.runUntilComplete(function* (): Coroutine<void> {
        const [, proto] = yield* loop.connectReadPipe(() => ({
          getBuffer: () => buf,
          bufferUpdated: (n: number) => void got.push(Buffer.from(buf.subarray(0, n))),
          eofReceived: () => void events.push("eof"),
          connectionLost: (exc: Error | null) => void events.push(`lost ${exc}`),
        }), createReadStream(file));
        yield* until(loop, () => events.length === 2, "connectionLost");
        assert.type(proto.getBuffer, "function");
      }());
      assert.equal(events, ["eof", "lost null"]);
      assert.ok(Buffer.concat(got).equals(payload(1 << 20, 2)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("bad arguments - TypeError naming the call", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const e1 = caught(() => loop.connectReadPipe(() => new Recorder(loop), 42 as never));
    assert.instance(e1, TypeError);
    assert.match(String(e1), "connectReadPipe() expected pipe to be a readable Node stream");
    assert.instance(caught(() => loop.connectReadPipe(42 as never, new PassThrough())), TypeError);
    const text = new PassThrough();
    text.setEncoding("utf8");
    assert.match(String(caught(() => loop.connectReadPipe(() => new Recorder(loop), text))), "connectReadPipe() expected a stream of bytes");
    assert.match(String(caught(() => loop.connectWritePipe(() => new Recorder(loop), createReadStream(__filenameOf()) as never))), "connectWritePipe() expected pipe to be a writable Node stream");
    assert.match(String(caught(() => loop.connectWritePipe(() => new Recorder(loop), new PassThrough({ objectMode: true })))), "connectWritePipe() expected a stream of bytes");
    // The factory's result is checked when the connection is made, as connectionMade would be called.
    const bad = yield_(loop.connectReadPipe(() => ({}) as never, new PassThrough()));
    assert.match(String(await bad), "connectReadPipe(): protocolFactory returned {}, not a Protocol");
    loop.close();
    assert.match(String(caught(() => loop.connectReadPipe(() => new Recorder(loop), new PassThrough()))), "Event loop is closed: connectReadPipe()");
  });
});

/** This test file's path (an existing file to open a ReadStream on). */
function __filenameOf(): string {
  return new URL(import.meta.url).pathname;
}

/** The error a loop Future fails with, run on its own loop. */
async function yield_(fut: { getLoop(): unknown; exception(): unknown; done(): boolean }): Promise<unknown> {
  const loop = fut.getLoop() as import("../../src/node/index.js").EventLoop;
  try {
    await loop.runUntilComplete(fut as never);
  } catch (e) {
    return e;
  }
  return undefined;
}

bothCores("loop.connectWritePipe", (test) => {
  test("a child's stdin: 8 MiB with pauseWriting/resumeWriting; close() flushes, ends, connectionLost(null); every byte arrives", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const child = digester();
    const out = stdoutOf(child);
    const data = payload(8 << 20, 3);
    await loop.runUntilComplete(function* (): Coroutine<void> {
      const [transport, proto] = yield* loop.connectWritePipe(() => new Recorder(loop), child.stdin!);
      assert.instance(transport, WritePipeTransport);
      assert.is(transport.getExtraInfo("pipe"), child.stdin);
      assert.ok(transport.canWriteEof());
      transport.setWriteBufferLimits(256 * 1024);
      assert.equal(transport.getWriteBufferLimits(), [64 * 1024, 256 * 1024]);
      let sent = 0;
      while (sent < data.length) {
        transport.write(data.subarray(sent, sent + 100_000));
        sent += 100_000;
        if (transport.getWriteBufferSize() > 256 * 1024) {
          assert.equal(proto.events.at(-1), "pauseWriting");
          yield* until(loop, () => proto.events.at(-1) === "resumeWriting", "resumeWriting");
          assert.ok(transport.getWriteBufferSize() <= 64 * 1024);
        }
      }
      transport.close();
      assert.ok(transport.isClosing());
      transport.write("dropped"); // after close(): dropped, as asyncio
      assert.is(yield* proto.lost, null);
      assert.equal(compact(proto.events.filter((e) => e !== "pauseWriting" && e !== "resumeWriting")), ["made", "lost null"]);
      assert.ok(proto.events.includes("pauseWriting") && proto.events.includes("resumeWriting"));
    }());
    assert.is((await out).trim(), `${data.length} ${sha(data)}`);
    assert.is(await exited(child), 0);
  });

  test("the reader goes away while we write: connectionLost(err), err.code EPIPE; later writes are dropped", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    // Reads a little, then exits: the pipe has no reader left.
    const child = node(`process.stdin.once("data", () => { console.log("closed"); process.exit(0); })`);
    const closed = exited(child);
    await loop.runUntilComplete(function* (): Coroutine<void> {
      const [transport, proto] = yield* loop.connectWritePipe(() => new Recorder(loop), child.stdin!);
      // More than the pipe holds: data still waits in the buffer when the child is gone.
      transport.write(payload(8 << 20, 1));
      yield closed;
      const exc = yield* proto.lost;
      assert.is((exc as NodeJS.ErrnoException | null)?.code, "EPIPE");
      assert.ok(transport.isClosing());
      transport.write("dropped");
      assert.equal(compact(proto.events.filter((e) => e !== "pauseWriting" && e !== "resumeWriting")), ["made", "lost EPIPE"]);
    }());
    child.kill("SIGKILL");
    await exited(child);
  });

  test("an fs.WriteStream: writelines, writeEof then the file holds every byte; abort drops the buffer", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const dir = mkdtempSync(join(tmpdir(), "wasyncio-pipe-"));
    try {
      const file = join(dir, "out.txt"), other = join(dir, "aborted.txt");
      await loop.runUntilComplete(function* (): Coroutine<void> {
        const [transport, proto] = yield* loop.connectWritePipe(() => new Recorder(loop), createWriteStream(file));
        transport.writelines(["one\n", new TextEncoder().encode("two\n"), "three\n"]);
        transport.writeEof();
        transport.writeEof();
        assert.is(yield* proto.lost, null);
        assert.equal(proto.events, ["made", "lost null"]);
        const [t2, p2] = yield* loop.connectWritePipe(() => new Recorder(loop), createWriteStream(other));
        t2.write(payload(1 << 20, 1));
        t2.abort();
        assert.is(yield* p2.lost, null);
        assert.equal(p2.events, ["made", "pauseWriting", "lost null"]);
      }());
      assert.is(readFileSync(file, "utf8"), "one\ntwo\nthree\n");
      // abort() may even come before the stream opened its file.
      assert.ok(!existsSync(other) || readFileSync(other).length < 1 << 20, "abort() dropped what was buffered");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

bothCores("pipe transports left open", (test) => {
  test("the loop closes with pipes open: one 'unclosed transport' ResourceWarning each; closed ones: none", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const captured = captureWarnings();
    const streams = [new PassThrough(), new PassThrough(), new PassThrough(), new PassThrough()];
    try {
      await loop.runUntilComplete(function* (): Coroutine<void> {
        yield* loop.connectReadPipe(() => new Recorder(loop), streams[0]);
        yield* loop.connectWritePipe(() => new Recorder(loop), streams[1]);
        const [r, rp] = yield* loop.connectReadPipe(() => new Recorder(loop), streams[2]);
        const [w, wp] = yield* loop.connectWritePipe(() => new Recorder(loop), streams[3]);
        r.close();
        w.close();
        yield* rp.lost;
        yield* wp.lost;
      }());
      loop.close();
      await hostTick(); // process.emitWarning emits on the next tick
      assert.equal(captured.warnings.map((w) => w.message), [
        "unclosed transport <ReadPipeTransport open protocol=<Recorder>>",
        "unclosed transport <WritePipeTransport open protocol=<Recorder>>",
      ]);
    } finally {
      captured.stop();
      for (const s of streams) s.destroy();
    }
  });
});

/**
 * Runs `source` (WASYNCIO is wasyncio/node, CORE the core) in a child Node with `input` on
 * its stdin; resolves with its stdout and exit code.
 */
function program(source: string, core: CoreKind, input: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const dir = mkdtempSync(join(tmpdir(), "wasyncio-stdio-"));
  const file = join(dir, "main.mts");
  const wasyncio = new URL("../../src/node/index.ts", import.meta.url).href;
  writeFileSync(file, source.replaceAll("WASYNCIO", JSON.stringify(wasyncio)).replaceAll("CORE", JSON.stringify(core)));
  const child = spawn(process.execPath, ["--import", "tsx", file], { env: plainEnv(), stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => void (stdout += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => void (stderr += s));
  child.stdin.end(input);
  return new Promise((resolve) => {
    child.on("close", (code) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ stdout, stderr, code });
    });
  });
}

bothCores("openStdio", (test, core) => {
  test("child: reads lines from stdin, answers on stdout, closes the writer; the process exits by itself", async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i}`);
    const r = await program(`
      import { run, openStdio } from WASYNCIO;
      await run(function* () {
        const [reader, writer] = yield* openStdio();
        let n = 0;
        for (let line; (line = yield* reader.readline()).length > 0; n++) {
          writer.write(new TextDecoder().decode(line).toUpperCase());
          yield* writer.drain();
        }
        writer.write("lines: " + n + "\\n");
        writer.close();
        yield* writer.waitClosed();
      }, { core: CORE });
    `, core, lines.join("\n") + "\n");
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, lines.map((l) => l.toUpperCase()).join("\n") + "\nlines: 2000\n");
  });

  test("options: other streams, limit; bad options name the call", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const input = new PassThrough(), output = new PassThrough();
    const written: Buffer[] = [];
    output.on("data", (c: Buffer) => void written.push(c));
    await loop.runUntilComplete(function* (): Coroutine<void> {
      const [reader, writer] = yield* openStdio({ stdin: input, stdout: output, limit: 10 });
      input.end("short\nmuch too long a line\n");
      assert.is(new TextDecoder().decode(yield* reader.readline()), "short\n");
      const e = yield* (function* () {
        try {
          yield* reader.readline();
        } catch (err) {
          return err;
        }
      })();
      assert.match(String(e), /limit|chunk/i);
      writer.write("out\n");
      writer.close();
      yield* writer.waitClosed();
      assert.is(Buffer.concat(written).toString(), "out\n");
      for (const [bad, msg] of [[{ limit: 0 }, "openStdio()"], [{ nope: 1 }, "openStdio() got an unknown option"], [{ stdin: 42 }, "openStdio() expected pipe"]] as const) {
        const err = yield* (function* () {
          try {
            yield* openStdio(bad as never);
          } catch (x) {
            return x;
          }
        })();
        assert.match(String(err), msg);
      }
    }());
  });
});
