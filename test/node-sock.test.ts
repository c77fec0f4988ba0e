// The socket facade, the readiness bridge (addReader/addWriter) and the sock* methods,
// with real sockets on 127.0.0.1 and real-clock loops, on both cores.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, openSync, closeSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as assert from "uvu/assert";
import {
  AF_INET, AF_INET6, AF_UNIX, BlockingIOError, EventLoop, SendfileNotAvailableError, SHUT_WR, SOCK_DGRAM, SOCK_STREAM,
  SOL_SOCKET, SO_ERROR, SO_REUSEADDR, gather, sleep, socket, type Coroutine, type Socket,
} from "../src/node/index.js";
import { bothCores, caught } from "./helpers.js";
import { listeningOn, manyClients, openFds, SYNC_BIND, wait } from "./node/helpers.js";
import { freePort, hostTick } from "./host.js";

type Port = [string, number];


/** A listening socket on 127.0.0.1 and its port (on Node 20/22 the port is known a host tick later). */
async function listener(): Promise<[Socket, number]> {
  const sock = socket(AF_INET, SOCK_STREAM);
  sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  sock.setblocking(false);
  sock.bind(["127.0.0.1", 0]);
  sock.listen(100);
  if (!SYNC_BIND) await hostTick();
  return [sock, (sock.getsockname() as Port)[1]];
}

/** A connected pair: [client, server side]. */
function* pair(loop: EventLoop): Coroutine<[Socket, Socket, Socket]> {
  const [srv, port] = yield* wait(listener());
  const cli = socket();
  yield* loop.sockConnect(cli, ["127.0.0.1", port]);
  const [conn] = yield* loop.sockAccept(srv);
  return [cli, conn, srv];
}

/** Reads until EOF. */
function* readAll(loop: EventLoop, sock: Socket): Coroutine<Buffer> {
  const parts: Uint8Array[] = [];
  for (;;) {
    const data = yield* loop.sockRecv(sock, 65536);
    if (data.length === 0) return Buffer.concat(parts);
    parts.push(data);
  }
}

function pattern(size: number, seed: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let x = seed >>> 0;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    buf[i] = x >>> 24;
  }
  return buf;
}

const code = (e: unknown) => (e as { code?: string }).code;

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
    assert.throws(() => socket(AF_INET, SOCK_DGRAM), (e: unknown) => e instanceof RangeError && /createDatagramEndpoint/.test(String(e)));
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

