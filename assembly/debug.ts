// The debug build's entry: the release ABI plus the full invariant check. Built with
// assertions on, an `env.abort` import (which @assemblyscript/loader supplies) and an
// imported memory (so a test can cap it and reach the out-of-memory paths); see
// scripts/build-wasm.mjs. Only the tests load it.
export * from "./index";
export { checkInvariants } from "./check";
