// Python's `<` for the values a PriorityQueue orders by default, so that heapq's order
// (and its TypeError for what Python cannot order) carries over to JavaScript values.
import { repr } from "../util.js";

/**
 * Python's `a < b`: numbers, bigints and booleans by value, strings by code point, Dates
 * by time, arrays as tuples (element by element, the first unequal pair decides, a prefix
 * comes first). Anything else, or a mix Python cannot order (a number and a string),
 * throws a TypeError, as Python does.
 * @internal
 */
export function pyLess(a: unknown, b: unknown): boolean {
  const ta = typeof a, tb = typeof b;
  if (isNumeric(ta) && isNumeric(tb)) return (a as number) < (b as number);
  if (ta === "string" && tb === "string") return compareStrings(a as string, b as string) < 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (!pyEqual(a[i], b[i])) return pyLess(a[i], b[i]);
    }
    return a.length < b.length;
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() < b.getTime();
  throw new TypeError(
    `PriorityQueue cannot order ${describeKind(a)} and ${describeKind(b)} (Python's '<' does not either): ` +
    "put [priority, counter, item] arrays, or pass a compare function: new PriorityQueue(maxsize, { compare })",
  );
}

/** Python's `==` as tuple comparison uses it to find the first differing element. */
function pyEqual(a: unknown, b: unknown): boolean {
  if (a === b || Object.is(a, b)) return true;
  const ta = typeof a, tb = typeof b;
  if (isNumeric(ta) && isNumeric(tb)) return (a as number) == (b as number);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!pyEqual(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return false;
}

function isNumeric(type: string): boolean {
  return type === "number" || type === "bigint" || type === "boolean";
}

function describeKind(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "Object"})`;
  return `a ${typeof value} (${repr(value)})`;
}

/** Compares by Unicode code point, as Python does (JavaScript's `<` compares UTF-16 units). */
function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff, ys = y >= 0xd800 && y <= 0xdfff;
    // A surrogate starts a code point above U+FFFF: larger than any BMP unit, even U+E000+.
    if (xs !== ys && (xs ? y : x) >= 0xe000) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}
