// Streams (asyncio 3.12's streams module): StreamReader unit tests in virtual time, fed
// by hand; then StreamReader/StreamWriter over real sockets through startServer and
// openConnection, on both cores.
import * as assert from "uvu/assert";
import { Buffer } from "node:buffer";
import {
  CancelledError, IncompleteReadError, LimitOverrunError, gather, sleep, waitFor, TimeoutError,
  type Coroutine, type EventLoop,
} from "../src/index.js";
import { StreamReader, StreamReaderProtocol, StreamWriter, openConnection, startServer } from "../src/node/streams.js";
import { bothCores, caught } from "./helpers.js";

const enc = (s: string): Uint8Array => Buffer.from(s);
const dec = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");

function run<T>(loop: EventLoop, main: () => Coroutine<T>): T {
  return loop._runUntilCompleteSync(loop.createTask(main()));
}

/** A transport stand-in recording the reader's flow control calls. */
function fakeTransport() {
  const calls: string[] = [];
  return {
    calls,
    paused: false,
    pauseReading() {
      this.paused = true;
      calls.push("pause");
    },
    resumeReading() {
      this.paused = false;
      calls.push("resume");
    },
  };
}

/** What a read's Future threw (the error is retrieved). */
function failure(f: { result(): unknown }): unknown {
  return caught(() => f.result());
}

