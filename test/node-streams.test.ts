// Streams (asyncio 3.12's streams module): StreamReader unit tests in virtual time, fed
// by hand; then StreamReader/StreamWriter over real sockets through startServer and
// openConnection, on both cores.
import * as assert from "uvu/assert";
import { Buffer } from "node:buffer";
import { mkdtempSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CancelledError, IncompleteReadError, LimitOverrunError, gather, getRunningLoop, run as runMain, sleep, waitFor, TimeoutError, wrapPromise,
  type Coroutine, type EventLoop, type Future,
} from "../src/index.js";
import {
  StreamReader, StreamReaderProtocol, StreamWriter, openConnection, openUnixConnection, startServer, startUnixServer,
} from "../src/node/streams.js";
import type { Server } from "../src/node/server.js";
import type { Transport } from "../src/node/transports.js";
import { bothCores, caught } from "./helpers.js";
import { hostTick } from "./host.js";
import { captureWarnings, until } from "./node-net-helpers.js";

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

  test("fuzz: mixed reads over random chunkings return every byte in order; readuntil stops at the first separator", ({ loop }) => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 20; round++) {
      const reader = new StreamReader({ loop, limit: 1 << 20 });
      const input = Buffer.from(Array.from({ length: 3000 }, () => "ab\n"[rand(3)]).join(""));
      for (let i = 0, t = 0; i < input.length; t++) {
        const n = 1 + rand(rand(2) === 0 ? 4 : 200);
        const piece = input.subarray(i, i + n);
        loop.callLater(t, () => reader.feedData(piece));
        i += n;
      }
      loop.callLater(10_000, () => reader.feedEof());
      const seps = ["\n", "ab", "aab", "b\na", "abab"];
      const out = run(loop, function* () {
        const parts: Buffer[] = [];
        for (;;) {
          const kind = rand(3);
          if (kind === 0) {
            const sep = seps[rand(seps.length)];
            try {
              const got = Buffer.from(yield* reader.readuntil(sep));
              assert.ok(got.subarray(got.length - sep.length).toString() === sep);
              assert.is(got.indexOf(sep), got.length - sep.length);
              parts.push(got);
            } catch (e) {
              if (!(e instanceof IncompleteReadError)) throw e;
              parts.push(Buffer.from(e.partial));
              break;
            }
          } else if (kind === 1) {
            try {
              parts.push(Buffer.from(yield* reader.readexactly(1 + rand(50))));
            } catch (e) {
              if (!(e instanceof IncompleteReadError)) throw e;
              parts.push(Buffer.from(e.partial));
              break;
            }
          } else {
            const got = yield* reader.read(1 + rand(100));
            if (got.length === 0) break;
            parts.push(Buffer.from(got));
          }
        }
        return Buffer.concat(parts);
      });
      assert.ok(out.equals(input), `round ${round}`);
    }
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

  test("a read wakes in the iteration after feedData, as asyncio's (waiter -> task wakeup)", ({ loop }) => {
    const reader = new StreamReader({ loop });
    const log: string[] = [];
    run(loop, function* () {
      const reading = loop.createTask((function* () {
        const line = yield* reader.readline();
        log.push(`read ${dec(line).trim()}`);
      })());
      const ticker = loop.createTask((function* () {
        for (let i = 0; i < 4; i++) {
          log.push(`t${i}`);
          if (i === 1) reader.feedData(enc("x\n"));
          yield* sleep(0);
        }
      })());
      yield* gather(reading, ticker);
    });
    // asyncio: feed_data in the ticker's step queues the reader's wakeup ahead of the ticker's next step.
    assert.equal(log, ["t0", "t1", "read x", "t2", "t3"]);
  });

  test("setTransport once; toString describes the state", ({ loop }) => {
    const reader = new StreamReader({ loop, limit: 10 });
    const t = fakeTransport();
    reader.setTransport(t);
    assert.match((caught(() => reader.setTransport(t)) as Error).message, /^setTransport\(\): transport already set/);
    reader.feedData(enc("abc"));
    reader.feedEof();
    assert.match(String(reader), /^<StreamReader 3 bytes eof limit=10 transport=/);
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
  return t as typeof t & Transport;
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

// ---- over real sockets -------------------------------------------------------------

/** The port of a server's first listening socket. */
function portOf(server: Server): number {
  return (server.sockets[0].getsockname() as [string, number])[1];
}

/** `n` bytes of a pattern that shifts with `seed` (so misordered or lost bytes show). */
function payload(n: number, seed = 0): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >>> 8)) & 0xff;
  return b;
}

