// withShuffle: runs a test body once per seed of the loop's seeded shuffle, and names the
// seed that failed, so the failure can be replayed with `{ shuffle: seed }`.
import { checkFunction, checkNumber, expected } from "../checks.js";
import { isThenable } from "../util.js";

/** The seeds to try: a count `n` (seeds 0 .. n-1) or the seeds themselves. */
function seedList(seeds: unknown): number[] {
  const isSeed = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;
  if (typeof seeds === "number") {
    checkNumber("withShuffle()", "seeds to be a count or an array of seeds", seeds, isSeed);
    return Array.from({ length: seeds }, (_, i) => i);
  }
  if (!Array.isArray(seeds)) throw expected("withShuffle()", "seeds to be a count or an array of seeds", seeds);
  for (const s of seeds) checkNumber("withShuffle()", "each seed to be a non-negative integer", s, isSeed);
  return seeds as number[];
}

/** The body's failure, named with the seed it failed with (the original is its cause). */
function failedWith(seed: number, e: unknown): Error {
  const message = e instanceof Error ? e.message : String(e);
  return new Error(`withShuffle(): failed with shuffle seed ${seed}: ${message}`, { cause: e });
}

/**
 * Runs `body(seed)` once per seed (`seeds`: a count `n` for seeds 0 .. n-1, or an array),
 * where the body runs its loop with `{ shuffle: seed }`. The first failure is rethrown as an
 * Error whose message says "shuffle seed N" (the original error is its `cause`): replay it
 * with that seed. A body that returns a Promise makes `withShuffle` return one, trying the
 * seeds one after another.
 * @example
 * withShuffle(20, (seed) => {
 *   const log: string[] = []
 *   runSync(function* () {
 *     yield* gather(worker("a", log), worker("b", log))
 *   }, { shuffle: seed })
 *   assert.equal(log.length, 4)   // whatever order the batch ran in
 * })
 */
export function withShuffle(seeds: number | readonly number[], body: (seed: number) => Promise<void>): Promise<void>;
export function withShuffle(seeds: number | readonly number[], body: (seed: number) => void): void;
export function withShuffle(seeds: number | readonly number[], body: (seed: number) => void | Promise<void>): void | Promise<void> {
  const list = seedList(seeds);
  checkFunction("withShuffle()", body);
  for (let i = 0; i < list.length; i++) {
    const seed = list[i];
    let result: unknown;
    try {
      result = body(seed);
    } catch (e) {
      throw failedWith(seed, e);
    }
    if (isThenable(result)) return asyncRest(list, i, result, body);
  }
}

/** From the first seed whose body returned a Promise on: one seed after another. */
async function asyncRest(list: number[], from: number, first: PromiseLike<unknown>, body: (seed: number) => unknown): Promise<void> {
  for (let i = from; i < list.length; i++) {
    const seed = list[i];
    try {
      await (i === from ? first : body(seed));
    } catch (e) {
      throw failedWith(seed, e);
    }
  }
}
