// The trace page (trace.html): opens a Chrome Trace Event JSON file, as the trace
// recorder writes it (`npx tsx examples/trace.ts out.json`), and draws all of it with
// drawTimeline, one lane per task with its name. chrome://tracing is not in every browser
// (and Perfetto's UI needs the network): this works offline, from a file or `?src=URL`.
import { drawTimeline, type TimelineDrawn, type TraceEvent } from "./timeline.js";

/** What the page drew, for its test (test/demo.test.ts). */
export interface TraceViewState extends Partial<TimelineDrawn> {
  /** Events in the file, once one is loaded. */
  events?: number;
  error: string | null;
}

declare global {
  interface Window {
    __trace: TraceViewState;
  }
}

const LANE_H = 26;
const AXIS_H = 22;
const state: TraceViewState = (window.__trace = { error: null });

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function fail(message: string): void {
  state.error = message;
  const el = $<HTMLDivElement>("error");
  el.textContent = message;
  el.hidden = false;
}

/** Reads `text` as a trace: `{ traceEvents: [...] }` or a bare array, as the format allows both. */
function parse(text: string, source: string): TraceEvent[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source} is not JSON: ${(e as Error).message}`);
  }
  const events = Array.isArray(json) ? json : (json as { traceEvents?: unknown })?.traceEvents;
  if (!Array.isArray(events)) throw new Error(`${source} is not a Chrome trace: no traceEvents array`);
  return events as TraceEvent[];
}

function show(text: string, source: string): void {
  $<HTMLDivElement>("error").hidden = true;
  state.error = null;
  let events: TraceEvent[];
  try {
    events = parse(text, source);
  } catch (e) {
    return fail((e as Error).message);
  }
  const clock = (JSON.parse(text) as { otherData?: { clock?: string } }).otherData?.clock;
  const tasks = events.filter((e) => e.ph === "M" && e.name === "thread_name").length;
  $("title").innerHTML = "";
  $("title").append(source, Object.assign(document.createElement("small"), {
    textContent: `${events.length} events, ${tasks} lanes${clock ? `, ${clock} clock` : ""}: task lives (pale), steps (solid), spawns (lines), timers and sleep ends (ticks)`,
  }));
  const panel = $<HTMLElement>("panel");
  panel.hidden = false;
  const canvas = $<HTMLCanvasElement>("timeline");
  // Tall enough for every lane at a readable height, as wide as the page.
  const height = AXIS_H + Math.max(1, tasks) * LANE_H + 16;
  canvas.style.height = `${height}px`;
  const { width } = canvas.getBoundingClientRect();
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext("2d")!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  Object.assign(state, drawTimeline(ctx, events, { width, height, maxLanes: 200 }), { events: events.length });
}

const src = new URLSearchParams(location.search).get("src");
if (src !== null) {
  fetch(src)
    .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`${src}: HTTP ${r.status}`))))
    .then((text) => show(text, src.split("/").pop() || src), (e: Error) => fail(`could not load ${src}: ${e.message}`));
}

const drop = $<HTMLLabelElement>("drop");
const open = (file: File | undefined) => void file?.text().then((text) => show(text, file.name));
$<HTMLInputElement>("file").addEventListener("change", (e) => open((e.target as HTMLInputElement).files?.[0]));
drop.addEventListener("dragover", (e) => {
  e.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  open(e.dataTransfer?.files[0]);
});
