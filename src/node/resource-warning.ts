// asyncio's ResourceWarning for a server, transport or writer still open as its loop closes.

/**
 * Warns that `what` (a server, transport or writer) is still open as its loop closes:
 * asyncio's ResourceWarning ("unclosed transport <...>"). asyncio raises it through the
 * `warnings` module, not the loop's exception handler: it is a warning about the program,
 * not an error of the loop, shown once on stderr and silenced or filtered by the user.
 * Node's equivalent of `warnings.warn` is `process.emitWarning` (printed to stderr as
 * "(node:…) ResourceWarning: …"; `--no-warnings` silences it, `process.on("warning")` sees
 * it), so that is the channel. `detail` says what to do and, in debug mode, where the
 * object was made (asyncio shows tracemalloc's allocation site). @internal
 */
export function _resourceWarning(message: string, advice: string, site: string | undefined, siteLabel = "Created at"): void {
  const where = site === undefined
    ? "Run the loop in debug mode (debug: true) to see where it was created."
    : `${siteLabel}:\n${site}`;
  _warning("ResourceWarning", message, `${advice}\n${where}`);
}

/** Python's `warnings.warn(message, type)`: Node's process warning, or the console elsewhere. @internal */
export function _warning(type: string, message: string, detail?: string): void {
  if (typeof process === "object" && typeof process.emitWarning === "function") {
    process.emitWarning(message, detail === undefined ? { type } : { type, detail });
  } else {
    console.warn(`${type}: ${message}${detail === undefined ? "" : `\n${detail}`}`);
  }
}
