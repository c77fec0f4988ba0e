// Datagram endpoints over real UDP sockets on 127.0.0.1 (and ::1), real-clock loops, both
// cores: asyncio's datagram transport semantics over node:dgram.
import * as assert from "uvu/assert";
import { DatagramProtocol, DatagramTransport, getRunningLoop, run, sleep, type EventLoop, type Future } from "../../src/node/index.js";
import { bothCores } from "../helpers.js";
import { freePort, hostTick } from "../host.js";
import { captureWarnings, lineOf, payload, until, wait } from "./helpers.js";

type Addr = [string, number];

/** Records every callback; echoes datagrams back when `echo` is set. */
class Udp extends DatagramProtocol {
  events: string[] = [];
  got: [Buffer, Addr][] = [];
  errors: Error[] = [];
  transport!: DatagramTransport;
  made: Future<DatagramTransport>;
  lost: Future<Error | null>;
  constructor(loop: EventLoop, readonly echo = false) {
    super();
    this.made = loop.createFuture();
    this.lost = loop.createFuture();
  }
  override connectionMade(t: DatagramTransport): void {
    this.events.push("made");
    this.transport = t;
    this.made.setResult(t);
  }
  override datagramReceived(data: Uint8Array, addr: Addr): void {
    this.events.push("datagram");
    this.got.push([data as Buffer, addr]);
    if (this.echo) this.transport.sendto(data, addr);
  }
  override errorReceived(exc: Error): void {
    this.events.push(`error ${(exc as NodeJS.ErrnoException).code}`);
    this.errors.push(exc);
  }
  override connectionLost(exc: Error | null): void {
    this.events.push(exc === null ? "lost null" : `lost ${exc.message}`);
    this.lost.setResult(exc);
  }
}

const compact = (events: string[]) => events.filter((e, i) => i === 0 || e !== events[i - 1]);

