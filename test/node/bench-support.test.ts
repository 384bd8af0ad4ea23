import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { wranglerBin } from "../../bench/support/bundle";
import { Md5Digest } from "../../bench/support/fakes";

const root = join(import.meta.dirname, "..", "..");

describe("wranglerBin", () => {
  it("finds the installed wrangler's CLI, which runs", () => {
    const { version } = JSON.parse(readFileSync(join(root, "node_modules", "wrangler", "package.json"), "utf8")) as {
      version: string;
    };
    const printed = execFileSync(process.execPath, [wranglerBin(root), "--version"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" }
    });
    expect(printed).toContain(version);
  });
});

describe("Md5Digest", () => {
  it("digest answers the same every time it is asked, as the fake Gemini and the benchmark both ask", () => {
    const digest = new Md5Digest();
    digest.update(new TextEncoder().encode("abc"));
    expect(digest.digest()).toBe("900150983cd24fb0d6963f7d28e17f72");
    expect(digest.digest()).toBe("900150983cd24fb0d6963f7d28e17f72");
    expect(() => digest.update(new Uint8Array(1))).toThrow(/after digest/);
  });
});
