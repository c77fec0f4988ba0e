// W7's job: ~5 ms of CPU on whatever thread runs it (a busy wait on the clock, so each
// runtime's job costs the same wall time and only the dispatch overhead differs).
export function burn(ms) {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) n++;
  return n >= 0;
}
