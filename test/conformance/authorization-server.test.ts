/**
 * The official conformance suite (`@modelcontextprotocol/conformance`) run
 * against this server as an OAuth authorization server: its
 * `authorization-server-metadata-endpoint` scenario, and
 * `authorization-code-grant`, whose authorization URL (printed by the suite)
 * is completed on the consent page in headless Chromium. The suite needs
 * Node 22 or newer (CONFORMANCE_NODE, else the Node running the tests).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideInBrowser, launchChromium } from "../node/support/browser";
import { freePort } from "../node/support/node-server";
import { startStack, type Stack } from "../node/support/stack";

const node = process.env.CONFORMANCE_NODE ?? process.execPath;
const cli = join(
  createRequire(import.meta.url).resolve("@modelcontextprotocol/conformance/package.json"),
  "..",
  "dist",
  "index.js"
);

interface Check {
  id: string;
  name: string;
  status: string;
  errorMessage?: string;
}

let stack: Stack;
let browser: Browser;
let outputDir: string;

beforeAll(async () => {
  const version = await nodeVersion();
  if (!(Number(/^v(\d+)/.exec(version)?.[1]) >= 22)) {
    throw new Error(
      `The conformance suite needs Node 22 or newer; ${node} is ${version}. Run on Node 22, or set CONFORMANCE_NODE.`
    );
  }
  stack = await startStack();
  browser = await launchChromium();
  outputDir = mkdtempSync(join(tmpdir(), "conformance-"));
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (outputDir) rmSync(outputDir, { recursive: true, force: true });
});

function nodeVersion(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, ["--version"]);
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("error", reject);
    child.once("exit", () => resolve(out.trim()));
  });
}

/**
 * Runs the suite's CLI; `onLine` sees each line it prints. Resolves with
 * everything it printed; the process is stopped (by its pid) if the test
 * ends first.
 */
function run(args: string[], onLine: (line: string) => void = () => {}, timeoutMs = 100_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let pending = "";
    const feed = (chunk: Buffer) => {
      output += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    };
    child.stdout.on("data", feed);
    child.stderr.on("data", feed);
    const timer = setTimeout(() => {
      process.kill(child.pid!, "SIGTERM");
      reject(new Error(`conformance ${args.join(" ")} did not finish in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once("error", reject);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(output);
    });
  });
}

/** The checks the suite wrote for `scenario` under the output directory. */
function checksOf(scenario: string): Check[] {
  const dirs = readdirSync(outputDir)
    .filter((name) => name.includes(scenario))
    .map((name) => join(outputDir, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!dirs[0]) throw new Error(`No results for ${scenario} in ${outputDir}: ${readdirSync(outputDir).join(", ")}`);
  return JSON.parse(readFileSync(join(dirs[0], "checks.json"), "utf8")) as Check[];
}

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
    const output = await run(
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
    expectAllPassed(checksOf("authorization-server-metadata-endpoint"), output);
    expectAllPassed(checksOf("authorization-code-grant"), output);
  });
});
