// checkTwoWayStream (wasyncio/testing) on real TCP connections: a pair made with
// startServer / openConnection on 127.0.0.1, on both cores and the real clock.
import * as assert from "uvu/assert";
import { Future, type Coroutine } from "../../src/index.js";
import { openConnection, startServer, type Server, type StreamReader, type StreamWriter } from "../../src/node/index.js";
import { checkTwoWayStream, type StreamPair } from "../../src/testing/index.js";
import { bothCores } from "../helpers.js";
import { portOf } from "./helpers.js";

bothCores("checkTwoWayStream over TCP", (test) => {
  test("a 127.0.0.1 connection made with startServer / openConnection passes every property", async ({ newLoop }) => {
    const loop = newLoop({ clock: "real" });
    const made: string[] = [];
    await loop.runUntilComplete((function* (): Coroutine<void> {
      let accepted: Future<[StreamReader, StreamWriter]> | null = null;
      const server: Server = yield* startServer((r, w) => {
        accepted!.setResult([r, w]);
      }, "127.0.0.1", 0);
      function* makePair(): Coroutine<StreamPair> {
        accepted = loop.createFuture<[StreamReader, StreamWriter]>();
        const client: [StreamReader, StreamWriter] = yield* openConnection("127.0.0.1", portOf(server));
        const serverSide: [StreamReader, StreamWriter] = yield* accepted;
        made.push("pair");
        return [client, serverSide];
      }
      yield* checkTwoWayStream(makePair);
      server.close();
      yield* server.waitClosed();
    })());
    assert.equal(made, ["pair", "pair", "pair", "pair"], "a fresh pair for each of the four properties");
  });
});
