// Streams over real sockets (asyncio 3.12's streams module): StreamReader/StreamWriter
// through startServer and openConnection (TCP and Unix), on both cores.
import * as assert from "uvu/assert";
import { Buffer } from "node:buffer";
import * as net from "node:net";
import { join } from "node:path";
import { IncompleteReadError, LimitOverrunError, gather, wrapPromise, type Coroutine, type EventLoop, type Future } from "../../src/index.js";
import {
  StreamReader, StreamReaderProtocol, StreamWriter, openConnection, openUnixConnection, startServer, startUnixServer,
} from "../../src/node/streams.js";
import { bothCores } from "../helpers.js";
import { caughtIn, dec, enc, payload, portOf, tempDir, until } from "./helpers.js";

// ---- over real sockets -------------------------------------------------------------

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
