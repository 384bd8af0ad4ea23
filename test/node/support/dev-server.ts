/**
 * Starts the real server (workerd through wrangler, as `npm run dev` does:
 * scripts/serve.mjs) in its own process on a free loopback port, with its own
 * state directory and settings, and stops it (the whole process group)
 * afterwards.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./node-server";

export interface DevServer {
  baseUrl: string;
  secret: string;
  /** The wrangler process (its process group holds workerd). */
  pid: number;
  /** The last 64 KiB of what the server printed. */
  output(): string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 90_000;
/** How much of the server's output is kept, from the end. */
const OUTPUT_TAIL_CHARS = 64 * 1024;

export async function startDevServer(vars: Record<string, string>): Promise<DevServer> {
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
  const root = join(import.meta.dirname, "..", "..", "..");
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(root, "scripts", "serve.mjs"),
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--env-file",
      envFile,
      "--persist-to",
      join(dir, "state")
    ],
    {
      cwd: root,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_ENV: "" }
    }
  );
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
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
      throw new Error(`The server exited early:\n${output}`);
    }
    try {
      const response = await fetch(`${baseUrl}/health`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`The server did not become ready in ${READY_TIMEOUT_MS} ms:\n${output}`);
    }
    await sleep(250);
  }
  return { baseUrl, secret, pid: child.pid!, output: () => output, stop };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