bothCores("StreamReader", (test) => {
  test("read(n): up to n buffered bytes at once; read(0) is empty; empty at EOF", ({ loop }) => {
    const reader = new StreamReader({ loop });
    reader.feedData(enc("hello world"));
    const out = run(loop, function* () {
      const a = yield* reader.read(5);
      const z = yield* reader.read(0);
      const b = yield* reader.read(100);
      reader.feedEof();
      const c = yield* reader.read(10);
      return [dec(a), z.length, dec(b), c.length, reader.atEof()];
    });
    assert.equal(out, ["hello", 0, " world", 0, true]);
  });

  test("read(n) waits for data, then returns what arrived (not n bytes)", ({ loop }) => {
    const reader = new StreamReader({ loop });
    const log: string[] = [];
    loop.callLater(10, () => {
      log.push("feed");
      reader.feedData(enc("ab"));
      reader.feedData(enc("cd"));
    });
    const out = run(loop, function* () {
      log.push("read");
      const data = yield* reader.read(100);
      log.push(`got ${dec(data)} at ${loop.time()}`);
      return data.length;
    });
    assert.equal(out, 4);
    assert.equal(log, ["read", "feed", "got abcd at 10"]);
  });

  test("read(n) of a whole chunk returns the chunk itself (no copy)", ({ loop }) => {
    const reader = new StreamReader({ loop });
    const chunk = enc("0123456789");
    reader.feedData(chunk);
    const got = run(loop, function* () {
      return yield* reader.read(65536);
    });
    assert.ok(got === chunk);
  });

  test("read(-1) reads to EOF across many chunks, in order", ({ loop }) => {
    const reader = new StreamReader({ loop, limit: 100 });
    const t = fakeTransport();
    reader.setTransport(t);
    let expected = "";
    for (let i = 0; i < 1000; i++) {
      const s = `<${i}>`;
      expected += s;
      loop.callLater(i >> 4, () => reader.feedData(enc(s)));
    }
    loop.callLater(100, () => reader.feedEof());
    const got = run(loop, function* () {
      return yield* reader.read();
    });
    assert.equal(dec(got), expected);
    assert.ok(reader.atEof());
    // The reader kept taking data: its transport never stayed paused.
    assert.not.ok(t.paused);
  });

  test("read(-1) of 4 MiB fed in 1 KiB chunks is one copy, and fast", ({ loop }) => {
    const reader = new StreamReader({ loop });
    const payload = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + (i >> 10)) & 255;
    const started = performance.now();
    for (let i = 0; i < payload.length; i += 1024) reader.feedData(payload.subarray(i, i + 1024));
    reader.feedEof();
    const got = run(loop, function* () {
      return yield* reader.read(-1);
    });
    assert.ok(Buffer.from(got).equals(payload));
    assert.ok(performance.now() - started < 1000);
  });

  test("readline: lines with their newline, split across chunks; the partial line at EOF; then empty", ({ loop }) => {
    const reader = new StreamReader({ loop });
    loop.callSoon(() => {
      reader.feedData(enc("line1\nli"));
      reader.feedData(enc("ne"));
    });
    loop.callLater(5, () => reader.feedData(enc("2\nline3\npart")));
    loop.callLater(9, () => reader.feedEof());
    const lines = run(loop, function* () {
      const out: string[] = [];
      for (let i = 0; i < 5; i++) out.push(dec(yield* reader.readline()));
      return out;
    });
    assert.equal(lines, ["line1\n", "line2\n", "line3\n", "part", ""]);
    assert.ok(reader.atEof());
  });

  test("readline over the limit: the line is dropped through its newline, if buffered (asyncio's cases)", ({ loop }) => {
    // One line of 18 bytes + newline, limit 7: RangeError, nothing left.
    const r1 = new StreamReader({ loop, limit: 7 });
    loop.callSoon(() => {
      r1.feedData(enc("chunk1"));
      r1.feedData(enc("chunk2"));
      r1.feedData(enc("chunk3\n"));
      r1.feedEof();
    });
    const e1 = run(loop, function* () {
      try {
        yield* r1.readline();
      } catch (e) {
        return e;
      }
    }) as Error;
    assert.instance(e1, RangeError);
    assert.is(e1.message, "Separator is found, but chunk is longer than limit");
    assert.ok(r1.atEof());

    // The second line survives.
    const r2 = new StreamReader({ loop, limit: 7 });
    loop.callSoon(() => {
      r2.feedData(enc("chunk1"));
      r2.feedData(enc("chunk2\n"));
      r2.feedData(enc("chunk3\n"));
      r2.feedEof();
    });
    const rest = run(loop, function* () {
      const e = yield* caughtIn(r2.readline());
      assert.instance(e, RangeError);
      return dec(yield* r2.read());
    });
    assert.is(rest, "chunk3\n");

    // The limit is strict: 7 bytes + newline pass, 8 do not; no newline at all clears the buffer.
    const r3 = new StreamReader({ loop, limit: 7 });
    r3.feedData(enc("1234567\n"));
    const out = run(loop, function* () {
      const line = dec(yield* r3.readline());
      r3.feedData(enc("12345678\n"));
      const e1 = (yield* caughtIn(r3.readline())) as Error;
      const left1 = r3.atEof() ? -1 : 0;
      r3.feedData(enc("12345678"));
      const e2 = (yield* caughtIn(r3.readline())) as Error;
      r3.feedData(enc("ok\n"));
      const next = dec(yield* r3.readline());
      return [line, e1.name, e2.name, e2.message, left1, next];
    });
    assert.equal(out, ["1234567\n", "RangeError", "RangeError", "Separator is not found, and chunk exceed the limit", 0, "ok\n"]);
  });

  test("readuntil: string and bytes separators spanning chunk boundaries", ({ loop }) => {
    const reader = new StreamReader({ loop });
    loop.callSoon(() => {
      reader.feedData(enc("QWEaa"));
      reader.feedData(enc("XYaa"));
      reader.feedData(enc("a"));
    });
    // A 4-byte separator arriving one byte per chunk.
    const tail = "head\r\n\r\nbody";
    for (let i = 0; i < tail.length; i++) loop.callLater(1 + i, () => reader.feedData(enc(tail[i])));
    const out = run(loop, function* () {
      const a = dec(yield* reader.readuntil(enc("aaa")));
      const b = dec(yield* reader.readuntil("\r\n\r\n"));
      const c = dec(yield* reader.readexactly(4));
      return [a, b, c];
    });
    assert.equal(out, ["QWEaaXYaaa", "head\r\n\r\n", "body"]);
  });

  test("readuntil: a separator in one chunk returns a view of it; the default separator is a newline", ({ loop }) => {
    const reader = new StreamReader({ loop });
    reader.feedData(enc("a,b,c\nd"));
    const out = run(loop, function* () {
      return [dec(yield* reader.readuntil(",")), dec(yield* reader.readuntil(enc(","))), dec(yield* reader.readuntil())];
    });
    assert.equal(out, ["a,", "b,", "c\n"]);
  });

  test("readuntil over the limit: LimitOverrunError with asyncio's consumed; the data stays buffered", ({ loop }) => {
    const reader = new StreamReader({ loop, limit: 3 });
    reader.feedData(enc("some dataAA"));
    const out = run(loop, function* () {
      const e1 = (yield* caughtIn(reader.readuntil("AAA"))) as LimitOverrunError;
      reader.feedData(enc("A"));
      const e2 = (yield* caughtIn(reader.readuntil("AAA"))) as LimitOverrunError;
      reader.feedEof();
      const rest = dec(yield* reader.read());
      return [e1.name, e1.message, e1.consumed, e2.message, e2.consumed, rest];
    });
    assert.equal(out, [
      "LimitOverrunError", "Separator is not found, and chunk exceed the limit", 9,
      "Separator is found, but chunk is longer than limit", 9, "some dataAAA",
    ]);
  });

  test("readuntil at EOF: IncompleteReadError with everything buffered (the buffer is emptied)", ({ loop }) => {
    const reader = new StreamReader({ loop });
    reader.feedData(enc("some dataAA"));
    reader.feedEof();
    const e = run(loop, function* () {
      return yield* caughtIn(reader.readuntil("AAA"));
    }) as IncompleteReadError;
    assert.instance(e, IncompleteReadError);
    assert.is(dec(e.partial), "some dataAA");
    assert.is(e.expected, null);
    assert.is(e.message, "11 bytes read on a total of undefined expected bytes");
    assert.ok(reader.atEof());
  });

  test("readuntil: a line arriving in 1-byte chunks is not re-copied on each arrival", ({ loop }) => {
    const reader = new StreamReader({ loop, limit: 1 << 20 });
    const line = "x".repeat(200_000) + "\n";
    const started = performance.now();
    const got = run(loop, function* () {
      const read = reader.readline();
      for (let i = 0; i < line.length; i++) {
        reader.feedData(enc(line[i]));
        if (i % 1000 === 0) yield* sleep(0); // let the read search what has arrived
      }
      return yield* read;
    });
    assert.is(got.length, line.length);
    assert.ok(performance.now() - started < 2000);
  });

  test("readexactly: waits for n bytes over several chunks; n = 0 is empty; IncompleteReadError at EOF", ({ loop }) => {
    const reader = new StreamReader({ loop });
    loop.callLater(1, () => reader.feedData(enc("12")));
    loop.callLater(2, () => reader.feedData(enc("345")));
    loop.callLater(3, () => {
      reader.feedData(enc("67"));
      reader.feedEof();
    });
    const out = run(loop, function* () {
      const a = dec(yield* reader.readexactly(4));
      const z = (yield* reader.readexactly(0)).length;
      const e = (yield* caughtIn(reader.readexactly(10))) as IncompleteReadError;
      return [a, z, e.name, dec(e.partial), e.expected, e.message, reader.atEof()];
    });
    assert.equal(out, ["1234", 0, "IncompleteReadError", "567", 10, "3 bytes read on a total of 10 expected bytes", true]);
  });

  test("flow control: pauses the transport above 2*limit, resumes at limit; a wait while paused resumes it", ({ loop }) => {
    const reader = new StreamReader({ loop, limit: 4 });
    const t = fakeTransport();
    reader.setTransport(t);
    reader.feedData(enc("12345678"));
    assert.equal(t.calls, []);
    reader.feedData(enc("9"));
    assert.equal(t.calls, ["pause"]);
    const out = run(loop, function* () {
      const a = dec(yield* reader.read(4)); // 5 left: still paused
      const paused1 = t.paused;
      const b = dec(yield* reader.read(1)); // 4 left: resumed
      const paused2 = t.paused;
      // readexactly beyond the limit: the reader must let data in while it waits.
      reader.feedData(enc("abcdefgh")); // 12 > 8: paused again
      const paused3 = t.paused;
      loop.callLater(1, () => reader.feedData(enc("ijkl")));
      const c = dec(yield* reader.readexactly(16));
      return [a, paused1, b, paused2, paused3, c, t.paused];
    });
    assert.equal(out, ["1234", true, "5", false, true, "6789abcdefghijkl", false]);
    // Paused by the 12 bytes, resumed for the wait, paused by the 16, resumed by the read.
    assert.equal(t.calls, ["pause", "resume", "pause", "resume", "pause", "resume"]);
  });

  test("exception: a waiting read gets it; every later read throws it; exception() returns it", ({ loop }) => {
    const reader = new StreamReader({ loop });
    const boom = Object.assign(new Error("reset"), { code: "ECONNRESET" });
    loop.callLater(5, () => reader.setException(boom));
    const out = run(loop, function* () {
      const e1 = yield* caughtIn(reader.readline());
      reader.feedData(enc("data\n")); // buffered data does not hide the error
      const e2 = yield* caughtIn(reader.read(10));
      const e3 = yield* caughtIn(reader.read(0));
      const e4 = yield* caughtIn(reader.readexactly(0));
      return [e1, e2, e3, e4].every((e) => e === boom) && reader.exception() === boom;
    });
    assert.ok(out);
  });

  test("one read at a time: a second read waiting for data throws Error (asyncio's message)", ({ loop }) => {
    const reader = new StreamReader({ loop });
    const out = run(loop, function* () {
      const first = loop.createTask((function* () {
        return dec(yield* reader.readline());
      })());
      yield* sleep(0);
      const e = (yield* caughtIn(reader.read(5))) as Error;
      const e2 = (yield* caughtIn(reader.readexactly(5))) as Error;
      reader.feedData(enc("x\n"));
      return [yield* first, e.name, e.message, e2.message];
    });
    assert.equal(out, [
      "x\n", "Error",
      "read() called while another coroutine is already waiting for incoming data",
      "readexactly() called while another coroutine is already waiting for incoming data",
    ]);
  });

  test("cancelling a waiting read loses no data: the bytes stay for the next read", ({ loop }) => {
    const reader = new StreamReader({ loop });
    const out = run(loop, function* () {
      // A task waiting on read() is cancelled in the same iteration the data arrives.
      const t1 = loop.createTask((function* () {
        return yield* reader.read(100);
      })());
      yield* sleep(0);
      reader.feedData(enc("kept"));
      t1.cancel();
      const c1 = yield* caughtIn(t1);
      // A timeout around a read.
      const c2 = yield* caughtIn(waitFor(reader.readline(), 10));
      // A read future cancelled by hand, never consumed.
      const f = reader.readexactly(100);
      f.cancel();
      reader.feedData(enc(" and more"));
      reader.feedEof();
      const rest = dec(yield* reader.read());
      return [c1 instanceof CancelledError, c2 instanceof TimeoutError, f.cancelled(), rest];
    });
    assert.equal(out, [true, true, true, "kept and more"]);
  });

  test("a read's Future works without yield*: await, gather and plain yield", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const reader = new StreamReader({ loop });
    const got = await loop.runUntilComplete(function* (): Coroutine<unknown[]> {
      const p = (async () => dec(await reader.readline()))();
      yield* sleep(0);
      reader.feedData(enc("a\nb\nc"));
      const a = yield p;
      const [b] = yield* gather(reader.readline());
      const plain = reader.readexactly(1);
      loop.callSoon(() => reader.feedEof());
      const c = yield plain;
      const d = yield* reader.readline();
      return [a, dec(b as Uint8Array), dec(c as Uint8Array), d.length];
    }());
    assert.equal(got, ["a\n", "b\n", "c", 0]);
  });

  test("for await iterates lines until EOF", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const reader = new StreamReader({ loop });
    loop.callSoon(() => reader.feedData(enc("one\ntwo\n")));
    loop.callLater(1, () => {
      reader.feedData(enc("three"));
      reader.feedEof();
    });
    const lines: string[] = [];
    await loop.runUntilComplete((async () => {
      for await (const line of reader) lines.push(dec(line));
    })());
    assert.equal(lines, ["one\n", "two\n", "three"]);
  });

  test("bad arguments throw at the call, naming the call", ({ loop }) => {
    const reader = new StreamReader({ loop });
    const checks: [() => unknown, Function, RegExp][] = [
      [() => new StreamReader({ limit: 0 }), RangeError, /^new StreamReader\(\) expected limit to be a positive integer, got 0/],
      [() => new StreamReader({ limit: "8" as unknown as number }), TypeError, /^new StreamReader\(\) expected limit/],
      [() => reader.read("x" as unknown as number), TypeError, /^read\(\) expected n to be an integer, got "x"/],
      [() => reader.readexactly(-1), RangeError, /^readexactly\(\) expected n to be 0 or more, got -1/],
      [() => reader.readuntil(""), RangeError, /^readuntil\(\) expected a separator of at least one byte/],
      [() => reader.readuntil(3 as unknown as string), TypeError, /^readuntil\(\) expected separator/],
      [() => reader.feedData("abc" as unknown as Uint8Array), TypeError, /^feedData\(\) expected a Uint8Array, got "abc"/],
    ];
    for (const [fn, cls, msg] of checks) {
      const e = caught(fn) as Error;
      assert.instance(e, cls);
      assert.match(e.message, msg);
    }
    reader.feedEof();
    assert.match((caught(() => reader.feedData(enc("x"))) as Error).message, /^feedData\(\) after feedEof\(\)/);
  });
});

