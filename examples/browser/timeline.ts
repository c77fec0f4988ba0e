// Draws Chrome Trace Event JSON (what startTrace's recorder returns) as a timeline on a
// canvas: one lane per thread id (a task, or the loop), labelled with its name. A task's
// lane shows its life (from its spawn to its "exited" instant, or to the end of the view
// while it lives) as a pale bar, its steps (complete "X" events) as solid bars on it,
// instants ("i") as ticks, and flow events ("s" → "f") as lines from the step that
// spawned a task to its first step. Task steps are microseconds long on the real clock
// and zero on the virtual one, so without the life bars a task would be a few specks.
// Perfetto and chrome://tracing read the same JSON; this is the small offline view the
// demo page and the README's picture use.

/** The fields of a trace event this view reads (the format has more). */
export interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  cat?: string;
  id?: number | string;
  args?: Record<string, unknown>;
}

export interface TimelineOptions {
  /** Width and height of the drawing, in CSS pixels. */
  width: number;
  height: number;
  /** Lanes shown at most; the loop's own lane (tid 0) is always first. */
  maxLanes?: number;
  /**
   * With more lanes than fit: keep the first tasks, the latest, or ("spread") lanes evenly
   * spaced in order of start, the latest always in, so a live view of many short tasks
   * reads as a waterfall over the whole window.
   */
  keep?: "first" | "latest" | "spread";
  /** The window (µs): events before `fromUs` are left out; `toUs` is the right edge (a live view: now). */
  fromUs?: number;
  toUs?: number;
}

/** What was drawn: the test and the page read it. */
export interface TimelineDrawn {
  /** Lanes drawn, and their labels (top to bottom). */
  lanes: number;
  labels: string[];
  /** Bars, ticks and flow lines drawn. */
  drawn: number;
  /** Lanes left out for want of room. */
  hidden: number;
}

const LABEL_W = 170;
const AXIS_H = 22;
const LOOP_TID = 0;
const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#9c755f", "#edc948"];

/** A stable colour per kind of task: the name without its digits ("worker-07" → "worker-"). */
export function colour(name: string): string {
  const key = name.replace(/\d+/g, "").replace(/\/[^/]*$/, "/");
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0;
  return PALETTE[(h >>> 0) % PALETTE.length];
}

interface Lane {
  tid: number;
  label: string;
  start: number;
  /** When its "exited" instant came, or Infinity while it lives. */
  end: number;
  outcome?: string;
}

/** Every lane of `events` in order of first appearance (spawn or first event). */
function lanesOf(events: readonly TraceEvent[]): Lane[] {
  const lanes = new Map<number, Lane>();
  const lane = (tid: number, ts: number): Lane => {
    let l = lanes.get(tid);
    if (l === undefined) lanes.set(tid, (l = { tid, label: `tid ${tid}`, start: ts, end: tid === LOOP_TID ? -Infinity : Infinity }));
    return l;
  };
  const names = new Map<number, string>();
  for (const e of events) {
    if (e.ph === "M") {
      if (e.name === "thread_name") names.set(e.tid, String(e.args?.name ?? e.tid));
      continue;
    }
    // A spawn's flow starts on the spawner's lane; its task's life starts there too.
    if (e.ph === "s" && typeof e.args?.task === "number") lane(e.args.task, e.ts);
    const l = lane(e.tid, e.ts);
    if (e.ph === "i" && e.name === "exited" && e.tid !== LOOP_TID) {
      l.end = e.ts;
      l.outcome = String(e.args?.outcome ?? "");
    }
  }
  for (const l of lanes.values()) l.label = names.get(l.tid) ?? l.label;
  return [...lanes.values()].sort((a, b) => (a.tid === LOOP_TID ? -1 : b.tid === LOOP_TID ? 1 : a.start - b.start || a.tid - b.tid));
}

/** `room` of `lanes` (in order of start) as `keep` says. */
function pick(lanes: Lane[], room: number, keep: "first" | "latest" | "spread"): Lane[] {
  if (lanes.length <= room) return lanes;
  if (keep === "first") return lanes.slice(0, room);
  if (keep === "latest" || room === 1) return lanes.slice(-room);
  // Evenly spaced from the first to the last.
  const step = (lanes.length - 1) / (room - 1);
  return Array.from({ length: room }, (_, i) => lanes[Math.round(i * step)]);
}

/** "1.25 s" or "340 ms": the axis's labels. */
function formatTime(us: number, span: number): string {
  if (span >= 5e6) return `${(us / 1e6).toFixed(span >= 5e7 ? 0 : 1)} s`;
  return `${(us / 1000).toFixed(span >= 2e5 ? 0 : 1)} ms`;
}

/**
 * Draws `events` on `ctx` (a 2D canvas context sized `width` x `height`). Returns what it
 * drew, which the demo's test checks.
 */