bothCores("DatagramTransport", (test) => {
  test("echo - sendto/datagramReceived both ways, every datagram whole; callback order; extra info", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      const [st, server] = yield* loop.createDatagramEndpoint(() => new Udp(loop, true), { localAddr: ["127.0.0.1", 0] });
      assert.instance(st, DatagramTransport);
      const serverAddr = st.getExtraInfo("sockname") as Addr;
      assert.is(serverAddr[0], "127.0.0.1");
      assert.ok(serverAddr[1] > 0);
      assert.is(st.getExtraInfo("peername"), null);
      assert.is(typeof st.getExtraInfo("socket").send, "function");
      const [ct, client] = yield* loop.createDatagramEndpoint(() => new Udp(loop), { remoteAddr: serverAddr });
      assert.equal(ct.getExtraInfo("peername"), serverAddr);
      const clientAddr = ct.getExtraInfo("sockname") as Addr;
      const sizes = [1, 100, 1400, 9000, 60000];
      for (let i = 0; i < sizes.length; i++) ct.sendto(payload(sizes[i], i));
      ct.sendto(payload(7, 9), serverAddr); // the connected address may be given
      yield* until(loop, () => client.got.length === sizes.length + 1, "every echo");
      const expected = [...sizes.map((n, i) => payload(n, i)), payload(7, 9)];
      assert.equal(client.got.map(([d]) => d.toString("hex")).sort(), expected.map((d) => d.toString("hex")).sort());
      assert.ok(client.got.every(([, a]) => a[0] === serverAddr[0] && a[1] === serverAddr[1]));
      assert.ok(server.got.every(([, a]) => a[1] === clientAddr[1]));
      assert.is(ct.getWriteBufferSize(), 0);
      ct.close();
      assert.ok(ct.isClosing());
      st.close();
      yield* client.lost;
      yield* server.lost;
      assert.equal(compact(client.events), ["made", "datagram", "lost null"]);
      assert.equal(compact(server.events), ["made", "datagram", "lost null"]);
    }());
  });

  test("sendto - argument errors; another address than remoteAddr is a RangeError; dropped after close", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      const [st, server] = yield* loop.createDatagramEndpoint(() => new Udp(loop), { localAddr: ["127.0.0.1", 0] });
      const addr = st.getExtraInfo("sockname") as Addr;
      const [ct, client] = yield* loop.createDatagramEndpoint(() => new Udp(loop), { remoteAddr: ["localhost", addr[1]] });
      const is = (cls: Function, re: RegExp) => (e: Error) => e instanceof cls && re.test(e.message);
      assert.throws(() => ct.sendto("x", ["127.0.0.1", addr[1] + 1]), is(RangeError, /sendto\(\): invalid address: must be undefined or \["127.0.0.1", \d+\]/));
      assert.throws(() => ct.sendto(42 as never), is(TypeError, /sendto\(\) expected data to be bytes/));
      assert.throws(() => st.sendto("x"), is(TypeError, /sendto\(\) expected addr/));
      assert.throws(() => st.sendto("x", ["127.0.0.1"] as never), is(TypeError, /sendto\(\) expected addr to be \[host, port\]/));
      ct.sendto(new Uint8Array(0), ["10.0.0.1", 1]); // as asyncio 3.12: empty data sends nothing, checks nothing
      ct.sendto("by name", ["localhost", addr[1]]); // remoteAddr as given is accepted too
      yield* until(loop, () => server.got.length === 1, "the datagram");
      assert.is(server.got[0][0].toString(), "by name");
      ct.close();
      const warnings: unknown[] = [];
      const warn = console.warn;
      console.warn = (...args: unknown[]) => void warnings.push(args[0]);
      try {
        for (let i = 0; i < 5; i++) ct.sendto("dropped");
      } finally {
        console.warn = warn;
      }
      assert.equal(warnings, ["socket.send() raised exception."]);
      st.close();
      yield* client.lost;
      yield* server.lost;
      assert.is(server.got.length, 1);
    }());
  });

  test("errorReceived - a connected endpoint hears ECONNREFUSED (ICMP port unreachable) and stays open", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      const port = yield* wait(freePort());
      const [t, proto] = yield* loop.createDatagramEndpoint(() => new Udp(loop), { remoteAddr: ["127.0.0.1", port] });
      t.sendto("anyone?");
      yield* until(loop, () => proto.errors.length > 0, "the error");
      assert.is((proto.errors[0] as NodeJS.ErrnoException).code, "ECONNREFUSED");
      assert.not.ok(t.isClosing());
      t.abort();
      yield* proto.lost;
      assert.equal(compact(proto.events), ["made", "error ECONNREFUSED", "lost null"]);
    }());
  });

  test("protocol callback throwing - reported to the exception handler; the endpoint is closed with it", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      const boom = new Error("boom");
      const [st, server] = yield* loop.createDatagramEndpoint(() => {
        const p = new Udp(loop);
        p.datagramReceived = () => {
          throw boom;
        };
        return p;
      }, { localAddr: ["127.0.0.1", 0] });
      const [ct, client] = yield* loop.createDatagramEndpoint(() => new Udp(loop), { remoteAddr: st.getExtraInfo("sockname") });
      ct.sendto("x");
      assert.is(yield* server.lost, boom);
      assert.ok(st.isClosing());
      assert.is(ctx.errors.length, 1);
      assert.is(ctx.errors[0].message, "Fatal error: protocol.datagramReceived() call failed.");
      assert.is(ctx.errors[0].exception, boom);
      assert.is(ctx.errors[0].transport, st);
      assert.is(ctx.errors[0].protocol, server);
      ctx.errors.length = 0;
      ct.close();
      yield* client.lost;
    }());
  });

  test("bind errors - EADDRINUSE rejects the future; IPv6 endpoints work", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      const [st, server] = yield* loop.createDatagramEndpoint(() => new Udp(loop), { localAddr: ["127.0.0.1", 0] });
      let err: NodeJS.ErrnoException | null = null;
      try {
        yield* loop.createDatagramEndpoint(() => new Udp(loop), { localAddr: st.getExtraInfo("sockname") });
      } catch (e) {
        err = e as NodeJS.ErrnoException;
      }
      assert.is(err!.code, "EADDRINUSE");
      st.close();
      yield* server.lost;
      const [t6, p6] = yield* loop.createDatagramEndpoint(() => new Udp(loop, true), { localAddr: ["::1", 0] });
      const [c6, q6] = yield* loop.createDatagramEndpoint(() => new Udp(loop), { remoteAddr: t6.getExtraInfo("sockname") });
      c6.sendto("v6");
      yield* until(loop, () => q6.got.length === 1, "the echo");
      assert.is(q6.got[0][0].toString(), "v6");
      assert.is(q6.got[0][1][0], "::1");
      c6.close();
      t6.close();
      yield* p6.lost;
      yield* q6.lost;
      yield* sleep(0);
    }());
  });

  test("a factory returning no protocol (a Promise, null, {}) rejects the future with a TypeError naming the call; the socket is closed", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const messages = await loop.runUntilComplete(function* () {
      const messages: string[] = [];
      for (const factory of [async () => new DatagramProtocol(), () => null, () => ({})]) {
        try {
          yield* loop.createDatagramEndpoint(factory as never, { localAddr: ["127.0.0.1", 0] });
          assert.unreachable("accepted a factory that made no protocol");
        } catch (e) {
          assert.instance(e, TypeError);
          messages.push((e as Error).message);
        }
      }
      return messages;
    }());
    assert.equal(messages, [
      "createDatagramEndpoint(): protocolFactory returned a Promise, not a Protocol (an async function cannot be a protocol factory)",
      "createDatagramEndpoint(): protocolFactory returned null, not a Protocol",
      "createDatagramEndpoint(): protocolFactory returned {}, not a Protocol (it has none of datagramReceived(), errorReceived(), connectionMade(), connectionLost())",
    ]);
  });

  test("argument errors - thrown at the call", (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const f = () => new DatagramProtocol();
    const is = (cls: Function, re: RegExp) => (e: Error) => e instanceof cls && re.test(e.message);
    assert.throws(() => loop.createDatagramEndpoint(42 as never), is(TypeError, /createDatagramEndpoint\(\) expected a protocol factory/));
    assert.throws(() => loop.createDatagramEndpoint(f, { localAddr: ["127.0.0.1", "x"] as never }), is(TypeError, /expected options.localAddr to be \[host, port\]/));
    assert.throws(() => loop.createDatagramEndpoint(f, { remoteAddr: ["127.0.0.1", 70000] }), is(RangeError, /expected port/));
    assert.throws(() => loop.createDatagramEndpoint(f, { family: 99 }), is(RangeError, /options.family/));
    assert.throws(() => loop.createDatagramEndpoint(f, { localAddr: "/tmp/x" as never }), is(TypeError, /Unix datagram/));
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
        line = lineOf(new Error(), "node/datagram.test.ts") + 1;
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
      assert.match(detail.split("\nCreated at:\n")[1].split("\n")[0], new RegExp(`node/datagram\\.test\\.ts:${line}:`), detail);
      assert.not.ok(open!.isClosing(), "not closed for the user");
    } finally {
      (open?.getExtraInfo("socket") as import("node:dgram").Socket | undefined)?.close();
      captured.stop();
    }
  });
});
