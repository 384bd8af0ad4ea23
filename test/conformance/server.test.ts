/**
 * The official conformance suite's server scenarios against the real server
 * on `/mcp`, both protocol eras: the 2026-07-28 ones (stateless requests,
 * `server/discover`, caching hints, `Mcp-Method`/`Mcp-Name`/`Mcp-Param-*`
 * validation) and the 2025-11-25 ones (initialize, the session's lifecycle,
 * ping), with the DNS-rebinding, multiple-stream and resource scenarios in both. The
 * suite sends no credentials, so it talks to the server through a loopback
 * proxy that adds the bearer secret. Checks that cannot pass here are listed,
 * with their reasons, in server-baseline.yml; anything else failing fails.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../node/support/stack";
import { type BearerProxy, startBearerProxy } from "./support/bearer-proxy";
import { checksOf, requireNode22, runConformance } from "./support/cli";

const BASELINE = join(import.meta.dirname, "server-baseline.yml");

const SCENARIOS: Record<string, string[]> = {
  "2026-07-28": [
    "server-stateless",
    "tools-list",
    "caching",
    "http-header-validation",
    "http-custom-header-server-validation",
    "dns-rebinding-protection",
    "server-sse-multiple-streams",
    "resources-list",
    "resources-read-text",
    "resources-templates-read",
    "sep-2164-resource-not-found"
  ],
  "2025-11-25": [
    "server-initialize",
    "server-session-lifecycle",
    "ping",
    "tools-list",
    "dns-rebinding-protection",
    "server-sse-multiple-streams",
    "resources-list",
    "resources-read-text",
    "resources-templates-read"
  ]
};

let stack: Stack;
let proxy: BearerProxy;
let outputDir: string;

beforeAll(async () => {
  await requireNode22();
  stack = await startStack();
  proxy = await startBearerProxy(stack.server.baseUrl, stack.server.secret);
  outputDir = mkdtempSync(join(tmpdir(), "conformance-server-"));
});

afterAll(async () => {
  await proxy?.close();
  await stack?.stop();
  if (outputDir) rmSync(outputDir, { recursive: true, force: true });
});

describe.each(Object.keys(SCENARIOS))("conformance: server scenarios at %s", (specVersion) => {
  it.each(SCENARIOS[specVersion] ?? [])("passes %s", async (scenario) => {
    const { output, exitCode } = await runConformance([
      "server",
      "--url",
      `${proxy.url}/mcp`,
      "--scenario",
      scenario,
      "--spec-version",
      specVersion,
      "--expected-failures",
      BASELINE,
      "-o",
      outputDir
    ]);
    const checks = checksOf(outputDir, scenario);
    expect(checks.filter((check) => check.status === "SUCCESS").length, output).toBeGreaterThan(0);
    expect(exitCode, output).toBe(0);
  });
});
