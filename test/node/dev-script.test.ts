import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error -- plain ESM script without type declarations
import { parseDevArgs, USAGE } from "../../scripts/dev-args.mjs";
import { freePort } from "./support/node-server";
import { sleep, spawnProcessGroup } from "./support/process-group";
import { rawRequest } from "./support/raw-http";

const root = join(import.meta.dirname, "..", "..");
const devScript = join(root, "scripts", "dev.mjs");

describe("parseDevArgs", () => {
  it("defaults to 127.0.0.1:8787, no inspector, no persistence directory", () => {
    expect(parseDevArgs([], {})).toEqual({
      ip: "127.0.0.1",
      port: 8787,
      inspector: false,
      persistTo: undefined,
      envFile: undefined
    });
  });

  it("takes wrangler dev's options, in both spellings", () => {
    expect(parseDevArgs(["--port", "9000", "--ip=0.0.0.0", "--persist-to", "state", "--env-file=test.env"], {})).toEqual({
      ip: "0.0.0.0",
      port: 9000,
      inspector: false,
      persistTo: "state",
      envFile: "test.env"
    });
  });

  it("turns the inspector on, on its default port or on --inspector-port", () => {
    expect(parseDevArgs(["--inspector"], {}).inspector).toBe(true);
    expect(parseDevArgs(["--inspector-port", "9230"], {}).inspector).toBe(9230);
  });

  it("falls back to PORT, and --port wins over it", () => {
    expect(parseDevArgs([], { PORT: "8900" }).port).toBe(8900);
    expect(parseDevArgs(["--port", "9000"], { PORT: "8900" }).port).toBe(9000);
  });

  it.each([
    [["--bogus"], /Unknown option '--bogus'/],
    [["--port"], /argument missing/],
    [["--port", "abc"], /--port must be a port number/],
    [["--port", "70000"], /--port must be a port number/],
    [["--inspector-port", "0"], /--inspector-port must be a port number/],
    [["serve"], /Unexpected argument 'serve'/]
  ])("refuses %j with a UsageError saying why", (args, message) => {
    expect(() => parseDevArgs(args, {})).toThrow(message);
  });
});

describe("npm run dev", () => {
  it("answers an unknown option with the usage line and exit code 2, no stack trace", async () => {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [devScript, "--bogus"], { cwd: root }, (error, _stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr })
      );
    });
    expect(code).toBe(2);
    expect(stderr).toContain("Unknown option '--bogus'");
    expect(stderr).toContain(USAGE);
    expect(stderr).not.toMatch(/ERR_PARSE_ARGS|\n\s+at /);
  });

  it("serves on the --ip and --port it is given, with --persist-to and --env-file, as a loopback server", {
    timeout: 120_000
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "dev-script-"));
    const envFile = join(dir, "test.env");
    writeFileSync(envFile, `SHARED_SECRET=${"d".repeat(64)}\nGOOGLE_API_KEY=dev-script-test\n`);
    const port = await freePort();
    const child = spawnProcessGroup(
      [devScript, "--ip", "127.0.0.1", "--port", String(port), "--persist-to", join(dir, "state"), "--env-file", envFile],
      {
        cwd: root,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_ENV: "" }
      }
    );
    const baseUrl = `http://127.0.0.1:${port}`;
    try {
      const deadline = Date.now() + 90_000;
      for (;;) {
        if (child.exited()) throw new Error(`npm run dev exited:\n${child.output()}`);
        const health = await fetch(`${baseUrl}/health`).catch(() => undefined);
        if (health?.ok) {
          expect(await health.json()).toEqual({ status: "ok" });
          break;
        }
        if (Date.now() > deadline) throw new Error(`npm run dev did not answer on ${baseUrl}:\n${child.output()}`);
        await sleep(250);
      }
      expect(child.output()).toContain(`Gemini video MCP server: ${baseUrl}`);
      const rebound = await rawRequest(baseUrl, { path: "/health", headers: { Host: `evil.example:${port}` } });
      expect(rebound.status).toBe(403);
    } finally {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
