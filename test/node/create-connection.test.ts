// The loop's connection methods over real sockets (createConnection, createServer and
// their Unix variants, createDatagramEndpoint where they share a rule): arguments checked
// at the call, what a connection is made of, refusals, cancellation, and the loop closing
// while one is at work.
import * as assert from "uvu/assert";
import { AF_UNIX, CancelledError, Protocol, SOCK_STREAM, socket } from "../../src/node/index.js";
import { bothCores } from "../helpers.js";
import { Echo, EchoClient, Recorder, payload, portOf, tempDir, until, wait, withServer, recorders } from "./helpers.js";
import { freePort, hostTick, plainEnv } from "../host.js";
import { spawnSync } from "node:child_process";
import { test } from "uvu";
import { join } from "node:path";
import { readdirSync } from "node:fs";

bothCores("createConnection and createServer", (test) => {
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
