// Test helpers: every scheduler suite runs once per core (asyncio runs one Future suite
// against its C and Python futures; uvloop runs one suite against both loops).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { EventLoop, type ExceptionContext, type LoopOptions } from "../src/index.js";
import { loopStats } from "../src/testing/index.js";
import { _schedulerCore } from "../src/testing/inspect.js";

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

/** A test of one core's suite: `test(name, fn)`. */
export type CoreTest = (name: string, fn: (ctx: Ctx) => void | Promise<void>) => void;

/**
 * Defines a suite once per core. After every test that passed: each loop it made must
 * hold no live ids (unless `ctx.allowLive`), and its exception handler must not have been
 * called unless the test emptied `ctx.errors`. Every loop is closed after every test.
 */
export function bothCores(name: string, define: (test: CoreTest, core: CoreKind) => void): void {
  for (const core of CORES) {
    const s = suite(`${name} [${core}]`);
    const test: CoreTest = (title, fn) =>
      s(title, async () => {
        const loops: EventLoop[] = [];
        const ctx: Ctx = {
          core,
          errors: [],
          allowLive: false,
          newLoop(options?: LoopOptions) {
            const loop = new EventLoop({ clock: "virtual", ...options, core });
            loop.setExceptionHandler((_l, c) => void ctx.errors.push(c));
            loops.push(loop);
            return loop;
          },
        } as unknown as Ctx;
        ctx.loop = ctx.newLoop();
        try {
          await fn(ctx);
        } catch (e) {
          for (const loop of loops) if (!loop.isRunning()) loop.close();
          throw e;
        }
        for (const loop of loops) {
          assert.not.ok(loop.isRunning(), "a loop is still running after the test");
          const live = loop.isClosed() ? 0 : loopStats(loop).liveIds;
          loop.close();
          if (live !== 0 && !ctx.allowLive) assert.unreachable(`the loop still holds ${live} live ids after the test`);
        }
        if (ctx.errors.length > 0) {
          const first = ctx.errors[0];
          assert.unreachable(`exception handler called unexpectedly: ${first.message} ${String(first.exception)}`);
        }
      });
    define(test, core);
    s.run();
  }
}

/** Runs `loop` synchronously (virtual clock) until `aw` is done; returns its result. */
export function runIn<T>(loop: EventLoop, aw: Parameters<EventLoop["runUntilComplete"]>[0]): T {
  return loop._runUntilCompleteSync(aw) as T;
}

/** The error `fn` throws, or undefined. */
export function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}
