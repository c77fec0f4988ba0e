// Stream transports over real sockets on 127.0.0.1, real-clock loops, both scheduler
// cores: asyncio's _SelectorSocketTransport semantics (callbacks, reading, writing, flow
// control, closing).
import * as assert from "uvu/assert";
import { gather, sleep, type Coroutine } from "../../src/node/index.js";
import { bothCores } from "../helpers.js";
import { Echo, EchoClient, Recorder, compact, inChild, nodeClient, payload, portOf, until, wait, withPeer, withServer, recorders } from "./helpers.js";
import * as net from "node:net";


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

  test("half-close - eofReceived returning true keeps the transport open for writing", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await withPeer(loop, function* (proto, peer) {
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
    }, { keepOpen: true });
  });

  test("writeEof - the peer gets eofReceived, this side still reads; write after writeEof throws", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    let srv!: Recorder;
    await withServer(loop, () => (srv = new Recorder(loop, { keepOpen: true })), function* (server) {
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

  test("write - argument errors, empty writes, writes after close dropped", async (ctx) => {
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
      for (let i = 0; i < 4; i++) t.write("dropped"); // silently: asyncio warns from the 5th (next test)
      yield* proto.lost;
      yield* wait(peer.ended);
      assert.is(peer.received().toString(), "abçdd");
      peer.sock.end();
    });
  });

  test("write after close - dropped; asyncio's warning from the 5th on, once per write (a child's stderr)", ({ core }) => {
    const { stderr, result, errors } = inChild(core, `h.withPeer(loop, function* (proto, peer) {
      const t = yield* proto.made;
      t.write("before");
      yield* h.wait(peer.waitBytes(6));
      t.close();
      for (let i = 1; i <= 6; i++) {
        process.stderr.write("write " + i + "\\n");
        t.write("dropped");
      }
      yield* proto.lost;
      yield* h.wait(peer.ended);
      peer.sock.end();
      return peer.received().toString();
    })`);
    const warning = "socket.send() raised exception.";
    assert.is(stderr, ["write 1", "write 2", "write 3", "write 4", "write 5", warning, "write 6", warning, ""].join("\n"));
    assert.is(result, "before");
    assert.equal(errors, []);
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
          let peerClosed = peer.destroyed;
          peer.once("close", () => (peerClosed = true));
          yield* until(loop, () => peerClosed, `the peer closed in round ${i}`);
          yield* sleep(5);
          proto.transport.resumeReading();
        }
        // Bounded, so that a lost connectionLost fails here, saying what the transport saw,
        // instead of holding the whole run until its time limit.
        try {
          yield* until(loop, () => proto.lost.done(), `connectionLost in round ${i}`, 10_000);
        } catch (e) {
          throw new Error(`${(e as Error).message}; the protocol saw: ${compact(proto.events).join(",")}`);
        }
        results.push(compact(proto.events).filter((e) => e !== "data").join(","));
      }
      return results;
    });
    assert.equal(results, Array(ROUNDS).fill("made,lost ECONNRESET"));
  });
});
