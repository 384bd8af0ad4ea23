import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error -- plain ESM script without type declarations
import { layerProblems } from "../../scripts/check-layers.mjs";

const script = join(import.meta.dirname, "..", "..", "scripts", "check-layers.mjs");
const trees: string[] = [];
afterEach(() => {
  for (const tree of trees.splice(0)) rmSync(tree, { recursive: true, force: true });
});

/** A source tree of `files` (path relative to src/ -> content) in a temporary folder. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "layers-"));
  trees.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const clean = {
  "worker.ts": 'import { SessionDO } from "./session-do";\nexport { SessionDO };\n',
  "session-do.ts":
    'import { registerTools } from "./tools/index";\nimport { Sse } from "./transport/sse";\nexport class SessionDO {}\n',
  "tools/index.ts": 'import { runJob } from "../jobs/run-job";\nexport const registerTools = runJob;\n',
  "transport/sse.ts": 'import type { Env } from "../env";\nexport class Sse {}\n',
  "jobs/run-job.ts": 'import { ask } from "../gemini/analyze";\nexport const runJob = ask;\n',
  "gemini/analyze.ts": 'import { readConfig } from "../config";\nexport const ask = readConfig;\n',
  "config.ts": 'import type { Env } from "./env";\nexport const readConfig = (env: Env) => env;\n',
  "env.ts": "export interface Env { SECRET: string }\n"
};

describe("check-layers", () => {
  it("passes a tree whose imports flow one way, and the script exits 0", () => {
    const root = tree(clean);
    expect(layerProblems(root)).toEqual([]);
    expect(execFileSync(process.execPath, [script, "--root", root], { encoding: "utf8" })).toMatch(/no cycle, no upward import/);
  });

  it("reports a deliberate cycle, and the script exits 1", () => {
    const root = tree({
      ...clean,
      "gemini/analyze.ts": 'import { x } from "./client";\nexport const ask = x;\n',
      "gemini/client.ts": 'import { ask } from "./analyze";\nexport const x = ask;\n'
    });
    expect(layerProblems(root)).toEqual(["import cycle: gemini/analyze.ts -> gemini/client.ts"]);
    expect(() => execFileSync(process.execPath, [script, "--root", root], { stdio: "pipe" })).toThrow(
      /import cycle: gemini\/analyze.ts -> gemini\/client.ts/
    );
  });

  it("reports an upward import, type-only ones included", () => {
    const root = tree({
      ...clean,
      "config.ts": 'import type { SessionDO } from "./session-do";\nexport const readConfig = (d: SessionDO) => d;\n'
    });
    expect(layerProblems(root)).toContain("config.ts imports session-do.ts: upward, from http and config to session");
  });

  it("reports tools and transports that know each other", () => {
    const root = tree({ ...clean, "transport/sse.ts": 'import { registerTools } from "../tools/index";\nexport class Sse {}\n' });
    expect(layerProblems(root)).toContain(
      "transport/sse.ts imports tools/index.ts: transport/ and tools/ must not know each other"
    );
  });

  it("reports a file in no layer", () => {
    const root = tree({ ...clean, "misc.ts": "export const misc = 1;\n" });
    expect(layerProblems(root)).toContain("misc.ts: in no layer (add it to LAYERS in scripts/check-layers.mjs)");
  });

  it("passes this project's own src/: npm run check runs the script on it", () => {
    const src = join(dirname(script), "..", "src");
    expect(layerProblems(src)).toEqual([]);
  });
});
