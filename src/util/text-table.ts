// Plain-text tables and frame labels, shared by dumpTasks() and the `wasyncio ps` CLI
// (which bundles this file alone, without the loop).
import type { StackFrame } from "../suspension.js";

/** @internal Rows as a text table: columns padded to their widest cell, a rule under the header. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), "-".repeat(widths.reduce((a, b) => a + b + 2, -2)), ...rows.map(line)].join("\n");
}

/** @internal `name file:line`, as asyncio's tools (python -m asyncio ps) show a frame. */
export function frameLabel(frame: StackFrame | null | undefined): string {
  return frame === null || frame === undefined ? "" : `${frame.name} ${frame.file}:${frame.line}`;
}
