// The readiness bridge (addReader/addWriter): level-triggered callbacks on real sockets,
// on both cores.
import net from "node:net";
import * as assert from "uvu/assert";
import { BlockingIOError, sleep, type Socket } from "../../src/node/index.js";
import { bothCores } from "../helpers.js";
import { wait } from "./helpers.js";
import { listener, pair } from "./socket-helpers.js";

bothCores("readiness bridge", (test) => {
  test("addReader is level-triggered: it runs once per iteration while data is buffered, then stops", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const log = await loop.runUntilComplete(function* () {
      const [cli, conn, srv] = yield* pair(loop);
      const log: string[] = [];
      const gotAll = loop.createFuture<void>();
      yield* loop.sockSendall(cli, "abc");
      // A ticker that logs every iteration, to show the reader runs once per iteration.
      let ticking = true;
      const ticker = loop.createTask(function* () {
        while (ticking) {
          log.push("tick");
          yield* sleep(0);
        }
      }());
      loop.addReader(conn, () => {
        let byte: Uint8Array;
        try {
          byte = conn.recv(1);
        } catch (e) {
          if (e instanceof BlockingIOError) return void log.push("spurious");
          throw e;
        }
        log.push(Buffer.from(byte).toString());
        if (log.filter((x) => x.length === 1).length === 3) gotAll.setResult();
      });
      yield* gotAll;
      // Nothing is buffered: the reader must not run again until more data comes.
      for (let i = 0; i < 5; i++) yield* sleep(0);
      ticking = false;
      yield* ticker;
      assert.ok(loop.removeReader(conn));
      assert.not.ok(loop.removeReader(conn));
      for (const s of [cli, conn, srv]) s.close();
      return log;
    }());
    const letters = log.filter((x) => x !== "tick");
    assert.equal(letters, ["a", "b", "c"]);
    // Between two letters there is exactly one tick (one iteration each), and after "c" only ticks.
    const i = log.indexOf("a");
    assert.equal(log.slice(i, i + 5), ["a", "tick", "b", "tick", "c"]);
  });

  test("addReader on a listening socket runs when a connection waits; a new addReader replaces the old", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const log = await loop.runUntilComplete(function* () {
      const [srv, port] = yield* wait(listener());
      const log: string[] = [];
      const accepted = loop.createFuture<Socket>();
      loop.addReader(srv.fileno(), () => log.push("old"));
      loop.addReader(srv, (tag: string) => {
        log.push(tag);
        const [conn] = srv.accept();
        loop.removeReader(srv);
        accepted.setResult(conn);
      }, "new");
      const client = net.connect(port, "127.0.0.1");
      const conn = yield* accepted;
      client.destroy();
      conn.close();
      srv.close();
      return log;
    }());
    assert.equal(log, ["new"]);
  });

  test("addWriter runs while the socket is writable, each iteration, until removed; errors name the call", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    const calls = await loop.runUntilComplete(function* () {
      const [cli, conn, srv] = yield* pair(loop);
      let calls = 0;
      const done = loop.createFuture<void>();
      loop.addWriter(cli, () => {
        if (++calls === 3) {
          loop.removeWriter(cli);
          done.setResult();
        }
      });
      yield* done;
      yield* sleep(0);
      assert.throws(() => loop.addWriter(cli, 42 as never), (e: unknown) => e instanceof TypeError && /addWriter\(\) expected a function, got 42/.test(String(e)));
      assert.throws(() => loop.addReader(123456, () => {}), (e: unknown) => e instanceof RangeError && /123456/.test(String(e)));
      assert.throws(() => loop.addReader("x" as never, () => {}), (e: unknown) => e instanceof TypeError);
      for (const s of [cli, conn, srv]) s.close();
      assert.throws(() => loop.addReader(cli, () => {}), (e: unknown) => e instanceof RangeError && /closed/.test(String(e)));
      assert.not.ok(loop.removeWriter(cli));
      return calls;
    }());
    assert.is(calls, 3);
  });

  test("a reader callback that throws goes to the exception handler; the loop keeps running", async (ctx) => {
    const loop = ctx.newLoop({ clock: "real" });
    await loop.runUntilComplete(function* () {
      const [cli, conn, srv] = yield* pair(loop);
      yield* loop.sockSendall(cli, "x");
      const ran = loop.createFuture<void>();
      loop.addReader(conn, () => {
        loop.removeReader(conn);
        ran.setResult();
        throw new Error("boom in reader");
      });
      yield* ran;
      yield* sleep(0);
      for (const s of [cli, conn, srv]) s.close();
    }());
    assert.is(ctx.errors.length, 1);
    assert.match(String(ctx.errors[0].exception), /boom in reader/);
    ctx.errors.length = 0;
  });
});
