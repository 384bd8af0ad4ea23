/**
 * The official conformance suite (`@modelcontextprotocol/conformance`) run
 * against this server as an OAuth authorization server: its
 * `authorization-server-metadata-endpoint` scenario, and
 * `authorization-code-grant`, whose authorization URL (printed by the suite)
 * is completed on the consent page in headless Chromium. The suite needs
 * Node 22 or newer (CONFORMANCE_NODE, else the Node running the tests).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideInBrowser, launchChromium } from "../node/support/browser";
import { freePort } from "../node/support/node-server";
import { startStack, type Stack } from "../node/support/stack";
import { type Check, checksOf, requireNode22, runConformance } from "./support/cli";

let stack: Stack;
let browser: Browser;
let outputDir: string;

beforeAll(async () => {
  await requireNode22();
  stack = await startStack();
  browser = await launchChromium();
  outputDir = mkdtempSync(join(tmpdir(), "conformance-"));
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (outputDir) rmSync(outputDir, { recursive: true, force: true });
});

function expectAllPassed(checks: Check[], output: string): void {
  expect(checks.length, output).toBeGreaterThan(0);
  const failed = checks.filter((check) => check.status !== "SUCCESS");
  expect(failed, output).toEqual([]);
}

describe("conformance: authorization server", () => {
  // authorization-code-grant reads the metadata the first scenario fetched, so both run in one invocation.
  it("passes authorization-server-metadata-endpoint and authorization-code-grant (the consent page completed in Chromium)", async () => {
    const port = await freePort();
    const registered = await fetch(`${stack.server.baseUrl}/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        client_name: "MCP conformance suite",
        redirect_uris: [`http://127.0.0.1:${port}/callback`],
        token_endpoint_auth_method: "none"
      })
    });
    const { client_id: clientId } = (await registered.json()) as { client_id: string };
    let consent: Promise<void> | undefined;
    const { output } = await runConformance(
      [
        "authorization",
        "--url",
        stack.server.baseUrl,
        "--client-id",
        clientId,
        "--resource",
        stack.server.baseUrl,
        "--port",
        String(port),
        "-o",
        outputDir
      ],
      (line) => {
        if (consent === undefined && line.startsWith(`${stack.server.baseUrl}/authorize?`)) {
          consent = (async () => {
            const context = await browser.newContext();
            try {
              const page = await context.newPage();
              await decideInBrowser(page, line.trim(), "Allow", stack.server.secret);
              await page.waitForURL((url) => url.href.startsWith(`http://127.0.0.1:${port}/callback`));
            } finally {
              await context.close();
            }
          })();
        }
      }
    );
    expect(consent, output).toBeDefined();
    await consent;
    expectAllPassed(checksOf(outputDir, "authorization-server-metadata-endpoint"), output);
    expectAllPassed(checksOf(outputDir, "authorization-code-grant"), output);
  });
});
