// Task-local context: Python's contextvars (PEP 567) as asyncio uses them. A Context is a
// mutable cell over an immutable map (util/hamt.ts) from ContextVars to values; one
// Context is current at a time. copyContext() shares the map (O(1)); ContextVar.set()
// swaps the current Context's map for a new one, so copies never see each other's sets.
// Where asyncio captures a context (a Task at creation, a callback at scheduling, a done
// callback when added) is in task.ts, base-loop.ts and future.ts.
import { LookupError } from "./errors.js";
import { ABSENT, HamtMap } from "./util/hamt.js";
import { checkFunction, expected } from "./checks.js";
import { repr } from "./util.js";

/** Hashes of ContextVars: unique (the trie needs no collision nodes); 2^32 vars in one program at most. */
let nextHash = 0;

/**
 * @internal Whether a ContextVar was ever made. Until then every Context is empty and no
 * code can tell one from another, so callbacks skip capturing one (plain callSoon stays
 * allocation-free in programs that never use contextvars).
 */
export let _contextVarsInUse = false;

/** @internal Called once, when the first ContextVar is made (task.ts: the stepping task takes a Context). */
let onFirstVar: (() => void) | null = null;

/** @internal Sets what runs when the first ContextVar is made. */
export function _setOnFirstVar(hook: () => void): void {
  onFirstVar = hook;
}

/**
 * A set of ContextVar values (Python's `contextvars.Context`). `copyContext()` gives a copy
 * of the current one, `new Context()` an empty one; `run(fn)` makes it current while `fn`
 * runs, so `ContextVar.set()` inside changes this Context. Read-only as a map: `get`,
 * `has`, `size`, `keys()`, `values()`, `entries()`, iteration.
 * @example
 * const ctx = copyContext()
 * ctx.run(() => requestId.set(42))
 * ctx.get(requestId)   // 42, and requestId.get() outside is unchanged
 */
export class Context implements Iterable<[ContextVar<any>, unknown]> {
  /** @internal The values: replaced, never mutated. */
  _map: HamtMap = HamtMap.EMPTY;
  /** @internal While run() (or a task step) has it current: what to restore after, else null. */
  _prev: Context | null = null;
  /** @internal Whether it is current now, or under one that is (entered and not yet exited). */
  _entered = false;

  /**
   * Calls `fn(...args)` with this Context current and returns what it returns; restores
   * the previous Context after, even if `fn` throws. A Context can be entered once at a
   * time: running it inside itself (or in a task that runs in it) throws, as in Python.
   * @example
   * const ctx = new Context()
   * const v = ctx.run((a: number) => { counter.set(a); return counter.get() }, 5)   // 5
   */
  run<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R {
    checkFunction("Context.run()", fn);
    _enterContext(this);
    try {
      return fn(...args);
    } finally {
      _exitContext(this);
    }
  }

  /**
   * A new Context with the same values (O(1): the two share the map until one changes).
   * @example
   * const snapshot = copyContext().copy()
   */
  copy(): Context {
    const ctx = new Context();
    ctx._map = this._map;
    return ctx;
  }

  /**
   * The value of `variable` in this Context, else `defaultValue` (undefined if omitted;
   * the variable's own default is not used, as in Python's `Context.get`).
   * @example
   * copyContext().get(requestId, -1)
   */
  get<T>(variable: ContextVar<T>, defaultValue?: T): T | undefined {
    checkVar("Context.get()", variable);
    const v = this._map.lookup(variable);
    return v === ABSENT ? defaultValue : (v as T);
  }

  /**
   * Whether `variable` has a value in this Context (Python's `var in ctx`).
   * @example
   * copyContext().has(requestId)
   */
  has(variable: ContextVar<any>): boolean {
    checkVar("Context.has()", variable);
    return this._map.lookup(variable) !== ABSENT;
  }

  /**
   * How many variables have a value in this Context (Python's `len(ctx)`).
   * @example
   * new Context().size   // 0
   */
  get size(): number {
    return this._map.size;
  }

  /**
   * The variables with a value in this Context.
   * @example
   * for (const v of copyContext().keys()) console.log(v.name)
   */
  *keys(): IterableIterator<ContextVar<any>> {
    for (const [k] of this._map.entries()) yield k as ContextVar<any>;
  }

  /**
   * Their values, in the order of `keys()`.
   * @example
   * [...copyContext().values()]
   */
  *values(): IterableIterator<unknown> {
    for (const [, v] of this._map.entries()) yield v;
  }

  /**
   * `[variable, value]` pairs, in the order of `keys()`.
   * @example
   * new Map(copyContext().entries())
   */
  *entries(): IterableIterator<[ContextVar<any>, unknown]> {
    for (const [k, v] of this._map.entries()) yield [k as ContextVar<any>, v];
  }

