// Test helpers: every scheduler suite runs once per core (asyncio runs one Future suite
// against its C and Python futures; uvloop runs one suite against both loops).
import { suite, type Test } from "uvu";
import * as assert from "uvu/assert";
import { EventLoop, type ExceptionContext, type LoopOptions } from "../src/index.js";

export const CORES = ["wasm", "js"] as const;
export type CoreKind = (typeof CORES)[number];

/** The loop of one test, with what its exception handler received. */
export interface Ctx {
  core: CoreKind;
  /** A fresh virtual-clock loop on this core; its exception handler records into `errors`. */
  loop: EventLoop;
  /** Exception-handler contexts received. A test that expects some clears this. */
  errors: ExceptionContext[];
  /** Makes another loop on this core (closed and checked after the test too). */
  newLoop(options?: LoopOptions): EventLoop;
  /** Set by a test that deliberately leaves callbacks or tasks pending in its loops. */
  allowLive?: boolean;
}

/**
 * Defines a suite once per core. After every test: each loop it made must be closed
 * (closing it if the test did not), hold no live ids, and its exception handler must not
 * have been called unless the test emptied `ctx.errors`.
 */
export function bothCores(name: string, define: (test: Test<Ctx>, core: CoreKind) => void): void {
  for (const core of CORES) {
    const test = suite<Ctx>(`${name} [${core}]`, {} as Ctx);
    let loops: EventLoop[] = [];
    test.before.each((ctx) => {
      loops = [];
      ctx.core = core;
      ctx.errors = [];
      ctx.allowLive = false;
      ctx.newLoop = (options?: LoopOptions) => {
        const loop = new EventLoop({ clock: "virtual", ...options, core });
        loop.setExceptionHandler((_l, c) => void ctx.errors.push(c));
        loops.push(loop);
        return loop;
      };
      ctx.loop = ctx.newLoop();
    });
    test.after.each((ctx) => {
      for (const loop of loops) {
        if (loop.isRunning()) continue;
        const live = loop.isClosed() ? 0 : loop._liveIds();
        loop.close();
        if (live !== 0 && !ctx.allowLive) assert.unreachable(`the loop still holds ${live} live ids after the test`);
      }
      if (ctx.errors.length > 0) {
        const first = ctx.errors[0];
        assert.unreachable(`exception handler called unexpectedly: ${first.message} ${String(first.exception)}`);
      }
    });
    define(test, core);
    test.run();
  }
}

/** Runs `loop` synchronously (virtual clock) until `aw` is done; returns its result. */
export function runIn<T>(loop: EventLoop, aw: Parameters<EventLoop["runUntilComplete"]>[0]): T {
  return loop._runUntilCompleteSync(aw) as T;
}
