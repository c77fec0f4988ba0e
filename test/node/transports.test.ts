// Stream transports over real sockets on 127.0.0.1 (and Unix sockets), real-clock loops,
// both scheduler cores: asyncio's _SelectorSocketTransport semantics.
import * as assert from "uvu/assert";
import {
  AF_UNIX, BufferedProtocol, CancelledError, Protocol, SOCK_STREAM, gather, getRunningLoop, run, sleep, socket, type Coroutine, type Transport,
} from "../../src/node/index.js";
import { bothCores } from "../helpers.js";
import {
  Echo, Recorder, captureWarnings, compact, lineOf, nodeClient, payload, portOf, tempDir, until, wait, withPeer, withServer, recorders } from "./helpers.js";
import { freePort, hostTick, plainEnv } from "../host.js";
import { spawnSync } from "node:child_process";
import { test } from "uvu";
import { join } from "node:path";
import * as net from "node:net";
import { readdirSync } from "node:fs";

/** A client that sends `data`, half-closes, and collects the echo until EOF. */
class EchoClient extends Recorder {
  constructor(loop: Recorder["loop"], readonly data: Buffer) {
    super(loop);
  }
  override connectionMade(t: Transport): void {
    super.connectionMade(t);
    t.write(this.data);
    t.writeEof();
  }
}

