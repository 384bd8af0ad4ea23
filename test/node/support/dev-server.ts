/**
 * Starts the real server (workerd through wrangler, as `npm run dev` does:
 * scripts/serve.mjs) in its own process on a free loopback port, with its own
 * state directory and settings, and stops it (the whole process group)
 * afterwards.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./node-server";
import { sleep, spawnProcessGroup } from "./process-group";

export interface DevServer {
  baseUrl: string;
  secret: string;
  /** Where the server keeps its state (`--persist-to`): Durable Objects' SQLite files under `v3/do/`. */
  stateDir: string;
  /** The wrangler process (its process group holds workerd). */
  pid: number;
  /** The last 64 KiB of what the server printed. */
  output(): string;
  /** Stops the server and starts it again on the same port with the same state, as a restart would. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 90_000;

export interface DevServerOptions {
  /** Without wrangler.toml's global_fetch_strictly_public flag (see scripts/serve.mjs). */
  withoutStrictPublicFetch?: boolean;
}

export async function startDevServer(vars: Record<string, string>, options: DevServerOptions = {}): Promise<DevServer> {
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
  const baseUrl = `http://127.0.0.1:${port}`;
  const launch = () =>
    spawnProcessGroup(
      [
        join(root, "scripts", "serve.mjs"),
        "--ip",
        "127.0.0.1",
        "--port",
        String(port),
        "--env-file",
        envFile,
        "--persist-to",
        join(dir, "state"),
        ...(options.withoutStrictPublicFetch ? ["--without-strict-public-fetch"] : [])
      ],
      { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_ENV: "" } }
    );
  let child = launch();
  const stop = async () => {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const ready = async () => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (child.exited()) {
        await stop();
        throw new Error(`The server exited early:\n${child.output()}`);
      }
      try {
        const response = await fetch(`${baseUrl}/health`);
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`The server did not become ready in ${READY_TIMEOUT_MS} ms:\n${child.output()}`);
      }
      await sleep(250);
    }
  };
  await ready();
  return {
    baseUrl,
    secret,
    stateDir: join(dir, "state"),
    get pid() {
      return child.pid;
    },
    output: () => child.output(),
    async restart() {
      await child.stop();
      child = launch();
      await ready();
    },
    stop
  };
}