  /** The same as `entries()`. */
  [Symbol.iterator](): IterableIterator<[ContextVar<any>, unknown]> {
    return this.entries();
  }

  /**
   * The Context as Python's repr shows it, with its size.
   * @example
   * String(new Context())   // "<Context size=0>"
   */
  toString(): string {
    return `<Context size=${this._map.size}>`;
  }
}

/** The current Context: the root one outside any run() or task step. */
let current = new Context();
current._entered = true;

/** @internal Makes `ctx` current (a task step, run()); throws if it is entered already. */
export function _enterContext(ctx: Context): void {
  if (ctx._entered) throw new Error(`cannot enter context: ${ctx} is already entered`);
  ctx._entered = true;
  ctx._prev = current;
  current = ctx;
}

/** @internal The current Context (no copy). */
export function _currentContext(): Context {
  return current;
}

/**
 * @internal Enters `ctx` as if it had been entered when `below` was current, beneath the
 * contexts entered since (a task that takes its Context in the middle of a step, inside a
 * `run()` of its coroutine's): they exit back to `ctx`, and `ctx` back to `below`.
 */
export function _enterContextBeneath(ctx: Context, below: Context): void {
  if (current === below) {
    _enterContext(ctx);
    return;
  }
  if (ctx._entered) throw new Error(`cannot enter context: ${ctx} is already entered`);
  let above = current;
  while (above._prev !== below) above = above._prev!;
  ctx._entered = true;
  ctx._prev = below;
  above._prev = ctx;
}

/** @internal Gives the current Context back the values `map` (null: none), after a callback that had no Context of its own. */
export function _restoreCurrent(map: HamtMap | null): void {
  current._map = map ?? HamtMap.EMPTY;
}

/** @internal Makes current again the Context that was before `_enterContext(ctx)`. */
export function _exitContext(ctx: Context): void {
  current = ctx._prev!;
  ctx._prev = null;
  ctx._entered = false;
}

/**
 * @internal A callback wrapped to run in a Context (a scheduled callback, base-loop.ts; a
 * done callback, future.ts): `_callback` is the user's (its name for reprs, its tag for
 * call graphs, what removeDoneCallback looks for); `_context` what Handle.getContext()
 * answers. Plain properties: the wrapper is made per callback while contexts are in use.
 */
export interface _InContext {
  (...args: any[]): unknown;
  _callback?: Function;
  _context?: Context;
}

/** @internal What the user scheduled or added: the callback inside a `_InContext` wrapper, or `cb` itself. */
export function _unwrapCallback(cb: Function): Function {
  return (cb as _InContext)._callback ?? cb;
}

/**
 * A copy of the current Context (Python's `contextvars.copy_context()`): what a Task
 * runs in, unless given one.
 * @example
 * const ctx = copyContext()
 * loop.callSoon({ context: ctx }, report)
 */
export function copyContext(): Context {
  return current.copy();
}

function checkVar(call: string, variable: unknown): void {
  if (!(variable instanceof ContextVar)) throw expected(call, "a ContextVar", variable);
}

/**
 * Options of `new ContextVar()`.
 * @example
 * const options: ContextVarOptions<number> = { default: 0 }
 * const retries = new ContextVar("retries", options)
 */
export interface ContextVarOptions<T> {
  /** What `get()` returns when the variable has no value (and `get` is given no default). */
  default?: T;
}

const NO_DEFAULT: unique symbol = Symbol("no default");

/**
 * A context variable (Python's `contextvars.ContextVar`): a value per Context. A Task runs
 * in a copy of the Context current when it was created, so a value it sets is seen by
 * the tasks it creates later and never by its creator. Make them at module level: a
 * Context holds its variables strongly.
 * @example
 * const requestId = new ContextVar<number>("requestId", { default: 0 })
 * function* handle(id: number) { requestId.set(id); yield* sleep(10); log(requestId.get()) }
 */
export class ContextVar<T> {
  /** @internal Its hash in the contexts' tries. */
  readonly _hash: number;
  readonly #name: string;
  readonly #default: T | typeof NO_DEFAULT;

  /**
   * @param name the variable's name (for reprs and errors)
   * @param options `default`: the value when it has none in the current Context
   * @example
   * const user = new ContextVar<string | null>("user", { default: null })
   */
  constructor(name: string, options?: ContextVarOptions<T>) {
    if (typeof name !== "string") throw expected("new ContextVar()", "name to be a string", name);
    if (options !== undefined && (typeof options !== "object" || options === null)) {
      throw expected("new ContextVar()", "options to be an object", options);
    }
    this.#name = name;
    this.#default = options !== undefined && "default" in options ? (options.default as T) : NO_DEFAULT;
    if (nextHash > 0xffffffff) throw new RangeError("new ContextVar(): 2^32 ContextVars made: their hashes would collide");
    this._hash = nextHash++ | 0;
    if (!_contextVarsInUse) {
      _contextVarsInUse = true;
      onFirstVar?.();
    }
  }

