import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error -- plain ESM script without type declarations
import { parseDevArgs, USAGE } from "../../scripts/dev-args.mjs";
import { findWorkerd, listeningPorts } from "../../bench/support/processes";
import { freePort } from "./support/node-server";
import { type ProcessGroup, sleep, spawnProcessGroup } from "./support/process-group";
import { rawRequest } from "./support/raw-http";

const root = join(import.meta.dirname, "..", "..");
const devScript = join(root, "scripts", "dev.mjs");

/** `npm run dev` as package.json spells it, run with this Node: the words after `node`. */
function npmRunDev(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: { dev: string } };
  const [command, ...args] = scripts.dev.split(" ");
  expect(command).toBe("node");
  return args;
}

/** Starts `npm run dev -- ...args` and waits until /health answers; the caller stops it. */
async function startDev(
  args: string[],
  env: NodeJS.ProcessEnv = {}
): Promise<{ child: ProcessGroup; baseUrl: string; port: number }> {
  const port = await freePort();
  const child = spawnProcessGroup([...npmRunDev(), "--ip", "127.0.0.1", "--port", String(port), ...args], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_ENV: "", ...env }
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exited()) throw new Error(`npm run dev exited:\n${child.output()}`);
    const health = await fetch(`${baseUrl}/health`).catch(() => undefined);
    if (health?.ok) {
      expect(await health.json()).toEqual({ status: "ok" });
      return { child, baseUrl, port };
    }
    if (Date.now() > deadline) {
      await child.stop();
      throw new Error(`npm run dev did not answer on ${baseUrl}:\n${child.output()}`);
    }
    await sleep(250);
  }
}

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
    try {
      const { child, baseUrl, port } = await startDev(["--persist-to", join(dir, "state"), "--env-file", envFile]);
      try {
        expect(child.output()).toContain(`Gemini video MCP server: ${baseUrl}`);
        const rebound = await rawRequest(baseUrl, { path: "/health", headers: { Host: `evil.example:${port}` } });
        expect(rebound.status).toBe(403);
      } finally {
        await child.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("serves through one workerd: its own process listens and splices into the Worker's workerd (scripts/tcp-front.mjs)", {
    timeout: 120_000
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "dev-script-"));
    const envFile = join(dir, "test.env");
    writeFileSync(envFile, `SHARED_SECRET=${"d".repeat(64)}\n`);
    try {
      const { child, baseUrl, port } = await startDev(["--persist-to", join(dir, "state"), "--env-file", envFile]);
      try {
        const workerd = findWorkerd(child.pid);
        expect(workerd).toHaveLength(1);
        expect(listeningPorts(child.pid)).toContain(port);
        expect(listeningPorts(workerd[0]!)).not.toContain(port);
        const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(`${baseUrl}/health`)));
        expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
      } finally {
        await child.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps wrangler's proxy with --inspector-port, which serves DevTools there", { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "dev-script-"));
    const envFile = join(dir, "test.env");
    writeFileSync(envFile, `SHARED_SECRET=${"d".repeat(64)}\n`);
    const inspectorPort = await freePort();
    try {
      const { child } = await startDev([
        "--persist-to",
        join(dir, "state"),
        "--env-file",
        envFile,
        "--inspector-port",
        String(inspectorPort)
      ]);
      try {
        expect(findWorkerd(child.pid)).toHaveLength(2);
        const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as {
          webSocketDebuggerUrl?: string;
        }[];
        expect(targets.some((target) => target.webSocketDebuggerUrl?.includes(`127.0.0.1:${inspectorPort}`))).toBe(true);
      } finally {
        await child.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps wrangler's local observability off (a trace store of every request), unless X_LOCAL_OBSERVABILITY asks for it", {
    timeout: 120_000
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "dev-script-"));
    const envFile = join(dir, "test.env");
    writeFileSync(envFile, `SHARED_SECRET=${"d".repeat(64)}\n`);
    const traceStore = (state: string) => existsSync(join(dir, state, "v3", "observability"));
    try {
      for (const [state, setting] of [
        ["off", undefined],
        ["on", "true"]
      ] as const) {
        const { child, baseUrl } = await startDev(
          ["--persist-to", join(dir, state), "--env-file", envFile],
          setting === undefined ? { X_LOCAL_OBSERVABILITY: undefined } : { X_LOCAL_OBSERVABILITY: setting }
        );
        try {
          expect((await fetch(`${baseUrl}/health`)).status).toBe(200);
        } finally {
          await child.stop();
        }
      }
      expect(traceStore("off")).toBe(false);
      expect(traceStore("on")).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes a fresh secret to an --env-file that does not exist yet, and serves with it", { timeout: 120_000 }, async () => {
    // Node itself reads `--env-file` anywhere on its command line, even after
    // the script, and exits 9 when the file is missing, unless `--` ends its
    // own options: the dev script must get to create the file first.
    const dir = mkdtempSync(join(tmpdir(), "dev-script-"));
    const envFile = join(dir, "new.env");
    expect(existsSync(envFile)).toBe(false);
    try {
      const { child, baseUrl } = await startDev(["--persist-to", join(dir, "state"), "--env-file", envFile]);
      try {
        const secret = /^SHARED_SECRET=([0-9a-f]{64})$/m.exec(readFileSync(envFile, "utf8"))?.[1];
        expect(secret).toBeDefined();
        const list = await fetch(`${baseUrl}/rpc`, {
          method: "POST",
          headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" })
        });
        expect(list.status).toBe(200);
      } finally {
        await child.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
