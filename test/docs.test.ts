// docs/asyncio-walkthrough.md against the repository: its links lead somewhere, its code
// excerpts are the examples' code as it is now, and every example has its section.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PAGE = join(ROOT, "docs", "asyncio-walkthrough.md");
const EXAMPLES = join(ROOT, "examples");

interface Block {
  lang: string;
  lines: string[];
}

interface Section {
  /** The `## ` heading, or "(introduction)" for the text before the first one. */
  title: string;
  /** The section's text outside code blocks. */
  prose: string;
  blocks: Block[];
}

/** Splits markdown into its prose (code blocks removed) and its fenced code blocks. */
function parse(markdown: string): { prose: string; blocks: Block[] } {
  const prose: string[] = [];
  const blocks: Block[] = [];
  let open: Block | null = null;
  for (const line of markdown.split("\n")) {
    const fence = /^\s*```(\S*)\s*$/.exec(line);
    if (open !== null) {
      if (fence !== null && fence[1] === "") {
        blocks.push(open);
        open = null;
      } else {
        open.lines.push(line);
      }
    } else if (fence !== null) {
      open = { lang: fence[1], lines: [] };
    } else {
      prose.push(line);
    }
  }
  if (open !== null) throw new Error(`a \`\`\`${open.lang} block is never closed`);
  return { prose: prose.join("\n"), blocks };
}

/** The page cut at its `## ` headings (outside code blocks). */
function sections(markdown: string): Section[] {
  const out: Section[] = [];
  let title = "(introduction)";
  let body: string[] = [];
  let inCode = false;
  const flush = () => out.push({ title, ...parse(body.join("\n")) });
  for (const line of markdown.split("\n")) {
    if (/^\s*```/.test(line)) inCode = !inCode;
    if (!inCode && line.startsWith("## ")) {
      flush();
      title = line.slice(3).trim();
      body = [];
    } else {
      body.push(line);
    }
  }
  flush();
  return out;
}

/** The targets of the inline links `[text](target)` in `prose`. */
function links(prose: string): string[] {
  return [...prose.matchAll(/\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
}

/** The anchor GitHub gives a heading. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
}

/** The anchors of a markdown file's headings, numbered as GitHub numbers repeats. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of parse(markdown).prose.split("\n")) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (m === null) continue;
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** A relative link's file, resolved from the page's folder; null for other links. */
function target(link: string): { file: string; anchor: string } | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith("#")) return null;
  const [path, anchor = ""] = link.split("#", 2);
  return { file: resolve(dirname(PAGE), decodeURIComponent(path)), anchor };
}

function isExample(file: string): boolean {
  return dirname(file) === EXAMPLES && file.endsWith(".ts");
}

/** Lines without their trailing whitespace, and without blank lines at either end. */
function normalise(lines: string[]): string[] {
  const out = lines.map((line) => line.trimEnd());
  while (out.length > 0 && out[0] === "") out.shift();
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}

/** Whether `excerpt` is a contiguous run of `lines`. */
function containsRun(lines: string[], excerpt: string[]): boolean {
  for (let i = 0; i + excerpt.length <= lines.length; i++) {
    if (excerpt.every((line, j) => lines[i + j] === line)) return true;
  }
  return false;
}

const page = readFileSync(PAGE, "utf8");
const pageSections = sections(page);
const pageProse = parse(page).prose;
const show = (file: string) => relative(ROOT, file).split(sep).join("/");

test("docs: every link in the walkthrough page leads to something in the repository", () => {
  const all = links(pageProse);
  assert.ok(all.length > 0, "the page has no links");
  for (const link of all) {
    if (link.startsWith("#")) {
      assert.ok(anchors(page).has(link.slice(1)), `${link}: no such heading on the page`);
      continue;
    }
    const t = target(link);
    if (t === null) {
      // Outside the repository, only Python's own documentation.
      assert.ok(link.startsWith("https://docs.python.org/"), `${link}: a link outside the repository`);
      continue;
    }
    assert.ok(!relative(ROOT, t.file).startsWith(".."), `${link}: outside the repository`);
    assert.ok(existsSync(t.file), `${link}: ${show(t.file)} does not exist`);
    if (t.anchor !== "" && t.file.endsWith(".md")) {
      assert.ok(anchors(readFileSync(t.file, "utf8")).has(t.anchor), `${link}: no heading #${t.anchor} in ${show(t.file)}`);
    }
  }
});

test("docs: every command in the walkthrough page runs an example that exists", () => {
  const commands = [...page.matchAll(/npx tsx (examples\/[\w.-]+\.ts)/g)].map((m) => m[1]);
  assert.ok(commands.length > 0, "the page shows no command");
  for (const file of commands) assert.ok(existsSync(join(ROOT, file)), `npx tsx ${file}: no such file`);
});

test("docs: every ts excerpt appears verbatim in the example its section links to", () => {
  let excerpts = 0;
  for (const section of pageSections) {
    const ts = section.blocks.filter((b) => b.lang === "ts" || b.lang === "typescript");
    if (ts.length === 0) continue;
    const files = [...new Set(links(section.prose).map(target).filter((t) => t !== null).map((t) => t.file).filter(isExample))];
    assert.ok(files.length > 0, `section "${section.title}" shows code but links to no example`);
    for (const file of files) assert.ok(existsSync(file), `section "${section.title}" links to ${show(file)}, which does not exist`);
    const sources = files.map((file) => ({ file, lines: normalise(readFileSync(file, "utf8").split("\n")) }));
    for (const block of ts) {
      const excerpt = normalise(block.lines);
      assert.ok(excerpt.length > 0, `section "${section.title}" has an empty ts block`);
      const found = sources.some((source) => containsRun(source.lines, excerpt));
      assert.ok(
        found,
        `section "${section.title}": this excerpt is not a run of lines of ${files.map(show).join(" or ")}:\n${excerpt.join("\n")}`,
      );
      excerpts += 1;
    }
  }
  assert.ok(excerpts > 0, "the page has no ts excerpts");
});

test("docs: every example in examples/ is linked from the walkthrough page", () => {
  const linked = new Set(links(pageProse).map(target).filter((t) => t !== null).map((t) => t.file));
  const examples = readdirSync(EXAMPLES).filter((name) => name.endsWith(".ts")).map((name) => join(EXAMPLES, name));
  assert.ok(examples.length > 0, "examples/ has no examples");
  for (const file of examples) assert.ok(linked.has(file), `${show(file)} is not linked from docs/asyncio-walkthrough.md`);
});

test.run();
