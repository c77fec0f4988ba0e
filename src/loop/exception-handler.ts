// How a loop reports what nothing else handled: the handler set by setExceptionHandler,
// or the default one, which writes the report to console.error (asyncio's
// default_exception_handler).
import type { ExceptionContext, ExceptionHandler } from "../events.js";
import { describeError } from "../future.js";
import { describeObject } from "../util.js";

function describeContextValue(value: unknown): string {
  if (value instanceof Error) return describeError(value);
  return describeObject(value);
}

/** Writes the message, the context's other keys (sorted) and the exception's stack to `console.error`. @internal */
export function logExceptionContext(context: ExceptionContext): void {
  const lines = [context.message || "Unhandled exception in event loop"];
  for (const key of Object.keys(context).sort()) {
    if (key === "message" || key === "exception") continue;
    const value = context[key];
    lines.push(`${key}: ${typeof value === "string" ? value : describeContextValue(value)}`);
  }
  const exc = context.exception;
  if (exc !== undefined) console.error(lines.join("\n"), exc);
  else console.error(lines.join("\n"));
}

/**
 * Passes `context` to `handler`, or to `loop.defaultExceptionHandler` when it is null.
 * Never throws: an error in the handler is reported by the default handler. @internal
 */
export function callHandler<L extends { defaultExceptionHandler(context: ExceptionContext): void }>(
  loop: L,
  handler: ExceptionHandler<L> | null,
  context: ExceptionContext,
): void {
  try {
    if (handler === null) loop.defaultExceptionHandler(context);
    else handler(loop, context);
  } catch (exception) {
    try {
      loop.defaultExceptionHandler({ message: "Unhandled error in exception handler", exception, context });
    } catch {
      // Nothing is thrown out of the loop.
    }
  }
}