bothCores("Transport", (test) => {
  test("echo - 100 concurrent clients, 1 byte to 4 MiB each, every byte back in order", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const sizes: number[] = [];
    for (let i = 0; i < 95; i++) sizes.push(Math.round(2 ** ((16 * i) / 94))); // 1 B .. 64 KiB
    sizes.push(256 << 10, 512 << 10, 1 << 20, 2 << 20, 4 << 20);
    const results = await withServer(loop, () => new Echo(), function* (server) {
      const port = portOf(server);
      function* client(i: number): Coroutine<boolean> {
        const data = payload(sizes[i], i);
        const [, proto] = yield* loop.createConnection(() => new EchoClient(loop, data), "127.0.0.1", port);
        const exc = yield* proto.lost;
        return exc === null && proto.received().equals(data) && compact(proto.events.filter((e) => !e.endsWith("Writing"))).join() === "made,data,eof,lost null";
      }
      const ok = yield* gather(...sizes.map((_, i) => loop.createTask(client(i))));
      return ok;
    });
    assert.equal(results.filter((ok) => !ok).length, 0);
  });

  test("callbacks - connectionMade -> dataReceived* -> eofReceived -> connectionLost(null)", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const events = await withPeer(loop, function* (proto, peer) {
      peer.sock.write("one");
      peer.sock.write("two");
      peer.sock.end("three");
      yield* wait(peer.closed);
      yield* proto.lost;
      assert.is(proto.received().toString(), "onetwothree");
      return proto.events;
    });
    assert.equal(compact(events), ["made", "data", "eof", "lost null"]);
  });

  test("createConnection - connectionMade runs before the future is done; peername/sockname/socket", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await withServer(loop, () => new Echo(), function* (server) {
      const port = portOf(server);
      const log: string[] = [];
      const fut = loop.createConnection(() => {
        const p = new Recorder(loop);
        p.made.addDoneCallback(() => log.push("made callback"));
        return p;
      }, "127.0.0.1", port);
      const [t, proto] = yield* fut;
      log.push("future done");
      assert.is(proto.events[0], "made");
      assert.is(proto.transport, t);
      assert.equal(t.getExtraInfo("peername"), ["127.0.0.1", port]);
      const [host, localPort] = t.getExtraInfo("sockname");
      assert.is(host, "127.0.0.1");
      assert.ok(localPort > 0);
      assert.is(t.getExtraInfo("socket"), t.getExtraInfo("socket"));
      assert.is(typeof t.getExtraInfo("socket").write, "function");
      assert.is(t.getExtraInfo("nope", 42), 42);
      assert.ok(t.canWriteEof());
      assert.ok(t.isReading());
      assert.not.ok(t.isClosing());
      t.close();
      assert.ok(t.isClosing());
      assert.not.ok(t.isReading());
      yield* proto.lost;
    });
  });

  test("half-close - eofReceived returning true keeps the transport open for writing", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    let proto!: Recorder;
    await withServer(loop, () => {
      proto = new Recorder(loop);
      proto.keepOpen = true;
      return proto;
    }, function* (server) {
      const peer = nodeClient(portOf(server));
      yield* wait(peer.connected);
      peer.sock.end("question");
      yield* proto.eof;
      yield* sleep(0);
      assert.not.ok(proto.transport.isClosing());
      proto.transport.write("answer after your EOF");
      proto.transport.close();
      yield* proto.lost;
      yield* wait(peer.ended);
      assert.is(peer.received().toString(), "answer after your EOF");
      assert.equal(compact(proto.events), ["made", "data", "eof", "lost null"]);
    });
  });

  test("writeEof - the peer gets eofReceived, this side still reads; write after writeEof throws", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    let srv!: Recorder;
    await withServer(loop, () => {
      srv = new Recorder(loop);
      srv.keepOpen = true;
      return srv;
    }, function* (server) {
      const [t, cli] = yield* loop.createConnection(() => new Recorder(loop), "127.0.0.1", portOf(server));
      t.write("request");
      t.writeEof();
      t.writeEof(); // idempotent
      assert.throws(() => t.write("more"), (e: Error) => e instanceof Error && /after writeEof/.test(e.message));
      yield* srv.eof;
      assert.is(srv.received().toString(), "request");
      srv.transport.write("response");
      srv.transport.writeEof();
      yield* cli.eof;
      assert.is(cli.received().toString(), "response");
      yield* cli.lost;
      yield* srv.lost;
      assert.equal(compact(cli.events), ["made", "data", "eof", "lost null"]);
      assert.equal(compact(srv.events), ["made", "data", "eof", "lost null"]);
    });
  });

  test("pauseReading - nothing is delivered while paused (the peer keeps sending); all of it after resume, in order", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    let proto!: Recorder;
    await withServer(loop, () => {
      proto = new Recorder(loop);
      proto.onData = () => {
        if (proto.events.length === 2) proto.transport.pauseReading();
      };
      return proto;
    }, function* (server) {
      const peer = nodeClient(portOf(server));
      yield* wait(peer.connected);
      const data = payload(4 << 20, 3);
      peer.sock.write(data.subarray(0, 100));
      yield* proto.waitBytes(1);
      assert.not.ok(proto.transport.isReading());
      // The rest arrives at the server's Node socket, which holds it and stops reading.
      peer.sock.write(data.subarray(100));
      const conn = proto.transport.getExtraInfo("socket");
      yield* until(loop, () => conn.readableLength > 0 && conn.readableLength >= conn.readableHighWaterMark, "the server socket buffers data");
      const delivered = proto.bytes;
      yield* sleep(0);
      yield* sleep(0);
      assert.is(proto.bytes, delivered, "no dataReceived while paused");
      assert.is(compact(proto.events).join(), "made,data");
      assert.ok(peer.sock.writableLength > 0 || delivered < data.length, "the peer is held back");
      proto.transport.resumeReading();
      assert.ok(proto.transport.isReading());
      yield* proto.waitBytes(data.length);
      assert.ok(proto.received().equals(data), "every byte, in order");
      peer.sock.end();
      yield* proto.lost;
    });
  });

  test("pauseReading - chunks already scheduled are held, then delivered in order with EOF last", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await withPeer(loop, function* (proto, peer, server) {
      yield* proto.made;
      proto.transport.pauseReading();
      proto.transport.pauseReading(); // idempotent
      for (let i = 0; i < 50; i++) peer.sock.write(payload(1000, i));
      peer.sock.end();
      const conn = proto.transport.getExtraInfo("socket");
      yield* until(loop, () => conn.readableLength === 50_000 || conn.readableEnded, "the data is at the server socket");
      assert.is(proto.bytes, 0);
      proto.transport.resumeReading();
      yield* proto.lost;
      const expected = Buffer.concat(Array.from({ length: 50 }, (_, i) => payload(1000, i)));
      assert.ok(proto.received().equals(expected));
      assert.equal(compact(proto.events), ["made", "data", "eof", "lost null"]);
    });
  });

  test("pauseWriting - a peer that does not read: pauseWriting, bounded buffer, resumeWriting once it reads", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await withPeer(loop, function* (proto, peer) {
      const t = yield* proto.made;
      assert.equal(t.getWriteBufferLimits(), [16384, 65536]);
      const chunk = payload(64 << 10, 1);
      let written = 0;
      while (!proto.events.includes("pauseWriting")) {
        t.write(chunk);
        written += chunk.length;
        assert.ok(written < 512 << 20, "pauseWriting never came");
      }
      assert.ok(t.getWriteBufferSize() > 65536);
      assert.ok(t.getWriteBufferSize() <= 65536 + chunk.length, "bounded by the high mark plus the last write");
      // Writes after the pause are buffered, not refused: the buffer grows by exactly them.
      const before = t.getWriteBufferSize();
      t.write(chunk);
      written += chunk.length;
      assert.is(t.getWriteBufferSize(), before + chunk.length);
      yield* sleep(0);
      yield* sleep(0);
      assert.ok(!proto.events.includes("resumeWriting"));
      peer.sock.resume();
      yield* until(loop, () => proto.events.includes("resumeWriting"), "resumeWriting");
      assert.ok(t.getWriteBufferSize() <= 16384);
      t.close();
      yield* wait(peer.waitBytes(written));
      assert.is(peer.bytes(), written);
      yield* proto.lost;
      assert.equal(compact(proto.events), ["made", "pauseWriting", "resumeWriting", "lost null"]);
    }, { read: false });
  });

  test("setWriteBufferLimits - marks below Node's own: resumeWriting at the low mark; bad limits throw", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await withPeer(loop, function* (proto, peer) {
      const t = yield* proto.made;
      assert.throws(() => t.setWriteBufferLimits(10, 20), (e: Error) => e instanceof RangeError && /high \(10\) must be >= low \(20\)/.test(e.message));
      assert.throws(() => t.setWriteBufferLimits(-1), (e: Error) => e instanceof RangeError);
      assert.throws(() => t.setWriteBufferLimits("x" as never), (e: Error) => e instanceof TypeError);
      t.setWriteBufferLimits(null, 1000);
      assert.equal(t.getWriteBufferLimits(), [1000, 4000]);
      t.setWriteBufferLimits(8192);
      assert.equal(t.getWriteBufferLimits(), [2048, 8192]);
      const chunk = payload(4096, 2);
      let written = 0;
      while (!proto.events.includes("pauseWriting")) {
        t.write(chunk);
        written += chunk.length;
        assert.ok(written < 512 << 20, "pauseWriting never came");
      }
      let atResume = -1;
      proto.resumeWriting = () => {
        proto.events.push("resumeWriting");
        atResume = t.getWriteBufferSize();
      };
      peer.sock.resume();
      yield* until(loop, () => atResume >= 0, "resumeWriting");
      assert.ok(atResume <= 2048, `buffer at resume ${atResume} <= low`);
      t.close();
      yield* wait(peer.waitBytes(written));
      yield* proto.lost;
    }, { read: false });
  });

  test("setWriteBufferLimits - lowering the high mark under the buffered size pauses at once, resumes on drain", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await withPeer(loop, function* (proto, peer) {
      const t = yield* proto.made;
      t.setWriteBufferLimits(1 << 30);
      const chunk = payload(64 << 10, 5);
      let written = 0;
      while (t.getWriteBufferSize() < 256 << 10) {
        t.write(chunk);
        written += chunk.length;
      }
      assert.not.ok(proto.events.includes("pauseWriting"));
      t.setWriteBufferLimits(64 << 10);
      assert.ok(proto.events.includes("pauseWriting"));
      peer.sock.resume();
      yield* until(loop, () => proto.events.includes("resumeWriting"), "resumeWriting");
      t.close();
      yield* wait(peer.waitBytes(written));
      yield* proto.lost;
    }, { read: false });
  });

  test("close - flushes the buffer first; abort drops it; both end with connectionLost(null)", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const protos: Recorder[] = [];
    await withServer(loop, recorders(loop, protos), function* (server) {
      const port = portOf(server);
      const big = payload(8 << 20, 9);
      // close(): everything arrives, then EOF.
      const a = nodeClient(port);
      yield* wait(a.connected);
      yield* until(loop, () => protos.length === 1, "accepted");
      const ta = yield* protos[0].made;
      ta.write(big);
      ta.close();
      ta.close(); // idempotent
      yield* wait(a.ended);
      assert.ok(a.received().equals(big));
      assert.is(yield* protos[0].lost, null);
      a.sock.end();
      // abort(): the buffer is dropped, the connection goes at once.
      const b = nodeClient(port, { read: false });
      yield* wait(b.connected);
      yield* until(loop, () => protos.length === 2, "accepted");
      const tb = yield* protos[1].made;
      tb.write(big);
      assert.ok(tb.getWriteBufferSize() > 0);
      tb.abort();
      assert.ok(tb.isClosing());
      assert.is(yield* protos[1].lost, null);
      b.sock.resume();
      yield* wait(b.ended);
      assert.ok(b.bytes() < big.length);
      b.sock.end();
      assert.equal(compact(protos[1].events.filter((e) => !e.endsWith("Writing"))), ["made", "lost null"]);
    });
  });

  test("write - argument errors, empty writes, writes after close dropped with asyncio's warning from the 5th", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await withPeer(loop, function* (proto, peer) {
      const t = yield* proto.made;
      assert.throws(() => t.write(42 as never), (e: Error) => e instanceof TypeError && /write\(\) expected data to be bytes/.test(e.message));
      assert.throws(() => t.writelines(42 as never), (e: Error) => e instanceof TypeError);
      t.write("");
      t.write(new Uint8Array(0));
      t.writelines(["a", new Uint8Array([98]), "ç"]);
      t.write(new Uint16Array([0x6464]) as never);
      yield* wait(peer.waitBytes(6));
      assert.is(peer.received().toString(), "abçdd");
      t.close();
      const warnings: unknown[] = [];
      const warn = console.warn;
      console.warn = (...args: unknown[]) => void warnings.push(args[0]);
      try {
        for (let i = 0; i < 6; i++) t.write("dropped");
      } finally {
        console.warn = warn;
      }
      assert.equal(warnings, ["socket.send() raised exception.", "socket.send() raised exception."]);
      yield* proto.lost;
      yield* wait(peer.ended);
      assert.is(peer.received().toString(), "abçdd");
      peer.sock.end();
    });
  });

  test("close() with data still buffered - writes made meanwhile still go out, in order, before EOF (as asyncio)", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await withPeer(loop, function* (proto, peer) {
      const t = yield* proto.made;
      const big = Buffer.alloc(8 << 20, 1);
      t.write(big);
      assert.ok(t.getWriteBufferSize() > 0, "the peer does not read: bytes stay buffered");
      t.close();
      t.write("tail");
      assert.ok(t.isClosing());
      peer.sock.resume();
      yield* proto.lost;
      yield* wait(peer.ended);
      const got = peer.received();
      assert.is(got.length, big.length + 4);
      assert.is(got.subarray(big.length).toString(), "tail");
      // 8 MiB went over the high-water mark; it drained below the low one while closing (as asyncio).
      assert.equal(compact(proto.events), ["made", "pauseWriting", "resumeWriting", "lost null"]);
      peer.sock.end();
    }, { read: false });
  });

  test("peer reset mid-write - connectionLost gets the error with its code; nothing hangs", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await withPeer(loop, function* (proto, peer) {
      const t = yield* proto.made;
      const chunk = payload(256 << 10, 4);
      // Keep writing whenever writing is allowed, as a producer honouring flow control.
      let paused = false;
      proto.pauseWriting = () => void (paused = true);
      proto.resumeWriting = () => void (paused = false);
      const writer = loop.createTask(function* () {
        while (!t.isClosing()) {
          if (!paused) t.write(chunk);
          yield* sleep(0);
        }
      }());
      yield* until(loop, () => paused, "the buffer fills");
      peer.sock.resetAndDestroy();
      const exc = yield* proto.lost;
      assert.instance(exc, Error);
      assert.ok(["ECONNRESET", "EPIPE"].includes((exc as NodeJS.ErrnoException).code!), String(exc));
      yield* writer;
      assert.is(proto.events.at(-1), `lost ${(exc as NodeJS.ErrnoException).code}`);
    }, { read: false });
  });

  test("connect refused - the future rejects with Node's ECONNREFUSED", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const err = await loop.runUntilComplete(function* () {
      const port = yield* wait(freePort());
      try {
        yield* loop.createConnection(() => new Recorder(loop), "127.0.0.1", port);
      } catch (e) {
        return e as NodeJS.ErrnoException;
      }
      return null;
    }());
    assert.ok(err);
    assert.is(err!.code, "ECONNREFUSED");
  });

  test("protocol callback throwing - reported to the exception handler; the transport is aborted", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const boom = new Error("boom");
    let proto!: Recorder;
    await withServer(loop, () => {
      proto = new Recorder(loop);
      proto.onData = () => {
        throw boom;
      };
      return proto;
    }, function* (server) {
      const peer = nodeClient(portOf(server));
      yield* wait(peer.connected);
      peer.sock.write("hello");
      peer.sock.write("more");
      const exc = yield* proto.lost;
      assert.is(exc, boom);
      yield* wait(peer.closed);
      assert.is(ctx.errors.length, 1);
      const c = ctx.errors[0];
      assert.is(c.message, "Fatal error: protocol.dataReceived() call failed.");
      assert.is(c.exception, boom);
      assert.is(c.protocol, proto);
      assert.is(c.transport, proto.transport);
      ctx.errors.length = 0;
      assert.equal(proto.events, ["made", "data", "lost boom"]);
    });
  });

  test("protocol callback throwing - connectionMade and eofReceived too; connectionLost's own error is reported", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await withServer(loop, () => new Echo(), function* (server) {
      const port = portOf(server);
      class BadMade extends Recorder {
        override connectionMade(t: Transport): void {
          super.connectionMade(t);
          throw new Error("made failed");
        }
      }
      const [t1, p1] = yield* loop.createConnection(() => new BadMade(loop), "127.0.0.1", port);
      // As asyncio (connection_made runs through call_soon): reported, the transport stays open.
      assert.not.ok(t1.isClosing());
      t1.close();
      assert.is(yield* p1.lost, null);
      class BadEof extends Recorder {
        override eofReceived(): boolean {
          super.eofReceived();
          throw new Error("eof failed");
        }
        override connectionLost(exc: Error | null): void {
          super.connectionLost(exc);
          throw new Error("lost failed");
        }
      }
      const [t2, p2] = yield* loop.createConnection(() => new BadEof(loop), "127.0.0.1", port);
      t2.writeEof();
      yield* p2.lost;
      yield* sleep(0);
      assert.equal(ctx.errors.map((c) => c.message), [
        "Exception in callback protocol.connectionMade()",
        "Fatal error: protocol.eofReceived() call failed.",
        "Exception in protocol.connectionLost()",
      ]);
      ctx.errors.length = 0;
      assert.equal(p2.events, ["made", "eof", "lost eof failed"]);
    });
  });

  test("BufferedProtocol - each chunk is copied into getBuffer() in pieces; bufferUpdated(n); EOF and close", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    class Collect extends BufferedProtocol {
      buf = new Uint8Array(7);
      got: number[] = [];
      hints: number[] = [];
      events: string[] = [];
      lost = loop.createFuture<Error | null>();
      override connectionMade(): void {
        this.events.push("made");
      }
      override getBuffer(sizeHint: number): Uint8Array {
        this.hints.push(sizeHint);
        return this.buf;
      }
      override bufferUpdated(n: number): void {
        this.events.push("updated");
        for (let i = 0; i < n; i++) this.got.push(this.buf[i]);
      }
      override eofReceived(): void {
        this.events.push("eof");
      }
      override connectionLost(exc: Error | null): void {
        this.events.push(`lost ${exc}`);
        this.lost.setResult(exc);
      }
    }
    let proto!: Collect;
    await withServer(loop, () => (proto = new Collect()), function* (server) {
      const peer = nodeClient(portOf(server));
      yield* wait(peer.connected);
      const data = payload(100_000, 8);
      peer.sock.end(data);
      yield* proto.lost;
      assert.ok(Buffer.from(proto.got).equals(data));
      assert.ok(proto.hints.every((h) => h > 0));
      assert.equal(compact(proto.events), ["made", "updated", "eof", "lost null"]);
    });
  });

  test("BufferedProtocol - pauseReading inside bufferUpdated holds the rest of the chunk", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const got: number[] = [];
    let transport!: Transport;
    let updates = 0;
    const lost = loop.createFuture<Error | null>();
    const buf = new Uint8Array(10);
    await withServer(loop, () => ({
      connectionMade: (t: Transport) => void (transport = t),
      getBuffer: () => buf,
      bufferUpdated: (n: number) => {
        updates++;
        for (let i = 0; i < n; i++) got.push(buf[i]);
        transport.pauseReading();
      },
      connectionLost: (exc: Error | null) => lost.setResult(exc),
    }), function* (server) {
      const peer = nodeClient(portOf(server));
      yield* wait(peer.connected);
      const data = payload(1000, 1);
      peer.sock.write(data);
      yield* until(loop, () => updates === 1, "the first piece");
      for (let i = 0; i < 3; i++) yield* sleep(0);
      assert.is(updates, 1);
      while (got.length < data.length) {
        transport.resumeReading();
        yield* sleep(0);
      }
      assert.ok(Buffer.from(got).equals(data));
      // Reading stays paused after the last piece: the peer's EOF waits for a resume.
      peer.sock.end();
      transport.resumeReading();
      yield* lost;
    });
  });

  test("Unix socket - a connected AF_UNIX wasyncio socket: echo; the transport's peername is the socket's", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const path = join(tempDir(), "u.sock");
    await withServer(loop, () => new Echo(), function* (server) {
      const sock = socket(AF_UNIX, SOCK_STREAM);
      yield* loop.sockConnect(sock, path);
      const peername = sock.getpeername();
      const [t, proto] = yield* loop.createUnixConnection(() => new EchoClient(loop, payload(5000)), null, { sock });
      assert.is(t.getExtraInfo("peername"), peername);
      assert.is(t.getExtraInfo("sockname"), "");
      yield* proto.lost;
      assert.ok(proto.received().equals(payload(5000)));
    }, { path });
  });

  test("Unix socket - echo over createUnixServer / createUnixConnection; peername and sockname are paths", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const path = join(tempDir(), "echo.sock");
    await withServer(loop, () => new Echo(), function* (server) {
      assert.is(server.sockets[0].getsockname(), path);
      const data = payload(1 << 20, 6);
      const [t, proto] = yield* loop.createUnixConnection(() => new EchoClient(loop, data), path);
      assert.is(t.getExtraInfo("peername"), path);
      assert.is(t.getExtraInfo("sockname"), "");
      assert.is(yield* proto.lost, null);
      assert.ok(proto.received().equals(data));
    }, { path });
  });

  test("argument errors - thrown at the call, naming the call and the argument", (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const f = () => new Protocol();
    const is = (cls: Function, re: RegExp) => (e: Error) => e instanceof cls && re.test(e.message);
    assert.throws(() => loop.createServer(f, "127.0.0.1", "x" as never), is(TypeError, /^createServer\(\) expected port to be an integer 0-65535, got "x"$/));
    assert.throws(() => loop.createServer(f, "127.0.0.1", 70000), is(RangeError, /createServer\(\) expected port/));
    assert.throws(() => loop.createServer(42 as never), is(TypeError, /createServer\(\) expected a protocol factory/));
    assert.throws(() => loop.createServer(f, 42 as never), is(TypeError, /createServer\(\) expected host/));
    assert.throws(() => loop.createServer(f, "127.0.0.1", 0, { backlog: -1 }), is(RangeError, /options.backlog/));
    assert.throws(() => loop.createServer(f, "127.0.0.1", 0, { ssl: 42 as never }), is(TypeError, /options.ssl/));
    assert.throws(() => loop.createConnection(f), is(RangeError, /createConnection\(\): host and port were not specified/));
    assert.throws(() => loop.createConnection(f, "127.0.0.1", 1.5), is(TypeError, /createConnection\(\) expected port/));
    assert.throws(() => loop.createConnection(f, "127.0.0.1", 1, { serverHostname: "x" }), is(RangeError, /serverHostname is only meaningful with ssl/));
    assert.throws(() => loop.createConnection(f, "127.0.0.1", 1, { localAddr: "x" as never }), is(TypeError, /options.localAddr/));
    assert.throws(() => loop.createUnixServer(f), is(RangeError, /createUnixServer\(\): path was not specified/));
    assert.throws(() => loop.createUnixConnection(f, 42 as never), is(TypeError, /createUnixConnection\(\) expected path/));
    const closed = ctx.newLoop({ clock: "real" });
    closed.close();
    assert.throws(() => closed.createServer(f, "127.0.0.1", 0), is(Error, /^Event loop is closed: createServer\(\)$/));
    assert.throws(() => closed.createConnection(f, "127.0.0.1", 1), is(Error, /^Event loop is closed: createConnection\(\)$/));
  });

  test("createConnection / createUnixConnection - a factory returning no protocol rejects the call's future with a TypeError naming it; the socket is closed", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const path = join(tempDir(), "bad.sock");
    await loop.runUntilComplete(function* () {
      const accepted: Recorder[] = [];
      const server = yield* loop.createServer(recorders(loop, accepted), "127.0.0.1", 0);
      const unix = yield* loop.createUnixServer(recorders(loop, accepted), path);
      const cases: [() => unknown, string][] = [
        [() => ({}), "returned {}, not a Protocol (it has no dataReceived(), nor getBuffer() and bufferUpdated())"],
        [async () => new Protocol(), "returned a Promise, not a Protocol (an async function cannot be a protocol factory)"],
        [() => null, "returned null, not a Protocol"],
        [() => ({ getBuffer: () => new Uint8Array(1) }), "returned {getBuffer}, not a Protocol (it has no dataReceived(), nor getBuffer() and bufferUpdated())"],
      ];
      const messages: string[] = [];
      for (const [factory] of cases) {
        for (const fut of [
          loop.createConnection(factory as never, "127.0.0.1", portOf(server)),
          loop.createUnixConnection(factory as never, path),
        ]) {
          try {
            yield* fut;
            assert.unreachable("accepted a factory that made no protocol");
          } catch (e) {
            assert.instance(e, TypeError);
            messages.push((e as Error).message);
          }
        }
      }
      const expected: string[] = [];
      for (const [, tail] of cases) {
        expected.push(`createConnection(): protocolFactory ${tail}`, `createUnixConnection(): protocolFactory ${tail}`);
      }
      assert.equal(messages, expected);
      // Each connection the server accepted was closed by the client: all are lost.
      yield* until(loop, () => accepted.length === 2 * cases.length && accepted.every((p) => p.lost.done()), "the refused connections closed");
      server.close();
      unix.close();
      yield* server.waitClosed();
      yield* unix.waitClosed();
    }());
  });

  test("a Unix path over sun_path: Python's 'AF_UNIX path too long' at the call, naming it and the length in bytes; nothing left listening", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const max = process.platform === "linux" ? 107 : 103;
    const dir = tempDir();
    const path = join(dir, "x".repeat(max - dir.length)); // max + 1 bytes
    const f = () => new Protocol();
    const tooLong = (call: string) => (e: Error) =>
      (e as NodeJS.ErrnoException).code === "ENAMETOOLONG" &&
      e.message.startsWith(`${call}: AF_UNIX path too long: ${max + 1} bytes (UTF-8), at most ${max} on ${process.platform}: `);
    assert.throws(() => loop.createUnixServer(f, path), tooLong("createUnixServer()"));
    assert.throws(() => loop.createServer(f, null, null, { path }), tooLong("createServer()"));
    assert.throws(() => loop.createUnixConnection(f, path), tooLong("createUnixConnection()"));
    assert.throws(() => loop.createConnection(f, null, null, { path }), tooLong("createConnection()"));
    await hostTick();
    assert.equal(readdirSync(dir), []);
    // One byte less fits.
    const fits = path.slice(0, -1);
    await withServer(loop, () => new Echo(), function* (server) {
      assert.is(server.sockets[0].getsockname(), fits);
      const [t, proto] = yield* loop.createUnixConnection(() => new EchoClient(loop, payload(10)), fits);
      yield* proto.lost;
      assert.ok(proto.received().equals(payload(10)));
      t.close();
    }, { path: fits });
    assert.equal(readdirSync(dir), [], "the server removed its socket file");
  });

  test("a peer that writes, then resets: connectionLost(ECONNRESET) and no eofReceived, every time (50 rounds, reading paused or not)", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const ROUNDS = 50;
    const protos: Recorder[] = [];
    const results = await withServer(loop, recorders(loop, protos), function* (server) {
      const results: string[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const peer = net.connect(portOf(server), "127.0.0.1", () => peer.write(payload(3000, i), () => peer.resetAndDestroy()));
        peer.on("error", () => {});
        yield* until(loop, () => protos.length === i + 1, "accepted");
        const proto = protos[i];
        yield* proto.made;
        // Every other round reads nothing until the reset has surely arrived.
        if (i % 2 === 1) {
          proto.transport.pauseReading();
          yield* wait(new Promise((resolve) => peer.once("close", resolve)));
          yield* sleep(5);
          proto.transport.resumeReading();
        }
        yield* proto.lost;
        results.push(compact(proto.events).filter((e) => e !== "data").join(","));
      }
      return results;
    });
    assert.equal(results, Array(ROUNDS).fill("made,lost ECONNRESET"));
  });

  test("cancelling createConnection while connecting destroys the socket", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await withServer(loop, () => new Recorder(loop), function* (server) {
      let made = 0;
      const fut = loop.createConnection(() => {
        made++;
        return new Recorder(loop);
      }, "127.0.0.1", portOf(server));
      assert.ok(fut.cancel());
      try {
        yield* fut;
        assert.unreachable("not cancelled");
      } catch (e) {
        assert.instance(e, CancelledError);
      }
      assert.ok(fut.cancelled());
      assert.is(made, 0);
      // Whatever the server accepted meanwhile is closed: waitClosed does not hang.
    });
  });
});

