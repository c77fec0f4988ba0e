// wasyncio: Python's asyncio for JavaScript and TypeScript. The public API, by concept.

// The loop
export { EventLoop, newEventLoop, type CreateTaskOptions } from "./base-loop.js";
export { Handle, TimerHandle } from "./handles.js";
export { getRunningLoop, getEventLoop, setEventLoop } from "./running.js";
export { run, runSync, type Main } from "./runners.js";

// Futures and tasks
export { Future } from "./future.js";
export { Task, currentTask, allTasks, type TaskOptions } from "./task.js";
export { ensureFuture } from "./ensure-future.js";
export { wrapPromise } from "./promises.js";
export { sleep } from "./sleep.js";

// Combinators and timeouts (added by the concurrency issue)

// Synchronisation (src/sync/)

// Queues (src/queues.ts)

// Errors
export {
  CancelledError, InvalidStateError, TimeoutError, QueueEmpty, QueueFull, QueueShutDown,
  IncompleteReadError, LimitOverrunError, BrokenBarrierError, BlockingIOError,
  SendfileNotAvailableError, ExceptionGroup,
} from "./errors.js";

// Types
export type {
  Awaitable, Coroutine, ExceptionContext, ExceptionHandler, LoopLike, LoopOptions, TaskFactory,
} from "./events.js";
