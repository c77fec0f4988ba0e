// The live demo page (index.html; `npm run demo` serves it): a crawler of a few hundred
// tasks runs on the real clock in the browser, and a task of the same loop redraws, every
// 150 ms, the task tree (who awaits whom, from captureCallGraph and getStack), the
// loop's counters (loop.metrics()) and a timeline of the last seconds of the trace
// recorder (startTrace(loop), read live with recorder.events()). Only the package's
// public API is used, as a user's page would.
import { EventLoop, sleep, startTrace, type Coroutine, type TraceRecorder } from "../../src/index.js";
import { crawl, newStats, type CrawlOptions } from "./crawler.js";
import { taskTree, type TreeRow } from "./task-tree.js";
import { colour, drawTimeline } from "./timeline.js";

/** What the page shows, for its test (test/demo.test.ts) and the screenshot script. */
export interface DemoState {
  /** Task rows in the tree at the last redraw, and all rows (with gather's futures). */
  tasksRendered: number;
  rows: number;
  /** Lanes and marks drawn on the timeline at the last redraw. */
  lanes: number;
  drawn: number;
  /** Redraws so far, crawls finished, tasks spawned. */
  frames: number;
  rounds: number;
  spawned: number;
  /** Why the loop stopped, if it did. */
  error: string | null;
}

declare global {
  interface Window {
    __demo: DemoState;
  }
}

const REFRESH_MS = 150;
/** The timeline's window: the last seconds of the trace. */
const WINDOW_US = 3_000_000;
/** A recorder holding more events than this is replaced by a fresh one (memory stays bounded). */
const MAX_EVENTS = 60_000;

const params = new URLSearchParams(location.search);
const options: CrawlOptions = {
  pages: Number(params.get("pages") ?? 240),
  workers: Number(params.get("workers") ?? 32),
  seed: Number(params.get("seed") ?? 13),
  pageBudgetMs: 650,
};
const stats = newStats();
const state: DemoState = (window.__demo = { tasksRendered: 0, rows: 0, lanes: 0, drawn: 0, frames: 0, rounds: 0, spawned: 0, error: null });

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const treeEl = $<HTMLDivElement>("tree");
const canvas = $<HTMLCanvasElement>("timeline");
const countersEl = $<HTMLDivElement>("counters");

const loop = new EventLoop();
let recorder: TraceRecorder = startTrace(loop);

function counter(label: string, value: number | string): string {
  return `<div class="counter"><b>${value}</b><span>${label}</span></div>`;
}

function drawCounters(): void {
  const m = loop.metrics();
  const busy = m.busyMs + m.idleMs > 0 ? Math.round((100 * m.busyMs) / (m.busyMs + m.idleMs)) : 0;
  countersEl.innerHTML = [
    counter("tasks alive", m.tasksAlive),
    counter("tasks finished", m.tasksFinished.toLocaleString("en")),
    counter("pages fetched", stats.pages.toLocaleString("en")),
    counter("pages timed out", stats.timedOut),
    counter("assets blocked", stats.blocked),
    counter("crawls done", stats.rounds),
    counter("loop busy", `${busy}%`),
    counter("iterations", m.iterations.toLocaleString("en")),
  ].join("");
  state.spawned = m.tasksSpawned;
  state.rounds = stats.rounds;
}

function rowElement(row: TreeRow): HTMLDivElement {
  const el = document.createElement("div");
  el.className = row.isTask ? "row" : "row future";
  el.style.paddingLeft = `${6 + row.depth * 16}px`;
  const dot = document.createElement("i");
  dot.style.background = row.isTask ? colour(row.name) : "transparent";
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = row.isTask ? row.name : `${row.name} (gather)`;
  const st = document.createElement("span");
  st.className = "state " + row.state.split(/[ ,]/)[0];
  st.textContent = row.state;
  el.append(dot, name, st);
  return el;
}

function drawTree(): void {
  const rows = taskTree(loop, 600);
  const fragment = document.createDocumentFragment();
  for (const row of rows) fragment.append(rowElement(row));
  treeEl.replaceChildren(fragment);
  state.rows = rows.length;
  state.tasksRendered = rows.filter((r) => r.isTask).length;
}

function drawTrace(): void {
  let events = recorder.events();
  if (events.length > MAX_EVENTS) {
    recorder.stop();
    recorder = startTrace(loop);
    events = recorder.events();
  }
  // The canvas at the screen's pixel density, drawn in CSS pixels.
  const { width, height } = canvas.getBoundingClientRect();
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext("2d")!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  const now = loop.time() * 1000;
  const drawn = drawTimeline(ctx, events, { width, height, maxLanes: 36, keep: "spread", fromUs: now - WINDOW_US, toUs: now });
  state.lanes = drawn.lanes;
  state.drawn = drawn.drawn;
}

/** The view's own task: it shows in the tree and its redraws in the timeline, as they are. */
function* refresh(): Coroutine<void> {
  for (;;) {
    drawCounters();
    drawTree();
    drawTrace();
    state.frames++;
    yield* sleep(REFRESH_MS);
  }
}

function* main(): Coroutine<void> {
  loop.createTask(refresh(), { name: "view refresh" });
  for (let round = 1; ; round++) {
    yield* crawl(round, options, stats);
    yield* sleep(300);
  }
}

loop.runUntilComplete(loop.createTask(main(), { name: "crawler" })).catch((e: unknown) => {
  state.error = String((e as Error)?.stack ?? e);
  const banner = $<HTMLDivElement>("error");
  banner.textContent = `The loop stopped: ${state.error}`;
  banner.hidden = false;
});
