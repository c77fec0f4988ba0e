// What every transport does when its protocol's callback throws (base-transport.ts):
// reported to the loop's exception handler, then the transport is aborted.
import * as assert from "uvu/assert";
import { sleep, type Transport } from "../../src/node/index.js";
import { bothCores } from "../helpers.js";
import { Echo, Recorder, nodeClient, portOf, wait, withServer } from "./helpers.js";

bothCores("Transport: a protocol callback throwing", (test) => {
  test("protocol callback throwing - reported to the exception handler; the transport is aborted", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const boom = new Error("boom");
    let proto!: Recorder;
    await withServer(loop, () => {
      proto = new Recorder(loop);
      proto.onData = () => {
        throw boom;
      };
      return proto;
    }, function* (server) {
      const peer = nodeClient(portOf(server));
      yield* wait(peer.connected);
      peer.sock.write("hello");
      peer.sock.write("more");
      const exc = yield* proto.lost;
      assert.is(exc, boom);
      yield* wait(peer.closed);
      assert.is(ctx.errors.length, 1);
      const c = ctx.errors[0];
      assert.is(c.message, "Fatal error: protocol.dataReceived() call failed.");
      assert.is(c.exception, boom);
      assert.is(c.protocol, proto);
      assert.is(c.transport, proto.transport);
      ctx.errors.length = 0;
      assert.equal(proto.events, ["made", "data", "lost boom"]);
    });
  });

  test("protocol callback throwing - connectionMade and eofReceived too; connectionLost's own error is reported", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await withServer(loop, () => new Echo(), function* (server) {
      const port = portOf(server);
      class BadMade extends Recorder {
        override connectionMade(t: Transport): void {
          super.connectionMade(t);
          throw new Error("made failed");
        }
      }
      const [t1, p1] = yield* loop.createConnection(() => new BadMade(loop), "127.0.0.1", port);
      // As asyncio (connection_made runs through call_soon): reported, the transport stays open.
      assert.not.ok(t1.isClosing());
      t1.close();
      assert.is(yield* p1.lost, null);
      class BadEof extends Recorder {
        override eofReceived(): boolean {
          super.eofReceived();
          throw new Error("eof failed");
        }
        override connectionLost(exc: Error | null): void {
          super.connectionLost(exc);
          throw new Error("lost failed");
        }
      }
      const [t2, p2] = yield* loop.createConnection(() => new BadEof(loop), "127.0.0.1", port);
      t2.writeEof();
      yield* p2.lost;
      yield* sleep(0);
      assert.equal(ctx.errors.map((c) => c.message), [
        "Exception in callback protocol.connectionMade()",
        "Fatal error: protocol.eofReceived() call failed.",
        "Exception in protocol.connectionLost()",
      ]);
      ctx.errors.length = 0;
      assert.equal(p2.events, ["made", "eof", "lost eof failed"]);
    });
  });
});
