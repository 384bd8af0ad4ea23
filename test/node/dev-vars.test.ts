import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error -- plain ESM script without type declarations
import { ensureDevVars, parseDevVars } from "../../scripts/dev-vars.mjs";

function scratch(): { path: string; template: string } {
  const dir = mkdtempSync(join(tmpdir(), "dev-vars-"));
  const template = join(dir, ".dev.vars.example");
  writeFileSync(template, "# comment\nSHARED_SECRET=\nGOOGLE_API_KEY=\n");
  return { path: join(dir, ".dev.vars"), template };
}

describe("ensureDevVars", () => {
  it("creates .dev.vars from the template with a fresh 64-character secret", () => {
    const { path, template } = scratch();
    const { vars, wroteSecret } = ensureDevVars(path, template);
    expect(wroteSecret).toBe(true);
    expect(vars.SHARED_SECRET).toMatch(/^[0-9a-f]{64}$/);
    const written = readFileSync(path, "utf8");
    expect(parseDevVars(written).SHARED_SECRET).toBe(vars.SHARED_SECRET);
    expect(written).toContain("# comment");
    expect(statSync(path).mode & 0o077).toBe(0);
  });

  it("replaces a secret of the wrong length and keeps the other lines", () => {
    const { path, template } = scratch();
    writeFileSync(path, "GOOGLE_API_KEY=abc\nSHARED_SECRET=short\n");
    const { vars, wroteSecret } = ensureDevVars(path, template);
    expect(wroteSecret).toBe(true);
    expect(vars.SHARED_SECRET).toHaveLength(64);
    expect(parseDevVars(readFileSync(path, "utf8"))).toEqual({ GOOGLE_API_KEY: "abc", SHARED_SECRET: vars.SHARED_SECRET });
  });

  it("never overwrites a valid secret", () => {
    const { path, template } = scratch();
    const original = `SHARED_SECRET="${"a".repeat(64)}"\nGOOGLE_API_KEY=k\n`;
    writeFileSync(path, original);
    const { vars, wroteSecret } = ensureDevVars(path, template);
    expect(wroteSecret).toBe(false);
    expect(vars.SHARED_SECRET).toBe("a".repeat(64));
    expect(readFileSync(path, "utf8")).toBe(original);
  });

  it("generates a different secret each time", () => {
    const first = scratch();
    const second = scratch();
    expect(ensureDevVars(first.path, first.template).vars.SHARED_SECRET).not.toBe(
      ensureDevVars(second.path, second.template).vars.SHARED_SECRET
    );
  });
});