/** Runs `fut` and returns what it threw (or undefined). */
function* caughtIn(fut: Iterable<unknown> & { [Symbol.iterator](): Iterator<unknown, unknown, unknown> }): Coroutine<unknown> {
  try {
    yield* fut;
  } catch (e) {
    return e;
  }
  return undefined;
}

/** A stream transport stand-in: records writes; close() reports connectionLost on the next iteration. */
function fakeStreamTransport(loop: EventLoop) {
  const t = {
    writes: [] as string[],
    closing: false,
    reading: true,
    protocol: null as StreamReaderProtocol | null,
    write(data: Uint8Array | string) {
      t.writes.push(typeof data === "string" ? data : dec(data));
    },
    writelines(list: Iterable<Uint8Array | string>) {
      for (const d of list) t.write(d);
    },
    writeEof() {
      t.writes.push("<eof>");
    },
    canWriteEof: () => true,
    close() {
      if (t.closing) return;
      t.closing = true;
      loop.callSoon(() => t.protocol!.connectionLost(null));
    },
    isClosing: () => t.closing,
    getExtraInfo: (name: string, dflt?: unknown) => (name === "peername" ? ["127.0.0.1", 1234] : dflt),
    pauseReading() {
      t.reading = false;
    },
    resumeReading() {
      t.reading = true;
    },
  };
  return t;
}

