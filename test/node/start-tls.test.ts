// loop.startTls: STARTTLS on an open connection, both sides, over real sockets with a
// self-signed certificate made for the run, real-clock loops, both cores: a plaintext
// exchange, the upgrade, then encrypted data both ways; the handshake timeout; a closing
// transport; bad arguments.
import * as tls from "node:tls";
import * as assert from "uvu/assert";
import { openConnection, sleep, startServer, type EventLoop } from "../../src/node/index.js";
import { bothCores } from "../helpers.js";
import { nodeClient, portOf, Recorder, recorders, selfSignedCert, wait, withServer } from "./helpers.js";
import { code } from "./socket-helpers.js";

const { key, cert } = selfSignedCert();

bothCores("startTls", (test) => {
  test("both sides wasyncio: plaintext, the upgrade, then encrypted data both ways to the same protocols", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const out = await loop.runUntilComplete(function* () {
      const { server, srv, client, plainClient } = yield* plainPair(loop);
      plainClient.write("STARTTLS\r\n");
      yield* srv.waitBytes(10);
      srv.transport.write("GO\r\n");
      yield* client.waitBytes(4);
      // The server's upgrade starts first; the client's follows (both wait for the handshake).
      const serverTls = loop.startTls(srv.transport, srv, { key, cert }, { serverSide: true });
      const clientTls = yield* loop.startTls(plainClient, client, { ca: cert }, { serverHostname: "localhost" });
      const srvTls = yield* serverTls;
      assert.throws(() => loop.startTls(clientTls, client, { ca: cert }), (e: unknown) => /startTls\(\): the transport is already TLS/.test(String(e)));
      clientTls.write("secret from the client");
      srvTls.write("secret from the server");
      yield* srv.waitBytes(10 + 22);
      yield* client.waitBytes(4 + 22);
      const info = {
        cipher: (clientTls.getExtraInfo("cipher") as { name?: string } | null)?.name !== undefined,
        peercertCN: (clientTls.getExtraInfo("peercert") as { subject?: { CN?: string } } | null)?.subject?.CN,
        oldClosing: plainClient.isClosing(),
        canWriteEof: clientTls.canWriteEof(),
        protocolKept: clientTls.getProtocol() === client,
      };
      clientTls.close();
      yield* client.lost;
      yield* srv.lost;
      server.close();
      yield* server.waitClosed();
      return { server: srv.received().toString(), client: client.received().toString(), clientEvents: client.events, info };
    }());
    assert.is(out.server, "STARTTLS\r\nsecret from the client");
    assert.is(out.client, "GO\r\nsecret from the server");
    assert.equal(out.info, { cipher: true, peercertCN: "localhost", oldClosing: true, canWriteEof: false, protocolKept: true });
    // connectionMade once (not again after the upgrade), connectionLost once.
    assert.is(out.clientEvents.filter((e) => e === "made").length, 1);
    assert.is(out.clientEvents.filter((e) => e.startsWith("lost")).length, 1);
    assert.equal(ctx.errors, []);
  });

  test("an upgraded server-side connection is still the server's: closeClients() closes it, waitClosed() waits for it", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const out = await loop.runUntilComplete(function* () {
      const { server, srv, client, plainClient } = yield* plainPair(loop);
      const serverTls = loop.startTls(srv.transport, srv, { key, cert }, { serverSide: true });
      const clientTls = yield* loop.startTls(plainClient, client, { ca: cert }, { serverHostname: "localhost" });
      const srvTls = yield* serverTls;
      server.close();
      const closed = server.waitClosed();
      yield* sleep(20);
      const waitedForTheClient = !closed.done();
      server.closeClients();
      yield* srv.lost;
      yield* closed;
      yield* client.lost;
      return { waitedForTheClient, srvClosing: srvTls.isClosing(), clientClosing: clientTls.isClosing() };
    }());
    assert.equal(out, { waitedForTheClient: true, srvClosing: true, clientClosing: true });
    assert.equal(ctx.errors, []);
  });

  test("the server side against a node:tls client that upgrades its own socket", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const recs: Recorder[] = [];
    const out = await withServer(loop, recorders(loop, recs), function* (server) {
      const port = portOf(server);
      {
        const peer = nodeClient(port);
        yield* wait(peer.connected);
        peer.sock.write("hello");
        const srv = yield* waitFor(() => recs[0]);
        yield* srv.waitBytes(5);
        const upgrading = loop.startTls(srv.transport, srv, { key, cert }, { serverSide: true });
        const secure = tls.connect({ socket: peer.sock, ca: cert, servername: "localhost" });
        const chunks: Buffer[] = [];
        secure.on("data", (d: Buffer) => chunks.push(d));
        const t = yield* upgrading;
        secure.write("over tls");
        t.write("reply");
        yield* srv.waitBytes(5 + 8);
        yield* wait(new Promise<void>((resolve) => {
          const check = () => (Buffer.concat(chunks).length >= 5 ? resolve() : setTimeout(check, 5));
          check();
        }));
        secure.destroy();
        yield* srv.lost;
        return { got: srv.received().toString(), back: Buffer.concat(chunks).toString(), authorized: secure.authorized };
      }
    });
    assert.equal(out, { got: "helloover tls", back: "reply", authorized: true });
  });

  test("a peer that never answers the handshake: ECONNABORTED after sslHandshakeTimeout", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const events: string[] = [];
    const recs: Recorder[] = [];
    await withServer(loop, recorders(loop, recs), function* (server) {
      const port = portOf(server);
      {
        const peer = nodeClient(port);
        yield* wait(peer.connected);
        const srv = yield* waitFor(() => recs[0]);
        yield* srv.made;
        const t0 = loop.time();
        try {
          yield* loop.startTls(srv.transport, srv, { key, cert }, { serverSide: true, sslHandshakeTimeout: 200 });
          events.push("upgraded");
        } catch (e) {
          events.push(`${code(e)} ${/SSL handshake is taking longer than 0.2 seconds/.test(String(e))}`);
        }
        const waited = loop.time() - t0;
        events.push(waited >= 190 ? "after the timeout" : `after ${waited} ms`);
        yield* wait(peer.closed);
        events.push("peer closed");
      }
    });
    assert.equal(events, ["ECONNABORTED true", "after the timeout", "peer closed"]);
  });

  test("StreamWriter.startTls: a line-based STARTTLS exchange, server and client both on streams", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const out = await loop.runUntilComplete(function* () {
      const log: string[] = [];
      const done = loop.createFuture<void>();
      const server = yield* startServer(function* (reader, writer) {
        log.push(`server: ${(yield* reader.readline()).toString().trim()}`);
        writer.write("GO\n");
        yield* writer.startTls({ key, cert });
        log.push(`server over tls: ${(yield* reader.readline()).toString().trim()}`);
        writer.write("encrypted reply\n");
        yield* writer.drain();
        yield* done;
        writer.close();
      }, "127.0.0.1", 0);
      const port = (server.sockets[0]!.getsockname() as [string, number])[1];
      const [reader, writer] = yield* openConnection("127.0.0.1", port);
      writer.write("STARTTLS\n");
      log.push(`client: ${(yield* reader.readline()).toString().trim()}`);
      yield* writer.startTls({ ca: cert }, { serverHostname: "localhost" });
      const cipher = writer.getExtraInfo("cipher") !== undefined && writer.transport.getExtraInfo("sslObject") !== undefined;
      writer.write("encrypted hello\n");
      log.push(`client over tls: ${(yield* reader.readline()).toString().trim()}`);
      done.setResult(undefined);
      const rest = yield* reader.read();
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
      return { log, cipher, eof: rest.length };
    }());
    assert.equal(out.log, ["server: STARTTLS", "client: GO", "server over tls: encrypted hello", "client over tls: encrypted reply"]);
    assert.equal({ cipher: out.cipher, eof: out.eof }, { cipher: true, eof: 0 });
    assert.equal(ctx.errors, []);
  });

  test("a closing transport, an already-TLS transport and bad arguments are refused at the call", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await withServer(loop, () => new Recorder(loop), function* (server) {
      const port = portOf(server);
      {
        const client = new Recorder(loop);
        const [t] = yield* loop.createConnection(() => client, "127.0.0.1", port);
        assert.throws(() => loop.startTls({} as never, client, { ca: cert }), (e: unknown) => e instanceof TypeError && /startTls\(\) expected transport/.test(String(e)));
        assert.throws(() => loop.startTls(t, {} as never, { ca: cert }), (e: unknown) => e instanceof TypeError && /startTls\(\) expected protocol/.test(String(e)));
        assert.throws(() => loop.startTls(t, client, null as never), (e: unknown) => e instanceof TypeError && /sslContext/.test(String(e)));
        assert.throws(() => loop.startTls(t, client, { key, cert }, { serverSide: true, serverHostname: "x" }), (e: unknown) => e instanceof RangeError && /serverHostname/.test(String(e)));
        assert.throws(() => loop.startTls(t, client, { ca: cert }, { sslHandshakeTimeout: -1 }), (e: unknown) => e instanceof RangeError && /sslHandshakeTimeout/.test(String(e)));
        t.close();
        assert.throws(() => loop.startTls(t, client, { ca: cert }), (e: unknown) => /startTls\(\): the transport is closing/.test(String(e)));
        yield* client.lost;
      }
    });
  });
});

/** Waits (loop iterations, then host ticks) until `get()` gives a value. */
/** A wasyncio server on 127.0.0.1 and a plaintext connection to it: the server's Recorder, the client's, and its transport. */
function* plainPair(loop: EventLoop) {
  const serverSide: Recorder[] = [];
  const server = yield* loop.createServer(() => {
    const r = new Recorder(loop);
    serverSide.push(r);
    return r;
  }, "127.0.0.1", 0);
  const client = new Recorder(loop);
  const [plainClient] = yield* loop.createConnection(() => client, "127.0.0.1", portOf(server));
  const srv = yield* waitFor(() => serverSide[0]);
  return { server, srv, client, plainClient };
}

function* waitFor<T>(get: () => T | undefined): Generator<any, T, any> {
  for (let i = 0; i < 1000; i++) {
    const v = get();
    if (v !== undefined) return v;
    yield* wait(new Promise<void>((r) => setImmediate(r)));
  }
  throw new Error("waitFor: nothing came");
}
