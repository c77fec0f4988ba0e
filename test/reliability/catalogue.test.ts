// The bad-input catalogue (issue 10's attack, kept): every public function and method,
// called as a hostile or careless user would — wrong types, NaN delays, closed and foreign
// loops, done futures, non-coroutines, bad protocol factories. Rows are in catalogue/;
// the last test checks they cover the whole public surface, so a new export cannot skip it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as node from "../../src/node/index.js";
import * as testing from "../../src/testing/index.js";
import { rows as coreRows } from "./catalogue/core-rows.js";
import { publicCalls, runCatalogue } from "./catalogue/harness.js";
import { NOT_CALLED_BY_USERS, rows as nodeRows } from "./catalogue/node-rows.js";

runCatalogue("bad-input catalogue", coreRows);
runCatalogue("bad-input catalogue: wasyncio/node", nodeRows);

// ---- coverage ---------------------------------------------------------------------
// Calls that take no argument a user can get wrong, or whose every argument is accepted
// (a name is made a string, a message too): nothing for the catalogue to throw at.
const NOTHING_TO_REJECT = new Set([
  // the loop
  "time()", "createFuture()", "getTaskFactory()", "stop()", "isRunning()", "isClosed()", "toString()",
  "getExceptionHandler()", "getDebug()", "setDebug()", "shuffleSeed()", "metrics()",
  // futures and tasks
  "getLoop()", "done()", "cancelled()", "cancel()", "then()", "getName()", "setName()", "getCoro()",
  "cancelling()", "uncancel()", "when()", "getEventLoop()", "getRunningLoop()",
  // primitives (waiting has no argument; a state error has its asyncio row)
  "acquire()", "locked()", "wait()", "isSet()", "set()", "clear()", "notifyAll()", "reset()", "abort()",
  "qsize()", "empty()", "full()", "put()", "get()", "join()", "shutdown()", "iter()", "expired()",
  "new Lock()", "new Event()", "new TaskGroup()",
  // made by the loop (callSoon/callLater check the callback); a hot path, left unchecked
  "new Handle()", "new TimerHandle()",
  // made by startTrace() and createMemoryNetwork() (which check their arguments); the trace so far
  "new TraceRecorder()", "new MemoryNetwork()", "new MemoryServer()", "new MemoryTransport()", "events()",
  // contexts: an empty Context, copies, reads of the whole map; a Token is made by ContextVar.set()
  "new Context()", "copy()", "keys()", "values()", "entries()", "getContext()", "copyContext()", "new Token()",
  // executors: an inline executor takes no argument
  "new InlineExecutor()",
]);

test("the catalogue covers every public call of wasyncio, wasyncio/node and wasyncio/testing", () => {
  const covered = new Set([...coreRows, ...nodeRows].map((r) => r.call.replace(/^loop\./, "")));
  const missing = [...publicCalls([node, testing])].filter((c) => !covered.has(c) && !NOTHING_TO_REJECT.has(c) && !NOT_CALLED_BY_USERS.has(c));
  assert.equal(missing, [], `no catalogue row for: ${missing.join(", ")}`);
});
test.run();
