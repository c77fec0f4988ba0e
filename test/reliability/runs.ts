// How many cases a property test runs: the base count in `npm test`, many more in
// `npm run test:long` (which sets WASYNCIO_LONG=1). fast-check prints the seed and the
// shrunk counterexample of a failure; `FC_SEED=<seed>` replays it.
import fc from "fast-check";

const LONG = !["", "0", undefined].includes(process.env.WASYNCIO_LONG);
const LONG_FACTOR = 25;

/** fast-check parameters for a property: `runs` cases (×25 in test:long), replayable by FC_SEED. */
export function fcParams(runs: number): fc.Parameters<unknown> {
  const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
  return { numRuns: LONG ? runs * LONG_FACTOR : runs, ...(seed === undefined ? {} : { seed }) };
}
