// createSubprocessExec / createSubprocessShell and Process with real child processes
// (`node -e ...`), real-clock loops, both scheduler cores: streams, communicate, large
// outputs on both pipes at once, many children, signals, cancellation, broken pipes.
import * as assert from "uvu/assert";
import {
  CancelledError, DEVNULL, PIPE, STDOUT, createSubprocessExec, createSubprocessShell, gather, sleep, type Coroutine, type Process,
} from "../../src/node/index.js";
import { bothCores } from "../helpers.js";
import { alive } from "./helpers.js";

const node = process.execPath;
const text = (b: Uint8Array | null): string => (b === null ? "<null>" : Buffer.from(b).toString());

/** Block `k` of the large-output pattern: 1 MiB whose bytes depend on position and k. */
function block(k: number): Buffer {
  const b = Buffer.allocUnsafe(1 << 20);
  for (let i = 0; i < b.length; i++) b[i] = ((i * 31 + (i >>> 8)) ^ k) & 0xff;
  return b;
}
const BLOCK_SRC = "(k)=>{const b=Buffer.allocUnsafe(1<<20);for(let i=0;i<b.length;i++)b[i]=((i*31+(i>>>8))^k)&0xff;return b}";

bothCores("createSubprocessExec / Process", (test) => {
  test("stdin -> stdout echo: a line at a time, then EOF, returncode 0", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const got = await loop.runUntilComplete(function* (): Coroutine<string[]> {
      const proc = yield* createSubprocessExec(node, ["-e", "process.stdin.pipe(process.stdout)"], { stdin: PIPE, stdout: PIPE });
      assert.type(proc.pid, "number");
      assert.is(proc.stderr, null);
      assert.is(proc.returncode, null);
      const lines: string[] = [];
      for (const word of ["one", "two", "three"]) {
        proc.stdin!.write(`${word}\n`);
        yield* proc.stdin!.drain();
        lines.push(text(yield* proc.stdout!.readline()));
      }
      proc.stdin!.close();
      lines.push(text(yield* proc.stdout!.read()));
      lines.push(String(yield* proc.wait()));
      lines.push(String(proc.returncode));
      return lines;
    }());
    assert.equal(got, ["one\n", "two\n", "three\n", "", "0", "0"]);
  });

  test("communicate(input): 4 MiB in, the same 4 MiB out; unpiped streams are null", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const input = Buffer.concat([block(1), block(2), block(3), block(4)]);
    const [out, err, code] = await loop.runUntilComplete(function* () {
      const proc = yield* createSubprocessExec(node, ["-e", "process.stdin.pipe(process.stdout)"], { stdin: PIPE, stdout: PIPE });
      const [o, e] = yield* proc.communicate(input);
      return [o, e, proc.returncode] as const;
    }());
    assert.ok(Buffer.from(out!).equals(input));
    assert.is(err, null);
    assert.is(code, 0);
  });

  test("communicate: 64 MiB through stdout and 64 MiB through stderr at once, every byte checked", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const script = `const block=${BLOCK_SRC};const fs=require("fs");` +
      "for(let k=0;k<64;k++){const b=block(k);fs.writeSync(1,b);fs.writeSync(2,b)}";
    const [out, err, code] = await loop.runUntilComplete(function* () {
      const proc = yield* createSubprocessExec(node, ["-e", script], { stdout: PIPE, stderr: PIPE });
      const [o, e] = yield* proc.communicate();
      return [o!, e!, proc.returncode] as const;
    }());
    assert.is(code, 0);
    assert.is(out.length, 64 << 20);
    assert.is(err.length, 64 << 20);
    for (let k = 0; k < 64; k++) {
      const want = block(k);
      assert.ok(Buffer.from(out.buffer, out.byteOffset + (k << 20), 1 << 20).equals(want), `stdout block ${k}`);
      assert.ok(Buffer.from(err.buffer, err.byteOffset + (k << 20), 1 << 20).equals(want), `stderr block ${k}`);
    }
  });

  test("100 concurrent children, each echoing its own payload: every byte back, every returncode its own", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    // sh and cat: a Node child per payload would make this test the start-up time of 100 Nodes.
    const script = 'cat; exit "$1"';
    const bad = await loop.runUntilComplete(function* () {
      function* one(i: number): Coroutine<string | null> {
        const data = Buffer.alloc(1000 + i * 997, i);
        for (let j = 0; j < data.length; j++) data[j] = (j * 7 + i) & 0xff;
        const proc = yield* createSubprocessExec("/bin/sh", ["-c", script, "sh", String(i % 50)], { stdin: PIPE, stdout: PIPE });
        const [out] = yield* proc.communicate(data);
        if (!Buffer.from(out!).equals(data)) return `child ${i}: output differs`;
        if (proc.returncode !== i % 50) return `child ${i}: returncode ${proc.returncode}`;
        return null;
      }
      const results = yield* gather(...Array.from({ length: 100 }, (_, i) => loop.createTask(one(i))));
      return results.filter((r) => r !== null);
    }());
    assert.equal(bad, []);
  });

  test("a child killed mid-stream: the output so far, then EOF; returncode -9", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const [code, got, rc] = await loop.runUntilComplete(function* () {
      const proc = yield* createSubprocessExec(node, ["-e", "const b=Buffer.alloc(65536,120);(function w(){process.stdout.write(b,w)})()"], { stdout: PIPE });
      const first = yield* proc.stdout!.readexactly(1 << 20);
      proc.kill();
      let rest = 0;
      for (;;) {
        const chunk = yield* proc.stdout!.read(1 << 16);
        if (chunk.length === 0) break;
        rest += chunk.length;
      }
      const c = yield* proc.wait();
      return [c, first.every((x) => x === 120) && rest >= 0, proc.returncode] as const;
    }());
    assert.is(code, -9);
    assert.is(rc, -9);
    assert.ok(got);
  });

  test("terminate() -> returncode -15; sendSignal after wait() throws ESRCH (ProcessLookupError)", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const [code, err] = await loop.runUntilComplete(function* () {
      const proc = yield* createSubprocessExec(node, ["-e", "setInterval(()=>{},1000);console.log('ready')"], { stdout: PIPE });
      yield* proc.stdout!.readline();
      proc.terminate();
      const c = yield* proc.wait();
      let e: unknown;
      try {
        proc.kill();
      } catch (x) {
        e = x;
      }
      return [c, e] as const;
    }());
    assert.is(code, -15);
    assert.is((err as { code?: string }).code, "ESRCH");
  });

  test("a missing program: ENOENT at the call (createSubprocessExec throws, nothing left running)", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const err = await loop.runUntilComplete(function* () {
      try {
        yield* createSubprocessExec("/nonexistent/wasyncio-no-such-program", ["x"], { stdout: PIPE });
      } catch (e) {
        return e as NodeJS.ErrnoException;
      }
      return null;
    }());
    assert.ok(err instanceof Error);
    assert.is(err!.code, "ENOENT");
  });

  test("routing: stdout DEVNULL gives null and no data; stderr STDOUT shares stdout's pipe in write order", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const script = "const fs=require('fs');for(let i=0;i<5;i++){fs.writeSync(1,'out'+i+'\\n');fs.writeSync(2,'err'+i+'\\n')}";
    const [quiet, merged] = await loop.runUntilComplete(function* () {
      const a = yield* createSubprocessExec(node, ["-e", script], { stdout: DEVNULL, stderr: PIPE });
      const q = yield* a.communicate();
      const b = yield* createSubprocessExec(node, ["-e", script], { stdout: PIPE, stderr: STDOUT });
      assert.is(b.stderr, null);
      const m = yield* b.communicate();
      return [q, m] as const;
    }());
    assert.is(quiet[0], null);
    assert.is(text(quiet[1]), "err0\nerr1\nerr2\nerr3\nerr4\n");
    assert.is(text(merged[0]), "out0\nerr0\nout1\nerr1\nout2\nerr2\nout3\nerr3\nout4\nerr4\n");
    assert.is(merged[1], null);
  });

  test("stderr STDOUT with stdout DEVNULL discards both", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const [out, err, code] = await loop.runUntilComplete(function* () {
      const p = yield* createSubprocessExec(node, ["-e", "console.log('o');console.error('e')"], { stdout: DEVNULL, stderr: STDOUT });
      const [o, e] = yield* p.communicate();
      return [o, e, p.returncode] as const;
    }());
    assert.equal([out, err, code], [null, null, 0]);
  });

  test("cancelling wait() does not kill the child: it goes on and exits by itself", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const events = await loop.runUntilComplete(function* (): Coroutine<string[]> {
      const events: string[] = [];
      const proc = yield* createSubprocessExec(node, ["-e", "process.stdin.on('data',()=>process.exit(7))"], { stdin: PIPE });
      const waiter = loop.createTask((function* () {
        return yield* proc.wait();
      })());
      yield* sleep(0.05);
      waiter.cancel();
      try {
        yield* waiter;
      } catch (e) {
        if (e instanceof CancelledError) events.push("wait cancelled");
      }
      yield* sleep(0.05);
      events.push(`alive ${alive(proc.pid)} returncode ${proc.returncode}`);
      proc.stdin!.write("go\n");
      events.push(`exited ${yield* proc.wait()}`);
      return events;
    }());
    assert.equal(events, ["wait cancelled", "alive true returncode null", "exited 7"]);
  });

  test("cancelling communicate() does not kill the child", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const events = await loop.runUntilComplete(function* (): Coroutine<string[]> {
      const events: string[] = [];
      const proc = yield* createSubprocessExec(node, ["-e", "process.stdin.on('data',()=>process.exit(3))"], { stdin: PIPE, stdout: PIPE });
      const comm = loop.createTask((function* () {
        return yield* proc.communicate();
      })());
      yield* sleep(0.05);
      comm.cancel();
      try {
        yield* comm;
      } catch (e) {
        if (e instanceof CancelledError) events.push("communicate cancelled");
      }
      events.push(`alive ${alive(proc.pid)}`);
      proc.kill();
      events.push(`exited ${yield* proc.wait()}`);
      return events;
    }());
    assert.equal(events, ["communicate cancelled", "alive true", "exited -9"]);
  });

  test("a child that exits while we write: drain() throws EPIPE; communicate(input) still returns; nothing unhandled", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const [code, drainErr, out, rc] = await loop.runUntilComplete(function* () {
      const a = yield* createSubprocessExec(node, ["-e", "process.exit(0)"], { stdin: PIPE });
      yield* a.wait();
      let err: NodeJS.ErrnoException | null = null;
      try {
        for (let i = 0; i < 64; i++) {
          a.stdin!.write(Buffer.alloc(1 << 20));
          yield* a.stdin!.drain();
        }
      } catch (e) {
        err = e as NodeJS.ErrnoException;
      }
      const b = yield* createSubprocessExec(node, ["-e", "console.log('bye')"], { stdin: PIPE, stdout: PIPE });
      const [o] = yield* b.communicate(Buffer.alloc(16 << 20));
      return [a.returncode, err, o, b.returncode] as const;
    }());
    assert.is(code, 0);
    assert.ok(drainErr instanceof Error, "drain() threw");
    assert.is(drainErr!.code, "EPIPE");
    assert.is(text(out), "bye\n");
    assert.is(rc, 0);
  });

  test("stdin flow control: drain() waits while the child does not read, and resumes when it does", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const [waited, out] = await loop.runUntilComplete(function* () {
      // The child reads nothing for 300 ms, then counts what it reads and prints the count.
      const script = "setTimeout(()=>{let n=0;process.stdin.on('data',d=>n+=d.length);process.stdin.on('end',()=>console.log(String(n)))},300)";
      const proc = yield* createSubprocessExec(node, ["-e", script], { stdin: PIPE, stdout: PIPE });
      proc.stdin!.write(Buffer.alloc(8 << 20, 1));
      const t0 = loop.time();
      yield* proc.stdin!.drain();
      const waited = loop.time() - t0;
      proc.stdin!.close();
      const [o] = yield* proc.communicate();
      return [waited, text(o)] as const;
    }());
    assert.ok(waited > 0.1, `drain() returned after ${waited}s: it did not wait for the child to read`);
    assert.is(out, `${8 << 20}\n`);
  });

  test("cwd and env reach the child", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const out = await loop.runUntilComplete(function* () {
      const p = yield* createSubprocessExec(node, ["-e", "console.log(process.cwd(), process.env.WASYNCIO_X)"], {
        stdout: PIPE, cwd: "/", env: { ...process.env, WASYNCIO_X: "forty-two" },
      });
      const [o] = yield* p.communicate();
      return text(o);
    }());
    assert.is(out, "/ forty-two\n");
  });

  test("bad input: TypeErrors naming the call and the argument", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const messages = await loop.runUntilComplete(function* () {
      const m: string[] = [];
      const tries: (() => Coroutine<Process>)[] = [
        () => createSubprocessExec(42 as never),
        () => createSubprocessExec(node, "x" as never),
        () => createSubprocessExec(node, [], { stdout: "pipe" as never }),
        () => createSubprocessExec(node, [], { stdin: STDOUT }),
        () => createSubprocessExec(node, [], { limit: 0 }),
        () => createSubprocessShell(""),
      ];
      for (const t of tries) {
        try {
          yield* t();
          m.push("no error");
        } catch (e) {
          m.push(`${(e as Error).constructor.name}: ${(e as Error).message}`);
        }
      }
      return m;
    }());
    assert.match(messages[0], /^TypeError: createSubprocessExec\(\) expected program/);
    assert.match(messages[1], /^TypeError: createSubprocessExec\(\) expected args/);
    assert.match(messages[2], /^TypeError: subprocessExec\(\) expected options.stdout/);
    assert.match(messages[3], /^RangeError: subprocessExec\(\): STDOUT is only valid for options.stderr/);
    assert.match(messages[4], /createSubprocessExec\(\)/);
    assert.match(messages[5], /^TypeError: createSubprocessShell\(\) expected cmd/);
  });
});

bothCores("createSubprocessShell", (test) => {
  test("runs through /bin/sh: pipes, expansions, exit status", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const [out, err, code] = await loop.runUntilComplete(function* () {
      const p = yield* createSubprocessShell("echo $((40+2)) | tr 0-9 a-j; echo oops >&2; exit 5", { stdout: PIPE, stderr: PIPE });
      const [o, e] = yield* p.communicate();
      return [text(o), text(e), p.returncode] as const;
    }());
    assert.equal([out, err, code], ["ec\n", "oops\n", 5]);
  });
});
