// loop.addSignalHandler / removeSignalHandler: asyncio's unix_events signal handlers on
// Node's process signal events. A listener on `process` only calls `callSoon`, which wakes
// a sleeping loop; the callback itself runs in the loop, in the context captured when the
// handler was added (asyncio makes its Handle then, with copy_context()).
import { constants } from "node:os";
import { EventLoop } from "../base-loop.js";
import type { _Resource } from "../events.js";
import { copyContext, type Context } from "../context.js";
import { checkNotClosed, expected } from "../checks.js";
import { repr } from "../util.js";
import { installLoopMethods } from "./install.js";

/**
 * A signal as the loop methods take it: its name (`"SIGINT"`) or its number on this
 * platform (`os.constants.signals.SIGINT`).
 * @example
 * const sig: SignalLike = "SIGTERM"
 */
export type SignalLike = NodeJS.Signals | number;

/** The signals a listener can never see: the kernel does not let a process catch them. */
const UNCATCHABLE = new Set(["SIGKILL", "SIGSTOP"]);

/** signal number -> name, for the numbers os.constants.signals knows. */
const NAMES = new Map<number, NodeJS.Signals>(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));

/** The signal's name, or a TypeError (not a name or number) / RangeError (not a signal here). */
function signalName(call: string, sig: unknown): NodeJS.Signals {
  if (typeof sig === "number") {
    const name = Number.isInteger(sig) ? NAMES.get(sig) : undefined;
    if (name === undefined) throw expected(call, "a signal number of os.constants.signals", sig, RangeError);
    return name;
  }
  if (typeof sig !== "string") throw expected(call, "sig to be a signal name or number", sig);
  if (!Object.hasOwn(constants.signals, sig)) throw expected(call, "a signal name of os.constants.signals", sig, RangeError);
  return sig as NodeJS.Signals;
}

/** One installed handler: the process listener, and what it schedules. */
interface Installed {
  listener: () => void;
}

/**
 * A loop's signal handlers. It is one of the loop's resources, so the loop's close()
 * removes them (asyncio's close() does). While any is installed a ref'd timer keeps Node
 * running: a process listener alone does not, and asyncio's loop waits in select() for a
 * signal however long it takes.
 */
class SignalHandlers implements _Resource {
  readonly installed = new Map<NodeJS.Signals, Installed>();
  #keepAlive: ReturnType<typeof setInterval> | null = null;

  add(sig: NodeJS.Signals, installed: Installed): void {
    // Listening first: if Node refuses the signal, the handler it replaces stays.
    process.on(sig, installed.listener);
    this.remove(sig);
    this.installed.set(sig, installed);
    // The longest interval Node allows; it never needs to fire, only to be pending.
    this.#keepAlive ??= setInterval(() => {}, 2 ** 31 - 1);
  }

  remove(sig: NodeJS.Signals): boolean {
    const installed = this.installed.get(sig);
    if (installed === undefined) return false;
    this.installed.delete(sig);
    process.removeListener(sig, installed.listener);
    if (this.installed.size === 0 && this.#keepAlive !== null) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = null;
    }
    return true;
  }

  _loopClosed(): void {
    for (const sig of [...this.installed.keys()]) this.remove(sig);
  }
}

const tables = new WeakMap<EventLoop, SignalHandlers>();

/** @internal The signals `loop` has a handler for (the Runner leaves SIGINT to such a handler). */
export function _hasSignalHandler(loop: EventLoop, sig: NodeJS.Signals): boolean {
  return tables.get(loop)?.installed.has(sig) ?? false;
}

function addSignalHandler(this: EventLoop, sig: SignalLike, callback: (...args: any[]) => unknown, ...args: unknown[]): void {
  const call = "addSignalHandler()";
  const name = signalName(call, sig);
  if (typeof callback !== "function") throw expected(call, "callback to be a function", callback);
  // asyncio refuses coroutine functions: what they return would never be awaited.
  const kind = callback.constructor?.name;
  if (kind === "GeneratorFunction" || kind === "AsyncFunction" || kind === "AsyncGeneratorFunction") {
    throw new TypeError(`${call}: coroutines cannot be used as signal handlers, got ${repr(callback)}: start a task from a plain function instead`);
  }
  checkNotClosed(call, this);
  // asyncio: "sig {sig} cannot be caught" (RuntimeError); Node would throw EINVAL from uv_signal_start.
  if (UNCATCHABLE.has(name)) throw new Error(`${call}: signal ${name} cannot be caught`);
  let table = tables.get(this);
  if (table === undefined) {
    table = new SignalHandlers();
    tables.set(this, table);
  }
  this._addResource(table);
  const context: Context = copyContext();
  const loop = this;
  table.add(name, {
    listener() {
      // A signal delivered after close() (a listener removed mid-emit) has nowhere to go.
      if (!loop.isClosed()) loop.callSoon({ context }, callback, ...args);
    },
  });
}

function removeSignalHandler(this: EventLoop, sig: SignalLike): boolean {
  const name = signalName("removeSignalHandler()", sig);
  return tables.get(this)?.remove(name) ?? false;
}

installLoopMethods({ addSignalHandler, removeSignalHandler });

declare module "../base-loop.js" {
  interface EventLoop {
    /**
     * Runs `callback(...args)` in the loop each time the process receives `sig` (asyncio's
     * `add_signal_handler`): the Node listener only schedules it, as `callSoon` in the
     * context current now, and wakes the loop. Adding a handler for a signal that has one
     * replaces it. While the loop has a handler, Node keeps running to wait for the signal,
     * until the handler is removed or the loop is closed (close() removes them all).
     * `sig` is a name or a number of `os.constants.signals` (TypeError / RangeError
     * otherwise); SIGKILL and SIGSTOP cannot be caught (Error).
     * @example
     * const stop = new Event()
     * loop.addSignalHandler("SIGTERM", () => stop.set())
     * yield* stop.wait()
     * loop.removeSignalHandler("SIGTERM")
     */
    addSignalHandler<A extends unknown[]>(sig: SignalLike, callback: (...args: A) => unknown, ...args: A): void;
    /**
     * Removes the handler of `sig` (asyncio's `remove_signal_handler`): true if there was
     * one, false if not. Node's default action for the signal is back once no listener is left.
     * @example
     * loop.addSignalHandler("SIGUSR1", dumpState)
     * loop.removeSignalHandler("SIGUSR1")   // true
     * loop.removeSignalHandler("SIGUSR1")   // false
     */
    removeSignalHandler(sig: SignalLike): boolean;
  }
}
