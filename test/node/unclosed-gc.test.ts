// Debug mode's report of what became garbage unclosed (src/loop/unclosed.ts), as asyncio's
// __del__ ResourceWarnings: a StreamWriter dropped open, a transport dropped while it
// cannot be called (paused), a server dropped while listening and not serving. Each is
// reported once, with its creation site, and closed; what is in use is not. Real sockets on
// 127.0.0.1; the tests run with --expose-gc, and a FinalizationRegistry of the test's own
// says when an object was collected, so "not reported" is asserted after it is gone.
import * as assert from "uvu/assert";
import * as net from "node:net";
import { Protocol, getRunningLoop, run, sleep, type Transport, type Server, type EventLoop } from "../../src/node/index.js";
import { openConnection, startServer, type StreamWriter } from "../../src/node/streams.js";
import { bothCores } from "../helpers.js";
import { Recorder, captureWarnings, lineOf, nodeClient, portOf, recorders, until, type EmittedWarning } from "./helpers.js";
import type { Coroutine } from "../../src/index.js";
import { hostTick } from "../host.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run the tests with --expose-gc");

/** Collects (gc()) and gives the host turns until `cond()`, at most `rounds` times; whether it held. */
function* collectUntil(cond: () => boolean, rounds = 60): Coroutine<boolean> {
  for (let i = 0; i < rounds && !cond(); i++) {
    gc!();
    // A FinalizationRegistry callback runs in a later host task: give the host its turn.
    yield* sleep(5);
  }
  return cond();
}

/** Which of the objects given to `watch` were collected, by label. */
function collector(): { watch(obj: object, label: string): void; gone: Set<string> } {
  const gone = new Set<string>();
  const registry = new FinalizationRegistry<string>((label) => void gone.add(label));
  return { watch: (obj, label) => registry.register(obj, label), gone };
}

const FILE = "node/unclosed-gc.test.ts";

