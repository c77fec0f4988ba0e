// createTask's `signal` option: an AbortSignal that cancels tasks when it aborts, with the
// signal's reason as the cancel message.
import type { Task } from "./task.js";

function abortMessage(signal: AbortSignal): string | undefined {
  const reason: unknown = signal.reason;
  if (reason === undefined) return undefined;
  return reason instanceof Error ? reason.message : String(reason);
}

/**
 * The tasks each signal cancels. One listener per signal, whatever the number of tasks:
 * EventTarget removes a listener by searching its list, so one listener per task made
 * 100,000 tasks on one signal quadratic.
 */
const tasksBySignal = new WeakMap<AbortSignal, Set<Task<any>>>();

/** @internal Abort cancels `task`; the listener goes when the task ends. */
export function _linkSignal(task: Task<any>, signal: AbortSignal): void {
  if (signal.aborted) {
    task.cancel(abortMessage(signal));
    return;
  }
  let tasks = tasksBySignal.get(signal);
  if (tasks === undefined) {
    const linked = (tasks = new Set());
    tasksBySignal.set(signal, linked);
    const onAbort = () => {
      tasksBySignal.delete(signal);
      const message = abortMessage(signal);
      for (const t of linked) t.cancel(message);
      linked.clear();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    // The listener goes with the last task: kept on the set so the last one can remove it.
    (linked as Set<Task<any>> & { _onAbort?: () => void })._onAbort = onAbort;
  }
  tasks.add(task);
  const linked = tasks as Set<Task<any>> & { _onAbort?: () => void };
  task.addDoneCallback(() => {
    if (!linked.delete(task) || linked.size !== 0) return;
    tasksBySignal.delete(signal);
    signal.removeEventListener("abort", linked._onAbort!);
  });
}
