// The demo's workload: a simulated web crawler on the real clock, built from the public
// API only. A producer task feeds page addresses into a bounded Queue; a TaskGroup of
// workers takes them, each fetching a page in a task of its own under waitFor's budget
// (too slow: the page is cancelled and counted as timed out); a page "fetches" its HTML
// (a sleep), then its assets in tasks gathered together, and some assets are cancelled
// by a timer (an ad blocker). Every length comes from a generator seeded by the address,
// so a page costs the same on every run whatever order the scheduler runs things in.
import {
  CancelledError, QueueShutDown, Queue, TimeoutError, createTask, gather, getRunningLoop, sleep, taskGroup, waitFor,
  type Coroutine,
} from "../../src/index.js";

/** What a crawl did, counted by the tasks as they finish. */
export interface CrawlStats {
  pages: number;
  assets: number;
  /** Pages that passed their budget (waitFor cancelled them). */
  timedOut: number;
  /** Assets cancelled by the "ad blocker" timer. */
  blocked: number;
  /** Crawls finished. */
  rounds: number;
}

export interface CrawlOptions {
  /** Pages per crawl. */
  pages: number;
  /** Worker tasks in the TaskGroup. */
  workers: number;
  /** The seed: the same seed gives every page the same lengths. */
  seed: number;
  /** waitFor's budget per page (ms). */
  pageBudgetMs: number;
  /** Scales every sleep (1: the lengths below; the tests may go faster). */
  speed?: number;
}

export function newStats(): CrawlStats {
  return { pages: 0, assets: 0, timedOut: 0, blocked: 0, rounds: 0 };
}

/** mulberry32: a small, fast generator with good enough spread for sleep lengths. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A generator seeded by `seed` and `text` (a page's address): the page's own lengths. */
function seeded(seed: number, text: string): () => number {
  let h = seed | 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return random(h);
}

const SECTIONS = ["docs", "blog", "api", "guide", "news", "shop"];
const ASSETS = ["app.js", "style.css", "logo.svg", "hero.jpg", "ads.js", "font.woff2"];

/**
 * One crawl: `options.pages` pages through `options.workers` workers. Returns when every
 * page is fetched, timed out or (with its assets) cancelled.
 */
export function* crawl(round: number, options: CrawlOptions, stats: CrawlStats): Coroutine<void> {
  const { pages, workers, seed, pageBudgetMs, speed = 1 } = options;
  const ms = (rand: () => number, lo: number, hi: number) => (lo + rand() * (hi - lo)) / speed;
  const queue = new Queue<string>(workers);

  function* discover(): Coroutine<void> {
    const rand = seeded(seed, `round ${round}`);
    for (let i = 0; i < pages; i++) {
      // Links are found a few at a time: the workers sometimes wait on an empty queue.
      if (i % 8 === 7) yield* sleep(ms(rand, 5, 40));
      yield* queue.put(`/${SECTIONS[i % SECTIONS.length]}/${round}-${i}`);
    }
    // Workers waiting on get() are woken with QueueShutDown once the rest is taken.
    queue.shutdown();
  }

  function* fetchAsset(rand: () => number): Coroutine<void> {
    yield* sleep(ms(rand, 40, 420));
    stats.assets++;
  }

  function* fetchPage(url: string): Coroutine<void> {
    const rand = seeded(seed, url);
    yield* sleep(ms(rand, 20, 160)); // the HTML
    const n = 1 + Math.floor(rand() * 4);
    const assets = Array.from({ length: n }, (_, i) => {
      const name = ASSETS[(i + url.length) % ASSETS.length];
      return createTask(fetchAsset(seeded(seed, `${url}/${name}`)), { name: `${url}/${name}` });
    });
    // One asset in ten is blocked a little after it started.
    for (const task of assets) {
      if (rand() < 0.1) getRunningLoop().callLater(ms(rand, 10, 120), function adBlocker() { task.cancel(); });
    }
    const outcomes = yield* gather(...assets, { returnExceptions: true });
    for (const o of outcomes) if (o instanceof CancelledError) stats.blocked++;
    stats.pages++;
  }

  function* worker(): Coroutine<void> {
    for (;;) {
      let url: string;
      try {
        url = yield* queue.get();
      } catch (e) {
        if (e instanceof QueueShutDown) return;
        throw e;
      }
      const page = createTask(fetchPage(url), { name: `GET ${url}` });
      try {
        yield* waitFor(page, pageBudgetMs / speed);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        stats.timedOut++;
      }
    }
  }

  yield* taskGroup(function* (tg) {
    tg.createTask(discover(), { name: `links #${round}` });
    for (let i = 1; i <= workers; i++) tg.createTask(worker(), { name: `worker-${String(i).padStart(2, "0")}` });
  });
  stats.rounds++;
}
