// BufferedProtocol over a real connection (protocols.ts): each chunk copied into the
// protocol's own buffers, and reading paused from inside bufferUpdated.
import * as assert from "uvu/assert";
import { BufferedProtocol, sleep, type Transport } from "../../src/node/index.js";
import { bothCores } from "../helpers.js";
import { compact, nodeClient, payload, portOf, until, wait, withServer } from "./helpers.js";

bothCores("BufferedProtocol", (test) => {
  test("BufferedProtocol - each chunk is copied into getBuffer() in pieces; bufferUpdated(n); EOF and close", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    class Collect extends BufferedProtocol {
      buf = new Uint8Array(7);
      got: number[] = [];
      hints: number[] = [];
      events: string[] = [];
      lost = loop.createFuture<Error | null>();
      override connectionMade(): void {
        this.events.push("made");
      }
      override getBuffer(sizeHint: number): Uint8Array {
        this.hints.push(sizeHint);
        return this.buf;
      }
      override bufferUpdated(n: number): void {
        this.events.push("updated");
        for (let i = 0; i < n; i++) this.got.push(this.buf[i]);
      }
      override eofReceived(): void {
        this.events.push("eof");
      }
      override connectionLost(exc: Error | null): void {
        this.events.push(`lost ${exc}`);
        this.lost.setResult(exc);
      }
    }
    let proto!: Collect;
    await withServer(loop, () => (proto = new Collect()), function* (server) {
      const peer = nodeClient(portOf(server));
      yield* wait(peer.connected);
      const data = payload(100_000, 8);
      peer.sock.end(data);
      yield* proto.lost;
      assert.ok(Buffer.from(proto.got).equals(data));
      assert.ok(proto.hints.every((h) => h > 0));
      assert.equal(compact(proto.events), ["made", "updated", "eof", "lost null"]);
    });
  });

  test("BufferedProtocol - pauseReading inside bufferUpdated holds the rest of the chunk", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const got: number[] = [];
    let transport!: Transport;
    let updates = 0;
    const lost = loop.createFuture<Error | null>();
    const buf = new Uint8Array(10);
    await withServer(loop, () => ({
      connectionMade: (t: Transport) => void (transport = t),
      getBuffer: () => buf,
      bufferUpdated: (n: number) => {
        updates++;
        for (let i = 0; i < n; i++) got.push(buf[i]);
        transport.pauseReading();
      },
      connectionLost: (exc: Error | null) => lost.setResult(exc),
    }), function* (server) {
      const peer = nodeClient(portOf(server));
      yield* wait(peer.connected);
      const data = payload(1000, 1);
      peer.sock.write(data);
      yield* until(loop, () => updates === 1, "the first piece");
      for (let i = 0; i < 3; i++) yield* sleep(0);
      assert.is(updates, 1);
      while (got.length < data.length) {
        transport.resumeReading();
        yield* sleep(0);
      }
      assert.ok(Buffer.from(got).equals(data));
      // Reading stays paused after the last piece: the peer's EOF waits for a resume.
      peer.sock.end();
      transport.resumeReading();
      yield* lost;
    });
  });
});
