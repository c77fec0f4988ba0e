// The socket facade for SOCK_DGRAM (socket(AF_INET, SOCK_DGRAM): bind, sendto, recvfrom,
// recvfromInto) and the loop's sockSendto / sockRecvfrom / sockRecvfromInto, with real
// datagrams on 127.0.0.1 (and ::1), real-clock loops, on both cores. UDP does not promise
// order: tests check counts and contents, not arrival order.
import * as dgram from "node:dgram";
import * as assert from "uvu/assert";
import {
  AF_INET, AF_INET6, AF_UNIX, BlockingIOError, SOCK_DGRAM, gather, sleep, socket, type Coroutine, type Socket,
} from "../../src/node/index.js";
import { bothCores } from "../helpers.js";
import { code } from "./socket-helpers.js";
import { wait } from "./helpers.js";
import { hostTick } from "../host.js";

/** A bound UDP facade socket and its port, once Node has taken the address. */
function* boundUdp(family = AF_INET, host = "127.0.0.1"): Coroutine<[Socket, number]> {
  const sock = socket(family, SOCK_DGRAM);
  sock.bind([host, 0]);
  // node:dgram binds later in the same host tick: the port is known once the loop has run.
  for (let i = 0; i < 100; i++) {
    try {
      return [sock, (sock.getsockname() as [string, number])[1]];
    } catch (e) {
      if (!(e instanceof BlockingIOError)) throw e;
      yield* wait(hostTick());
    }
  }
  throw new Error("the UDP socket did not bind");
}

const text = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString();