/** The echo handler: read, write back, drain, until EOF; then close. */
function* echo(reader: StreamReader, writer: StreamWriter): Coroutine<void> {
  for (;;) {
    const data = yield* reader.read(65536);
    if (data.length === 0) break;
    writer.write(data);
    yield* writer.drain();
  }
  writer.close();
}

/** Writes `data` in 64 KiB pieces, draining after each, then half-closes. */
function* send(writer: StreamWriter, data: Uint8Array): Coroutine<void> {
  for (let i = 0; i < data.length; i += 65536) {
    writer.write(data.subarray(i, i + 65536));
    yield* writer.drain();
  }
  writer.writeEof();
}

/** A future of a Node event (or of the first 'error'). */
function once<T = unknown>(loop: EventLoop, emitter: NodeJS.EventEmitter, event: string): Future<T> {
  return wrapPromise(new Promise<T>((resolve, reject) => {
    emitter.once(event, (v: T) => resolve(v));
    if (event !== "error") emitter.once("error", reject);
  }), loop);
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "wasyncio-"));
}

bothCores("Streams over sockets", (test) => {
  test("echo through startServer/openConnection: 100 concurrent clients, 1 byte to 4 MiB, every byte back in order", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const sizes: number[] = [];
    for (let i = 0; i < 95; i++) sizes.push(Math.round(2 ** ((16 * i) / 94))); // 1 B .. 64 KiB
    sizes.push(256 << 10, 512 << 10, 1 << 20, 2 << 20, 4 << 20);
    const bad = await loop.runUntilComplete(function* () {
      const server = yield* startServer(echo, "127.0.0.1", 0);
      const port = portOf(server);
      function* client(i: number): Coroutine<boolean> {
        const data = payload(sizes[i], i);
        const [reader, writer] = yield* openConnection("127.0.0.1", port);
        const [, back] = yield* gather(loop.createTask(send(writer, data)), reader.read());
        writer.close();
        yield* writer.waitClosed();
        return Buffer.from(back as Uint8Array).equals(data);
      }
      const ok = yield* gather(...sizes.map((_, i) => loop.createTask(client(i))));
      server.close();
      yield* server.waitClosed();
      return ok.map((v, i) => (v ? -1 : i)).filter((i) => i >= 0);
    }());
    assert.equal(bad, []);
  });

  test("drain honours the water marks against a peer that does not read: bounded buffer, drain waits, then resumes", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const out = await loop.runUntilComplete(function* () {
      // A plain node:net peer that reads nothing until told to.
      let peer!: net.Socket;
      let received = 0;
      const accepted = loop.createFuture<void>();
      const raw = net.createServer((s) => {
        peer = s;
        s.pause();
        accepted.setResult(undefined);
      });
      yield* once(loop, raw.listen(0, "127.0.0.1"), "listening");
      const port = (raw.address() as net.AddressInfo).port;
      const [reader, writer] = yield* openConnection("127.0.0.1", port);
      yield* accepted;
      const transport = writer.transport;
      transport.setWriteBufferLimits(64 * 1024, 16 * 1024);
      const chunk = Buffer.alloc(16 * 1024, 7);
      let written = 0;
      let maxBuffered = 0;
      let blockedAt = -1;
      for (let i = 0; i < 64 * 64; i++) { // at most 64 MiB: the kernel's buffers fill long before
        writer.write(chunk);
        written += chunk.length;
        maxBuffered = Math.max(maxBuffered, transport.getWriteBufferSize());
        const d = writer.drain();
        if (!d.done()) {
          blockedAt = written;
          // The peer starts reading: the drain completes once the buffer is at the low mark.
          peer.on("data", (b: Buffer) => void (received += b.length));
          peer.resume();
          yield* d;
          break;
        }
        yield* d;
      }
      const atResume = transport.getWriteBufferSize();
      // Writing goes on after the drain.
      for (let i = 0; i < 8; i++) {
        writer.write(chunk);
        written += chunk.length;
        yield* writer.drain();
      }
      writer.writeEof();
      yield* once(loop, peer, "end");
      const total = received;
      writer.close();
      yield* writer.waitClosed();
      peer.destroy();
      raw.close();
      yield* once(loop, raw, "close");
      return { blocked: blockedAt > 0, maxBuffered, atResume, total, written, eof: reader.atEof() || true };
    }());
    assert.ok(out.blocked, "drain never had to wait");
    // The transport's buffer stays within the high-water mark plus one write.
    assert.ok(out.maxBuffered <= 64 * 1024 + 16 * 1024, `buffered ${out.maxBuffered}`);
    assert.ok(out.atResume <= 16 * 1024, `resumed at ${out.atResume}`);
    assert.is(out.total, out.written);
  });

  test("readexactly hits EOF: IncompleteReadError with the partial bytes", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const e = await loop.runUntilComplete(function* () {
      const server = yield* startServer(function* (_r: StreamReader, w: StreamWriter) {
        w.write(enc("12345"));
        w.close();
      }, "127.0.0.1", 0);
      const [reader, writer] = yield* openConnection("127.0.0.1", portOf(server));
      const err = yield* caughtIn(reader.readexactly(10));
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
      return err as IncompleteReadError;
    }());
    assert.instance(e, IncompleteReadError);
    assert.is(dec(e.partial), "12345");
    assert.is(e.expected, 10);
  });

  test("readuntil over the limit: LimitOverrunError, the bytes stay readable (the paused transport resumes)", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const long = payload(5000).map((b) => (b === 10 ? 11 : b));
    const out = await loop.runUntilComplete(function* () {
      const server = yield* startServer(function* (_r: StreamReader, w: StreamWriter) {
        w.write(long);
        w.write(enc("\nok\n"));
        w.close();
      }, "127.0.0.1", 0);
      const [reader, writer] = yield* openConnection("127.0.0.1", portOf(server), { limit: 1024 });
      const e = (yield* caughtIn(reader.readuntil("\n"))) as LimitOverrunError;
      const all = Buffer.from(yield* reader.read());
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
      return { e, all };
    }());
    assert.instance(out.e, LimitOverrunError);
    assert.ok(out.e.consumed > 1024);
    assert.ok(out.all.equals(Buffer.concat([long, enc("\nok\n")])));
  });

  test("readline over the limit on a socket: RangeError, the long line is dropped, the next line reads", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const out = await loop.runUntilComplete(function* () {
      const server = yield* startServer(function* (r: StreamReader, w: StreamWriter) {
        // One write: the long line and the next arrive together (well under a socket buffer).
        w.write(Buffer.concat([Buffer.alloc(300, 120), enc("\nnext\n")]));
        yield* r.read();
        w.close();
      }, "127.0.0.1", 0);
      const [reader, writer] = yield* openConnection("127.0.0.1", portOf(server), { limit: 100 });
      // Wait until the bytes are all buffered, so the whole long line is in the buffer.
      const head = yield* reader.readexactly(1);
      const e = (yield* caughtIn(reader.readline())) as Error;
      const next = dec(yield* reader.readline());
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
      return [dec(head), e.name, next];
    }());
    // Either the line's end was buffered (dropped through it) or the buffer was cleared and
    // the rest of the long line read as a line of its own: the next line is "next" either way
    // when the single write arrived in one piece, which loopback does for 306 bytes.
    assert.equal(out, ["x", "RangeError", "next\n"]);
  });

  test("writeEof half-closes: the server reads to EOF, then answers on the still-open connection", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const out = await loop.runUntilComplete(function* () {
      const server = yield* startServer(function* (r: StreamReader, w: StreamWriter) {
        const all = dec(yield* r.read());
        w.write(enc(`got ${all}`));
        yield* w.drain();
        w.close();
      }, "127.0.0.1", 0);
      const [reader, writer] = yield* openConnection("127.0.0.1", portOf(server));
      const can = writer.canWriteEof();
      writer.write(enc("hello "));
      writer.write(enc("world"));
      writer.writeEof();
      const reply = dec(yield* reader.read());
      const atEof = reader.atEof();
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
      return [can, reply, atEof];
    }());
    assert.equal(out, [true, "got hello world", true]);
  });

  test("waitClosed: resolves after close(); throws the error of a reset connection (and read and drain throw it too)", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const out = await loop.runUntilComplete(function* () {
      const raw = net.createServer((s) => {
        s.once("data", () => s.resetAndDestroy());
      });
      yield* once(loop, raw.listen(0, "127.0.0.1"), "listening");
      const port = (raw.address() as net.AddressInfo).port;
      const [r1, w1] = yield* openConnection("127.0.0.1", port);
      const [r2, w2] = yield* openConnection("127.0.0.1", port);
      // A clean close.
      w1.close();
      const closing = w1.isClosing();
      yield* w1.waitClosed();
      const atEof = r1.atEof();
      // A reset.
      w2.write(enc("x"));
      const e1 = (yield* caughtIn(r2.read())) as Error & { code: string };
      const e2 = yield* caughtIn(w2.waitClosed());
      const e3 = yield* caughtIn(w2.drain());
      raw.close();
      yield* once(loop, raw, "close");
      return [closing, atEof, e1.code, e2 === e1, e3 === e1];
    }());
    assert.equal(out, [true, true, "ECONNRESET", true, true]);
  });

  test("a peer that writes, then resets: read(-1) throws ECONNRESET every time (50 rounds), never a truncated clean EOF; a clean close still reads it all", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const ROUNDS = 50;
    const out = await loop.runUntilComplete(function* () {
      const outcomes: string[] = [];
      let done: Future<void> = loop.createFuture();
      const server = yield* startServer(function* (reader: StreamReader, writer: StreamWriter) {
        try {
          const data = yield* reader.read();
          outcomes.push(`eof ${data.length}`);
        } catch (e) {
          outcomes.push(`error ${(e as NodeJS.ErrnoException).code}`);
        }
        writer.close();
        done.setResult(undefined);
      }, "127.0.0.1", 0);
      const port = portOf(server);
      const data = Buffer.alloc(1000, 7);
      for (const how of ["reset", "end"] as const) {
        for (let i = 0; i < ROUNDS; i++) {
          done = loop.createFuture();
          const peer = net.connect(port, "127.0.0.1", () => {
            // The data and the reset (or FIN) may reach the server before it starts reading.
            if (how === "reset") peer.write(data, () => peer.resetAndDestroy());
            else peer.end(data);
          });
          peer.on("error", () => {});
          peer.resume();
          yield* done;
          peer.destroy();
        }
      }
      server.close();
      yield* server.waitClosed();
      return outcomes;
    }());
    const count = (list: string[]) => list.reduce<Record<string, number>>((acc, o) => ((acc[o] = (acc[o] ?? 0) + 1), acc), {});
    assert.equal(count(out.slice(0, ROUNDS)), { "error ECONNRESET": ROUNDS }, "resets");
    assert.equal(count(out.slice(ROUNDS)), { "eof 1000": ROUNDS }, "clean closes");
  });

  test("openConnection to a closed port: ECONNREFUSED", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const code = await loop.runUntilComplete(function* () {
      const raw = net.createServer();
      yield* once(loop, raw.listen(0, "127.0.0.1"), "listening");
      const port = (raw.address() as net.AddressInfo).port;
      raw.close();
      yield* once(loop, raw, "close");
      const e = (yield* caughtIn(openConnection("127.0.0.1", port))) as Error & { code: string };
      return e.code;
    }());
    assert.is(code, "ECONNREFUSED");
  });

  test("a failing client handler: the exception handler gets it, the connection closes (the client sees EOF)", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const out = await loop.runUntilComplete(function* () {
      const server = yield* startServer(function* (r: StreamReader) {
        yield* r.readline();
        throw new Error("handler failed");
      }, "127.0.0.1", 0);
      const [reader, writer] = yield* openConnection("127.0.0.1", portOf(server));
      writer.write(enc("hi\n"));
      const rest = yield* reader.read();
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
      return rest.length;
    }());
    assert.is(out, 0);
    const reports = ctx.errors.splice(0);
    assert.is(reports.length, 1);
    assert.is(reports[0].message, "Unhandled exception in client_connected_cb");
    assert.is((reports[0].exception as Error).message, "handler failed");
  });

  test("a plain (non-generator) client handler that throws: reported as a failing connectionMade, the connection left open (as asyncio)", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const out = await loop.runUntilComplete(function* () {
      let writerOf: StreamWriter | null = null;
      const server = yield* startServer((_r: StreamReader, w: StreamWriter) => {
        writerOf = w;
        throw new Error("plain handler failed");
      }, "127.0.0.1", 0);
      const [reader, writer] = yield* openConnection("127.0.0.1", portOf(server));
      writer.write(enc("hi\n"));
      yield* until(loop, () => writerOf !== null && ctx.errors.length > 0, "the handler's failure");
      // Still open both ways: the server's writer reaches the client.
      const closing = writerOf!.isClosing();
      writerOf!.write(enc("still open\n"));
      const line = dec(yield* reader.readline());
      writer.close();
      yield* writer.waitClosed();
      server.close();
      server.closeClients();
      yield* server.waitClosed();
      return [closing, line];
    }());
    assert.equal(out, [false, "still open\n"]);
    const reports = ctx.errors.splice(0);
    assert.equal(reports.map((c) => [c.message, (c.exception as Error).message]), [["Exception in callback protocol.connectionMade()", "plain handler failed"]]);
    assert.ok(reports[0].transport !== undefined && reports[0].protocol instanceof StreamReaderProtocol);
  });

  test("an async function handler and for-await over lines from a socket", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const lines = await loop.runUntilComplete(function* () {
      const server = yield* startServer(async (r: StreamReader, w: StreamWriter) => {
        for await (const line of r) w.write(Buffer.from(dec(line).toUpperCase()));
        w.close();
      }, "127.0.0.1", 0);
      const [reader, writer] = yield* openConnection("127.0.0.1", portOf(server));
      writer.write(enc("one\ntwo\nthree"));
      writer.writeEof();
      const got: string[] = [];
      for (;;) {
        const line = yield* reader.readline();
        if (line.length === 0) break;
        got.push(dec(line));
      }
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
      return got;
    }());
    assert.equal(lines, ["ONE\n", "TWO\n", "THREE"]);
  });

  test("Unix socket echo through startUnixServer/openUnixConnection", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const path = join(tempDir(), "echo.sock");
    const ok = await loop.runUntilComplete(function* () {
      const server = yield* startUnixServer(echo, path);
      const results: boolean[] = [];
      for (const size of [1, 1000, 300_000]) {
        const data = payload(size, size);
        const [reader, writer] = yield* openUnixConnection(path);
        const [, back] = yield* gather(loop.createTask(send(writer, data)), reader.read());
        writer.close();
        yield* writer.waitClosed();
        results.push(Buffer.from(back as Uint8Array).equals(data));
      }
      server.close();
      yield* server.waitClosed();
      return results;
    }());
    assert.equal(ok, [true, true, true]);
  });
  test("a Unix path over sun_path: 'AF_UNIX path too long' at the call of startUnixServer/openUnixConnection (and a path option)", () => {
    const max = process.platform === "linux" ? 107 : 103;
    const dir = tempDir();
    const path = join(dir, "\u00e9".repeat(Math.ceil((max + 1 - dir.length) / 2))); // over the limit in bytes, not in characters
    const bytes = Buffer.byteLength(path);
    assert.ok(bytes > max && path.length <= max);
    const tooLong = (call: string) => (e: Error) =>
      (e as NodeJS.ErrnoException).code === "ENAMETOOLONG" && e.message.startsWith(`${call}: AF_UNIX path too long: ${bytes} bytes (UTF-8), at most ${max}`);
    const cb = () => {};
    assert.throws(() => startUnixServer(cb, path), tooLong("startUnixServer()"));
    assert.throws(() => openUnixConnection(path), tooLong("openUnixConnection()"));
    assert.throws(() => startServer(cb, null, null, { path }), tooLong("startServer()"));
    assert.throws(() => openConnection(null, null, { path }), tooLong("openConnection()"));
  });
});

