// TLS transports over real sockets with a self-signed certificate made for the test run,
// real-clock loops, both cores: asyncio's SSL transport behaviour (no half-close, the
// handshake before connectionMade, peercert) over node:tls.
import * as assert from "uvu/assert";
import * as tls from "node:tls";
import { Protocol, socket, type Transport } from "../../src/node/index.js";
import { bothCores } from "../helpers.js";
import { compact, Echo, nodeClient, nodePeer, payload, portOf, Recorder, selfSignedCert, until, wait, withServer } from "./helpers.js";

const { key, cert } = selfSignedCert();

/** Sends `data`, then closes (TLS has no half-close); collects what comes back. */
class Sender extends Recorder {
  constructor(loop: Recorder["loop"], readonly data: Buffer) {
    super(loop);
  }
  override connectionMade(t: Transport): void {
    super.connectionMade(t);
    t.write(this.data);
  }
}

bothCores("TLS", (test) => {
  test("echo - every byte back over TLS; canWriteEof false; peercert, cipher and sslcontext", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    let srv!: Recorder;
    await withServer(loop, () => {
      srv = new Recorder(loop);
      srv.onData = (d) => srv.transport.write(d);
      return srv;
    }, function* (server) {
      const data = payload(1 << 20, 2);
      const [t, cli] = yield* loop.createConnection(() => new Sender(loop, data), "127.0.0.1", portOf(server), {
        ssl: { ca: cert }, serverHostname: "localhost",
      });
      assert.is(cli.events[0], "made");
      assert.not.ok(t.canWriteEof());
      assert.throws(() => t.writeEof(), (e: Error) => /not supported on a TLS transport/.test(e.message));
      const peercert = t.getExtraInfo("peercert");
      assert.is(peercert.subject.CN, "localhost");
      assert.is(typeof t.getExtraInfo("cipher").name, "string");
      assert.ok(t.getExtraInfo("sslcontext"));
      assert.instance(t.getExtraInfo("sslObject"), tls.TLSSocket);
      assert.equal(t.getExtraInfo("peername"), ["127.0.0.1", portOf(server)]);
      yield* cli.waitBytes(data.length);
      assert.ok(cli.received().equals(data));
      assert.is(srv.transport.getExtraInfo("peercert"), null, "no client certificate");
      t.close();
      assert.is(yield* cli.lost, null);
      assert.is(yield* srv.lost, null);
      assert.equal(compact(cli.events.filter((e) => !e.endsWith("Writing"))), ["made", "data", "lost null"]);
      assert.equal(compact(srv.events.filter((e) => !e.endsWith("Writing"))), ["made", "data", "eof", "lost null"]);
    }, { ssl: { key, cert } });
  });

  test("EOF - eofReceived returning true still closes a TLS transport (no half-close)", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    let srv!: Recorder;
    await withServer(loop, () => (srv = new Recorder(loop, { keepOpen: true })), function* (server) {
      const peer = nodePeer(tls.connect({ host: "127.0.0.1", port: portOf(server), ca: cert, servername: "localhost" }));
      yield* wait(new Promise<void>((resolve) => peer.sock.once("secureConnect", () => resolve())));
      // The server's handshake ends after the client's (it waits for the client's Finished).
      yield* until(loop, () => srv !== undefined, "the server side is made");
      peer.sock.end("bye");
      yield* srv.lost;
      assert.equal(compact(srv.events), ["made", "data", "eof", "lost null"]);
      yield* wait(peer.closed);
    }, { ssl: tls.createSecureContext({ key, cert }) });
  });

  test("verification - an untrusted certificate or a wrong host name rejects createConnection", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      let served = 0;
      const server = yield* loop.createServer(() => {
        served++;
        return new Echo();
      }, "127.0.0.1", 0, { ssl: { key, cert } });
      const port = portOf(server);
      const codes: string[] = [];
      for (const opts of [{ ssl: true }, { ssl: { ca: cert }, serverHostname: "example.com" }]) {
        try {
          yield* loop.createConnection(() => new Protocol(), "127.0.0.1", port, opts);
          assert.unreachable("connected");
        } catch (e) {
          codes.push((e as NodeJS.ErrnoException).code ?? String(e));
        }
      }
      assert.equal(codes, ["DEPTH_ZERO_SELF_SIGNED_CERT", "ERR_TLS_CERT_ALTNAME_INVALID"]);
      // The failed handshakes leave nothing behind: the server closes at once.
      server.close();
      yield* server.waitClosed();
      assert.ok(served <= 2);
    }());
  });

  test("server handshake failure - a plain-TCP client is dropped quietly; waitClosed does not wait for it", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    let served = 0;
    await withServer(loop, () => {
      served++;
      return new Echo();
    }, function* (server) {
      const [t, p] = yield* loop.createConnection(() => new Recorder(loop), "127.0.0.1", portOf(server));
      t.write("GET / HTTP/1.0\r\n\r\n");
      yield* p.lost;
      assert.is(served, 0);
    }, { ssl: { key, cert } });
  });

  test("sslHandshakeTimeout - a peer that never finishes the handshake is dropped", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      const server = yield* loop.createServer(() => new Echo(), "127.0.0.1", 0, { ssl: { key, cert }, sslHandshakeTimeout: 30 });
      const t0 = loop.time();
      const peer = nodeClient(portOf(server));
      yield* wait(peer.closed);
      assert.ok(loop.time() - t0 >= 25, "not before the timeout");
      server.close();
      yield* server.waitClosed();
      assert.throws(() => loop.createServer(() => new Echo(), "127.0.0.1", 0, { sslHandshakeTimeout: 10 }), (e: Error) => e instanceof RangeError);
    }());
  });

  test("sock - TLS over a listening wasyncio socket and over a connected one", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      const lsock = socket();
      lsock.bind(["127.0.0.1", 0]);
      lsock.listen(10);
      let srv!: Recorder;
      const server = yield* loop.createServer(() => {
        srv = new Recorder(loop);
        srv.onData = (d) => srv.transport.write(d);
        return srv;
      }, null, null, { sock: lsock, ssl: { key, cert } });
      // The server listens once createServer is done, on every Node.
      const port = (lsock.getsockname() as [string, number])[1];
      const csock = socket();
      yield* loop.sockConnect(csock, ["127.0.0.1", port]);
      const data = payload(100_000, 4);
      const [t, cli] = yield* loop.createConnection(() => new Sender(loop, data), null, null, {
        sock: csock, ssl: { ca: cert }, serverHostname: "localhost",
      });
      yield* cli.waitBytes(data.length);
      assert.ok(cli.received().equals(data));
      assert.is(t.getExtraInfo("peercert").subject.CN, "localhost");
      t.close();
      yield* cli.lost;
      yield* srv.lost;
      server.close();
      yield* server.waitClosed();
    }());
  });

  test("ssl without serverHostname on a sock is a RangeError at the call", (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const sock = socket();
    try {
      assert.throws(() => loop.createConnection(() => new Protocol(), null, null, { sock, ssl: true }),
        (e: Error) => e instanceof RangeError && /serverHostname/.test(e.message));
    } finally {
      sock.close();
    }
  });
});
