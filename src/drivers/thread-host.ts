// How a worker pool starts threads on this host: worker_threads on Node, module Web
// Workers in a browser. Node's module is looked up at run time (process.getBuiltinModule),
// never imported, so the browser bundle carries no node: import.
import { NODE_WORKER_SOURCE, WEB_WORKER_SOURCE, type WorkerReply } from "./worker-main.js";

/** One worker thread, as the pool sees it. @internal */
export interface Thread {
  post(message: unknown, transfer: readonly object[]): void;
  terminate(): void;
  /** Whether a busy worker keeps the host alive (Node); idle ones must not. */
  ref(): void;
  unref(): void;
}

/** Starts threads: `onReply` gets each job's reply, `onExit` the error of a thread that died. @internal */
export interface ThreadHost {
  readonly name: string;
  /** How many jobs can truly run at once. */
  cores(): number;
  spawn(onReply: (reply: WorkerReply) => void, onExit: (error: Error) => void): Thread;
}

type GetBuiltin = (id: string) => any;

function nodeHost(getBuiltin: GetBuiltin): ThreadHost {
  const { Worker } = getBuiltin("node:worker_threads");
  const os = getBuiltin("node:os");
  return {
    name: "worker_threads",
    cores: () => (typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length) || 1,
    spawn(onReply, onExit) {
      const worker = new Worker(NODE_WORKER_SOURCE, { eval: true });
      let failure: Error | null = null;
      worker.on("message", onReply);
      // An uncaught error is reported, then the thread exits: the exit carries it.
      worker.on("error", (error: unknown) => void (failure = error instanceof Error ? error : new Error(String(error))));
      worker.on("exit", (code: number) => onExit(new Error(`the worker thread exited with code ${code}`, failure ? { cause: failure } : undefined)));
      return {
        post: (message, transfer) => worker.postMessage(message, transfer),
        terminate: () => void worker.terminate(),
        ref: () => worker.ref(),
        unref: () => worker.unref(),
      };
    },
  };
}

function webHost(): ThreadHost {
  let url: string | undefined;
  return {
    name: "web-workers",
    cores: () => globalThis.navigator?.hardwareConcurrency || 4,
    spawn(onReply, onExit) {
      url ??= URL.createObjectURL(new Blob([WEB_WORKER_SOURCE], { type: "text/javascript" }));
      const worker = new Worker(url, { type: "module" });
      let dead = false;
      const die = (error: Error): void => {
        if (dead) return;
        dead = true;
        worker.terminate();
        onExit(error);
      };
      worker.onmessage = (event: MessageEvent) => onReply(event.data as WorkerReply);
      // A browser worker outlives an uncaught error; the pool treats it as dead all the same,
      // since the job it ran can no longer reply.
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        die(new Error(`the Web Worker failed: ${event.message}`));
      };
      worker.onmessageerror = () => die(new Error("the Web Worker sent a reply that could not be deserialised"));
      return {
        post: (message, transfer) => worker.postMessage(message, transfer as object[]),
        terminate: () => {
          dead = true;
          worker.terminate();
        },
        ref: () => {},
        unref: () => {},
      };
    },
  };
}

let host: ThreadHost | null | undefined;

/** This host's threads, or null where there are none. @internal */
export function threadHost(): ThreadHost | null {
  if (host !== undefined) return host;
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: GetBuiltin } }).process?.getBuiltinModule;
  if (typeof getBuiltin === "function") return (host = nodeHost(getBuiltin));
  return (host = typeof Worker === "function" && typeof Blob === "function" ? webHost() : null);
}