bothCores("readiness bridge", (test) => {
  test("addReader is level-triggered: it runs once per iteration while data is buffered, then stops", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const log = await loop.runUntilComplete(function* () {
      const [cli, conn, srv] = yield* pair(loop);
      const log: string[] = [];
      const gotAll = loop.createFuture<void>();
      yield* loop.sockSendall(cli, "abc");
      // A ticker that logs every iteration, to show the reader runs once per iteration.
      let ticking = true;
      const ticker = loop.createTask(function* () {
        while (ticking) {
          log.push("tick");
          yield* sleep(0);
        }
      }());
      loop.addReader(conn, () => {
        let byte: Uint8Array;
        try {
          byte = conn.recv(1);
        } catch (e) {
          if (e instanceof BlockingIOError) return void log.push("spurious");
          throw e;
        }
        log.push(Buffer.from(byte).toString());
        if (log.filter((x) => x.length === 1).length === 3) gotAll.setResult();
      });
      yield* gotAll;
      // Nothing is buffered: the reader must not run again until more data comes.
      for (let i = 0; i < 5; i++) yield* sleep(0);
      ticking = false;
      yield* ticker;
      assert.ok(loop.removeReader(conn));
      assert.not.ok(loop.removeReader(conn));
      for (const s of [cli, conn, srv]) s.close();
      return log;
    }());
    const letters = log.filter((x) => x !== "tick");
    assert.equal(letters, ["a", "b", "c"]);
    // Between two letters there is exactly one tick (one iteration each), and after "c" only ticks.
    const i = log.indexOf("a");
    assert.equal(log.slice(i, i + 5), ["a", "tick", "b", "tick", "c"]);
  });

  test("addReader on a listening socket runs when a connection waits; a new addReader replaces the old", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const log = await loop.runUntilComplete(function* () {
      const [srv, port] = yield* wait(listener());
      const log: string[] = [];
      const accepted = loop.createFuture<Socket>();
      loop.addReader(srv.fileno(), () => log.push("old"));
      loop.addReader(srv, (tag: string) => {
        log.push(tag);
        const [conn] = srv.accept();
        loop.removeReader(srv);
        accepted.setResult(conn);
      }, "new");
      const client = net.connect(port, "127.0.0.1");
      const conn = yield* accepted;
      client.destroy();
      conn.close();
      srv.close();
      return log;
    }());
    assert.equal(log, ["new"]);
  });

  test("addWriter runs while the socket is writable, each iteration, until removed; errors name the call", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const calls = await loop.runUntilComplete(function* () {
      const [cli, conn, srv] = yield* pair(loop);
      let calls = 0;
      const done = loop.createFuture<void>();
      loop.addWriter(cli, () => {
        if (++calls === 3) {
          loop.removeWriter(cli);
          done.setResult();
        }
      });
      yield* done;
      yield* sleep(0);
      assert.throws(() => loop.addWriter(cli, 42 as never), (e: unknown) => e instanceof TypeError && /addWriter\(\) expected a function, got 42/.test(String(e)));
      assert.throws(() => loop.addReader(123456, () => {}), (e: unknown) => e instanceof RangeError && /123456/.test(String(e)));
      assert.throws(() => loop.addReader("x" as never, () => {}), (e: unknown) => e instanceof TypeError);
      for (const s of [cli, conn, srv]) s.close();
      assert.throws(() => loop.addReader(cli, () => {}), (e: unknown) => e instanceof RangeError && /closed/.test(String(e)));
      assert.not.ok(loop.removeWriter(cli));
      return calls;
    }());
    assert.is(calls, 3);
  });

  test("a reader callback that throws goes to the exception handler; the loop keeps running", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      const [cli, conn, srv] = yield* pair(loop);
      yield* loop.sockSendall(cli, "x");
      const ran = loop.createFuture<void>();
      loop.addReader(conn, () => {
        loop.removeReader(conn);
        ran.setResult();
        throw new Error("boom in reader");
      });
      yield* ran;
      yield* sleep(0);
      for (const s of [cli, conn, srv]) s.close();
    }());
    assert.is(ctx.errors.length, 1);
    assert.match(String(ctx.errors[0].exception), /boom in reader/);
    ctx.errors.length = 0;
  });
});

