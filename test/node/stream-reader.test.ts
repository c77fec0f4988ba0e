// StreamReader (asyncio 3.12's streams module) in virtual time, fed by hand: reads of
// every kind, limits, EOF and errors, and the flow control it asks of its transport.
import * as assert from "uvu/assert";
import { Buffer } from "node:buffer";
import {
  CancelledError, IncompleteReadError, LimitOverrunError, gather, sleep, waitFor, TimeoutError, type Coroutine,
} from "../../src/index.js";
import { StreamReader } from "../../src/node/streams.js";
import { bothCores, caught, runIn } from "../helpers.js";
import { caughtIn, dec, enc } from "./helpers.js";

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

bothCores("StreamReader", (test) => {
  test("read(n): up to n buffered bytes at once; read(0) is empty; empty at EOF", ({ loop }) => {
    const reader = new StreamReader({ loop });
    reader.feedData(enc("hello world"));
    const out = runIn(loop, function* () {
      const a = yield* reader.read(5);
      const z = yield* reader.read(0);
      const b = yield* reader.read(100);
      reader.feedEof();
      const c = yield* reader.read(10);
      return [dec(a), z.length, dec(b), c.length, reader.atEof()];
    }());
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
    const out = runIn(loop, function* () {
      log.push("read");
      const data = yield* reader.read(100);
      log.push(`got ${dec(data)} at ${loop.time()}`);
      return data.length;
    }());
    assert.equal(out, 4);
    assert.equal(log, ["read", "feed", "got abcd at 10"]);
  });

  test("read(n) of a whole chunk returns the chunk itself (no copy)", ({ loop }) => {
    const reader = new StreamReader({ loop });
    const chunk = enc("0123456789");
    reader.feedData(chunk);
    const got = runIn(loop, function* () {
      return yield* reader.read(65536);
    }());
    assert.ok(got === chunk);
  });

  test("on Node every read gives a Buffer, however the bytes were chunked (as asyncio gives bytes)", ({ loop }) => {
    const reader = new StreamReader({ loop });
    const got = runIn<Uint8Array[]>(loop, function* () {
      reader.feedData(new Uint8Array([0x61, 0x62]));
      reader.feedData(enc("c\nde"));
      reader.feedData(enc("fgh\nij"));
      reader.feedEof();
      const whole = yield* reader.read(2);
      const line = yield* reader.readline();
      const exact = yield* reader.readexactly(3);
      const until = yield* reader.readuntil(enc("\n"));
      const rest = yield* reader.read(-1);
      return [whole, line, exact, until, rest];
    }());
    assert.equal(got.map((b) => Buffer.from(b).toString()), ["ab", "c\n", "def", "gh\n", "ij"]);
    got.forEach((b, i) => assert.ok(Buffer.isBuffer(b), `read ${i} gave a ${b.constructor.name}`));
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
    const got = runIn<Uint8Array>(loop, function* () {
      return yield* reader.read();
    }());
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
    const got = runIn<Uint8Array>(loop, function* () {
      return yield* reader.read(-1);
    }());
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
    const lines = runIn(loop, function* () {
      const out: string[] = [];
      for (let i = 0; i < 5; i++) out.push(dec(yield* reader.readline()));
      return out;
    }());
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
    const e1 = runIn(loop, function* () {
      try {
        yield* r1.readline();
      } catch (e) {
        return e;
      }
    }()) as Error;
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
    const rest = runIn(loop, function* () {
      const e = yield* caughtIn(r2.readline());
      assert.instance(e, RangeError);
      return dec(yield* r2.read());
    }());
    assert.is(rest, "chunk3\n");

    // The limit is strict: 7 bytes + newline pass, 8 do not; no newline at all clears the buffer.
    const r3 = new StreamReader({ loop, limit: 7 });
    r3.feedData(enc("1234567\n"));
    const out = runIn(loop, function* () {
      const line = dec(yield* r3.readline());
      r3.feedData(enc("12345678\n"));
      const e1 = (yield* caughtIn(r3.readline())) as Error;
      const left1 = r3.atEof() ? -1 : 0;
      r3.feedData(enc("12345678"));
      const e2 = (yield* caughtIn(r3.readline())) as Error;
      r3.feedData(enc("ok\n"));
      const next = dec(yield* r3.readline());
      return [line, e1.name, e2.name, e2.message, left1, next];
    }());
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
    const out = runIn(loop, function* () {
      const a = dec(yield* reader.readuntil(enc("aaa")));
      const b = dec(yield* reader.readuntil("\r\n\r\n"));
      const c = dec(yield* reader.readexactly(4));
      return [a, b, c];
    }());
    assert.equal(out, ["QWEaaXYaaa", "head\r\n\r\n", "body"]);
  });

  test("readuntil: a separator in one chunk returns a view of it; the default separator is a newline", ({ loop }) => {
    const reader = new StreamReader({ loop });
    reader.feedData(enc("a,b,c\nd"));
    const out = runIn(loop, function* () {
      return [dec(yield* reader.readuntil(",")), dec(yield* reader.readuntil(enc(","))), dec(yield* reader.readuntil())];
    }());
    assert.equal(out, ["a,", "b,", "c\n"]);
  });

  test("readuntil over the limit: LimitOverrunError with asyncio's consumed; the data stays buffered", ({ loop }) => {
    const reader = new StreamReader({ loop, limit: 3 });
    reader.feedData(enc("some dataAA"));
    const out = runIn(loop, function* () {
      const e1 = (yield* caughtIn(reader.readuntil("AAA"))) as LimitOverrunError;
      reader.feedData(enc("A"));
      const e2 = (yield* caughtIn(reader.readuntil("AAA"))) as LimitOverrunError;
      reader.feedEof();
      const rest = dec(yield* reader.read());
      return [e1.name, e1.message, e1.consumed, e2.message, e2.consumed, rest];
    }());
    assert.equal(out, [
      "LimitOverrunError", "Separator is not found, and chunk exceed the limit", 9,
      "Separator is found, but chunk is longer than limit", 9, "some dataAAA",
    ]);
  });

  test("readuntil at EOF: IncompleteReadError with everything buffered (the buffer is emptied)", ({ loop }) => {
    const reader = new StreamReader({ loop });
    reader.feedData(enc("some dataAA"));
    reader.feedEof();
    const e = runIn(loop, function* () {
      return yield* caughtIn(reader.readuntil("AAA"));
    }()) as IncompleteReadError;
    assert.instance(e, IncompleteReadError);
    assert.is(dec(e.partial), "some dataAA");
    assert.is(e.expected, null);
    assert.is(e.message, "11 bytes read on a total of undefined expected bytes");
    assert.ok(reader.atEof());
  });

  test("readuntil with several separators (asyncio 3.13): the shortest chunk ending with any wins, buffered or arriving", ({ loop }) => {
    const reader = new StreamReader({ loop });
    reader.feedData(enc("ab\r\ncd\nef|gh"));
    // Pieces of a long separator arrive first; a short one completes a chunk before it.
    const tail = "iXYZ|jXYZW";
    for (let i = 0; i < tail.length; i++) loop.callLater(1 + i, () => reader.feedData(enc(tail[i])));
    const out = runIn(loop, function* () {
      return [
        dec(yield* reader.readuntil(["\r\n", "\n"])), // both end at the same byte: one chunk
        dec(yield* reader.readuntil([enc("\n"), "ab"])),
        dec(yield* reader.readuntil(["gh", "f|"])), // f| ends first though listed last
        dec(yield* reader.readuntil(["XYZW", "|"])),
        dec(yield* reader.readuntil(["XYZW", "|"])),
        loop.time(),
      ];
    }());
    assert.equal(out, ["ab\r\n", "cd\n", "ef|", "ghiXYZ|", "jXYZW", 10]);
  });

  test("readuntil with several separators: the limit applies to the start of the shortest match; not found past the longest", ({ loop }) => {
    const reader = new StreamReader({ loop, limit: 5 });
    reader.feedData(enc("12345aX"));
    const out = runIn(loop, function* () {
      // "aX" starts at 5 (within the limit) but "X", ending at the same byte, is the match: at 6.
      const e1 = (yield* caughtIn(reader.readuntil(["aX", "X"]))) as LimitOverrunError;
      const ok = dec(yield* reader.readuntil(["aX"]));
      reader.feedData(enc("abcdefgh"));
      // Not found: what was searched is the buffer less the longest separator's length - 1.
      const e2 = (yield* caughtIn(reader.readuntil(["Z", "ZZZ"]))) as LimitOverrunError;
      const skipped = dec(yield* reader.read(8));
      reader.feedData(enc("abc"));
      reader.feedEof();
      const e3 = (yield* caughtIn(reader.readuntil(["Z", "cZ"]))) as IncompleteReadError;
      return [e1.message, e1.consumed, ok, e2.message, e2.consumed, skipped, e3.name, dec(e3.partial), reader.atEof()];
    }());
    assert.equal(out, [
      "Separator is found, but chunk is longer than limit", 6, "12345aX",
      "Separator is not found, and chunk exceed the limit", 6, "abcdefgh", "IncompleteReadError", "abc", true,
    ]);
  });

  test("readuntil: a line arriving in 1-byte chunks is not re-copied on each arrival", ({ loop }) => {
    const reader = new StreamReader({ loop, limit: 1 << 20 });
    const line = "x".repeat(200_000) + "\n";
    const started = performance.now();
    const got = runIn<Uint8Array>(loop, function* () {
      const read = reader.readline();
      for (let i = 0; i < line.length; i++) {
        reader.feedData(enc(line[i]));
        if (i % 1000 === 0) yield* sleep(0); // let the read search what has arrived
      }
      return yield* read;
    }());
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
      const out = runIn<Buffer>(loop, function* () {
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
      }());
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
    const out = runIn(loop, function* () {
      const a = dec(yield* reader.readexactly(4));
      const z = (yield* reader.readexactly(0)).length;
      const e = (yield* caughtIn(reader.readexactly(10))) as IncompleteReadError;
      return [a, z, e.name, dec(e.partial), e.expected, e.message, reader.atEof()];
    }());
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
    const out = runIn(loop, function* () {
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
    }());
    assert.equal(out, ["1234", true, "5", false, true, "6789abcdefghijkl", false]);
    // Paused by the 12 bytes, resumed for the wait, paused by the 16, resumed by the read.
    assert.equal(t.calls, ["pause", "resume", "pause", "resume", "pause", "resume"]);
  });

  test("exception: a waiting read gets it; every later read throws it; exception() returns it", ({ loop }) => {
    const reader = new StreamReader({ loop });
    const boom = Object.assign(new Error("reset"), { code: "ECONNRESET" });
    loop.callLater(5, () => reader.setException(boom));
    const out = runIn(loop, function* () {
      const e1 = yield* caughtIn(reader.readline());
      reader.feedData(enc("data\n")); // buffered data does not hide the error
      const e2 = yield* caughtIn(reader.read(10));
      const e3 = yield* caughtIn(reader.read(0));
      const e4 = yield* caughtIn(reader.readexactly(0));
      return [e1, e2, e3, e4].every((e) => e === boom) && reader.exception() === boom;
    }());
    assert.ok(out);
  });

  test("one read at a time: a second read waiting for data throws Error (asyncio's message)", ({ loop }) => {
    const reader = new StreamReader({ loop });
    const out = runIn(loop, function* () {
      const first = loop.createTask((function* () {
        return dec(yield* reader.readline());
      })());
      yield* sleep(0);
      const e = (yield* caughtIn(reader.read(5))) as Error;
      const e2 = (yield* caughtIn(reader.readexactly(5))) as Error;
      reader.feedData(enc("x\n"));
      return [yield* first, e.name, e.message, e2.message];
    }());
    assert.equal(out, [
      "x\n", "Error",
      "read() called while another coroutine is already waiting for incoming data",
      "readexactly() called while another coroutine is already waiting for incoming data",
    ]);
  });

  test("cancelling a waiting read loses no data: the bytes stay for the next read", ({ loop }) => {
    const reader = new StreamReader({ loop });
    const out = runIn(loop, function* () {
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
    }());
    assert.equal(out, [true, true, true, "kept and more"]);
  });

  test("a read nobody consumes runs as a task would: it takes the data that arrives for it", ({ loop }) => {
    const reader = new StreamReader({ loop });
    const out = runIn(loop, function* () {
      const f = reader.read(10);
      reader.feedData(enc("abc"));
      yield* sleep(0);
      const pending = f.done();
      reader.feedData(enc("def"));
      const next = dec(yield* reader.read(10));
      return [pending, dec(f.result()), next];
    }());
    assert.equal(out, [true, "abc", "def"]);
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
    runIn(loop, function* () {
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
    }());
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
      [() => reader.readuntil([]), RangeError, /^readuntil\(\) expected at least one separator, got an empty array/],
      [() => reader.readuntil(["\n", ""]), RangeError, /^readuntil\(\) expected a separator of at least one byte/],
      [() => reader.readuntil(["\n", 3 as unknown as string]), TypeError, /^readuntil\(\) expected separator to be a Uint8Array, a string or an array of them, got 3/],
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