bothCores("Debug mode: a StreamWriter dropped unclosed", (test, core) => {
  test("is reported once, with the line that made it, and its transport closed: the peer sees EOF", async () => {
    const captured = captureWarnings();
    try {
      let line = 0, name = "", events: string[] = [];
      await run(function* () {
        const loop = getRunningLoop();
        const accepted: Recorder[] = [];
        const server = yield* loop.createServer(recorders(loop, accepted), "127.0.0.1", 0);
        const probe = collector();
        // The writer and reader live only in this frame: once it returns they are garbage.
        function* connect(): Coroutine<string> {
          line = lineOf(new Error(), FILE) + 1;
          const [, writer] = yield* openConnection("127.0.0.1", portOf(server));
          writer.write("hello");
          probe.watch(writer, "writer");
          return String(writer);
        }
        name = yield* connect();
        yield* until(loop, () => accepted.length === 1, "accepted");
        assert.ok(yield* collectUntil(() => captured.warnings.length > 0 && probe.gone.has("writer")), "the writer was collected and reported");
        yield* accepted[0].lost;
        events = accepted[0].events;
        server.close();
      }, { core, debug: true, slowCallbackMs: 60_000 }); // gc() makes slow steps: not the subject
      await hostTick(); // process.emitWarning emits on the next tick
      assert.equal(events, ["made", "data", "eof", "lost null"]);
      assert.is(captured.warnings.length, 1, "once: not again when the loop closed");
      const w = captured.warnings[0];
      assert.is(w.name, "ResourceWarning");
      assert.is(w.message, `unclosed ${name}`);
      assert.match(w.message, /^unclosed <StreamWriter transport=<Transport peer=127\.0\.0\.1:\d+ open protocol=<StreamReaderProtocol>> reader=<StreamReader/);
      assert.match(w.detail!, /^The writer was dropped with its connection open: close it \(writer\.close\(\)\) when done with it\. Its transport is closed now\.\nCreated at:\n/);
      assert.match(w.detail!.split("Created at:\n")[1].split("\n")[0], new RegExp(`${FILE.replace(".", "\\.")}:${line}:`), w.detail);
    } finally {
      captured.stop();
    }
  });

  test("a closed one is collected without a word", async () => {
    const captured = captureWarnings();
    try {
      let collected = false;
      await run(function* () {
        const loop = getRunningLoop();
        const server = yield* loop.createServer(recorders(loop, []), "127.0.0.1", 0);
        const probe = collector();
        function* connect(): Coroutine<void> {
          const [, writer] = yield* openConnection("127.0.0.1", portOf(server));
          probe.watch(writer, "writer");
          writer.close();
          yield* writer.waitClosed();
        }
        yield* connect();
        collected = yield* collectUntil(() => probe.gone.has("writer"));
        yield* sleep(5); // a report would be emitted by now
        server.close();
        server.closeClients();
        yield* server.waitClosed();
      }, { core, debug: true, slowCallbackMs: 60_000 }); // gc() makes slow steps: not the subject
      await hostTick(); // process.emitWarning emits on the next tick
      assert.ok(collected, "the writer was collected");
      assert.equal(captured.warnings.map((w) => w.message), []);
    } finally {
      captured.stop();
    }
  });

  test("reported when the loop closes while held: collected later, it is closed, not reported again", async () => {
    const captured = captureWarnings();
    const probe = collector();
    let peer: Recorder | undefined;
    let kept: StreamWriter | null = null;
    let loop!: EventLoop;
    try {
      await run(function* () {
        loop = getRunningLoop();
        const accepted: Recorder[] = [];
        const server = yield* loop.createServer(recorders(loop, accepted), "127.0.0.1", 0);
        [, kept] = yield* openConnection("127.0.0.1", portOf(server));
        probe.watch(kept, "writer");
        yield* until(loop, () => accepted.length === 1, "accepted");
        peer = accepted[0];
        server.close();
      }, { core, debug: true, slowCallbackMs: 60_000 }); // gc() makes slow steps: not the subject
      await hostTick(); // process.emitWarning emits on the next tick
      const writers = () => captured.warnings.filter((w) => w.message.startsWith("unclosed <StreamWriter "));
      assert.is(writers().length, 1, "the loop's close reported it");
      const sock = peer!.transport.getExtraInfo("socket") as net.Socket;
      // The loop is closed: the accepted transport no longer delivers; its socket sees the EOF.
      const peerEnded = new Promise<void>((resolve) => sock.once("end", () => resolve()));
      kept = null;
      for (let i = 0; i < 60 && !probe.gone.has("writer"); i++) {
        gc();
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.ok(probe.gone.has("writer"), "collected");
      await peerEnded; // its socket was destroyed: the accepted side sees EOF
      await hostTick();
      assert.is(writers().length, 1, "not reported twice");
    } finally {
      (peer?.transport.getExtraInfo("socket") as net.Socket | undefined)?.destroy();
      captured.stop();
    }
  });

  test("outside debug mode nothing is tracked: the transport keeps its writer, nothing is reported until the loop closes", async () => {
    const captured = captureWarnings();
    const probe = collector();
    let peer: Recorder | undefined;
    try {
      let collected = true;
      await run(function* () {
        const loop = getRunningLoop();
        const accepted: Recorder[] = [];
        const server = yield* loop.createServer(recorders(loop, accepted), "127.0.0.1", 0);
        function* connect(): Coroutine<void> {
          const [, writer] = yield* openConnection("127.0.0.1", portOf(server));
          probe.watch(writer, "writer");
        }
        yield* connect();
        yield* until(loop, () => accepted.length === 1, "accepted");
        peer = accepted[0];
        collected = yield* collectUntil(() => probe.gone.has("writer"), 10);
        assert.equal(captured.warnings, [], "no report while the loop runs");
        server.close();
      }, { core });
      await hostTick(); // process.emitWarning emits on the next tick
      assert.not.ok(collected, "held by its transport, as before");
      // The loop's close reports it (and the accepted side, left open too).
      assert.equal(captured.warnings.map((w) => w.message.split(" ")[1]).sort(), ["<StreamWriter", "transport"]);
    } finally {
      (peer?.transport.getExtraInfo("socket") as net.Socket | undefined)?.destroy();
      captured.stop();
    }
  });
});

/** A client protocol that counts what it receives in a shared array (not in itself). */
class Counting extends Protocol {
  transport!: Transport;
  constructor(readonly counts: number[]) {
    super();
  }
  override connectionMade(t: Transport): void {
    this.transport = t;
  }
  override dataReceived(data: Uint8Array): void {
    this.counts[0] += data.byteLength;
  }
  override connectionLost(): void {
    this.counts[1] = 1;
  }
}

bothCores("Debug mode: a transport dropped unclosed", (test, core) => {
  test("in use (reading, data flowing) it is held by its socket: not collected, not reported", async () => {
    const captured = captureWarnings();
    const probe = collector();
    try {
      const counts = [0, 0];
      let collected = true, before = 0;
      await run(function* () {
        const loop = getRunningLoop();
        const accepted: Recorder[] = [];
        const server = yield* loop.createServer(recorders(loop, accepted), "127.0.0.1", 0);
        function* connect(): Coroutine<void> {
          const [transport, protocol] = yield* loop.createConnection(() => new Counting(counts), "127.0.0.1", portOf(server));
          probe.watch(transport, "transport");
          probe.watch(protocol, "protocol");
        }
        yield* connect();
        yield* until(loop, () => accepted.length === 1, "accepted");
        const peer = accepted[0].transport;
        for (let i = 0; i < 10; i++) {
          peer.write("x".repeat(100));
          gc();
          yield* sleep(5);
        }
        before = counts[0];
        collected = yield* collectUntil(() => probe.gone.size > 0, 10);
        peer.write("y".repeat(50));
        yield* until(loop, () => counts[0] === before + 50, "more data");
        peer.close();
        yield* until(loop, () => counts[1] === 1, "connectionLost");
        server.close();
      }, { core, debug: true, slowCallbackMs: 60_000 }); // gc() makes slow steps: not the subject
      await hostTick(); // process.emitWarning emits on the next tick
      assert.is(before, 1000);
      assert.not.ok(collected, "neither the transport nor its protocol was collected");
      assert.equal(captured.warnings, []);
    } finally {
      captured.stop();
    }
  });

  test("paused and dropped, it is garbage: reported with its site, its socket destroyed", async () => {
    const captured = captureWarnings();
    const probe = collector();
    try {
      let line = 0, name = "", events: string[] = [];
      await run(function* () {
        const loop = getRunningLoop();
        const accepted: Recorder[] = [];
        const server = yield* loop.createServer(recorders(loop, accepted), "127.0.0.1", 0);
        function* connect(): Coroutine<void> {
          line = lineOf(new Error(), FILE) + 1;
          const [transport] = yield* loop.createConnection(() => new Counting([0, 0]), "127.0.0.1", portOf(server));
          probe.watch(transport, "transport");
          transport.pauseReading();
          name = String(transport);
        }
        yield* connect();
        yield* until(loop, () => accepted.length === 1, "accepted");
        assert.ok(yield* collectUntil(() => probe.gone.has("transport") && captured.warnings.length > 0), "collected and reported");
        yield* accepted[0].lost;
        events = accepted[0].events;
        server.close();
      }, { core, debug: true, slowCallbackMs: 60_000 }); // gc() makes slow steps: not the subject
      await hostTick(); // process.emitWarning emits on the next tick
      assert.equal(events, ["made", "eof", "lost null"]);
      assert.is(captured.warnings.length, 1);
      const w = captured.warnings[0];
      assert.is(w.message, `unclosed transport ${name}`);
      assert.match(w.detail!, /^The transport was dropped with its connection open: close it \(transport\.close\(\)\) when done with it\. Its socket is closed now\.\nCreated at:\n/);
      assert.match(w.detail!.split("Created at:\n")[1].split("\n")[0], new RegExp(`${FILE.replace(".", "\\.")}:${line}:`), w.detail);
    } finally {
      captured.stop();
    }
  });
});

bothCores("Debug mode: a transport past its peer's EOF", (test, core) => {
  test("kept open for writing (eofReceived true) and dropped: garbage, reported and closed", async () => {
    const captured = captureWarnings();
    const probe = collector();
    try {
      let name = "";
      let lost: Error | null | undefined;
      await run(function* () {
        const loop = getRunningLoop();
        const accepted: Recorder[] = [];
        const server = yield* loop.createServer(recorders(loop, accepted), "127.0.0.1", 0);
        const eof = loop.createFuture<void>();
        function* connect(): Coroutine<void> {
          const [transport, protocol] = yield* loop.createConnection(() => new Recorder(loop, { keepOpen: true }), "127.0.0.1", portOf(server));
          probe.watch(transport, "transport");
          protocol.eof.addDoneCallback(() => eof.setResult(undefined));
          name = String(transport);
        }
        yield* connect();
        yield* until(loop, () => accepted.length === 1, "accepted");
        // While reading it is in use: not collected.
        assert.not.ok(yield* collectUntil(() => probe.gone.size > 0, 5), "reading: held by its socket");
        accepted[0].transport.writeEof();
        yield* eof;
        assert.ok(yield* collectUntil(() => probe.gone.has("transport") && captured.warnings.length > 0), "collected and reported");
        lost = yield* accepted[0].lost;
        server.close();
      }, { core, debug: true, slowCallbackMs: 60_000 }); // gc() makes slow steps: not the subject
      await hostTick(); // process.emitWarning emits on the next tick
      assert.ok(lost === null || (lost as NodeJS.ErrnoException).code === "ECONNRESET", String(lost));
      assert.equal(captured.warnings.map((w) => w.message), [`unclosed transport ${name}`]);
    } finally {
      captured.stop();
    }
  });
});

bothCores("Debug mode: a server dropped unclosed", (test, core) => {
  test("listening, not serving, dropped: reported with its site and closed (its port refuses)", async () => {
    const captured = captureWarnings();
    const probe = collector();
    try {
      let line = 0, name = "", port = 0;
      await run(function* () {
        function* listen(): Coroutine<void> {
          line = lineOf(new Error(), FILE) + 1;
          const server = yield* startServer(function* () {}, "127.0.0.1", 0, { startServing: false });
          probe.watch(server, "server");
          port = portOf(server);
          name = String(server);
        }
        yield* listen();
        assert.ok(yield* collectUntil(() => probe.gone.has("server") && captured.warnings.length > 0), "collected and reported");
      }, { core, debug: true, slowCallbackMs: 60_000 }); // gc() makes slow steps: not the subject
      await hostTick(); // process.emitWarning emits on the next tick
      assert.is(captured.warnings.length, 1, "once");
      const w: EmittedWarning = captured.warnings[0];
      assert.is(w.message, `unclosed ${name}`);
      assert.match(name, /^<Server sockets=\[127\.0\.0\.1:\d+\]>$/);
      assert.match(w.detail!, /^The server was dropped while listening: close it \(server\.close\(\)\) when done with it\. It is closed now\.\nCreated at:\n/);
      assert.match(w.detail!.split("Created at:\n")[1].split("\n")[0], new RegExp(`${FILE.replace(".", "\\.")}:${line}:`), w.detail);
      const client = nodeClient(port);
      await client.closed;
      assert.is((client.error as NodeJS.ErrnoException | null)?.code, "ECONNREFUSED");
    } finally {
      captured.stop();
    }
  });

  test("serving, dropped: in use (it accepts connections), so never garbage; the loop's close reports it", async () => {
    const captured = captureWarnings();
    const probe = collector();
    let ref: WeakRef<Server> | undefined;
    try {
      let collected = true, served = 0;
      await run(function* () {
        const loop = getRunningLoop();
        function* listen(): Coroutine<number> {
          const server = yield* startServer(function* (_reader, writer) {
            served++;
            writer.close();
          }, "127.0.0.1", 0);
          probe.watch(server, "server");
          ref = new WeakRef(server);
          return portOf(server);
        }
        const port = yield* listen();
        collected = yield* collectUntil(() => probe.gone.size > 0, 10);
        const [reader, writer] = yield* openConnection("127.0.0.1", port);
        assert.is((yield* reader.read()).byteLength, 0, "served: the handler closed it");
        writer.close();
        yield* until(loop, () => served === 1, "served");
      }, { core, debug: true, slowCallbackMs: 60_000 }); // gc() makes slow steps: not the subject
      await hostTick(); // process.emitWarning emits on the next tick
      assert.not.ok(collected, "held by its listening socket while serving");
      assert.equal(captured.warnings.map((w) => w.message), [`unclosed ${ref!.deref()}`]);
    } finally {
      ref?.deref()?.close();
      captured.stop();
    }
  });
});
