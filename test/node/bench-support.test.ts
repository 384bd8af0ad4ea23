import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { wranglerBin } from "../../bench/support/bundle";
import { Sha256Digest } from "../../bench/support/fakes";

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

describe("Sha256Digest", () => {
  it("digest answers the same every time it is asked, as the fake Gemini and the benchmark both ask", () => {
    const digest = new Sha256Digest();
    digest.update(new TextEncoder().encode("abc"));
    expect(digest.digest()).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(digest.digest()).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(() => digest.update(new Uint8Array(1))).toThrow(/after digest/);
  });
});
