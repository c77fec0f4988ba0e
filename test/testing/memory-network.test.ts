// The memory network on the virtual clock, both cores: servers and connections with
// wasyncio/node's signatures, exact delivery times, faults, flow control.
import * as assert from "uvu/assert";
import fc from "fast-check";
import { sleep, type Coroutine, type EventLoop } from "../../src/index.js";
// Only types from wasyncio/node: the suite runs in a browser too, where the memory network is all there is.
import type { Transport } from "../../src/node/index.js";
import {
  checkTwoWayStream, createMemoryNetwork, memoryStreamPair, memoryTransportPair, MemoryServer, MemoryTransport, Protocol, StreamReader, StreamWriter,
} from "../../src/testing/index.js";
import { bothCores, runIn } from "../helpers.js";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

function* echo(reader: StreamReader, writer: StreamWriter): Coroutine<void> {
  for (;;) {
    const data: Uint8Array = yield* reader.read(65536);
    if (data.length === 0) break;
    writer.write(data);
    yield* writer.drain();
  }
  writer.close();
}

/** A protocol that records its events as strings, with the loop time. */
class Recorder extends Protocol {
  events: string[] = [];
  transport!: Transport;
  constructor(readonly loop: EventLoop, readonly keepOpen = false) {
    super();
  }
  override connectionMade(t: Transport) {
    this.transport = t;
    this.events.push(`made@${this.loop.time()}`);
  }
  override dataReceived(d: Uint8Array) {
    this.events.push(`data ${text(d)}@${this.loop.time()}`);
  }
  override eofReceived() {
    this.events.push(`eof@${this.loop.time()}`);
    return this.keepOpen;
  }
  override connectionLost(exc: Error | null) {
    this.events.push(`lost ${exc === null ? "null" : (exc as any).code}@${this.loop.time()}`);
  }
  override pauseWriting() {
    this.events.push(`pause@${this.loop.time()}`);
  }
  override resumeWriting() {
    this.events.push(`resume@${this.loop.time()}`);
  }
}