/** A connected reader/protocol/writer triple over a fake transport. */
function fakeConnection(loop: EventLoop, limit?: number) {
  const reader = new StreamReader({ loop, limit });
  const protocol = new StreamReaderProtocol(reader, null, loop);
  const transport = fakeStreamTransport(loop);
  transport.protocol = protocol;
  protocol.connectionMade(transport);
  const writer = new StreamWriter(transport, protocol, reader, loop);
  return { reader, protocol, transport, writer };
}

bothCores("StreamWriter and StreamReaderProtocol (fake transport)", (test) => {
  test("write/writelines/writeEof/getExtraInfo go to the transport; drain is done at once when not paused", ({ loop }) => {
    const { writer, transport } = fakeConnection(loop);
    writer.write(enc("a"));
    writer.writelines([enc("b"), enc("c")]);
    writer.writeEof();
    assert.equal(transport.writes, ["a", "b", "c", "<eof>"]);
    assert.ok(writer.transport === transport);
    assert.ok(writer.canWriteEof());
    assert.equal(writer.getExtraInfo("peername"), ["127.0.0.1", 1234]);
    assert.is(writer.getExtraInfo("nope", 7), 7);
    const d = writer.drain();
    assert.ok(d.done());
    assert.ok(writer.drain() === d);
    writer.close();
    assert.ok(writer.isClosing());
    run(loop, function* () {
      yield* writer.waitClosed();
    });
  });

  test("drain waits while writing is paused; resumeWriting wakes every waiting drain", ({ loop }) => {
    const { writer, protocol } = fakeConnection(loop);
    const log: string[] = [];
    run(loop, function* () {
      protocol.pauseWriting();
      const waiters = ["a", "b"].map((name) => loop.createTask((function* () {
        yield* writer.drain();
        log.push(`${name} drained at ${loop.time()}`);
      })()));
      loop.callLater(5, () => {
        log.push("resume");
        protocol.resumeWriting();
      });
      yield* gather(...waiters);
      writer.close();
      yield* writer.waitClosed();
    });
    assert.equal(log, ["resume", "a drained at 5", "b drained at 5"]);
  });

  test("drain: the connection's error while paused; ECONNRESET 'Connection lost' after; the reader's error first", ({ loop }) => {
    const { writer, protocol } = fakeConnection(loop);
    const boom = Object.assign(new Error("peer reset"), { code: "ECONNRESET" });
    const out = run(loop, function* () {
      protocol.pauseWriting();
      const d = writer.drain();
      loop.callLater(1, () => protocol.connectionLost(boom));
      const e1 = yield* caughtIn(d);
      const e2 = (yield* caughtIn(writer.drain())) as Error & { code: string };
      return [e1 === boom, e2 === boom, (yield* caughtIn(writer.waitClosed())) === boom];
    });
    assert.equal(out, [true, true, true]);

    // With no reader, drain after the loss throws ECONNRESET.
    const c = fakeConnection(loop);
    const w2 = new StreamWriter(c.transport, c.protocol, null, loop);
    c.protocol.connectionLost(null);
    const e = run(loop, function* () {
      return yield* caughtIn(w2.drain());
    }) as Error & { code: string };
    assert.is(e.message, "Connection lost");
    assert.is(e.code, "ECONNRESET");
  });

  test("drain after close() gives connectionLost its turn, then throws 'Connection lost'", ({ loop }) => {
    const { writer } = fakeConnection(loop);
    const log: string[] = [];
    const e = run(loop, function* () {
      writer.write(enc("x"));
      writer.close();
      // A loop of write + drain on a closed writer must end, not spin.
      for (let i = 0; i < 10; i++) {
        writer.write(enc("y"));
        try {
          yield* writer.drain();
          log.push("drained");
        } catch (err) {
          return err;
        }
      }
    }) as Error & { code: string };
    assert.equal(log, []);
    assert.is(e.code, "ECONNRESET");
  });

  test("connectionLost: EOF to the reader on a clean close, the error on a failure; waitClosed follows", ({ loop }) => {
    const a = fakeConnection(loop);
    const b = fakeConnection(loop);
    const boom = new Error("boom");
    const out = run(loop, function* () {
      const reads = [a.reader.read(10), b.reader.read(10)];
      loop.callSoon(() => {
        a.protocol.connectionLost(null);
        b.protocol.connectionLost(boom);
      });
      const ra = yield* reads[0];
      const eb = yield* caughtIn(reads[1]);
      yield* a.writer.waitClosed();
      const w1 = b.writer.waitClosed();
      const w2 = b.writer.waitClosed();
      const e1 = yield* caughtIn(w1);
      const e2 = yield* caughtIn(w2);
      return [ra.length, a.reader.atEof(), eb === boom, b.reader.exception() === boom, e1 === boom, e2 === boom];
    });
    assert.equal(out, [0, true, true, true, true, true]);
  });

  test("waitClosed: cancelling one wait leaves the others", ({ loop }) => {
    const { writer, transport } = fakeConnection(loop);
    const out = run(loop, function* () {
      const w1 = writer.waitClosed();
      w1.cancel();
      writer.close();
      yield* writer.waitClosed();
      return [w1.cancelled(), transport.closing];
    });
    assert.equal(out, [true, true]);
  });

  test("eofReceived feeds EOF and keeps the transport open for writing (half-close)", ({ loop }) => {
    const { reader, protocol, writer } = fakeConnection(loop);
    protocol.dataReceived(enc("last"));
    assert.is(protocol.eofReceived(), true);
    const data = run(loop, function* () {
      const d = dec(yield* reader.read());
      writer.close();
      yield* writer.waitClosed();
      return d;
    });
    assert.is(data, "last");
  });

  test("the reader pauses the transport's reading above 2*limit (the protocol set it as the reader's transport)", ({ loop }) => {
    const { reader, protocol, transport, writer } = fakeConnection(loop, 4);
    protocol.dataReceived(enc("123456789"));
    assert.not.ok(transport.reading);
    run(loop, function* () {
      yield* reader.read(5);
      writer.close();
      yield* writer.waitClosed();
    });
    assert.ok(transport.reading);
  });

  test("clientConnected: a generator runs as a task; a plain function and an async function are called", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const log: string[] = [];
    const mk = (cb: (r: StreamReader, w: StreamWriter) => unknown) => {
      const reader = new StreamReader({ loop });
      const protocol = new StreamReaderProtocol(reader, cb, loop);
      const transport = fakeStreamTransport(loop);
      transport.protocol = protocol;
      return { protocol, transport };
    };
    const conns = [
      mk(function* (r, w) {
        log.push(`gen ${dec(yield* r.readline())}`);
        w.close();
      }),
      mk((_r, w) => {
        log.push("plain");
        w.close();
      }),
      mk(async (r, w) => {
        log.push(`async ${dec(await r.readline())}`);
        w.close();
      }),
    ];
    await loop.runUntilComplete(function* () {
      for (const c of conns) c.protocol.connectionMade(c.transport);
      yield* sleep(0);
      conns[0].protocol.dataReceived(enc("g\n"));
      conns[2].protocol.dataReceived(enc("a\n"));
      while (!conns.every((c) => c.transport.closing)) yield* sleep(1);
      yield* sleep(0);
    }());
    assert.equal(log.sort(), ["async a\n", "gen g\n", "plain"]);
  });

  test("clientConnected failing (generator or async): the exception handler gets it and the transport closes", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const conns = [
      function* (): Coroutine<void> {
        yield* sleep(0);
        throw new Error("gen failed");
      },
      async () => {
        throw new Error("async failed");
      },
    ].map((cb) => {
      const protocol = new StreamReaderProtocol(new StreamReader({ loop }), cb, loop);
      const transport = fakeStreamTransport(loop);
      transport.protocol = protocol;
      return { protocol, transport };
    });
    await loop.runUntilComplete(function* () {
      for (const c of conns) c.protocol.connectionMade(c.transport);
      while (!conns.every((c) => c.transport.closing)) yield* sleep(1);
      yield* sleep(0);
    }());
    const reports = ctx.errors.splice(0).map((c) => [c.message, (c.exception as Error).message, conns.some((x) => x.transport === c.transport)]);
    assert.equal(reports.sort(), [
      ["Unhandled exception in client_connected_cb", "async failed", true],
      ["Unhandled exception in client_connected_cb", "gen failed", true],
    ]);
  });

  test("bad arguments of the constructors throw at the call", ({ loop }) => {
    const { transport, protocol } = fakeConnection(loop);
    const e1 = caught(() => new StreamWriter(transport, {} as StreamReaderProtocol, null, loop)) as Error;
    assert.instance(e1, TypeError);
    assert.match(e1.message, /^new StreamWriter\(\) expected protocol/);
    const e2 = caught(() => new StreamReaderProtocol("x" as unknown as StreamReader)) as Error;
    assert.match(e2.message, /^new StreamReaderProtocol\(\) expected a StreamReader or null, got "x"/);
    const e3 = caught(() => startServer(42 as unknown as () => void, "127.0.0.1", 0)) as Error;
    assert.match(e3.message, /^startServer\(\) expected clientConnected to be a function, got 42/);
    const e4 = caught(() => openConnection("127.0.0.1", 1, { limit: -1 })) as Error;
    assert.instance(e4, RangeError);
    assert.match(e4.message, /^openConnection\(\) expected limit to be a positive integer, got -1/);
    protocol.connectionLost(null);
    loop._runUntilCompleteSync(sleep(0));
  });
});
