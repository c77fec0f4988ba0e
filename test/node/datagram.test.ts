// Datagram endpoints over real UDP sockets on 127.0.0.1 (and ::1), real-clock loops, both
// cores: asyncio's datagram transport semantics over node:dgram.
import * as assert from "uvu/assert";
import { DatagramProtocol, DatagramTransport, sleep } from "../../src/node/index.js";
import { bothCores } from "../helpers.js";
import { freePort } from "../host.js";
import { Udp, compact, inChild, payload, until, wait, type Addr } from "./helpers.js";


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
      for (let i = 0; i < 4; i++) ct.sendto("dropped"); // silently: asyncio warns from the 5th (next test)
      st.close();
      yield* client.lost;
      yield* server.lost;
      assert.is(server.got.length, 1);
    }());
  });

  test("sendto after close - dropped; asyncio's warning from the 5th on, once per datagram (a child's stderr)", ({ core }) => {
    const { stderr, result, errors } = inChild(core, `loop.runUntilComplete(function* () {
      const [st, server] = yield* loop.createDatagramEndpoint(() => new h.Udp(loop), { localAddr: ["127.0.0.1", 0] });
      const [ct, client] = yield* loop.createDatagramEndpoint(() => new h.Udp(loop), { remoteAddr: st.getExtraInfo("sockname") });
      ct.sendto("before");
      yield* h.until(loop, () => server.got.length === 1, "the datagram");
      ct.close();
      for (let i = 1; i <= 6; i++) {
        process.stderr.write("sendto " + i + "\\n");
        ct.sendto("dropped");
      }
      st.close();
      yield* client.lost;
      yield* server.lost;
      return server.got.map(([d]) => d.toString());
    }())`);
    const warning = "socket.send() raised exception.";
    assert.is(stderr, ["sendto 1", "sendto 2", "sendto 3", "sendto 4", "sendto 5", warning, "sendto 6", warning, ""].join("\n"));
    assert.equal(result, ["before"]);
    assert.equal(errors, []);
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
