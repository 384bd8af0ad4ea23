/**
 * The maps in the docs match the tree: every folder and top-level file of
 * `src/` is named in README.md's source map, and every test file in
 * test/README.md's tables.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(heading);
  expect(start, `${heading} in the document`).toBeGreaterThanOrEqual(0);
  const next = markdown.indexOf("\n#", start + heading.length);
  return markdown.slice(start, next === -1 ? undefined : next);
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "support" ? [] : testFiles(path);
    return entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

describe("the docs' maps", () => {
  it("README's source map names every folder and top-level file of src/", () => {
    const map = section(readFileSync(join(root, "README.md"), "utf8"), "### Source map");
    const entries = readdirSync(join(root, "src"), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() || entry.name.endsWith(".ts"))
      .map((entry) => (entry.isDirectory() ? `\`src/${entry.name}/\`` : `\`src/${entry.name}\``));
    const missing = entries.filter((entry) => !map.includes(entry));
    expect(missing).toEqual([]);
  });

  it("test/README.md names every test file, in its project's table", () => {
    const readme = readFileSync(join(root, "test", "README.md"), "utf8");
    const tables: Record<string, string> = {
      workers: section(readme, "## workers: what each file shows"),
      node: section(readme, "## node: what each file shows")
    };
    const missing = testFiles(join(root, "test"))
      .map((path) => relative(join(root, "test"), path))
      .filter((path) => !(tables[path.split("/")[0] ?? ""] ?? readme).includes(`\`${basename(path)}\``));
    expect(missing).toEqual([]);
  });
});
