// asyncio's ResourceWarning (resource-warning.ts): a server, transport, datagram endpoint
// or stream left open when its loop closes is reported once (not closed for the user),
// naming what the user holds and, in debug mode, the line that made it.
import * as assert from "uvu/assert";
import * as net from "node:net";
import { Protocol, getRunningLoop, run, sleep, type Transport, Server, DatagramTransport } from "../../src/node/index.js";
import { bothCores } from "../helpers.js";
import { Echo, Recorder, Udp, captureWarnings, lineOf, portOf, until, recorders, type Addr } from "./helpers.js";
import { hostTick } from "../host.js";
import { run as runMain } from "../../src/index.js";
import { StreamWriter, openConnection, startServer } from "../../src/node/streams.js";

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
        serverLine = lineOf(new Error(), "node/resource-warning.test.ts") + 1;
        const server = yield* loop.createServer(recorders(loop, accepted), "127.0.0.1", 0);
        connectLine = lineOf(new Error(), "node/resource-warning.test.ts") + 1;
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
      assert.match(client.split("\nCreated at:\n")[1].split("\n")[0], new RegExp(`node/resource-warning\\.test\\.ts:${connectLine}:`), client);
      assert.match(server.split("\nAccepted by a server created at:\n")[1].split("\n")[0], new RegExp(`node/resource-warning\\.test\\.ts:${serverLine}:`), server);
    } finally {
      for (const t of open) (t.getExtraInfo("socket") as import("node:net").Socket).destroy();
      captured.stop();
    }
  });
});

// asyncio's ResourceWarning: a server still open when its loop closes is reported (once),
// not closed; Node's process would otherwise stay alive with no word.
bothCores("Server left open", (test, core) => {
  test("a server left open after run() returns: one ResourceWarning naming it; a closed one: none", async () => {
    const captured = captureWarnings();
    let open: Server | undefined;
    try {
      let name = "";
      await run(function* () {
        const loop = getRunningLoop();
        open = yield* loop.createServer(() => new Echo(), "127.0.0.1", 0);
        const closed = yield* loop.createServer(() => new Echo(), "127.0.0.1", 0);
        closed.close();
        name = String(open);
      }, { core });
      await hostTick();
      assert.match(name, /^<Server sockets=\[127\.0\.0\.1:\d+\]>$/);
      assert.equal(captured.warnings.map((w) => `${w.name}: ${w.message}`), [`ResourceWarning: unclosed ${name}`]);
      const detail = captured.warnings[0].detail!;
      assert.match(detail, /^An open server keeps the Node process alive: close it \(server\.close\(\)\) before its loop closes\.\n/);
      assert.match(detail, /debug mode \(debug: true\) to see where it was created/);
      assert.ok(open!.isServing(), "not closed for the user");
    } finally {
      open?.close();
      captured.stop();
    }
  });

  test("debug mode: the warning names the line that created the server", async () => {
    const captured = captureWarnings();
    let server: Server | undefined;
    let line = 0;
    try {
      await run(function* () {
        const loop = getRunningLoop();
        line = lineOf(new Error(), "node/resource-warning.test.ts") + 1;
        server = yield* loop.createServer(() => new Echo(), "127.0.0.1", 0);
      }, { core, debug: true });
      await hostTick();
      assert.is(captured.warnings.length, 1);
      const detail = captured.warnings[0].detail!;
      assert.match(detail, /\nCreated at:\n/);
      const first = detail.split("Created at:\n")[1].split("\n")[0];
      assert.match(first, new RegExp(`node/resource-warning\\.test\\.ts:${line}:`), detail);
    } finally {
      server?.close();
      captured.stop();
    }
  });

  test("a server closed by serveForever's cancellation, or by close() without waitClosed(): no warning", async () => {
    const captured = captureWarnings();
    try {
      await run(function* () {
        const loop = getRunningLoop();
        const a = yield* loop.createServer(() => new Echo(), "127.0.0.1", 0);
        const forever = loop.createTask(function* () {
          yield* a.serveForever();
        }());
        yield* sleep(0);
        forever.cancel();
        const b = yield* loop.createServer(() => new Echo(), "127.0.0.1", 0, { startServing: false });
        b.close();
      }, { core });
      await hostTick();
      assert.equal(captured.warnings, []);
    } finally {
      captured.stop();
    }
  });
});

bothCores("DatagramTransport left open", (test, core) => {
  test("repr names the class, the local address and the protocol's class; an endpoint left open is warned about once", async () => {
    const captured = captureWarnings();
    let open: DatagramTransport | undefined;
    try {
      let name = "";
      let line = 0;
      await run(function* () {
        const loop = getRunningLoop();
        line = lineOf(new Error(), "node/resource-warning.test.ts") + 1;
        const [t] = yield* loop.createDatagramEndpoint(() => new Udp(loop), { localAddr: ["127.0.0.1", 0] });
        const [closed] = yield* loop.createDatagramEndpoint(() => new Udp(loop), { localAddr: ["127.0.0.1", 0] });
        closed.close();
        open = t;
        name = String(t);
        const [, port] = t.getExtraInfo("sockname") as Addr;
        assert.is(name, `<DatagramTransport 127.0.0.1:${port} protocol=<Udp>>`);
        assert.match(String(closed), /^<DatagramTransport 127\.0\.0\.1:\d+ closing protocol=<Udp>>$/);
      }, { core, debug: true });
      await hostTick();
      assert.equal(captured.warnings.map((w) => `${w.name}: ${w.message}`), [`ResourceWarning: unclosed transport ${name}`]);
      const detail = captured.warnings[0].detail!;
      assert.match(detail, /^An open datagram endpoint keeps the Node process alive: close it \(transport\.close\(\)\) before its loop closes\./);
      assert.match(detail.split("\nCreated at:\n")[1].split("\n")[0], new RegExp(`node/resource-warning\\.test\\.ts:${line}:`), detail);
      assert.not.ok(open!.isClosing(), "not closed for the user");
    } finally {
      (open?.getExtraInfo("socket") as import("node:dgram").Socket | undefined)?.close();
      captured.stop();
    }
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
