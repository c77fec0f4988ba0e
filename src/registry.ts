// One library per program. The package ships an ES module build and a CommonJS build; a
// program (or its bundler) can load both, and an app can install two copies. Each copy of
// the library, as it loads, registers its parts (the core, the Node networking) under one
// well-known key; a copy of the same version that loads later hands out the parts already
// registered instead of its own, so every `import` and `require` shares one running loop,
// one `Future` class, one task counter. A copy of another version keeps its own parts.
//
// The built entries call claim() (scripts/bundle.mjs); src/ itself is one copy and never does.

/** Where the copies meet: shared by every realm-local copy through the global symbol registry. */
const KEY = Symbol.for("wasyncio");

interface Registry {
  readonly version: string;
  readonly parts: Record<string, object>;
  warned?: boolean;
}

/**
 * The part `name` of the library: the one a copy of `version` registered first, else
 * `own` (registered now).
 * @internal
 */
export function claim<T extends object>(name: string, version: string, own: T): T {
  const holder = globalThis as { [KEY]?: Registry };
  const registry = (holder[KEY] ??= { version, parts: {} });
  if (registry.version !== version) {
    if (!registry.warned) {
      registry.warned = true;
      console.warn(
        `wasyncio ${version} is loaded beside wasyncio ${registry.version}: each keeps its own event loop state, ` +
          "so a task of one cannot wait on the other's futures. Install one version (npm dedupe).",
      );
    }
    return own;
  }
  return (registry.parts[name] ??= own) as T;
}
