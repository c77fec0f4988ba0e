// Types for find-browser.mjs, which stays plain JavaScript so scripts/test.mjs can run it
// under bare node before anything is built.

export interface FoundBrowser {
  /** Absolute path of the executable. */
  path: string;
  /** Where it was found. */
  source: "CHROME_PATH" | "debian" | "chrome" | "playwright";
}

export interface SearchPlaces {
  /** Reads CHROME_PATH, PATH, PLAYWRIGHT_BROWSERS_PATH and XDG_CACHE_HOME (default: process.env). */
  env?: Record<string, string | undefined>;
  /** For ~/.cache/ms-playwright (default: os.homedir()). */
  home?: string;
  /** Prefixed to /usr/bin/chromium, /usr/bin and /opt/google/chrome/chrome (default: "/"). */
  root?: string;
}

/** Why the browser suite is skipped when findBrowser() returns null. */
export declare const NOT_FOUND: string;

/** The browser to drive, or null; throws when CHROME_PATH is set but not an executable file. */
export declare function findBrowser(places?: SearchPlaces): FoundBrowser | null;
