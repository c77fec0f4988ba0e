// Types for demo.mjs, which stays plain JavaScript so `npm run demo` runs under bare node.

export declare const DEFAULT_PORT: number;
export declare const VIEWPORT: { width: number; height: number };

/** The pages' scripts bundled for the browser: URL path → contents. */
export declare function bundleDemo(options?: { root?: string }): Promise<Map<string, Uint8Array>>;

/** The trace examples/trace.ts writes, as JSON text. */
export declare function exampleTrace(options?: { root?: string }): Promise<string>;

export interface DemoServer {
  /** "http://127.0.0.1:PORT/" */
  url: string;
  port: number;
  close(): Promise<void>;
}

export declare function startDemoServer(options?: { port?: number; trace?: string; root?: string }): Promise<DemoServer>;

/** What the live page's window.__demo says (examples/browser/demo.ts). */
export interface DemoState {
  tasksRendered: number;
  rows: number;
  lanes: number;
  drawn: number;
  frames: number;
  rounds: number;
  spawned: number;
  error: string | null;
}

/** What the trace page's window.__trace says (examples/browser/trace-view.ts). */
export interface TraceViewState {
  lanes: number;
  labels: string[];
  drawn: number;
  hidden: number;
  events: number;
  error: string | null;
}

export declare function takeScreenshots(options: {
  browserPath: string;
  url: string;
  outDir: string;
  minTasks?: number;
  timeout?: number;
}): Promise<{ demo: DemoState; trace: TraceViewState; files: { demo: string; trace: string }; problems: string[] }>;
