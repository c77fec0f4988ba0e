// The socket facade (socket(), bind/listen/accept/connect, getsockname, errors) and its
// AF_UNIX path limit, with real sockets and real-clock loops, on both cores.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as assert from "uvu/assert";
import { AF_INET, AF_INET6, AF_UNIX, BlockingIOError, SHUT_WR, SOCK_DGRAM, socket } from "../../src/node/index.js";
import { bothCores, caught } from "../helpers.js";
import { freePort, hostTick } from "../host.js";
import { listeningOn, SYNC_BIND } from "./helpers.js";
import { code, listener, pair, readAll, type Port } from "./socket-helpers.js";

bothCores("socket facade", (test) => {
  test("bind to a loopback address listens on that address only (the kernel's table, not Node's word)", async () => {
    for (const [family, host, expected] of [[AF_INET, "127.0.0.1", "127.0.0.1"], [AF_INET, "localhost", "127.0.0.1"], [AF_INET6, "::1", "::1"]] as const) {
      const sock = socket(family);
      sock.bind([host, 0]);
      sock.listen(5);
      if (!SYNC_BIND) await hostTick();
      const [address, port] = sock.getsockname() as Port;
      assert.is(address, expected, `getsockname() after bind(["${host}", 0])`);
      assert.equal(listeningOn(port), [expected], `listening sockets on port ${port} after bind(["${host}", 0])`);
      sock.close();
      await hostTick();
      assert.equal(listeningOn(port), [], "close() stops listening");
    }
  });

  test("bind takes the address at the call (Node 24+: net.BoundSocket) or within the host tick (Node 20/22)", async () => {
    const sock = socket();
    sock.bind(["127.0.0.1", 0]);
    if (SYNC_BIND) {
      const [, port] = sock.getsockname() as Port;
      assert.ok(port > 0, "the ephemeral port is known at once");
      // Bound and not yet listening, as Python: a connection is refused until listen().
      const refused = await new Promise<string>((resolve) => {
        const c = net.connect(port, "127.0.0.1");
        c.on("connect", () => (c.destroy(), resolve("connected")));
        c.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "?"));
      });
      assert.is(refused, "ECONNREFUSED");
      sock.listen(1);
      assert.equal(sock.getsockname(), ["127.0.0.1", port]);
    } else {
      assert.throws(() => sock.getsockname(), (e: unknown) => e instanceof BlockingIOError && /Node 20 and 22/.test(String(e)));
      sock.listen(1);
      await hostTick();
      assert.ok((sock.getsockname() as Port)[1] > 0, "known once Node has bound it");
    }
    assert.match(String(sock), /AF_INET listening/);
    sock.close();
  });

  test("bind + listen, then getsockname() gives the ephemeral port", async () => {
    const [sock, port] = await listener();
    assert.ok(port > 0);
    assert.equal(sock.getsockname(), ["127.0.0.1", port]);
    assert.ok(sock.fileno() >= 0);
    assert.match(String(sock), /AF_INET listening/);
    sock.close();
    assert.is(sock.fileno(), -1);
    sock.close();
  });

  test("bind on an address in use: EADDRINUSE at the call (Node 24+) or from the next operation (Node 20/22)", async () => {
    const [sock, port] = await listener();
    const other = socket();
    if (SYNC_BIND) {
      assert.is(code(caught(() => other.bind(["127.0.0.1", port]))), "EADDRINUSE");
    } else {
      other.bind(["127.0.0.1", port]);
      other.listen(1);
      await hostTick();
      assert.is(code(caught(() => other.getsockname())), "EADDRINUSE", "getsockname() raises the bind's error");
      assert.is(code(caught(() => other.accept())), "EADDRINUSE", "so does accept()");
    }
    other.close();
    for (const host of ["localhost", ""]) {
      const local = socket();
      local.bind([host, 0]);
      if (!SYNC_BIND) await hostTick();
      assert.is((local.getsockname() as Port)[0], host === "" ? "0.0.0.0" : "127.0.0.1");
      local.close();
    }
    sock.close();
  });

  test("bad arguments and states: clear errors naming the call", () => {
    const sock = socket();
    assert.throws(() => sock.bind(["example.com", 0]), (e: unknown) => e instanceof TypeError && /bind\(\).*getaddrinfo/.test(String(e)));
    assert.throws(() => sock.bind(["127.0.0.1", 70000]), (e: unknown) => e instanceof RangeError && /port/.test(String(e)));
    assert.throws(() => sock.bind(["::1", 0]), (e: unknown) => e instanceof RangeError && /IPv4/.test(String(e)));
    assert.throws(() => sock.accept(), (e: unknown) => code(e) === "EINVAL");
    assert.throws(() => sock.recv(10), (e: unknown) => code(e) === "ENOTCONN");
    assert.throws(() => sock.send("x"), (e: unknown) => code(e) === "ENOTCONN");
    assert.throws(() => sock.recv(-1), (e: unknown) => e instanceof RangeError && /recv\(\)/.test(String(e)));
    assert.throws(() => sock.send(42 as never), (e: unknown) => e instanceof TypeError && /send\(\) expected data/.test(String(e)));
    assert.throws(() => sock.setblocking(true), (e: unknown) => /setblocking\(true\)/.test(String(e)));
    assert.throws(() => socket(AF_UNIX, SOCK_DGRAM), (e: unknown) => e instanceof RangeError && /AF_UNIX SOCK_DGRAM/.test(String(e)));
    assert.throws(() => socket(99), (e: unknown) => e instanceof RangeError && /family/.test(String(e)));
    sock.close();
    assert.throws(() => sock.recv(1), (e: unknown) => code(e) === "EBADF");
  });

  test("accept() with nothing waiting throws BlockingIOError; recv() with nothing buffered too", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const [srv] = await listener();
    assert.throws(() => srv.accept(), (e: unknown) => e instanceof BlockingIOError && code(e) === "EAGAIN");
    const [cli, conn, listening] = await loop.runUntilComplete(pair(loop));
    assert.throws(() => conn.recv(10), (e: unknown) => e instanceof BlockingIOError);
    assert.equal(conn.getpeername(), cli.getsockname());
    for (const s of [cli, conn, listening, srv]) s.close();
  });

  test("a client socket bound before connect() connects from its address (also in the same step, on Node 20/22)", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const local = await freePort();
    let remote!: (port: number) => void;
    const seen = new Promise<number>((resolve) => (remote = resolve));
    const peer = net.createServer((c) => {
      remote(c.remotePort ?? -1);
      c.destroy();
    });
    await new Promise<void>((resolve) => peer.listen(0, "127.0.0.1", resolve));
    const cli = socket();
    cli.bind(["127.0.0.1", local]);
    await loop.runUntilComplete(loop.sockConnect(cli, ["127.0.0.1", (peer.address() as net.AddressInfo).port]));
    assert.is(await seen, local, "the peer sees the bound port");
    cli.close();
    peer.close();
  });

  test("getsockname() of a bound AF_UNIX client names its path (Node 24+), a string either way", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const dir = mkdtempSync(join(tmpdir(), "wasyncio-"));
    const srv = socket(AF_UNIX);
    srv.bind(join(dir, "server.sock"));
    srv.listen(1);
    const cli = socket(AF_UNIX);
    cli.bind(join(dir, "client.sock"));
    await loop.runUntilComplete(loop.sockConnect(cli, join(dir, "server.sock")));
    assert.is(cli.getsockname(), SYNC_BIND ? join(dir, "client.sock") : "");
    const [conn] = await loop.runUntilComplete(loop.sockAccept(srv));
    for (const s of [cli, conn, srv]) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("an AF_INET6 socket binds ::1; an AF_UNIX socket binds a path", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const six = socket(AF_INET6);
    six.bind(["::1", 0]);
    six.listen(1);
    if (!SYNC_BIND) await hostTick();
    assert.is((six.getsockname() as Port)[0], "::1");
    const dir = mkdtempSync(join(tmpdir(), "wasyncio-"));
    const path = join(dir, "s.sock");
    const unix = socket(AF_UNIX);
    unix.bind(path);
    unix.listen(1);
    assert.is(unix.getsockname(), path);
    const got = await loop.runUntilComplete(function* () {
      const cli = socket(AF_UNIX);
      yield* loop.sockConnect(cli, path);
      const [conn, addr] = yield* loop.sockAccept(unix);
      assert.is(cli.getpeername(), path);
      assert.is(conn.getpeername(), "");
      yield* loop.sockSendall(cli, "over unix");
      cli.shutdown(SHUT_WR);
      const data = yield* readAll(loop, conn);
      cli.close();
      conn.close();
      return [addr, data.toString()];
    }());
    assert.equal(got, ["", "over unix"]);
    six.close();
    unix.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

/** A path of exactly `bytes` bytes (UTF-8) in a fresh temp directory, its name made of `fill`. */
function pathOfBytes(bytes: number, fill = "s"): string {
  const dir = mkdtempSync(join(tmpdir(), "wasyncio-"));
  const room = bytes - Buffer.byteLength(dir) - 1;
  const unit = Buffer.byteLength(fill);
  const name = fill.repeat(Math.floor(room / unit)) + "s".repeat(room % unit);
  const path = join(dir, name);
  assert.is(Buffer.byteLength(path), bytes);
  return path;
}

/** The most bytes a Unix socket path may have here (sun_path less its NUL): Python's limit. */
const UNIX_PATH_MAX = process.platform === "linux" ? 107 : 103;

bothCores("AF_UNIX path length", (test) => {
  test("a path over sun_path is an error at the call (Python's 'AF_UNIX path too long'), counted in UTF-8 bytes; nothing is bound", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const tooLong = (call: string, bytes: number) => (e: unknown) =>
      e instanceof Error && code(e) === "ENAMETOOLONG" &&
      e.message.startsWith(`${call}: AF_UNIX path too long: ${bytes} bytes (UTF-8), at most ${UNIX_PATH_MAX} on ${process.platform}: `);
    for (const [bytes, fill] of [[UNIX_PATH_MAX + 1, "s"], [120, "s"], [UNIX_PATH_MAX + 2, "\u00e9"]] as const) {
      const path = pathOfBytes(bytes, fill);
      // Fewer characters than bytes: the limit is in bytes.
      if (fill !== "s") assert.ok(path.length <= UNIX_PATH_MAX);
      const sock = socket(AF_UNIX);
      assert.throws(() => sock.bind(path), tooLong("bind()", bytes));
      assert.throws(() => sock.connect(path), tooLong("connect()", bytes));
      assert.throws(() => loop.sockConnect(sock, path), tooLong("sockConnect()", bytes));
      sock.close();
      await hostTick();
      // Nothing was bound, under the full name or a truncated one.
      assert.equal(readdirSync(dirname(path)), []);
      rmSync(dirname(path), { recursive: true, force: true });
    }
  });

  test("a path of exactly the limit binds, listens and connects; getsockname() is that path", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const path = pathOfBytes(UNIX_PATH_MAX);
    const srv = socket(AF_UNIX);
    srv.bind(path);
    srv.listen(1);
    if (!SYNC_BIND) await hostTick();
    assert.is(srv.getsockname(), path);
    const got = await loop.runUntilComplete(function* () {
      const cli = socket(AF_UNIX);
      yield* loop.sockConnect(cli, path);
      const [conn] = yield* loop.sockAccept(srv);
      yield* loop.sockSendall(cli, "fits");
      cli.shutdown(SHUT_WR);
      const data = yield* readAll(loop, conn);
      cli.close();
      conn.close();
      return data.toString();
    }());
    assert.is(got, "fits");
    srv.close();
    rmSync(dirname(path), { recursive: true, force: true });
  });

  if (process.platform === "linux") {
    test("Linux abstract names (a leading NUL) may fill all 108 bytes of sun_path, not more", async (ctx) => {
      const loop = ctx.newLoop({ clock: "real" });
      const name = "\0" + `wasyncio-${process.pid}-`.padEnd(107, "a");
      const srv = socket(AF_UNIX);
      srv.bind(name);
      srv.listen(1);
      const cli = socket(AF_UNIX);
      assert.throws(() => cli.connect(name + "a"), (e: unknown) => code(e) === "ENAMETOOLONG" && /connect\(\): AF_UNIX path too long: 109 bytes \(UTF-8\), at most 108 on linux/.test(String(e)));
      await loop.runUntilComplete(loop.sockConnect(cli, name));
      const [conn] = await loop.runUntilComplete(loop.sockAccept(srv));
      for (const s of [cli, conn, srv]) s.close();
    });
  }
});
