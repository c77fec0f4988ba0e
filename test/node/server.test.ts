// Servers over real sockets, real-clock loops, both cores: asyncio 3.12.1+ Server semantics
// (waitClosed waits for the connections), 3.13's closeClients/abortClients, serveForever.
import * as assert from "uvu/assert";
import * as net from "node:net";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { AF_INET, AF_INET6, AF_UNIX, CancelledError, Protocol, Server, sleep, socket, type Transport } from "../../src/node/index.js";
import { bothCores } from "../helpers.js";
import { freePort, hostTick } from "../host.js";
import {
  Echo, Recorder, SYNC_BIND, compact, listeningOn, manyClients, nodeClient, openFds, payload, portOf, tempDir, until, wait, withServer, recorders,
} from "./helpers.js";

bothCores("Server", (test) => {
  test("close - stops listening, keeps the connections; waitClosed waits until they are gone", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const log = await loop.runUntilComplete(function* () {
      const log: string[] = [];
      const protos: Recorder[] = [];
      const server = yield* loop.createServer(recorders(loop, protos), "127.0.0.1", 0);
      assert.instance(server, Server);
      assert.ok(server.isServing());
      assert.is(server.getLoop(), loop);
      const port = portOf(server);
      const a = nodeClient(port), b = nodeClient(port);
      yield* wait(Promise.all([a.connected, b.connected]));
      yield* until(loop, () => protos.length === 2, "both accepted");
      const pending = server.waitClosed();
      server.close();
      server.close(); // idempotent
      log.push("closed");
      assert.equal(server.sockets, []);
      assert.not.ok(server.isServing());
      // No new connections...
      const refused = nodeClient(port);
      yield* wait(refused.closed);
      assert.is((refused.error as NodeJS.ErrnoException).code, "ECONNREFUSED");
      // ... but the existing ones still work.
      protos[0].transport.write("still here");
      yield* wait(a.waitBytes(10));
      assert.is(a.received().toString(), "still here");
      pending.addDoneCallback(() => log.push("waitClosed done"));
      protos[0].lost.addDoneCallback(() => log.push("a lost"));
      protos[1].lost.addDoneCallback(() => log.push("b lost"));
      a.sock.end();
      yield* protos[0].lost;
      yield* sleep(0);
      assert.not.ok(pending.done());
      b.sock.end();
      yield* pending;
      assert.ok(server.waitClosed().done(), "already closed: done at once");
      return log;
    }());
    assert.equal(log, ["closed", "a lost", "b lost", "waitClosed done"]);
  });

  test("waitClosed - an open server with no connections is not closed (3.12.1)", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      const server = yield* loop.createServer(() => new Echo(), "127.0.0.1", 0);
      const waiter = server.waitClosed();
      for (let i = 0; i < 3; i++) yield* sleep(0);
      assert.not.ok(waiter.done());
      server.close();
      yield* waiter;
    }());
  });

  test("closeClients / abortClients - close or abort every connection of a closed server", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      for (const how of ["closeClients", "abortClients"] as const) {
        const protos: Recorder[] = [];
        const server = yield* loop.createServer(recorders(loop, protos), "127.0.0.1", 0);
        const peers = [nodeClient(portOf(server)), nodeClient(portOf(server), { read: false })];
        yield* wait(Promise.all(peers.map((p) => p.connected)));
        yield* until(loop, () => protos.length === 2, "both accepted");
        yield* protos[1].made;
        const big = payload(4 << 20, 1);
        protos[1].transport.write(big);
        server.close();
        server[how]();
        // closeClients flushes first: the peer must read for the close to finish.
        peers[1].sock.resume();
        yield* server.waitClosed();
        assert.equal(protos.map((p) => compact(p.events.filter((e) => !e.endsWith("Writing")))), [["made", "lost null"], ["made", "lost null"]]);
        yield* wait(Promise.all(peers.map((p) => p.closed)));
        // closeClients flushes what was written; abortClients drops it.
        if (how === "closeClients") assert.is(peers[1].bytes(), big.length);
        else assert.ok(peers[1].bytes() < big.length);
      }
    }());
  });

  test("serveForever - cancelling it closes the server, waits until closed, then raises CancelledError", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const log = await loop.runUntilComplete(function* () {
      const log: string[] = [];
      let proto!: Recorder;
      const server = yield* loop.createServer(() => (proto = new Recorder(loop)), "127.0.0.1", 0, { startServing: false });
      assert.not.ok(server.isServing());
      const task = loop.createTask(function* () {
        try {
          yield* server.serveForever();
        } catch (e) {
          log.push(`serveForever: ${(e as Error).name}`);
          throw e;
        }
      }());
      yield* sleep(0);
      assert.ok(server.isServing());
      // A second serveForever is an error.
      try {
        yield* server.serveForever();
      } catch (e) {
        log.push(`second: ${(e as Error).message.replace(/<Server.*?\]>/, "<Server>")}`);
      }
      const peer = nodeClient(portOf(server));
      yield* wait(peer.connected);
      yield* until(loop, () => proto !== undefined, "accepted");
      task.cancel();
      yield* sleep(0);
      yield* sleep(0);
      assert.equal(server.sockets, []);
      assert.not.ok(task.done(), "serveForever waits for the connection");
      log.push("peer ends");
      peer.sock.end();
      try {
        yield* task;
      } catch (e) {
        assert.instance(e, CancelledError);
      }
      assert.ok(task.cancelled());
      // On a closed server it is an error.
      try {
        yield* server.serveForever();
      } catch (e) {
        log.push(`closed: ${(e as Error).message.replace(/<Server.*?\]>/, "<Server>")}`);
      }
      return log;
    }());
    assert.equal(log, [
      "second: serveForever(): <Server> is already being awaited on serveForever()",
      "peer ends",
      "serveForever: CancelledError",
      "closed: serveForever(): <Server> is closed",
    ]);
  });

  test("serveForever - server.close() ends it with CancelledError", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      const server = yield* loop.createServer(() => new Echo(), "127.0.0.1", 0);
      const forever = server.serveForever();
      loop.callSoon(() => server.close());
      try {
        yield* forever;
        assert.unreachable("serveForever returned");
      } catch (e) {
        assert.instance(e, CancelledError);
      }
      yield* server.waitClosed();
    }());
  });

  test("startServing: false - listening, but connections wait for startServing (held, in order)", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      const protos: Recorder[] = [];
      const server = yield* loop.createServer(recorders(loop, protos), "127.0.0.1", 0, { startServing: false });
      const peers = [nodeClient(portOf(server)), nodeClient(portOf(server))];
      yield* wait(Promise.all(peers.map((p) => p.connected)));
      peers[0].sock.write("first");
      peers[1].sock.write("second");
      for (let i = 0; i < 5; i++) yield* sleep(0);
      assert.is(protos.length, 0);
      yield* server.startServing();
      assert.ok(server.isServing());
      yield* until(loop, () => protos.length === 2 && protos.every((p) => p.bytes > 0), "both served");
      assert.equal(protos.map((p) => p.received().toString()).sort(), ["first", "second"]);
      for (const p of peers) p.sock.end();
      server.close();
      yield* server.waitClosed();
      // startServing on a closed server is an error.
      try {
        yield* server.startServing();
        assert.unreachable();
      } catch (e) {
        assert.match((e as Error).message, /is closed/);
      }
    }());
  });

  if (existsSync("/proc/self/fd")) {
    test("startServing: false - at most backlog (default 100) connections wait (the process's fds stay bounded); the rest are reset; those wait to be served", async (ctx) => {
      const loop = ctx.newLoop({ clock: "real" });
      const N = 120; // past the default backlog; small, since on Node 24+ each refused connection takes the client ~45 ms
      for (const backlog of [undefined, 7]) {
        const [outcomes, held] = await withServer(loop, () => new (class extends Protocol {
          override connectionMade(t: Transport): void {
            t.write("ok");
            t.close();
          }
        })(), function* (server) {
          const before = openFds();
          const clients = manyClients(portOf(server), N);
          yield* wait(clients.ready);
          const held = openFds() - before;
          yield* server.startServing();
          const outcomes = yield* wait(clients.done);
          return [outcomes, held] as const;
        }, { startServing: false, backlog });
        const limit = backlog ?? 100;
        assert.ok(held <= limit + 4, `the process holds ${held} more file descriptors while the server does not serve`);
        assert.equal(outcomes, { served: limit, ECONNRESET: N - limit });
      }
    });
  }

  test("EADDRINUSE - the future rejects with Node's error; nothing is left listening", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      const first = yield* loop.createServer(() => new Echo(), "127.0.0.1", 0);
      let err: NodeJS.ErrnoException | null = null;
      try {
        yield* loop.createServer(() => new Echo(), "127.0.0.1", portOf(first));
      } catch (e) {
        err = e as NodeJS.ErrnoException;
      }
      assert.ok(err);
      assert.is(err!.code, "EADDRINUSE");
      // Several hosts: one failure closes the ones already listening.
      let err2: NodeJS.ErrnoException | null = null;
      try {
        yield* loop.createServer(() => new Echo(), ["127.0.0.2", "127.0.0.1"], portOf(first));
      } catch (e) {
        err2 = e as NodeJS.ErrnoException;
      }
      assert.is(err2!.code, "EADDRINUSE");
      const again = yield* loop.createServer(() => new Echo(), "127.0.0.2", portOf(first));
      again.close();
      first.close();
      yield* first.waitClosed();
      yield* again.waitClosed();
    }());
  });

  test("hosts - every address of every host is listened on; no host means all interfaces", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      const multi = yield* loop.createServer(() => new Echo(), ["127.0.0.1", "127.0.0.2", "127.0.0.1"], 0);
      assert.equal(multi.sockets.map((s) => (s.getsockname() as [string, number])[0]), ["127.0.0.1", "127.0.0.2"]);
      assert.ok(multi.sockets.every((s) => s.family === AF_INET));
      const named = yield* loop.createServer(() => new Echo(), "localhost", 0);
      assert.ok(named.sockets.length >= 1);
      const any = yield* loop.createServer(() => new Echo(), null, 0);
      assert.is(any.sockets.length, 1);
      assert.ok(["::", "0.0.0.0"].includes((any.sockets[0].getsockname() as [string, number])[0]));
      const v6 = yield* loop.createServer(() => new Echo(), "::1", 0);
      assert.is(v6.sockets[0].family, AF_INET6);
      // Reachable through 127.0.0.1 (all interfaces) and ::1.
      const data = payload(1000);
      for (const [host, port] of [["127.0.0.1", portOf(any)], ["127.0.0.2", (multi.sockets[1].getsockname() as [string, number])[1]], ["::1", portOf(v6)]] as const) {
        const [t, p] = yield* loop.createConnection(() => new Recorder(loop), host, port);
        t.write(data);
        yield* p.waitBytes(data.length);
        assert.ok(p.received().equals(data));
        t.close();
        yield* p.lost;
      }
      for (const s of [multi, named, any, v6]) {
        s.close();
        yield* s.waitClosed();
      }
    }());
  });

  test("sock - a connection arriving while createServer takes the socket over is served, not lost", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    // On Node 20/22, createServer right after bind() waits for Node to finish the bind: a
    // client that keeps trying connects in that window, and must be served all the same.
    for (let round = 0; round < 5; round++) {
      const port = await freePort();
      let stop = false;
      const echoed = new Promise<string>((resolve, reject) => {
        const attempt = (): void => {
          if (stop) return reject(new Error("gave up"));
          const c = net.connect(port, "127.0.0.1");
          c.once("error", () => setTimeout(attempt, 1));
          c.once("connect", () => c.end("x"));
          c.setEncoding("utf8");
          c.on("data", (d: string) => resolve(d));
        };
        attempt();
      });
      const got = await loop.runUntilComplete(function* () {
        const sock = socket();
        sock.bind(["127.0.0.1", port]);
        sock.listen(10);
        const server = yield* loop.createServer(() => new Echo(), null, null, { sock });
        try {
          return yield* wait(Promise.race([echoed, new Promise<string>((r) => setTimeout(() => r("no echo in 3 s"), 3000))]));
        } finally {
          stop = true;
          server.close();
          yield* server.waitClosed();
        }
      }());
      assert.is(got, "x", `round ${round}`);
    }
  });

  test("sock - serves a listening wasyncio socket, connections it already had first", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      const sock = socket();
      sock.bind(["127.0.0.1", 0]);
      sock.listen(10);
      if (!SYNC_BIND) yield* wait(hostTick());
      const port = (sock.getsockname() as [string, number])[1];
      const early = nodeClient(port);
      yield* wait(early.connected);
      early.sock.write("early");
      // Wait until the facade holds the connection (it is readable: accept() would not block).
      const ready = loop.createFuture<void>();
      loop.addReader(sock, () => {
        loop.removeReader(sock);
        ready.setResult(undefined);
      });
      yield* ready;
      const protos: Recorder[] = [];
      const server = yield* loop.createServer(recorders(loop, protos), null, null, { sock });
      // As in Python, the socket handed over stays the server's socket and keeps answering.
      assert.ok(sock.fileno() >= 0, "fileno() of the handed-over socket");
      assert.equal(sock.getsockname(), ["127.0.0.1", port]);
      assert.equal(server.sockets.map((s) => s.fileno()), [sock.fileno()], "server.sockets lists the same socket");
      assert.throws(() => sock.accept(), /belongs to a Server/, "accepting is the server's now");
      assert.throws(() => loop.addReader(sock, () => {}), /belongs to a Server or transport/);
      const late = nodeClient(port);
      yield* wait(late.connected);
      late.sock.write("late");
      yield* until(loop, () => protos.length === 2 && protos.every((p) => p.bytes > 0), "both served");
      assert.equal(protos.map((p) => p.received().toString()), ["early", "late"]);
      early.sock.end();
      late.sock.end();
      server.close();
      assert.is(sock.fileno(), -1, "server.close() closes the socket it was given");
      yield* server.waitClosed();
    }());
  });

  test("createServer on a loopback host listens on that address only (the kernel's table)", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      for (const host of ["127.0.0.1", "::1"]) {
        const server = yield* loop.createServer(() => new Echo(), host, 0);
        const port = portOf(server);
        assert.equal(server.sockets[0].getsockname(), [host, port]);
        assert.equal(listeningOn(port), [host], `listening sockets on port ${port} for host ${host}`);
        server.close();
        yield* server.waitClosed();
      }
    }());
  });

  test("createConnection(sock) - takes a connected wasyncio socket: bytes it buffered first, then EOF", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      const peerSock = loop.createFuture<net.Socket>();
      const nodeServer = net.createServer((c) => {
        c.on("error", () => {});
        peerSock.setResult(c);
        c.end("hello from node");
      });
      yield* wait(new Promise<void>((resolve) => nodeServer.listen(0, "127.0.0.1", resolve)));
      const sock = socket();
      yield* loop.sockConnect(sock, ["127.0.0.1", (nodeServer.address() as net.AddressInfo).port]);
      yield* peerSock;
      const ready = loop.createFuture<void>();
      loop.addReader(sock, () => {
        loop.removeReader(sock);
        ready.setResult(undefined);
      });
      yield* ready;
      const name = sock.getsockname(), peer = sock.getpeername();
      const [t, proto] = yield* loop.createConnection(() => {
        const p = new Recorder(loop);
        p.keepOpen = true;
        return p;
      }, null, null, { sock });
      // The socket stays the transport's and keeps answering, as in Python.
      assert.equal([sock.getsockname(), sock.getpeername()], [name, peer]);
      assert.ok(sock.fileno() >= 0);
      assert.throws(() => sock.recv(1), /belongs to a transport/);
      yield* proto.eof;
      assert.is(proto.received().toString(), "hello from node");
      assert.equal(compact(proto.events), ["made", "data", "eof"]);
      t.write("bye");
      t.close();
      yield* proto.lost;
      assert.is(sock.fileno(), -1, "closed with its transport");
      nodeServer.close();
    }());
  });

  test("Unix server - a stale socket file is replaced; the file goes when the server closes", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      const dir = tempDir();
      const path = join(dir, "s.sock");
      // A socket file left behind by a server that died.
      execFileSync(process.execPath, ["-e", `require("net").createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`]);
      assert.ok(existsSync(path));
      const server = yield* loop.createServer(() => new Echo(), null, null, { path });
      assert.is(server.sockets[0].family, AF_UNIX);
      assert.is(server.sockets[0].getsockname(), path);
      let proto!: Recorder;
      const served = yield* loop.createUnixServer(() => (proto = new Recorder(loop)), join(dir, "r.sock"));
      const peer = nodeClient(join(dir, "r.sock"));
      yield* wait(peer.connected);
      yield* proto.made;
      assert.is(proto.transport.getExtraInfo("sockname"), join(dir, "r.sock"));
      assert.is(proto.transport.getExtraInfo("peername"), "");
      peer.sock.end();
      yield* proto.lost;
      for (const s of [server, served]) {
        s.close();
        yield* s.waitClosed();
      }
      assert.not.ok(existsSync(path));
      // A regular file is not a socket: it is left alone and listen fails.
      const file = join(dir, "file");
      writeFileSync(file, "x");
      let err: NodeJS.ErrnoException | null = null;
      try {
        yield* loop.createUnixServer(() => new Echo(), file);
      } catch (e) {
        err = e as NodeJS.ErrnoException;
      }
      assert.is(err!.code, "EADDRINUSE");
      assert.ok(existsSync(file));
    }());
  });

  test("protocol factory throwing - reported; the connection is dropped; the server goes on", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    let n = 0;
    await withServer(loop, () => {
      if (n++ === 0) throw new Error("factory failed");
      return new Echo();
    }, function* (server) {
      const a = nodeClient(portOf(server));
      yield* wait(a.closed);
      assert.is(ctx.errors.length, 1);
      assert.is(ctx.errors[0].message, "Error on transport creation for incoming connection");
      assert.is((ctx.errors[0].exception as Error).message, "factory failed");
      ctx.errors.length = 0;
      const [t, p] = yield* loop.createConnection(() => new Recorder(loop), "127.0.0.1", portOf(server));
      t.write("ok");
      yield* p.waitBytes(2);
      t.close();
      yield* p.lost;
    });
  });

  test("protocol factory returning no protocol ({}, a Promise, null) - a TypeError naming the call and the factory to the exception handler; that connection is closed; the server goes on", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const path = join(tempDir(), "bad.sock");
    await loop.runUntilComplete(function* () {
      const results: unknown[] = [{}, null, undefined, 42];
      let n = 0;
      async function makeEcho(): Promise<Echo> {
        return new Echo();
      }
      const factory = function badFactory(): unknown {
        return n < results.length ? results[n++] : n++ === results.length ? makeEcho() : new Echo();
      };
      for (const where of ["tcp", "unix"] as const) {
        n = 0;
        const server = where === "tcp"
          ? yield* loop.createServer(factory as never, "127.0.0.1", 0)
          : yield* loop.createUnixServer(factory as never, path);
        const target = where === "tcp" ? portOf(server) : path;
        for (let i = 0; i <= results.length; i++) {
          const peer = nodeClient(target);
          peer.sock.write("x");
          yield* wait(peer.closed);
          assert.is(peer.bytes(), 0, "nothing echoed by a connection without a protocol");
        }
        const call = where === "tcp" ? "createServer()" : "createUnixServer()";
        const reports = ctx.errors.splice(0);
        assert.equal(reports.map((c) => c.message), Array(results.length + 1).fill("Error on transport creation for incoming connection"));
        for (const c of reports) assert.instance(c.exception, TypeError);
        assert.equal(reports.map((c) => (c.exception as Error).message), [
          `${call}: protocolFactory badFactory returned {}, not a Protocol (it has no dataReceived(), nor getBuffer() and bufferUpdated())`,
          `${call}: protocolFactory badFactory returned null, not a Protocol`,
          `${call}: protocolFactory badFactory returned undefined, not a Protocol`,
          `${call}: protocolFactory badFactory returned 42, not a Protocol`,
          `${call}: protocolFactory badFactory returned a Promise, not a Protocol (an async function cannot be a protocol factory)`,
        ]);
        // The server still serves: the next connection gets a real protocol.
        const [t, p] = where === "tcp"
          ? yield* loop.createConnection(() => new Recorder(loop), "127.0.0.1", target as number)
          : yield* loop.createUnixConnection(() => new Recorder(loop), path);
        t.write("ok");
        yield* p.waitBytes(2);
        // setProtocol checks likewise.
        assert.throws(() => t.setProtocol({} as never), (e: Error) => e instanceof TypeError && e.message === "setProtocol() expected a protocol, got {} (it has no dataReceived(), nor getBuffer() and bufferUpdated())");
        t.close();
        yield* p.lost;
        server.close();
        yield* server.waitClosed();
      }
    }());
  });

  test("Symbol.asyncDispose - closes the server and waits until it is closed", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      const server = yield* loop.createServer(() => new Protocol(), "127.0.0.1", 0);
      yield* wait(server[Symbol.asyncDispose]());
      assert.equal(server.sockets, []);
      assert.ok(server.waitClosed().done());
    }());
  });
});
