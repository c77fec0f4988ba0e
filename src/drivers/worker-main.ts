// The code a pool's worker runs, as source text: a worker starts from a script, and text
// keeps it out of the bundler's hands (a bundled function's toString() may name helpers
// the worker does not have). One body for both hosts; each host adds how to receive,
// reply, and read a module specifier.

/**
 * The reply to one job: its result, or its error reduced to strings (a thrown object's
 * own class cannot cross threads; its class name can). @internal
 */
export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string; stack?: string; code?: string; domName?: string } };

const BODY = `
const encode = (e) => {
  if (e === null || (typeof e !== "object" && typeof e !== "function")) return { name: "Error", message: String(e) };
  const name = (e.constructor && typeof e.constructor.name === "string" && e.constructor.name) || String(e.name || "Error");
  const domName = name === "DOMException" ? String(e.name) : undefined;
  return { name, message: String(e.message), stack: typeof e.stack === "string" ? e.stack : undefined, code: typeof e.code === "string" ? e.code : undefined, domName };
};
// Modules by specifier: import() of a loaded module still costs a trip through the loader.
const modules = new Map();
const handle = async (job) => {
  try {
    let mod = modules.get(job.module);
    if (mod === undefined) modules.set(job.module, (mod = await import(specifier(job.module))));
    const fn = mod[job.name];
    if (typeof fn !== "function") throw new TypeError(job.module + " exports no function " + job.name);
    post({ id: job.id, ok: true, value: await fn(...job.args) });
  } catch (e) {
    post({ id: job.id, ok: false, error: encode(e) });
  }
};
`;

/**
 * The worker_threads worker: an eval'd script (import() loads ES modules from it). Its
 * built-ins come from process.getBuiltinModule, as the pool's own do (no require(), which
 * the browser bundle must not contain even as text). @internal
 */
export const NODE_WORKER_SOURCE = `
const { parentPort } = process.getBuiltinModule("node:worker_threads");
const { pathToFileURL } = process.getBuiltinModule("node:url");
const { isAbsolute } = process.getBuiltinModule("node:path");
const post = (m) => parentPort.postMessage(m);
const specifier = (m) => (isAbsolute(m) ? pathToFileURL(m).href : m);
${BODY}
parentPort.on("message", handle);
`;

/** The Web Worker: a module worker from a Blob URL, so specifiers must be absolute URLs. @internal */
export const WEB_WORKER_SOURCE = `
const post = (m) => self.postMessage(m);
const specifier = (m) => m;
${BODY}
self.addEventListener("message", (event) => handle(event.data));
`;