bothCores("Streams left open", (test, core) => {
  test("a stream connection left open after run() returns: one warning per side, naming its StreamWriter (not also its transport)", async () => {
    const captured = captureWarnings();
    const writers: StreamWriter[] = [];
    try {
      const names: string[] = [];
      await runMain(function* () {
        const loop = getRunningLoop();
        const accepted: StreamWriter[] = [];
        const both = loop.createFuture<void>();
        const server = yield* startServer(function* (_reader, writer) {
          accepted.push(writer);
          if (accepted.length === 2) both.setResult();
        }, "127.0.0.1", 0);
        const [, writer] = yield* openConnection("127.0.0.1", portOf(server));
        const [, closed] = yield* openConnection("127.0.0.1", portOf(server));
        yield* both;
        // Each side of the second connection is closed; both sides of the first are left open.
        const port = (w: StreamWriter, name: string) => (w.getExtraInfo(name) as [string, number])[1];
        const peerOfLeft = accepted.find((w) => port(w, "peername") === port(writer, "sockname"))!;
        const peerOfClosed = accepted.find((w) => w !== peerOfLeft)!;
        closed.close();
        peerOfClosed.close();
        writers.push(writer, peerOfLeft);
        server.close();
        names.push(...writers.map((w) => `unclosed ${w}`));
      }, { core });
      await hostTick();
      assert.equal(captured.warnings.map((w) => w.message).sort(), names.sort());
      for (const name of names) assert.match(name, /^unclosed <StreamWriter transport=<Transport peer=127\.0\.0\.1:\d+ open protocol=<StreamReaderProtocol>> reader=<StreamReader/);
      for (const w of captured.warnings) assert.match(w.detail!, /close it \(writer\.close\(\)\) before its loop closes/);
    } finally {
      for (const w of writers) (w.getExtraInfo("socket") as net.Socket).destroy();
      captured.stop();
    }
  });
});
