// loop.connectAcceptedSocket: a connection accepted outside the loop's servers (a facade
// socket from sockAccept, or a net.Socket from a plain node:net server) becomes a
// transport/protocol pair, plain or as the TLS server side. Real sockets on 127.0.0.1,
// a self-signed certificate made for the run, real-clock loops, both cores.
import * as net from "node:net";
import * as tls from "node:tls";
import * as assert from "uvu/assert";
import { type Transport } from "../../src/node/index.js";
import { bothCores } from "../helpers.js";
import { Echo, nodeClient, nodePeer, Recorder, selfSignedCert, wait } from "./helpers.js";
import { code, listener, pair } from "./socket-helpers.js";

const { key, cert } = selfSignedCert();

/** A plain node:net server whose first connection is handed over (paused, unread). */
function nodeServer(): Promise<[net.Server, number, Promise<net.Socket>]> {
  return new Promise((resolve) => {
    let give!: (s: net.Socket) => void;
    const first = new Promise<net.Socket>((r) => (give = r));
    const server = net.createServer({ pauseOnConnect: true }, (s) => give(s));
    server.listen(0, "127.0.0.1", () => resolve([server, (server.address() as net.AddressInfo).port, first]));
  });
}

bothCores("connectAcceptedSocket", (test) => {
  test("a facade socket from sockAccept: bytes it had received go to the protocol first, then the transport echoes", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const out = await loop.runUntilComplete(function* () {
      const [srv, port] = yield* wait(listener());
      const peer = nodeClient(port);
      yield* wait(peer.connected);
      peer.sock.write("early ");
      const [conn] = yield* loop.sockAccept(srv);
      // Wait until the early bytes are in the facade's receive buffer, unread.
      const readable = loop.createFuture<void>();
      loop.addReader(conn, () => {
        loop.removeReader(conn);
        readable.setResult(undefined);
      });
      yield* readable;
      const rec = new Recorder(loop);
      const [transport, proto] = yield* loop.connectAcceptedSocket(() => rec, conn);
      assert.ok(proto === rec);
      yield* rec.waitBytes(6);
      transport.write("hello back");
      peer.sock.write("later");
      yield* rec.waitBytes(11);
      yield* wait(peer.waitBytes(10));
      const peername = transport.getExtraInfo("peername");
      const localPort = peer.sock.localPort;
      transport.close();
      yield* rec.lost;
      srv.close();
      peer.sock.destroy();
      return { got: rec.received().toString(), back: peer.received().toString(), events: rec.events, peername, localPort };
    }());
    assert.is(out.got, "early later");
    assert.is(out.back, "hello back");
    assert.equal(out.events[0], "made");
    assert.equal(out.peername, ["127.0.0.1", out.localPort]);
    assert.equal(ctx.errors, []);
  });

  test("a net.Socket from a node:net server, as the TLS server side: every byte echoed over TLS", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const out = await loop.runUntilComplete(function* () {
      const [server, port, first] = yield* wait(nodeServer());
      const client = tls.connect({ host: "127.0.0.1", port, ca: cert, servername: "localhost" });
      const peer = nodePeer(client);
      const accepted = yield* wait(first);
      const [transport] = yield* loop.connectAcceptedSocket(() => new Echo(), accepted, { ssl: { key, cert } });
      const data = Buffer.alloc(100_000, "x");
      client.write(data);
      yield* wait(peer.waitBytes(data.length));
      const sslObject = transport.getExtraInfo("sslObject") ?? transport.getExtraInfo("cipher");
      transport.close();
      client.destroy();
      server.close();
      return { n: peer.received().length, same: peer.received().equals(data), secured: sslObject !== undefined, authorized: client.authorized };
    }());
    assert.equal(out, { n: 100_000, same: true, secured: true, authorized: true });
  });

  test("a client that never starts the TLS handshake: ECONNABORTED after sslHandshakeTimeout", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const events: string[] = [];
    await loop.runUntilComplete(function* () {
      const [server, port, first] = yield* wait(nodeServer());
      const silent = nodeClient(port);
      const accepted = yield* wait(first);
      const t0 = loop.time();
      try {
        yield* loop.connectAcceptedSocket(() => new Echo(), accepted, { ssl: { key, cert }, sslHandshakeTimeout: 200 });
        events.push("made");
      } catch (e) {
        events.push(`${code(e)}: ${/SSL handshake is taking longer than 0.2 seconds/.test(String(e))}`);
      }
      const waited = loop.time() - t0;
      events.push(waited >= 190 && waited < 5000 ? "after the timeout" : `after ${waited} ms`);
      yield* wait(silent.closed);
      events.push("peer closed");
      server.close();
    }());
    assert.equal(events, ["ECONNABORTED: true", "after the timeout", "peer closed"]);
  });

  test("bad arguments: not a socket, a listening socket, ssl: true, a timeout without ssl", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      const [cli, conn, srv] = yield* pair(loop);
      assert.throws(() => loop.connectAcceptedSocket(() => new Echo(), 42 as never), (e: unknown) => e instanceof TypeError && /connectAcceptedSocket\(\) expected sock/.test(String(e)));
      assert.throws(() => loop.connectAcceptedSocket(42 as never, conn), (e: unknown) => e instanceof TypeError && /connectAcceptedSocket\(\)/.test(String(e)));
      assert.throws(() => loop.connectAcceptedSocket(() => new Echo(), conn, { ssl: true as never }), (e: unknown) => e instanceof TypeError && /options\.ssl/.test(String(e)));
      assert.throws(() => loop.connectAcceptedSocket(() => new Echo(), conn, { sslHandshakeTimeout: 1 }), (e: unknown) => e instanceof RangeError && /sslHandshakeTimeout/.test(String(e)));
      let listening: unknown;
      try {
        yield* loop.connectAcceptedSocket(() => new Echo(), srv);
      } catch (e) {
        listening = e;
      }
      assert.ok(listening instanceof RangeError && /connectAcceptedSocket\(\) expected sock to be a connected socket/.test(String(listening)), String(listening));
      const [t] = yield* loop.connectAcceptedSocket(() => new Echo(), conn);
      (t as Transport).close();
      cli.close();
      srv.close();
    }());
  });
});