bothCores("sock* methods", (test) => {
  test("echo: 100 concurrent clients, payloads from 1 byte to 4 MiB, every byte back in order", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const sizes = Array.from({ length: 100 }, (_, i) => [1, 7, 100, 1024, 4096, 65_536, 65_537, 200_000][i % 8]);
    sizes[0] = 4 << 20;
    sizes[1] = 1 << 20;
    const results = await loop.runUntilComplete(function* () {
      const [srv, port] = yield* wait(listener());
      function* handler(conn: Socket): Coroutine<void> {
        for (;;) {
          const msg = yield* loop.sockRecv(conn, 65536);
          if (msg.length === 0) break;
          yield* loop.sockSendall(conn, msg);
        }
        conn.close();
      }
      const handlers: ReturnType<EventLoop["createTask"]>[] = [];
      const acceptor = loop.createTask(function* () {
        for (let i = 0; i < sizes.length; i++) {
          const [conn] = yield* loop.sockAccept(srv);
          handlers.push(loop.createTask(handler(conn)));
        }
      }());
      function* client(size: number, seed: number): Coroutine<boolean> {
        const sock = socket();
        yield* loop.sockConnect(sock, ["127.0.0.1", port]);
        const payload = pattern(size, seed);
        const reader = loop.createTask(readAll(loop, sock));
        yield* loop.sockSendall(sock, payload);
        sock.shutdown(SHUT_WR);
        const echoed = yield* reader;
        sock.close();
        return echoed.equals(payload);
      }
      const ok = yield* gather(...sizes.map((size, i) => client(size, i + 1)));
      yield* acceptor;
      yield* gather(...handlers);
      srv.close();
      return ok;
    }());
    assert.equal(results, sizes.map(() => true));
  });

  test("sockConnect to a closed port rejects with ECONNREFUSED; getsockopt(SO_ERROR) had the errno", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const [srv, port] = await listener();
    srv.close();
    const err = await loop.runUntilComplete(function* () {
      const sock = socket();
      try {
        yield* loop.sockConnect(sock, ["127.0.0.1", port]);
      } catch (e) {
        return e;
      } finally {
        sock.close();
      }
      return null;
    }());
    assert.is(code(err), "ECONNREFUSED");
    // The raw protocol: connect throws BlockingIOError, then SO_ERROR tells the outcome.
    const errno = await loop.runUntilComplete(function* () {
      const sock = socket();
      assert.throws(() => sock.connect(["127.0.0.1", port]), (e: unknown) => e instanceof BlockingIOError);
      const writable = loop.createFuture<number>();
      loop.addWriter(sock, () => {
        loop.removeWriter(sock);
        writable.setResult(sock.getsockopt(SOL_SOCKET, SO_ERROR));
      });
      const n = yield* writable;
      sock.close();
      return n;
    }());
    assert.is(errno, 111);
  });

  test("a cancelled sockRecv leaves the bytes for the next one and no reader behind", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const got = await loop.runUntilComplete(function* () {
      const [cli, conn, srv] = yield* pair(loop);
      const first = loop.sockRecv(conn, 10);
      first.cancel();
      yield* sleep(0);
      assert.is(conn._reader, null);
      yield* loop.sockSendall(cli, "kept");
      const data = yield* loop.sockRecv(conn, 10);
      for (const s of [cli, conn, srv]) s.close();
      return Buffer.from(data).toString();
    }());
    assert.is(got, "kept");
  });

  test("the peer resets: sockRecv rejects with ECONNRESET, then reads see EOF", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const [err, after] = await loop.runUntilComplete(function* () {
      const [srv, port] = yield* wait(listener());
      const peer = net.connect(port, "127.0.0.1");
      const [conn] = yield* loop.sockAccept(srv);
      peer.resetAndDestroy();
      let err: unknown = null;
      try {
        yield* loop.sockRecv(conn, 10);
      } catch (e) {
        err = e;
      }
      const after = yield* loop.sockRecv(conn, 10);
      conn.close();
      srv.close();
      return [err, after.length];
    }());
    assert.is(code(err), "ECONNRESET");
    assert.is(after, 0);
  });

  test("a peer that writes, then resets: after its bytes, sockRecv rejects with ECONNRESET every time (50 rounds), never a clean EOF", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const ROUNDS = 50;
    const outcomes = await loop.runUntilComplete(function* () {
      const [srv, port] = yield* wait(listener());
      const outcomes: string[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const peer = net.connect(port, "127.0.0.1", () => peer.write(pattern(2000, i), () => peer.resetAndDestroy()));
        peer.on("error", () => {});
        const closed = new Promise((resolve) => peer.once("close", resolve));
        const [conn] = yield* loop.sockAccept(srv);
        if (i % 2 === 1) yield* wait(closed); // the reset is there before the first read
        let got = 0;
        try {
          for (;;) {
            const data = yield* loop.sockRecv(conn, 65536);
            if (data.length === 0) break;
            got += data.length;
          }
          outcomes.push(`eof after ${got}`);
        } catch (e) {
          outcomes.push(`${code(e)}`);
        }
        conn.close();
      }
      srv.close();
      return outcomes;
    }());
    assert.equal(outcomes, Array(ROUNDS).fill("ECONNRESET"));
  });

  if (existsSync("/proc/self/fd")) {
    test("listen(5) with nobody accepting: at most 5 connections held (the process's fds stay bounded); the rest are reset; the 5 are served once accept() runs", async (ctx) => {
      const loop = ctx.newLoop({ clock: "real" });
      const N = 40, BACKLOG = 5; // N is small: on Node 24+ each refused connection takes the client ~45 ms
      const [outcomes, held] = await loop.runUntilComplete(function* () {
        const sock = socket(AF_INET, SOCK_STREAM);
        sock.bind(["127.0.0.1", 0]);
        sock.listen(BACKLOG);
        if (!SYNC_BIND) yield* wait(hostTick());
        const port = (sock.getsockname() as Port)[1];
        const before = openFds();
        const clients = manyClients(port, N);
        yield* wait(clients.ready);
        const held = openFds() - before;
        const serving = loop.createTask(function* () {
          for (;;) {
            const [conn] = yield* loop.sockAccept(sock);
            yield* loop.sockSendall(conn, "ok");
            conn.close();
          }
        }());
        const outcomes = yield* wait(clients.done);
        serving.cancel();
        yield* sleep(0);
        sock.close();
        return [outcomes, held] as const;
      }());
      // The held connections, and a few of the process's own (the clients' pipe).
      assert.ok(held <= BACKLOG + 4, `the process holds ${held} more file descriptors while nobody accepts`);
      assert.equal(outcomes, { served: BACKLOG, ECONNRESET: N - BACKLOG });
    });
  }

  test("sockRecvInto fills the caller's buffer; bad arguments name the call", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const out = await loop.runUntilComplete(function* () {
      const [cli, conn, srv] = yield* pair(loop);
      // Asking for nothing answers at once, as Python's recv(0) and recv_into(bytearray(0)).
      assert.is((yield* loop.sockRecv(conn, 0)).length, 0);
      assert.is(yield* loop.sockRecvInto(conn, new Uint8Array(0)), 0);
      const buf = new Uint8Array(16);
      const pending = loop.sockRecvInto(conn, buf);
      yield* loop.sockSendall(cli, "hello");
      const n = yield* pending;
      assert.throws(() => loop.sockRecv(42 as never, 1), (e: unknown) => e instanceof TypeError && /sockRecv\(\) expected a wasyncio socket.*got 42/.test(String(e)));
      assert.throws(() => loop.sockRecv(conn, -1), (e: unknown) => e instanceof RangeError && /sockRecv\(\)/.test(String(e)));
      assert.throws(() => loop.sockRecvInto(conn, "x" as never), (e: unknown) => e instanceof TypeError);
      for (const s of [cli, conn, srv]) s.close();
      return Buffer.from(buf.subarray(0, n)).toString();
    }());
    assert.is(out, "hello");
  });

  test("sockSendfile sends a file (the read-and-send fallback); { fallback: false } is SendfileNotAvailableError", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const dir = mkdtempSync(join(tmpdir(), "wasyncio-"));
    const path = join(dir, "f.bin");
    const content = pattern(700_000, 9);
    writeFileSync(path, content);
    const fd = openSync(path, "r");
    try {
      const [sent, received, part, refused] = await loop.runUntilComplete(function* () {
        const [cli, conn, srv] = yield* pair(loop);
        const reader = loop.createTask(readAll(loop, conn));
        const sent = yield* loop.sockSendfile(cli, fd);
        const partSent = yield* loop.sockSendfile(cli, fd, 10, 5);
        cli.shutdown(SHUT_WR);
        const received = yield* reader;
        let refused: unknown = null;
        try {
          yield* loop.sockSendfile(cli, fd, 0, null, { fallback: false });
        } catch (e) {
          refused = e;
        }
        for (const s of [cli, conn, srv]) s.close();
        return [sent, received, partSent, refused] as const;
      }());
      assert.is(sent, content.length);
      assert.is(part, 5);
      assert.ok(received.equals(Buffer.concat([content, content.subarray(10, 15)])));
      assert.ok(refused instanceof SendfileNotAvailableError);
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("getaddrinfo resolves localhost as getaddrinfo(3) does; getnameinfo reverses it", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const [all, tcp, literal, name] = await loop.runUntilComplete(function* () {
      return yield* gather(
        loop.getaddrinfo("localhost", 443),
        loop.getaddrinfo("localhost", "80", { family: AF_INET, type: SOCK_STREAM }),
        loop.getaddrinfo("127.0.0.1", null),
        loop.getnameinfo(["127.0.0.1", 80]),
      );
    }());
    assert.ok(all.some((info) => JSON.stringify(info) === JSON.stringify([AF_INET, SOCK_STREAM, 6, "", ["127.0.0.1", 443]])));
    assert.ok(all.some((info) => info[1] === SOCK_DGRAM && info[2] === 17));
    assert.equal(tcp, [[AF_INET, SOCK_STREAM, 6, "", ["127.0.0.1", 80]]]);
    assert.is(literal.length, 3);
    assert.is(name[0], "localhost");
    assert.is(typeof name[1], "string");
    assert.throws(() => loop.getaddrinfo("localhost", "http"), (e: unknown) => e instanceof RangeError && /getaddrinfo\(\)/.test(String(e)));
    assert.throws(() => loop.getnameinfo(["localhost", 80]), (e: unknown) => e instanceof RangeError && /getnameinfo\(\)/.test(String(e)));
  });
});
