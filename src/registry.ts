// One library per program. The package ships an ES module build and a CommonJS build; a
// program (or its bundler) can load both, and an app can install two copies. Each copy of
// the library, as it loads, registers its parts (the core, the Node networking) under one
// well-known key; a copy of the same version that loads later hands out the parts already
// registered instead of its own, so every `import` and `require` shares one running loop,
// one `Future` class, one task counter. A copy of another version keeps its own parts.
//
// The built entries call claim() (scripts/bundle.mjs); src/ itself is one copy and never does.

/** Where the copies meet: shared by every copy in this realm through the global symbol registry. */
const KEY = Symbol.for("wasyncio");

interface Registry {
  /** The parts of each version loaded, by version. */
  readonly versions: Record<string, Record<string, object>>;
  warned?: boolean;
}

/**
 * The part `name` of the library: the one a copy of the same `version` registered first,
 * else `own` (registered now). Copies of another version keep theirs (their APIs may
 * differ), and the first time two versions meet, a warning says so.
 * @internal
 */
export function claim<T extends object>(name: string, version: string, own: T): T {
  const holder = globalThis as { [KEY]?: Registry };
  const registry = (holder[KEY] ??= { versions: {} });
  const parts = (registry.versions[version] ??= {});
  const versions = Object.keys(registry.versions);
  if (versions.length > 1 && !registry.warned) {
    registry.warned = true;
    console.warn(
      `wasyncio ${versions.join(" and ")} are loaded together: each version keeps its own event loop state, ` +
        "so a task of one cannot wait on the other's futures. Install one version (npm dedupe).",
    );
  }
  return (parts[name] ??= own) as T;
}