  /**
   * The variable's name.
   * @example
   * new ContextVar("user").name   // "user"
   */
  get name(): string {
    return this.#name;
  }

  /**
   * The value in the current Context; else `defaultValue` if given; else the variable's
   * default; else throws LookupError.
   * @example
   * user.get()            // throws LookupError if unset and no default
   * user.get("anonymous") // "anonymous" if unset
   */
  get(...defaultValue: [] | [T]): T {
    const v = current._map.lookup(this);
    if (v !== ABSENT) return v as T;
    if (defaultValue.length !== 0) return defaultValue[0] as T;
    if (this.#default !== NO_DEFAULT) return this.#default;
    throw new LookupError(`${this}`);
  }

  /**
   * Sets the value in the current Context; returns a Token for `reset()`.
   * @example
   * const token = user.set("ada")
   * try { yield* work() } finally { user.reset(token) }
   */
  set(value: T): Token<T> {
    const ctx = current;
    const old = ctx._map.lookup(this);
    ctx._map = ctx._map.set(this, value);
    return new Token(ctx, this, old === ABSENT ? Token.MISSING : (old as T));
  }

  /**
   * Gives the variable back the value it had before the `set()` that returned `token`
   * (none, if it had none). A token resets once, in the Context it was made in, the
   * variable that made it: otherwise this throws, as Python does.
   * @example
   * const token = user.set("ada"); user.reset(token)
   */
  reset(token: Token<T>): void {
    if (!(token instanceof Token)) throw expected("ContextVar.reset()", "a Token", token);
    if (token._used) throw new Error(`ContextVar.reset(): ${token} has already been used once`);
    if (token.var !== this) throw expected("ContextVar.reset()", `a Token created by ${this}`, token, RangeError);
    const ctx = current;
    if (token._context !== ctx) throw expected("ContextVar.reset()", "a Token created in the current Context", token, RangeError);
    const old = token.oldValue;
    ctx._map = old === Token.MISSING ? ctx._map.delete(this) : ctx._map.set(this, old);
    token._used = true;
  }

  /**
   * The variable as Python's repr shows it.
   * @example
   * String(new ContextVar("user", { default: null }))   // '<ContextVar name="user" default=null>'
   */
  toString(): string {
    const d = this.#default === NO_DEFAULT ? "" : ` default=${repr(this.#default)}`;
    return `<ContextVar name=${JSON.stringify(this.#name)}${d}>`;
  }
}

/**
 * What `ContextVar.set()` returns: `reset(token)` undoes that set. `oldValue` is the value
 * before it, or `Token.MISSING` if there was none.
 * @example
 * const token = user.set("ada")
 * token.oldValue === Token.MISSING   // if user had no value
 */
export class Token<T> {
  /**
   * `oldValue` of a Token whose variable had no value before the set.
   * @example
   * if (token.oldValue === Token.MISSING) console.log("was unset")
   */
  static readonly MISSING: unique symbol = Symbol("Token.MISSING");
  /** @internal The Context the set was made in. */
  readonly _context: Context;
  /** @internal Whether reset() took it. */
  _used = false;
  /** The variable that made the token. */
  readonly var: ContextVar<T>;
  /** The variable's value before the set, or `Token.MISSING`. */
  readonly oldValue: T | typeof Token.MISSING;

  /** @internal Made by ContextVar.set() only. */
  constructor(context: Context, variable: ContextVar<T>, oldValue: T | typeof Token.MISSING) {
    this._context = context;
    this.var = variable;
    this.oldValue = oldValue;
  }

  /**
   * Resets the variable (`token.var.reset(token)`): Python 3.14's `with var.set(value):`,
   * written `using _ = variable.set(value)`. Defined where the host has `Symbol.dispose`.
   * @example
   * {
   *   using _ = user.set("ada")
   *   log(user.get())   // "ada"
   * }                   // user has its previous value again
   */
  declare [Symbol.dispose]: () => void;

  /**
   * The token as Python's repr shows it.
   * @example
   * String(user.set("ada"))   // '<Token var=<ContextVar name="user">>'
   */
  toString(): string {
    return `<Token${this._used ? " used" : ""} var=${this.var}>`;
  }
}

// Symbol.dispose exists on hosts with explicit resource management (Node 18.18+, current
// browsers); elsewhere `using` cannot be written, so nothing is lost (as Runner's).
const disposeKey = (Symbol as { dispose?: symbol }).dispose;
if (typeof disposeKey === "symbol") {
  Object.defineProperty(Token.prototype, disposeKey, {
    value: function (this: Token<unknown>): void {
      this.var.reset(this);
    },
    writable: true,
    configurable: true,
  });
}
