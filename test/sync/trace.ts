// What the sync layer's "trace" tests share: they replay event orders recorded from
// CPython's asyncio (the same program in Python, with a ticker task logging every loop
// iteration, so each wake-up must take as many iterations as there).
import { sleep, type Coroutine, type Task } from "../../src/index.js";

/** Logs `t0`, `t1`, ... once per loop iteration (asyncio.sleep(0) per step). */
export function* ticker(log: string[], n = 10): Coroutine<void> {
  for (let i = 0; i < n; i++) {
    log.push(`t${i}`);
    yield* sleep(0);
  }
}

/** Waits for every task, ignoring their exceptions (gather(..., return_exceptions=True)). */
export function* settle(...tasks: Task<any>[]): Coroutine<void> {
  for (const t of tasks) {
    try {
      yield* t;
    } catch {
      /* recorded by the task itself */
    }
  }
}