// A connection method still at work when its loop closes can never hand its socket over:
// it closes the socket, which would otherwise keep Node's process alive for ever.
test("createServer / createConnection / createDatagramEndpoint in flight when the loop closes: the socket is closed, the process can exit", () => {
  const script = `
    import * as net from "node:net";
    import { EventLoop, Protocol, DatagramProtocol } from ${JSON.stringify(new URL("../../src/node/index.ts", import.meta.url).href)};
    const loop = new EventLoop({ clock: "real" });
    const kind = process.argv.at(-1);
    if (kind === "connection") {
      // A peer that accepts, and that alone would not keep the process alive.
      const peer = net.createServer((c) => c.unref()).listen(0, "127.0.0.1", () => {
        peer.unref();
        loop.createConnection(() => new Protocol(), "127.0.0.1", peer.address().port);
        loop.close();
      });
    } else {
      if (kind === "server") loop.createServer(() => new Protocol(), "127.0.0.1", 0);
      else loop.createDatagramEndpoint(() => new DatagramProtocol(), { localAddr: ["127.0.0.1", 0] });
      loop.close();
    }`;
  for (const kind of ["server", "connection", "datagram"]) {
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, kind], {
      env: plainEnv(), timeout: 15_000, encoding: "utf8",
    });
    assert.is(child.signal, null, `${kind}: the process did not exit (killed after 15 s) ${child.stderr}`);
    assert.is(child.status, 0, `${kind}: ${child.stderr}`);
  }
});
test.run();

