// wasyncio: Python's asyncio for JavaScript and TypeScript. The public API, by concept.

// The loop
export { EventLoop, newEventLoop } from "./base-loop.js";
export type { CreateTaskOptions } from "./events.js";
export { Handle, TimerHandle } from "./handles.js";
export { getRunningLoop, getEventLoop, setEventLoop } from "./running.js";
export { Runner, run, runSync, type Main, type RunnerOptions, type RunnerRunOptions } from "./runners.js";

// Futures and tasks
export { Future, type DoneCallback } from "./future.js";
export { Task, createTask, currentTask, allTasks, type TaskOptions } from "./task.js";
export { eagerTaskFactory, createEagerTaskFactory, type TaskConstructor } from "./eager-task-factory.js";
export { ensureFuture } from "./ensure-future.js";
export { wrapPromise } from "./promises.js";
export { sleep } from "./sleep.js";

// Introspection
export {
  captureCallGraph, formatCallGraph, printCallGraph, type CallGraphOptions, type FrameCallGraphEntry, type FutureCallGraph, type StackFrame,
} from "./call-graph.js";
export { dumpTasks } from "./dump-tasks.js";

// Combinators, timeouts, structured concurrency
export { gather, type AwaitedOf, type GatherOptions, type GatherResults, type GatherSettled } from "./gather.js";
export { wait, FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED, type ReturnWhen, type WaitOptions } from "./wait.js";
export { waitFor } from "./wait-for.js";
export { timeout, timeoutAt, Timeout, type TimeoutBody } from "./timeouts.js";
export { cancelScope, CancelScope, type CancelScopeBody, type CancelScopeOptions } from "./cancel-scope.js";
export { shield } from "./shield.js";
export { asCompleted, type AsCompletedIterator, type AsCompletedOptions } from "./as-completed.js";
export { TaskGroup, taskGroup } from "./taskgroup.js";

// Task-local context (Python's contextvars)
export { Context, ContextVar, Token, copyContext, type ContextVarOptions } from "./context.js";
export { toAbortSignal } from "./promises.js";

// Executors: CPU work off the loop's thread
export { toThread } from "./to-thread.js";
export { WorkerPool, type WorkerPoolOptions, type WorkerPoolCloseOptions } from "./worker-pool.js";
export { InlineExecutor } from "./inline-executor.js";
export type { Executor, ExecutorJob, ExecutorRunOptions, WorkerFunction } from "./executor.js";

// Synchronisation (src/sync/)
export { Lock } from "./sync/lock.js";
export { Event } from "./sync/event.js";
export { Condition, type LockLike } from "./sync/condition.js";
export { Semaphore, BoundedSemaphore } from "./sync/semaphore.js";
export { Barrier } from "./sync/barrier.js";
export { withLock, withSemaphore, type Acquirable } from "./sync/scoped.js";

// Queues
export { Queue, LifoQueue, type QueueOptions } from "./sync/queue.js";
export { PriorityQueue } from "./sync/priority-queue.js";

// Errors
export {
  CancelledError, InvalidStateError, TimeoutError, QueueEmpty, QueueFull, QueueShutDown,
  IncompleteReadError, LimitOverrunError, BrokenBarrierError, BlockingIOError,
  SendfileNotAvailableError, ExceptionGroup, LookupError, KeyboardInterrupt,
} from "./errors.js";

// Types
export type {
  AbortSignalLike, Awaitable, CallOptions, Coroutine, ExceptionContext, ExceptionHandler, LoopLike, LoopOptions, TaskFactory,
} from "./events.js";

// Instruments, traces, metrics
export type { Instrument } from "./loop/instruments.js";
export type { LoopMetrics } from "./loop/metrics.js";
export { startTrace, TraceRecorder, type Trace, type TraceEvent } from "./trace.js";
