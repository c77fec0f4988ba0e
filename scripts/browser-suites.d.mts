// Types for browser-suites.mjs, which stays plain JavaScript so scripts/test.mjs can run it
// under bare node.

/** A group of suites: directories under test/ ("." is test/ itself, not recursive). */
export interface Group {
  name: string;
  dirs: string[];
}

export declare const GROUPS: Group[];
export declare const RUN_LIMIT_MS: number;
export declare const CHROMIUM_ARGS: string[];
/** esbuild options for src/ bundled to run in a page. */
export declare const BROWSER_BUILD: Record<string, unknown>;

/** A test file of a group, its path relative to the root with "/" separators. */
export interface GroupFile {
  file: string;
  group: string;
}

/** A file left out of the browser run, and why ("imports node:fs via test/host.ts"). */
export interface Excluded extends GroupFile {
  reason: string;
}

export interface Places {
  /** The repository root (default: this checkout). */
  root?: string;
  groups?: Group[];
}

/** Serves `routes` (URL path → [content type, body]) on 127.0.0.1, on `port` (default 0: a free one). */
export declare function serve(routes: Map<string, [string, string | Uint8Array]>, options?: { port?: number }): Promise<import("node:http").Server>;

export declare function groupFiles(places?: Places): GroupFile[];

export declare function bundleSuites(options?: Places & { pattern?: RegExp | string }): Promise<{
  suites: (GroupFile & { url: string })[];
  excluded: Excluded[];
  outputs: Map<string, Uint8Array>;
}>;

/** One file's result in the browser. */
export interface FileResult extends GroupFile {
  passed: number;
  failed: number;
  skipped: number;
  /** uvu's failure reports, and what else went wrong while the file ran. */
  errors: string[];
}

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

export interface Summary {
  /** "chromium 1xx.0.0.0" once launched, else "". */
  browser: string;
  files: FileResult[];
  groups: Record<string, Counts>;
  excluded: Excluded[];
  /** What files printed of tests they left out: "<what> skipped: <why> (in the browser)" or "not in browser: ...". */
  leftOut: string[];
  durationMs: number;
}

export declare function runSuites(options: Places & {
  browserPath: string;
  pattern?: RegExp | string;
  limitMs?: number;
  onFile?: (result: FileResult) => void;
}): Promise<Summary>;

export declare function describe(summary: Summary): string;
export declare function totals(summary: Summary): Counts;
export declare function printFile(result: FileResult): void;