bothCores("UDP socket facade", (test) => {
  test("sockSendto / sockRecvfrom: 200 datagrams each way, every one received once with its sender", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const out = await loop.runUntilComplete(function* () {
      const [a, portA] = yield* boundUdp();
      const [b, portB] = yield* boundUdp();
      function* receive(sock: Socket, n: number): Coroutine<[string[], unknown[]]> {
        const got: string[] = [], from: unknown[] = [];
        for (let i = 0; i < n; i++) {
          const [data, addr] = yield* loop.sockRecvfrom(sock, 2048);
          got.push(text(data));
          from.push(addr);
        }
        return [got, from];
      }
      function* send(sock: Socket, port: number, tag: string): Coroutine<number> {
        let total = 0;
        for (let i = 0; i < 200; i++) total += yield* loop.sockSendto(sock, `${tag}${i}`, ["127.0.0.1", port]);
        return total;
      }
      const [atB, atA, sentA, sentB] = yield* gather(receive(b, 200), receive(a, 200), send(a, portB, "a"), send(b, portA, "b"));
      a.close();
      b.close();
      return { atB, atA, sentA, sentB, portA, portB };
    }());
    const expected = (tag: string) => Array.from({ length: 200 }, (_, i) => `${tag}${i}`).sort();
    assert.equal([...out.atB[0]].sort(), expected("a"));
    assert.equal([...out.atA[0]].sort(), expected("b"));
    assert.ok(out.atB[1].every((addr) => JSON.stringify(addr) === JSON.stringify(["127.0.0.1", out.portA])));
    assert.ok(out.atA[1].every((addr) => JSON.stringify(addr) === JSON.stringify(["127.0.0.1", out.portB])));
    const bytes = expected("a").reduce((n, s) => n + s.length, 0);
    assert.is(out.sentA, bytes);
    assert.is(out.sentB, bytes);
    assert.equal(ctx.errors, []);
  });

  test("non-blocking: recvfrom throws BlockingIOError until a datagram arrives; addReader wakes for it", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const events: string[] = [];
    await loop.runUntilComplete(function* () {
      const [sock, port] = yield* boundUdp();
      try {
        sock.recvfrom(100);
      } catch (e) {
        events.push(e instanceof BlockingIOError ? "would block" : String(e));
      }
      const readable = loop.createFuture<void>();
      loop.addReader(sock, () => {
        events.push("readable");
        loop.removeReader(sock);
        readable.setResult(undefined);
      });
      // A peer that is not a wasyncio socket: node:dgram itself.
      const peer = dgram.createSocket("udp4");
      peer.send("hello from node", port, "127.0.0.1");
      yield* readable;
      const [data, [host, from]] = sock.recvfrom(100) as [Uint8Array, [string, number]];
      events.push(`${text(data)} from ${host}`);
      assert.ok(from > 0);
      assert.throws(() => sock.recvfrom(100), (e: unknown) => e instanceof BlockingIOError);
      peer.close();
      sock.close();
    }());
    assert.equal(events, ["would block", "readable", "hello from node from 127.0.0.1"]);
  });

  test("a datagram longer than bufsize is cut, the rest dropped; recvfromInto and sockRecvfromInto fill a buffer", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const out = await loop.runUntilComplete(function* () {
      const [rx, port] = yield* boundUdp();
      const tx = socket(AF_INET, SOCK_DGRAM);
      for (const msg of ["0123456789", "abcdef", "XYZ", "last one"]) assert.is(tx.sendto(msg, ["127.0.0.1", port]), msg.length);
      // Node does not promise the order a peer's datagrams are read in either: sort by content.
      const got: string[] = [];
      const [cut] = yield* loop.sockRecvfrom(rx, 4);
      got.push(text(cut));
      const buf = new Uint8Array(16);
      const [n, addr] = yield* loop.sockRecvfromInto(rx, buf, 4);
      got.push(text(buf.subarray(0, n)));
      const third = new Uint8Array(4);
      const [m] = yield* loop.sockRecvfromInto(rx, third);
      got.push(text(third.subarray(0, m)));
      const [last] = yield* loop.sockRecvfrom(rx, 4);
      got.push(text(last));
      const txPort = (tx.getsockname() as [string, number])[1];
      tx.close();
      rx.close();
      return { got, addr, txPort };
    }());
    // Each read took one whole datagram, cut to 4 bytes, whatever the order they came in:
    // nothing of a cut datagram's rest is left for the next read.
    assert.equal([...out.got].sort(), ["0123", "XYZ", "abcd", "last"]);
    assert.equal(out.addr, ["127.0.0.1", out.txPort], "an unbound socket's first sendto bound it to a free port");
  });

  test("sync recvfromInto, IPv6, bad arguments, stream-only calls and a closed socket", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      const [rx, port] = yield* boundUdp(AF_INET6, "::1");
      const tx = socket(AF_INET6, SOCK_DGRAM);
      tx.sendto(new Uint8Array([1, 2, 3, 4, 5]), ["::1", port]);
      for (let i = 0; i < 100; i++) {
        try {
          const buf = new Uint8Array(8);
          const [n, [host]] = rx.recvfromInto(buf) as [number, [string, number]];
          assert.is(n, 5);
          assert.equal([...buf.subarray(0, 5)], [1, 2, 3, 4, 5]);
          assert.is(host, "::1");
          break;
        } catch (e) {
          if (!(e instanceof BlockingIOError)) throw e;
          yield* wait(hostTick());
        }
      }
      assert.throws(() => rx.recvfromInto(new Uint8Array(2), 3), (e: unknown) => e instanceof RangeError && /recvfromInto\(\)/.test(String(e)));
      assert.throws(() => rx.recvfromInto("x" as never), (e: unknown) => e instanceof TypeError && /recvfromInto\(\) expected a Uint8Array/.test(String(e)));
      assert.throws(() => rx.sendto(42 as never, ["::1", port]), (e: unknown) => e instanceof TypeError && /sendto\(\)/.test(String(e)));
      assert.throws(() => rx.sendto("x", ["127.0.0.1", port]), (e: unknown) => e instanceof RangeError && /IPv6/.test(String(e)));
      assert.throws(() => rx.sendto("x", ["::1", 70000]), (e: unknown) => e instanceof RangeError && /port/.test(String(e)));
      assert.throws(() => rx.listen(), (e: unknown) => code(e) === "EOPNOTSUPP");
      assert.throws(() => rx.accept(), (e: unknown) => code(e) === "EOPNOTSUPP");
      assert.throws(() => rx.send("x"), (e: unknown) => code(e) === "EOPNOTSUPP");
      assert.throws(() => rx.bind(["::1", 0]), (e: unknown) => code(e) === "EINVAL");
      assert.throws(() => socket().recvfrom(10), (e: unknown) => code(e) === "EOPNOTSUPP");
      assert.throws(() => socket(AF_UNIX, SOCK_DGRAM), (e: unknown) => e instanceof RangeError && /AF_UNIX SOCK_DGRAM/.test(String(e)));
      assert.throws(() => loop.sockRecvfrom({} as never, 10), (e: unknown) => e instanceof TypeError && /sockRecvfrom\(\) expected a wasyncio socket/.test(String(e)));
      assert.throws(() => loop.sockSendto(rx, 5 as never, ["::1", port]), (e: unknown) => e instanceof TypeError && /sockSendto\(\)/.test(String(e)));
      assert.match(String(rx), /AF_INET6 bound/);
      tx.close();
      rx.close();
      assert.throws(() => rx.recvfrom(1), (e: unknown) => code(e) === "EBADF");
      let closed: unknown;
      try {
        yield* loop.sockSendto(rx, "x", ["::1", port]);
      } catch (e) {
        closed = e;
      }
      assert.is(code(closed), "EBADF");
    }());
  });

  test("a failed bind (address in use) is raised by the socket's next operation; cancelling sockRecvfrom removes its reader", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const events: string[] = [];
    await loop.runUntilComplete(function* () {
      const [first, port] = yield* boundUdp();
      const second = socket(AF_INET, SOCK_DGRAM);
      second.bind(["127.0.0.1", port]);
      let failure: unknown;
      for (let i = 0; i < 100 && failure === undefined; i++) {
        try {
          second.recvfrom(10);
        } catch (e) {
          if (!(e instanceof BlockingIOError)) failure = e;
          else yield* wait(hostTick());
        }
      }
      events.push(`bind: ${code(failure)}`);
      second.close();
      const pending = loop.sockRecvfrom(first, 10);
      yield* sleep(0);
      pending.cancel();
      yield* sleep(0);
      events.push(`cancelled: ${pending.cancelled()}`);
      // The reader went with the future: a datagram now is left for the next read.
      const tx = socket(AF_INET, SOCK_DGRAM);
      tx.sendto("after", ["127.0.0.1", port]);
      const [data] = yield* loop.sockRecvfrom(first, 10);
      events.push(text(data));
      tx.close();
      first.close();
    }());
    assert.equal(events, ["bind: EADDRINUSE", "cancelled: true", "after"]);
  });
});
