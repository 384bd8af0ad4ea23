/**
 * Starts the real server under `wrangler dev` on a free loopback port, with
 * its own state directory and settings, and stops it (the whole process
 * group) afterwards.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./node-server";

export interface DevServer {
  baseUrl: string;
  secret: string;
  /** Everything the server printed so far. */
  output(): string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 90_000;

export async function startWranglerDev(vars: Record<string, string>): Promise<DevServer> {
  const secret = Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("");
  const dir = mkdtempSync(join(tmpdir(), "gemini-video-mcp-e2e-"));
  const envFile = join(dir, "test.env");
  writeFileSync(
    envFile,
    Object.entries({ SHARED_SECRET: secret, ...vars })
      .map(([key, value]) => `${key}=${value}`)
      .join("\n")
  );
  const port = await freePort();
  const inspectorPort = await freePort();
  const wrangler = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
  const child: ChildProcess = spawn(
    process.execPath,
    [
      wrangler,
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspectorPort),
      "--env-file",
      envFile,
      "--persist-to",
      join(dir, "state"),
      "--show-interactive-dev-session=false"
    ],
    {
      cwd: join(import.meta.dirname, "..", "..", ".."),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_ENV: "" }
    }
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      const killed = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
      if (!killed) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
        await exited;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`wrangler dev exited early:\n${output}`);
    }
    try {
      const response = await fetch(`${baseUrl}/health`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not become ready in ${READY_TIMEOUT_MS} ms:\n${output}`);
    }
    await sleep(250);
  }
  return { baseUrl, secret, output: () => output, stop };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
