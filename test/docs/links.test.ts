/**
 * Every relative link of the README, SECURITY.md and docs/ must lead somewhere: the file (or
 * folder) exists and, with a #fragment into a Markdown page, that page has the heading. Links
 * are found by rendering the Markdown with marked, as a reader's viewer would, so a link in a
 * table or a list counts and text in a code block does not. Nothing is tolerated: a page that
 * is not written yet exists as a placeholder saying what it will hold.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { lexer, type Token, type Tokens, walkTokens } from "marked";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, "docs"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(ROOT, "docs", f));
  return [join(ROOT, "README.md"), join(ROOT, "SECURITY.md"), ...docs];
}

/** The hrefs of every link and image a page renders. */
function renderedLinks(markdown: string): string[] {
  const hrefs: string[] = [];
  walkTokens(lexer(markdown), (token: Token) => {
    if (token.type === "link" || token.type === "image") hrefs.push((token as Tokens.Link).href);
    if (token.type === "html") {
      for (const m of token.raw.matchAll(/\b(?:href|src)="([^"]+)"/g)) hrefs.push(m[1] as string);
    }
  });
  return hrefs;
}

/** GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces as hyphens. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  walkTokens(lexer(markdown), (token: Token) => {
    if (token.type !== "heading") return;
    const plain: string[] = [];
    walkTokens((token as Tokens.Heading).tokens, (t: Token) => {
      if (t.type === "text" || t.type === "codespan") plain.push((t as Tokens.Text).text);
    });
    const base = plain
      .join("")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  });
  return out;
}

/** Broken relative links of one page, as "href: why". */
function brokenLinks(file: string, markdown: string, read: (path: string) => string | null): string[] {
  const broken: string[] = [];
  for (const href of renderedLinks(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(href)) continue; // https:, mailto: — not ours to check offline
    const [pathPart = "", fragment] = href.split("#", 2);
    const target = pathPart === "" ? file : resolve(dirname(file), decodeURIComponent(pathPart));
    const text = target === file ? markdown : read(target);
    if (text === null) {
      broken.push(`${href}: ${relative(ROOT, target)} does not exist`);
      continue;
    }
    if (fragment && target.endsWith(".md") && !anchors(text).has(fragment))
      broken.push(`${href}: ${relative(ROOT, target)} has no heading #${fragment}`);
  }
  return broken;
}

function readIfThere(path: string): string | null {
  if (!existsSync(path)) return null;
  return statSync(path).isDirectory() ? "" : readFileSync(path, "utf8");
}

describe("the documentation's links", () => {
  it("all lead to a file that exists, and to a heading it has", () => {
    const files = markdownFiles();
    expect(files.length).toBeGreaterThan(10);
    const broken = files.flatMap((file) =>
      brokenLinks(file, readFileSync(file, "utf8"), readIfThere).map((b) => `${relative(ROOT, file)}: ${b}`),
    );
    expect(broken).toEqual([]);
  });

  it("reaches every page of docs/ from the README", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const linked = new Set(
      renderedLinks(readme)
        .filter((h) => h.startsWith("docs/"))
        .map((h) => h.split("#")[0]),
    );
    const pages = readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md"));
    expect(pages.filter((p) => !linked.has(`docs/${p}`))).toEqual([]);
  });

  it("finds a broken file, a missing heading and a link hidden in a table, but not one in code", () => {
    const page = join(ROOT, "docs", "example.md");
    const markdown = [
      "# Example",
      "See [nowhere](missing.md), [a heading](#no-such-heading) and [ours](#example).",
      "",
      "| a | b |",
      "|---|---|",
      "| [config](configuration-reference.md#no-such-key) | x |",
      "",
      "```",
      "[in code](not-a-link.md)",
      "```",
      "![shot](images/none.png)",
    ].join("\n");
    expect(brokenLinks(page, markdown, readIfThere)).toEqual([
      "missing.md: docs/missing.md does not exist",
      "#no-such-heading: docs/example.md has no heading #no-such-heading",
      "configuration-reference.md#no-such-key: docs/configuration-reference.md has no heading #no-such-key",
      "images/none.png: docs/images/none.png does not exist",
    ]);
  });
});