export function drawTimeline(ctx: CanvasRenderingContext2D, events: readonly TraceEvent[], options: TimelineOptions): TimelineDrawn {
  const { width, height, maxLanes = 30, keep = "first", fromUs = -Infinity } = options;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, width, height);
  const timed = events.filter((e) => e.ph !== "M");
  if (timed.length === 0) return { lanes: 0, labels: [], drawn: 0, hidden: 0 };
  // Loops, not Math.min(...spread): a live trace has tens of thousands of events.
  let first = Infinity, last = -Infinity;
  for (const e of timed) {
    if (e.ts < first) first = e.ts;
    if (e.ts + (e.dur ?? 0) > last) last = e.ts + (e.dur ?? 0);
  }
  const t0 = Math.max(fromUs, first);
  const t1 = Math.max(options.toUs ?? last, t0 + 1);
  // Lanes alive somewhere in the window; the loop's lane whenever it has anything in it.
  const all = lanesOf(events).filter((l) => l.start <= t1 && (l.tid === LOOP_TID || l.end >= t0));
  const loopLane = all[0]?.tid === LOOP_TID ? [all[0]] : [];
  const tasks = all.slice(loopLane.length);
  const room = Math.max(1, maxLanes - loopLane.length);
  const visible = [...loopLane, ...pick(tasks, room, keep)];
  const hidden = all.length - visible.length;
  const row = new Map(visible.map((l, i) => [l.tid, i]));
  const laneH = Math.max(6, Math.floor((height - AXIS_H - (hidden > 0 ? 14 : 0)) / Math.max(1, visible.length)));
  const x = (ts: number) => LABEL_W + ((Math.min(Math.max(ts, t0), t1) - t0) / (t1 - t0)) * (width - LABEL_W - 8);
  const y = (tid: number) => AXIS_H + row.get(tid)! * laneH;

  // Lane backgrounds and labels, then the time axis over them: five ticks.
  ctx.font = "11px system-ui, sans-serif";
  ctx.textBaseline = "middle";
  visible.forEach((l, i) => {
    const top = AXIS_H + i * laneH;
    ctx.fillStyle = i % 2 ? "#ffffff" : "#f4f6f9";
    ctx.fillRect(0, top, width, laneH);
    if (laneH >= 9) {
      ctx.fillStyle = l.tid === LOOP_TID ? "#555" : colour(l.label);
      ctx.fillRect(4, top + laneH / 2 - 3, 6, 6);
      ctx.fillStyle = "#222";
      const label = l.label.length > 24 ? l.label.slice(0, 23) + "…" : l.label;
      ctx.fillText(label, 14, top + laneH / 2);
    }
  });
  ctx.strokeStyle = "#dde1e6";
  ctx.fillStyle = "#555";
  for (let i = 0; i <= 4; i++) {
    const ts = t0 + ((t1 - t0) * i) / 4, px = x(ts);
    ctx.beginPath();
    ctx.moveTo(px + 0.5, AXIS_H - 4);
    ctx.lineTo(px + 0.5, AXIS_H + visible.length * laneH);
    ctx.stroke();
    const text = formatTime(ts, t1 - t0);
    ctx.fillText(text, Math.min(px + 3, width - ctx.measureText(text).width - 2), 11);
  }
  if (hidden > 0) {
    ctx.fillStyle = "#777";
    ctx.fillText(`${keep === "spread" ? "1 in " + Math.round(all.length / visible.length) + " lanes shown" : "+ " + hidden + " more lanes"}: ${all.length} tasks in this window`, 14, AXIS_H + visible.length * laneH + 7);
  }

  let drawn = 0;
  // Each task's life, under its steps.
  for (const l of visible) {
    if (l.tid === LOOP_TID) continue;
    const from = x(l.start), to = x(Math.min(l.end, t1));
    ctx.globalAlpha = 0.28;
    ctx.fillStyle = colour(l.label);
    ctx.fillRect(from, y(l.tid) + 2, Math.max(2, to - from), laneH - 4);
    ctx.globalAlpha = 1;
    if (l.end <= t1) {
      // How it ended: a cancelled task's end is red, a failed one's black.
      ctx.fillStyle = l.outcome === "cancelled" ? "#d62728" : l.outcome === "exception" ? "#000" : colour(l.label);
      ctx.fillRect(to - 2, y(l.tid) + 1, 2, laneH - 2);
    }
    drawn++;
  }
  const starts = new Map<string, TraceEvent>();
  for (const e of timed) {
    if (e.ts + (e.dur ?? 0) < t0 || e.ts > t1) continue;
    if (e.ph === "X" && row.has(e.tid)) {
      const px = x(e.ts);
      // The loop's lane: idle waits pale, callbacks and timers dark.
      ctx.fillStyle = e.tid !== LOOP_TID ? colour(String(visible[row.get(e.tid)!].label)) : e.cat === "io" ? "#d5dae1" : "#555";
      const inset = e.tid === LOOP_TID && e.cat === "io" ? 3 : 1;
      ctx.fillRect(px, y(e.tid) + inset, Math.max(1.5, x(e.ts + (e.dur ?? 0)) - px), laneH - 2 * inset);
      drawn++;
    } else if (e.ph === "i" && row.has(e.tid) && e.name !== "exited") {
      ctx.fillStyle = "#333";
      ctx.fillRect(x(e.ts), y(e.tid) + laneH / 4, 1, laneH / 2);
      drawn++;
    } else if (e.ph === "s") {
      starts.set(String(e.id), e);
    } else if (e.ph === "f") {
      const s = starts.get(String(e.id));
      if (s === undefined || !row.has(s.tid) || !row.has(e.tid)) continue;
      ctx.strokeStyle = "rgba(40, 40, 40, 0.3)";
      ctx.beginPath();
      ctx.moveTo(x(s.ts), y(s.tid) + laneH / 2);
      ctx.lineTo(x(e.ts), y(e.tid) + laneH / 2);
      ctx.stroke();
      drawn++;
    }
  }
  return { lanes: visible.length, labels: visible.map((l) => l.label), drawn, hidden };
}
