import type { Future } from "./future.js";

/** A short description of a value for error messages: `42`, `"abc"`, `function foo`, `Object`. @internal */
export function repr(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value.length > 40 ? value.slice(0, 37) + "..." : value);
    case "function":
      return value.name ? `function ${value.name}` : "an anonymous function";
    case "bigint":
      return `${value}n`;
    case "symbol":
      return value.toString();
    case "object":
      if (value === null) return "null";
      if (Array.isArray(value)) return `an array`;
      return ownString(value) ?? value.constructor?.name ?? "Object";
    default:
      return String(value);
  }
}

/** A generator object (a coroutine). @internal */
export function isGenerator(value: unknown): value is Generator {
  return (
    typeof value === "object" && value !== null &&
    typeof (value as Generator).next === "function" && typeof (value as Generator).throw === "function"
  );
}

/** A future of this library or of another copy of it (a compatible class). @internal */
export function isFutureLike(value: unknown): value is Future<unknown> {
  return typeof value === "object" && value !== null &&
    typeof (value as Future).addDoneCallback === "function" &&
    typeof (value as Future).result === "function" &&
    typeof (value as Future).getLoop === "function";
}

/** A Promise or any other thenable. @internal */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function";
}

/**
 * What a Task can wait for: a Future (of this or another copy of the library: anything
 * with `addDoneCallback`), a coroutine, or a Promise or other thenable (a Future is one). @internal
 */
export function isAwaitable(value: unknown): boolean {
  return isGenerator(value) || isThenable(value) ||
    (typeof value === "object" && value !== null && typeof (value as Future).addDoneCallback === "function");
}

/** A future with the methods `wait()` uses: addDoneCallback, removeDoneCallback, done. @internal */
export function isWaitable(value: unknown): value is Future<unknown> {
  return typeof value === "object" && value !== null &&
    typeof (value as Future).addDoneCallback === "function" &&
    typeof (value as Future).removeDoneCallback === "function" &&
    typeof (value as Future).done === "function";
}

/**
 * How an object shows in a report: its own `toString()` if its class has one, else its
 * class name in angle brackets (`<Echo>`), never `[object Object]`. @internal
 */
export function describeObject(value: unknown): string {
  if (typeof value !== "object" || value === null) return repr(value);
  return ownString(value) ?? className(value);
}

/** What an object's class's own `toString()` says, or null if it has none (or it throws). */
function ownString(value: object): string | null {
  const own = (value as { toString?: unknown }).toString;
  if (typeof own !== "function" || own === Object.prototype.toString) return null;
  try {
    return String(value);
  } catch {
    return null;
  }
}

/** `<Echo>`: an object's class, as asyncio's reprs show objects. @internal */
export function className(value: unknown): string {
  return `<${(typeof value === "object" && value !== null && (value as object).constructor?.name) || "Object"}>`;
}

/** The directory of this module's own file (src/ or the bundle's chunks/), for `creationSite` and suspension stacks. @internal */
export const LIBRARY_DIR = ((): string | null => {
  const frame = new Error().stack?.split("\n")[1];
  const file = frame === undefined ? undefined : /\(?((?:file|https?):\/\/[^\s)]+|\/[^\s)]+?|[A-Za-z]:\\[^\s)]+?):\d+:\d+\)?$/.exec(frame)?.[1];
  return file === undefined ? null : file.slice(0, Math.max(file.lastIndexOf("/"), file.lastIndexOf("\\")) + 1);
})();

/**
 * Where the caller is, as the frames of the stack outside this library, one a line (debug
 * mode only: it costs a stack trace): where a task, server or transport was made. The
 * library's own frames (this file's directory and below: src/, or the bundle's chunks/),
 * native and Node-internal ones are left out: what remains is the user's code. (An app
 * that bundles the library into its own file has its frames in that directory too: there
 * the site is unknown.) @internal
 */
export function creationSite(): string | undefined {
  // Error.stackTraceLimit (10 by default) is left as the user set it: the library's frames
  // above the caller are few, as the site is taken at the public call.
  const stack = new Error().stack;
  if (stack === undefined) return undefined;
  const frames = stack.split("\n").slice(1).filter((frame) =>
    /[/\\]/.test(frame) && !/\(node:|at node:/.test(frame) && (LIBRARY_DIR === null || !frame.includes(LIBRARY_DIR)));
  return frames.length > 0 ? frames.slice(0, 10).join("\n") : undefined;
}