bothCores("memory network", (test) => {
  test("an echo server through startServer / openConnection, port 0, peername/sockname", ({ loop }) => {
    const result = runIn(loop, loop.createTask((function* () {
      const net = createMemoryNetwork();
      const server = yield* net.startServer(echo, "10.0.0.1", 0);
      assert.ok(server instanceof MemoryServer);
      assert.ok(server.isServing());
      const [host, port] = server.sockets[0].getsockname();
      assert.is(host, "10.0.0.1");
      assert.ok(port >= 32768 && port <= 60999);
      const [reader, writer] = yield* net.openConnection("10.0.0.1", port);
      assert.equal(writer.getExtraInfo("peername"), ["10.0.0.1", port]);
      writer.write("hello ");
      writer.writelines(["wor", new TextEncoder().encode("ld\n")]);
      const line = text(yield* reader.readline());
      writer.writeEof();
      const rest: Uint8Array = yield* reader.read();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
      assert.equal(server.sockets, []);
      return [line, rest.length, String(server)];
    })()));
    assert.equal(result, ["hello world\n", 0, "<MemoryServer sockets=[]>"]);
  });

  test("a protocol server through createServer / createConnection, with exact times at 10 ms latency", ({ loop }) => {
    const net = createMemoryNetwork({ latencyMs: 10 });
    const serverSide: Recorder[] = [];
    const client = new Recorder(loop);
    runIn(loop, loop.createTask((function* () {
      const server = yield* net.createServer(() => {
        const p = new Recorder(loop);
        serverSide.push(p);
        return p;
      }, "db", 5432);
      const [t, proto] = yield* net.createConnection(() => client, "db", 5432);
      assert.is(proto, client);
      assert.ok(t instanceof MemoryTransport);
      assert.is(loop.time(), 10, "connected one latency after the call");
      t.write("query");
      yield* sleep(15);
      serverSide[0].transport.write("rows");
      yield* sleep(15);
      t.close();
      yield* sleep(20);
      server.close();
      yield* server.waitClosed();
    })()));
    assert.equal(serverSide[0].events, ["made@10", "data query@20", "eof@50", "lost null@50"]);
    assert.equal(client.events, ["made@10", "data rows@35", "lost null@40"]);
  });

  test("connecting where nobody listens is ECONNREFUSED (one latency later); a closed server refuses; EADDRINUSE", ({ loop }) => {
    const net = createMemoryNetwork({ latencyMs: 3 });
    const codes = runIn(loop, loop.createTask((function* () {
      const codes: string[] = [];
      try {
        yield* net.openConnection("10.0.0.9", 80);
      } catch (e) {
        codes.push(`${(e as any).code}@${loop.time()}`);
      }
      const server = yield* net.createServer(() => new Protocol(), null, 80);
      try {
        yield* net.createServer(() => new Protocol(), "10.0.0.1", 80);
      } catch (e) {
        codes.push((e as any).code);
      }
      server.close();
      try {
        yield* net.createConnection(() => new Protocol(), "10.0.0.1", 80);
      } catch (e) {
        codes.push((e as any).code);
      }
      return codes;
    })()));
    assert.equal(codes, ["ECONNREFUSED@3", "EADDRINUSE", "ECONNREFUSED"]);
  });

  test("reset(conn): that end closes, its peer's read throws ECONNRESET after the latency", ({ loop }) => {
    const net = createMemoryNetwork({ latencyMs: 5 });
    const out = runIn(loop, loop.createTask((function* () {
      let serverWriter!: StreamWriter;
      const server = yield* net.startServer((_r, w) => { serverWriter = w; }, "s", 1);
      const [reader, writer] = yield* net.openConnection("s", 1);
      yield* sleep(0);
      net.reset(serverWriter);
      const t0 = loop.time();
      let code = "";
      try {
        yield* reader.read();
      } catch (e) {
        code = (e as any).code;
      }
      const when = loop.time() - t0;
      let closedWith = "";
      try {
        yield* writer.waitClosed();
      } catch (e) {
        closedWith = (e as any).code;
      }
      server.close();
      yield* server.waitClosed();
      return [code, when, closedWith];
    })()));
    assert.equal(out, ["ECONNRESET", 5, "ECONNRESET"]);
  });

  test("halfClose(conn): the peer reads what was written, then EOF; conn still receives", ({ loop }) => {
    const net = createMemoryNetwork();
    const out = runIn(loop, loop.createTask((function* () {
      const got: string[] = [];
      const server = yield* net.startServer(function* (r, w) {
        got.push(text(yield* r.read()));
        w.write("bye");
        w.close();
      }, "s", 1);
      const [reader, writer] = yield* net.openConnection("s", 1);
      writer.write("abc");
      net.halfClose(writer);
      writer.write("lost");
      got.push(text(yield* reader.read()));
      writer.close();
      server.close();
      yield* server.waitClosed();
      return got;
    })()));
    assert.equal(out, ["abc", "bye"]);
  });

  test("a bounded buffer: a writer to a peer that does not read is paused at its high-water mark; drain() waits until the reader reads", ({ loop }) => {
    const a = new Recorder(loop), b = new Recorder(loop);
    const [ta, tb] = memoryTransportPair(a, b, { bufferSize: 100, loop });
    ta.setWriteBufferLimits(40, 10);
    assert.equal(ta.getWriteBufferLimits(), [10, 40]);
    tb.pauseReading();
    loop._runOnce();
    ta.write(new Uint8Array(100)); // fills the pipe
    assert.is(ta.getWriteBufferSize(), 0);
    ta.write(new Uint8Array(41)); // over the high mark in the write buffer
    assert.is(ta.getWriteBufferSize(), 41);
    assert.equal(a.events, ["made@0", "pause@0"]);
    loop._advance(5);
    assert.is(b.events.length, 1, "nothing delivered while reading is paused");
    tb.resumeReading();
    loop._advance(5);
    assert.equal(a.events, ["made@0", "pause@0", "resume@5"]);
    assert.is(ta.getWriteBufferSize(), 0);
    ta.close();
    tb.close();
    loop._advance(1);
    // Streams: drain() waits while the peer's reader is full, and finishes once it reads.
    const done = runIn<number>(loop, loop.createTask((function* () {
      const [[, w1], [r2, w2]] = memoryStreamPair({ bufferSize: 1000, limit: 1000 });
      let written = 0;
      let d = w1.drain();
      while (d.done()) {
        w1.write(new Uint8Array(500));
        written += 500;
        d = w1.drain();
        yield* sleep(0);
      }
      // reader paused above 2 * limit, pipe full, write buffer over 64 KiB
      assert.ok(written > 2000 + 1000 + 65536, `${written}`);
      for (let i = 0; i < 5; i++) yield* sleep(0);
      assert.not.ok(d.done());
      let read = 0;
      while (read < written) read += (yield* r2.read(100_000)).length;
      yield* d;
      w1.close();
      w2.close();
      yield* w1.waitClosed();
      return read;
    })()));
    assert.ok(done > 0);
  });

  test("close/waitClosed on a server: closeClients closes its connections, waitClosed waits for them; serveForever cancelled by close()", ({ loop }) => {
    const net = createMemoryNetwork();
    const log = runIn(loop, loop.createTask((function* () {
      const log: string[] = [];
      const server = yield* net.startServer(function* (r) { yield* r.read(); }, "s", 1, { startServing: false });
      assert.not.ok(server.isServing());
      const forever = loop.createTask((function* () { yield* server.serveForever(); })());
      const [reader, writer] = yield* net.openConnection("s", 1);
      const wait = server.waitClosed();
      server.close();
      yield* sleep(0);
      log.push(`waitClosed done with a client open: ${wait.done()}`, `serveForever waits too: ${!forever.done()}`);
      server.closeClients();
      yield* wait;
      yield* sleep(0);
      log.push(`serveForever cancelled: ${forever.cancelled()}`);
      log.push(`client sees EOF: ${(yield* reader.read()).length === 0}`);
      writer.close();
      yield* writer.waitClosed();
      return log;
    })()));
    assert.equal(log, ["waitClosed done with a client open: false", "serveForever waits too: true", "serveForever cancelled: true", "client sees EOF: true"]);
  });

  test("every byte arrives, in order, for random write and read sizes, latencies and buffer sizes (fast-check)", ({ newLoop }) => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 8000 }),
      (writes, bufferSize, latencyMs, readSize) => {
        const loop = newLoop();
        const total = writes.reduce((a, b) => a + b, 0);
        const sent = new Uint8Array(total).map((_, i) => (i * 7 + (i >> 8)) & 255);
        const got = runIn(loop, loop.createTask((function* () {
          const [[, w], [r]] = memoryStreamPair({ bufferSize, latencyMs, limit: 1024 });
          const writer = loop.createTask((function* () {
            let at = 0;
            for (const n of writes) {
              w.write(sent.subarray(at, at + n));
              at += n;
              yield* w.drain();
            }
            w.close();
          })());
          const parts: Uint8Array[] = [];
          for (;;) {
            const p: Uint8Array = yield* r.read(readSize);
            if (p.length === 0) break;
            parts.push(p);
          }
          yield* writer;
          const out = new Uint8Array(total);
          let at = 0;
          for (const p of parts) { out.set(p, at); at += p.length; }
          return at === total ? out : null;
        })()));
        assert.ok(got !== null);
        assert.equal(got, sent);
        loop.close();
      },
    ), { numRuns: 40, seed: 13 });
  });

  test("checkTwoWayStream holds for memoryStreamPair (and with latency and a small buffer)", ({ loop }) => {
    runIn(loop, loop.createTask((function* () {
      yield* checkTwoWayStream(() => memoryStreamPair());
      yield* checkTwoWayStream(() => memoryStreamPair({ latencyMs: 2, bufferSize: 333, limit: 500 }));
      yield* sleep(2); // the last EOFs in flight land (at ends already closed)
    })()));
  });

  test("checkTwoWayStream names the property a broken pair fails", ({ loop }) => {
    // A "stream" whose writer drops every other write: ordered delivery fails.
    const err = runIn<(Error & { property: string }) | null>(loop, loop.createTask((function* () {
      try {
        yield* checkTwoWayStream(() => {
          const [[ra, wa], [rb, wb]] = memoryStreamPair();
          let n = 0;
          const lossy = new Proxy(wa, { get: (t, k) => k === "write" ? (d: Uint8Array) => { if (n++ % 2 === 0) t.write(d); } : (t as any)[k]?.bind?.(t) ?? (t as any)[k] });
          return [[ra, lossy], [rb, wb]];
        });
      } catch (e) {
        return e as Error & { property: string };
      }
      return null;
    })()));
    assert.ok(err !== null);
    assert.is(err!.name, "AssertionError");
    assert.is(err!.property, "ordered delivery both ways");
    assert.match(err!.message, /^checkTwoWayStream\(\): ordered delivery both ways: /);
  });

  test("bad arguments name the call", () => {
    const net = createMemoryNetwork();
    assert.throws(() => createMemoryNetwork({ latencyMs: -1 }), (e: Error) => e instanceof RangeError && /createMemoryNetwork\(\).*options\.latencyMs/.test(e.message));
    assert.throws(() => createMemoryNetwork({ bufferSize: 0 }), (e: Error) => e instanceof RangeError && /options\.bufferSize/.test(e.message));
    assert.throws(() => net.latency("5" as never), (e: Error) => e instanceof TypeError && /latency\(\)/.test(e.message));
    assert.throws(() => net.reset({} as never), (e: Error) => e instanceof TypeError && /reset\(\) expected conn/.test(e.message));
    assert.throws(() => memoryTransportPair({} as never, new Protocol()), (e: Error) => e instanceof TypeError && /memoryTransportPair\(\) expected protocolA/.test(e.message));
    assert.throws(() => checkTwoWayStream(null as never), (e: Error) => e instanceof TypeError && /checkTwoWayStream\(\)/.test(e.message));
  });
});
