// The loop's sock* methods (sockAccept, sockRecv, sockSendall, sockConnect, sockSendfile ...)
// and name resolution, with real sockets on 127.0.0.1 and real-clock loops, on both cores.
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import {
  AF_INET, BlockingIOError, EventLoop, SendfileNotAvailableError, SHUT_WR, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, SO_ERROR,
  gather, sleep, socket, type Coroutine, type Socket,
} from "../../src/node/index.js";
import { bothCores } from "../helpers.js";
import { hostTick } from "../host.js";
import { manyClients, openFds, SYNC_BIND, wait } from "./helpers.js";
import { code, listener, pair, pattern, readAll, type Port } from "./socket-helpers.js";

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
