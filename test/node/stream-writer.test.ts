// StreamWriter and StreamReaderProtocol over a fake transport, in virtual time: writes,
// drain and its flow control, close and waitClosed, and a server's clientConnected.
import * as assert from "uvu/assert";
import { gather, sleep, type Coroutine, type EventLoop } from "../../src/index.js";
import { StreamReader, StreamReaderProtocol, StreamWriter, openConnection, startServer } from "../../src/node/streams.js";
import type { Transport } from "../../src/node/transports.js";
import { bothCores, caught, runIn } from "../helpers.js";
import { caughtIn, dec, enc } from "./helpers.js";

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
    runIn(loop, function* () {
      yield* writer.waitClosed();
    }());
  });

  test("drain waits while writing is paused; resumeWriting wakes every waiting drain", ({ loop }) => {
    const { writer, protocol } = fakeConnection(loop);
    const log: string[] = [];
    runIn(loop, function* () {
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
    }());
    assert.equal(log, ["resume", "a drained at 5", "b drained at 5"]);
  });

  test("drain: the connection's error while paused; ECONNRESET 'Connection lost' after; the reader's error first", ({ loop }) => {
    const { writer, protocol } = fakeConnection(loop);
    const boom = Object.assign(new Error("peer reset"), { code: "ECONNRESET" });
    const out = runIn(loop, function* () {
      protocol.pauseWriting();
      const d = writer.drain();
      loop.callLater(1, () => protocol.connectionLost(boom));
      const e1 = yield* caughtIn(d);
      const e2 = (yield* caughtIn(writer.drain())) as Error & { code: string };
      return [e1 === boom, e2 === boom, (yield* caughtIn(writer.waitClosed())) === boom];
    }());
    assert.equal(out, [true, true, true]);

    // With no reader, drain after the loss throws ECONNRESET.
    const c = fakeConnection(loop);
    const w2 = new StreamWriter(c.transport, c.protocol, null, loop);
    c.protocol.connectionLost(null);
    const e = runIn(loop, function* () {
      return yield* caughtIn(w2.drain());
    }()) as Error & { code: string };
    assert.is(e.message, "Connection lost");
    assert.is(e.code, "ECONNRESET");
  });

  test("drain after close() gives connectionLost its turn, then throws 'Connection lost'", ({ loop }) => {
    const { writer } = fakeConnection(loop);
    const log: string[] = [];
    const e = runIn(loop, function* () {
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
    }()) as Error & { code: string };
    assert.equal(log, []);
    assert.is(e.code, "ECONNRESET");
  });

  test("connectionLost: EOF to the reader on a clean close, the error on a failure; waitClosed follows", ({ loop }) => {
    const a = fakeConnection(loop);
    const b = fakeConnection(loop);
    const boom = new Error("boom");
    const out = runIn(loop, function* () {
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
    }());
    assert.equal(out, [0, true, true, true, true, true]);
  });

  test("waitClosed: cancelling one wait leaves the others", ({ loop }) => {
    const { writer, transport } = fakeConnection(loop);
    const out = runIn(loop, function* () {
      const w1 = writer.waitClosed();
      w1.cancel();
      writer.close();
      yield* writer.waitClosed();
      return [w1.cancelled(), transport.closing];
    }());
    assert.equal(out, [true, true]);
  });

  test("eofReceived feeds EOF and keeps the transport open for writing (half-close)", ({ loop }) => {
    const { reader, protocol, writer } = fakeConnection(loop);
    protocol.dataReceived(enc("last"));
    assert.is(protocol.eofReceived(), true);
    const data = runIn(loop, function* () {
      const d = dec(yield* reader.read());
      writer.close();
      yield* writer.waitClosed();
      return d;
    }());
    assert.is(data, "last");
  });

  test("the reader pauses the transport's reading above 2*limit (the protocol set it as the reader's transport)", ({ loop }) => {
    const { reader, protocol, transport, writer } = fakeConnection(loop, 4);
    protocol.dataReceived(enc("123456789"));
    assert.not.ok(transport.reading);
    runIn(loop, function* () {
      yield* reader.read(5);
      writer.close();
      yield* writer.waitClosed();
    }());
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
    runIn(loop, sleep(0));
  });
});

