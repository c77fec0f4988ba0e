/** A short description of a value for error messages: `42`, `"abc"`, `function foo`, `Object`. @internal */
export function repr(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value.length > 40 ? value.slice(0, 37) + "..." : value);
    case "function":
      return value.name ? `function ${value.name}` : "an anonymous function";
    case "bigint":
      return `${value}n`;
    case "symbol":
      return value.toString();
    case "object":
      if (value === null) return "null";
      if (Array.isArray(value)) return `an array`;
      if (typeof (value as { toString?: unknown }).toString === "function" && (value as object).toString !== Object.prototype.toString) {
        try {
          return String(value);
        } catch {
          /* fall through */
        }
      }
      return value.constructor?.name ?? "Object";
    default:
      return String(value);
  }
}

/** A generator object (a coroutine). @internal */
export function isGenerator(value: unknown): value is Generator {
  return (
    typeof value === "object" && value !== null &&
    typeof (value as Generator).next === "function" && typeof (value as Generator).throw === "function"
  );
}

/** A Promise or any other thenable. @internal */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function";
}

/** Throws unless `ms` is a number of milliseconds (not NaN). @internal */
export function checkMs(call: string, arg: string, ms: unknown): number {
  if (typeof ms !== "number") throw new TypeError(`${call} expected ${arg} to be a number of milliseconds, got ${repr(ms)}`);
  if (Number.isNaN(ms)) throw new RangeError(`${call} expected ${arg} to be a number of milliseconds, got NaN`);
  return ms;
}

/** Throws unless `fn` is a function. @internal */
export function checkFunction(call: string, fn: unknown): void {
  if (typeof fn !== "function") throw new TypeError(`${call} expected a function, got ${repr(fn)}`);
}