// asyncio's ResourceWarning: a connection still open when its loop closes is reported, once
// per transport, not closed for the user.
bothCores("Transport left open", (test, core) => {
  test("repr: the class, the peer, the state and the protocol's class (never [object Object])", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      class Greeter extends Protocol {}
      const server = yield* loop.createServer(() => new Echo(), "127.0.0.1", 0);
      const [t] = yield* loop.createConnection(() => new Greeter(), "127.0.0.1", portOf(server));
      const [plain] = yield* loop.createConnection(() => ({ dataReceived() {} }), "127.0.0.1", portOf(server));
      const [, port] = t.getExtraInfo("peername") as [string, number];
      const reprs = [String(t), String(plain)];
      t.close();
      reprs.push(String(t));
      plain.close();
      server.close();
      server.closeClients();
      yield* server.waitClosed();
      assert.equal(reprs, [
        `<Transport peer=127.0.0.1:${port} open protocol=<Greeter>>`,
        `<Transport peer=127.0.0.1:${port} open protocol=<Object>>`,
        `<Transport peer=127.0.0.1:${port} closing protocol=<Greeter>>`,
      ]);
    }());
  });

  test("connections left open after run() returns: one 'unclosed transport' warning each; closed ones: none", async () => {
    const captured = captureWarnings();
    const open: Transport[] = [];
    try {
      const names: string[] = [];
      await run(function* () {
        const loop = getRunningLoop();
        const accepted: Recorder[] = [];
        const server = yield* loop.createServer(recorders(loop, accepted), "127.0.0.1", 0);
        const [left] = yield* loop.createConnection(() => new Recorder(loop), "127.0.0.1", portOf(server));
        const [closed] = yield* loop.createConnection(() => new Recorder(loop), "127.0.0.1", portOf(server));
        yield* until(loop, () => accepted.length === 2, "both accepted");
        yield* accepted[0].made;
        yield* accepted[1].made;
        closed.close();
        accepted[1].transport.abort();
        server.close();
        open.push(left, accepted[0].transport);
        names.push(`unclosed transport ${left}`, `unclosed transport ${accepted[0].transport}`);
      }, { core });
      await hostTick();
      assert.equal(captured.warnings.map((w) => w.message).sort(), names.sort());
      for (const w of captured.warnings) {
        assert.is(w.name, "ResourceWarning");
        assert.match(w.detail!, /^An open connection keeps the Node process alive: close it \(transport\.close\(\)\) before its loop closes\./);
      }
      assert.ok(open.every((t) => !t.isClosing()), "not closed for the user");
    } finally {
      for (const t of open) (t.getExtraInfo("socket") as import("node:net").Socket).destroy();
      captured.stop();
    }
  });

  test("debug mode: a connection's warning names the line that made it; an accepted one, its server's", async () => {
    const captured = captureWarnings();
    const open: Transport[] = [];
    let connectLine = 0, serverLine = 0;
    try {
      await run(function* () {
        const loop = getRunningLoop();
        const accepted: Recorder[] = [];
        serverLine = lineOf(new Error(), "node/transports.test.ts") + 1;
        const server = yield* loop.createServer(recorders(loop, accepted), "127.0.0.1", 0);
        connectLine = lineOf(new Error(), "node/transports.test.ts") + 1;
        const [t] = yield* loop.createConnection(() => new Recorder(loop), "127.0.0.1", portOf(server));
        yield* until(loop, () => accepted.length === 1, "accepted");
        yield* accepted[0].made;
        server.close();
        open.push(t, accepted[0].transport);
      }, { core, debug: true });
      await hostTick();
      const details = Object.fromEntries(captured.warnings.map((w) => [w.message, w.detail!]));
      const client = details[`unclosed transport ${open[0]}`], server = details[`unclosed transport ${open[1]}`];
      assert.is(captured.warnings.length, 2);
      assert.match(client.split("\nCreated at:\n")[1].split("\n")[0], new RegExp(`node/transports\\.test\\.ts:${connectLine}:`), client);
      assert.match(server.split("\nAccepted by a server created at:\n")[1].split("\n")[0], new RegExp(`node/transports\\.test\\.ts:${serverLine}:`), server);
    } finally {
      for (const t of open) (t.getExtraInfo("socket") as import("node:net").Socket).destroy();
      captured.stop();
    }
  });
});
