// Every name of API.md's core sections is exported by the package's main entry.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as wasyncio from "../src/index.js";

const FUNCTIONS = [
  "run", "runSync", "getRunningLoop", "getEventLoop", "setEventLoop", "newEventLoop",
  "sleep", "gather", "wait", "waitFor", "timeout", "timeoutAt", "shield", "asCompleted",
  "ensureFuture", "currentTask", "allTasks", "wrapPromise", "toAbortSignal", "taskGroup",
  "withLock", "withSemaphore",
];
const CLASSES = [
  "EventLoop", "Handle", "TimerHandle", "Future", "Task", "TaskGroup", "Timeout",
  "Lock", "Event", "Condition", "Semaphore", "BoundedSemaphore", "Barrier",
  "Queue", "PriorityQueue", "LifoQueue",
  "CancelledError", "InvalidStateError", "TimeoutError", "QueueEmpty", "QueueFull", "QueueShutDown",
  "IncompleteReadError", "LimitOverrunError", "BrokenBarrierError", "BlockingIOError",
  "SendfileNotAvailableError", "ExceptionGroup",
];

test("the main entry exports every function and class of the contract", () => {
  const api = wasyncio as unknown as Record<string, unknown>;
  for (const name of [...FUNCTIONS, ...CLASSES]) assert.type(api[name], "function", name);
  for (const name of CLASSES) assert.ok(/^class /.test(String(api[name])), `${name} is a class`);
  assert.is(wasyncio.FIRST_COMPLETED, "FIRST_COMPLETED");
  assert.is(wasyncio.FIRST_EXCEPTION, "FIRST_EXCEPTION");
  assert.is(wasyncio.ALL_COMPLETED, "ALL_COMPLETED");
});

test("the loop has every method of the contract (Node networking aside)", () => {
  const loop = new wasyncio.EventLoop();
  const methods = [
    "runUntilComplete", "runForever", "stop", "close", "isRunning", "isClosed", "callSoon", "callLater",
    "callAt", "time", "createFuture", "createTask", "setTaskFactory", "getTaskFactory", "setExceptionHandler",
    "getExceptionHandler", "callExceptionHandler", "defaultExceptionHandler", "getDebug", "setDebug",
  ];
  for (const m of methods) assert.type((loop as unknown as Record<string, unknown>)[m], "function", m);
  loop.close();
});

test.run();
