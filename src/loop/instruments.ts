// Instruments: objects whose hooks the loop calls at the points Trio's instrument API names
// (trio/_core/_instrumentation.py, _run.py), in camelCase. The loop keeps one Instruments
// per loop, or null while none is installed: every hook site in the hot path is a single
// null check on a field, and the per-iteration work moves to a separate slow path.
import type { Task } from "../task.js";
import type { ExceptionContext } from "../events.js";

/**
 * An object of optional hooks that the loop calls (`loop.addInstrument()`), as Trio's
 * `trio.abc.Instrument`: observe a loop's runs, its tasks' lives and steps, and its idle
 * waits, with no cost while no instrument is installed. A hook that throws is reported to
 * the loop's exception handler and its instrument is removed (Trio disables it too).
 * @example
 * let steps = 0
 * const counter: Instrument = {
 *   beforeTaskStep(task) { steps++ },
 *   taskExited(task) { console.log(`${task.getName()} done after ${steps} steps in all`) },
 * }
 * loop.addInstrument(counter)
 */
export interface Instrument {
  /**
   * A run of the loop starts: `runForever()` (so `runUntilComplete()` and `run()`),
   * `runSync()`, and wasyncio/testing's `advance()`.
   */
  beforeRun?(): void;
  /** The run ends (the loop stopped, or the synchronous run returned or threw). */
  afterRun?(): void;
  /**
   * A task of the loop was created; its first `taskScheduled` follows, or at once its first
   * `beforeTaskStep` if it starts eagerly (`eagerStart`: that step runs inside the creator's).
   */
  taskSpawned?(task: Task<any>): void;
  /**
   * The task was put in the ready queue: its first step, every wake-up by the future it
   * awaits, a bare `yield`, the end of a `sleep()` it was parked in (as its timer's batch
   * runs), a cancellation that unparks it.
   */
  taskScheduled?(task: Task<any>): void;
  /** A step of the task's coroutine is about to run. */
  beforeTaskStep?(task: Task<any>): void;
  /** The step ran (after `taskExited` if it was the last). */
  afterTaskStep?(task: Task<any>): void;
  /** The task is done: its result, exception or cancellation is set. */
  taskExited?(task: Task<any>): void;
  /**
   * The loop goes idle with nothing ready. On the real clock: it sleeps on the host until
   * its next timer (`timeoutMs`; `Infinity`: none) or until something wakes it (I/O, a
   * promise). On the virtual clock: time jumps to the next timer (`timeoutMs`: the jump),
   * so a trace shows where virtual time passed. A turn given to the host while work is
   * still ready (every few ms of work) is no wait and calls neither hook.
   */
  beforeIoWait?(timeoutMs: number): void;
  /** The idle wait is over (`timeoutMs`: the same as its `beforeIoWait`). */
  afterIoWait?(timeoutMs: number): void;
}

/**
 * The hooks, public and internal: wasyncio's own trace recorder also sees each plain
 * callback run (`_beforeCallback(what, fromTimer)`, `_afterCallback()`) and each parked
 * task's sleep timer firing (`_timerFired(task)`), beyond Trio's set.
 */
const HOOKS = [
  "beforeRun", "afterRun", "taskSpawned", "taskScheduled", "beforeTaskStep", "afterTaskStep", "taskExited",
  "beforeIoWait", "afterIoWait", "_beforeCallback", "_afterCallback", "_timerFired",
] as const;
type HookName = (typeof HOOKS)[number];

/** @internal What the Instruments need of their loop: somewhere to report a hook that threw. */
interface Reporter {
  callExceptionHandler(context: ExceptionContext): void;
}

/** @internal The instruments of one loop, indexed by hook, as Trio's Instruments dict. */
export class Instruments {
  readonly #installed: object[] = [];
  /** Hook name -> the instruments that have it, in installation order. */
  readonly #byHook = new Map<HookName, object[]>();
  readonly #loop: Reporter;
  /** Called when a hook's failure removed the last instrument (the loop drops this object). */
  readonly #onEmpty: () => void;

  constructor(loop: Reporter, onEmpty: () => void) {
    this.#loop = loop;
    this.#onEmpty = onEmpty;
  }

  get size(): number {
    return this.#installed.length;
  }

  add(instrument: object): void {
    // Installing the same object twice is a no-op, as Trio's add_instrument.
    if (this.#installed.includes(instrument)) return;
    this.#installed.push(instrument);
    for (const hook of HOOKS) {
      if (typeof (instrument as Record<string, unknown>)[hook] === "function") {
        let list = this.#byHook.get(hook);
        if (list === undefined) this.#byHook.set(hook, (list = []));
        list.push(instrument);
      }
    }
  }

  /** False if `instrument` was not installed. */
  remove(instrument: object): boolean {
    const at = this.#installed.indexOf(instrument);
    if (at < 0) return false;
    this.#installed.splice(at, 1);
    for (const [hook, list] of this.#byHook) {
      const i = list.indexOf(instrument);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.#byHook.delete(hook);
    }
    return true;
  }

  /**
   * Calls `hook(arg)` on every instrument that has it. One that throws is reported and
   * removed; the others are still called. Iterates over a copy: a hook may add or remove.
   */
  call(hook: HookName, arg?: unknown, arg2?: unknown): void {
    const list = this.#byHook.get(hook);
    if (list === undefined) return;
    for (const instrument of list.length === 1 ? list : [...list]) {
      try {
        (instrument as Record<string, (a?: unknown, b?: unknown) => void>)[hook](arg, arg2);
      } catch (exception) {
        this.remove(instrument);
        if (this.#installed.length === 0) this.#onEmpty();
        this.#loop.callExceptionHandler({
          message: `Exception raised when calling ${hook}() on instrument ${describe(instrument)}; the instrument was removed`,
          exception,
          instrument,
        });
      }
    }
  }

  has(hook: HookName): boolean {
    return this.#byHook.has(hook);
  }
}

function describe(instrument: object): string {
  const name = instrument.constructor?.name;
  return name && name !== "Object" ? `<${name}>` : "<Instrument>";
}
