// dumpTasks() / loop.dumpTasks(): one row per pending task, on both cores.
import * as assert from "uvu/assert";
import { dumpTasks, sleep } from "../src/index.js";
import { bothCores, caught, runIn } from "./helpers.js";

// How a stack trace names this file: a path under Node, the URL it was served from in a browser.
const url = new URL(import.meta.url);
const THIS_FILE = (url.protocol === "file:" ? url.pathname : url.href).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

bothCores("dumpTasks", (test) => {
  test("id, name, state, awaits, suspended at, created at, age (debug mode)", ({ newLoop }) => {
    const loop = newLoop({ debug: true });
    const sleeper = loop.createTask((function* sleeper() {
      yield* sleep(10);
    })(), { name: "sleeper" });
    const waiter = loop.createTask((function* () {
      yield* sleeper;
    })(), { name: "waiter" });
    loop._runOnce();
    runIn(loop, sleep(4));
    const text = loop.dumpTasks();
    assert.is(text, dumpTasks(loop), "one mechanism");
    const [header, rule, ...rows] = text.split("\n");
    assert.equal(header.split(/\s{2,}/), ["id", "name", "state", "awaits", "suspended at", "created at", "age"]);
    assert.match(rule, /^-+$/);
    assert.is(rows.length, 2);
    const sleeperRow = rows.find((r) => r.includes("sleeper "))!.split(/\s{2,}/);
    assert.equal(sleeperRow.slice(1, 4), ["sleeper", "sleeping", "sleep until 10"]);
    assert.match(sleeperRow[4], new RegExp(`^sleeper ${THIS_FILE}:\\d+$`));
    assert.match(sleeperRow[5], new RegExp(`${THIS_FILE}:\\d+$`));
    assert.is(sleeperRow[6], "4 ms");
    const waiterRow = rows.find((r) => r.includes("waiter"))!.split(/\s{2,}/);
    assert.equal(waiterRow.slice(1, 4), ["waiter", "waiting", `Task 'sleeper' ${sleeperRow[0]}`]);
    runIn(loop, waiter);
    assert.is(loop.dumpTasks().split("\n").length, 2, "the header and the rule only");
  });

  test("outside debug mode the frames and the age are blank; a bad loop is a TypeError", ({ loop }) => {
    loop.createTask(sleep(5), { name: "s" });
    loop._runOnce();
    const row = loop.dumpTasks().split("\n")[2];
    assert.equal(row.split(/\s{2,}/).slice(1), ["s", "sleeping", "sleep until 5"]);
    assert.match(String(caught(() => dumpTasks({} as never))), /dumpTasks\(\) expected loop/);
    runIn(loop, sleep(10));
  });
});
