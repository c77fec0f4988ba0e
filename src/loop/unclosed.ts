// Debug mode's report of a server, transport or stream writer that became garbage while
// still open: asyncio's `__del__` ResourceWarning ("unclosed transport <...>"), done with a
// FinalizationRegistry. Only debug mode registers anything: without it there is no
// registry entry, no WeakRef, and the host holds its objects strongly as it always did.
//
// What "garbage" can mean here. Node's socket holds the transport through its event
// listeners, the loop's resource set holds every open server and transport, and a
// transport names its StreamWriter: so nothing open would ever be collected. In debug
// mode those links are made weak where asyncio's are weak or absent, and strong where
// asyncio's selector holds the object (it is in use: the host can still call it):
//
// - a StreamWriter is held by the user only (the transport's link to it is a WeakRef);
// - a transport is held by its socket only while the host can still deliver something to
//   its protocol: reading (not paused, no EOF yet) or closing; a transport paused or past
//   its peer's EOF that neither the user nor its protocol's holders reference is garbage;
// - a server is held by its listening sockets only while serving (accepting connections
//   into protocols); a server created with `startServing: false` and dropped is garbage.
// The loop's resource set holds these objects weakly (`_holdsWeakly`).
import { _resourceWarning } from "../node/resource-warning.js";

/**
 * What the report of one object needs, held by the registry (never the object itself,
 * or it would never be collected): its text, its state, and how to close what it held.
 * @internal
 */
export interface _Unclosed {
  /** The warning's text: "unclosed transport <...>", "unclosed <StreamWriter ...>", ... */
  message(): string;
  /** What to do, as the loop-close report says it. */
  readonly advice: string;
  /** Where it was made (debug mode captures it), and how that line is labelled. */
  readonly site: string | undefined;
  readonly siteLabel?: string;
  /**
   * "closed": closed by the program, nothing to do; "reported": still open, but the loop's
   * close already reported it (asyncio would warn again; one report is enough), so it is
   * only closed; "open": reported and closed.
   */
  state(): "open" | "reported" | "closed";
  /** Closes the host resource (socket, listening server), so the process is not kept alive by it. */
  close(): void;
}

/** Objects the loops' resource sets hold by WeakRef (debug mode); null until one is tracked. */
let weakly: WeakSet<object> | null = null;

const registry = typeof FinalizationRegistry === "function" && typeof WeakRef === "function"
  ? new FinalizationRegistry<_Unclosed>(collected)
  : null;

/** The object is gone while open: report it (unless already reported or closed), then close it. */
function collected(entry: _Unclosed): void {
  const state = entry.state();
  if (state === "closed") return;
  try {
    if (state === "open") _resourceWarning(entry.message(), entry.advice, entry.site, entry.siteLabel);
  } finally {
    try {
      entry.close();
    } catch {
      // A registry callback must not throw (it would be an uncaught exception of the host).
    }
  }
}

/** @internal Whether this host can tell garbage (FinalizationRegistry and WeakRef exist). */
export const _canTrackUnclosed = registry !== null;

/**
 * @internal Debug mode: reports `target` when it is collected while `entry` is still open.
 * `entry` must not reference `target` (it would never be collected).
 */
export function _trackUnclosed(target: object, entry: _Unclosed): void {
  if (registry === null) return;
  registry.register(target, entry);
  _holdWeakly(target);
}

/**
 * @internal The loops' resource sets hold `target` by WeakRef from now on (before it is
 * added to one: a transport is added by its base constructor, tracked once made).
 */
export function _holdWeakly(target: object): void {
  (weakly ??= new WeakSet()).add(target);
}

/** @internal Whether the loop's resource set holds `resource` by WeakRef (it is tracked). */
export function _holdsWeakly(resource: object): boolean {
  return weakly !== null && weakly.has(resource);
}

/**
 * @internal The part of a host object that the host's event listeners hold in debug mode:
 * the object itself while it is in use (`hold(true)`), else only a WeakRef to it, so it can
 * become garbage. Listeners reach the object through `get()` (undefined once collected).
 */
export class _HostLink<T extends object> {
  #strong: T | null;
  readonly #weak: WeakRef<T>;

  constructor(target: T) {
    this.#strong = target;
    this.#weak = new WeakRef(target);
  }

  get(): T | undefined {
    return this.#strong ?? this.#weak.deref();
  }

  /** In use (the host can still call it): held strongly; otherwise weakly. */
  hold(inUse: boolean): void {
    this.#strong = inUse ? this.#weak.deref() ?? null : null;
  }
}
