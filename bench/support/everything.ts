/**
 * The anchor: `@modelcontextprotocol/server-everything` (the MCP reference
 * server, Express + the SDK's Streamable HTTP transport, in Node), started in
 * Streamable HTTP mode on a free port in its own process group.
 *
 * It takes its port from `PORT` and listens on every interface (it has no
 * host setting); the benchmark only talks to it over 127.0.0.1. It logs a
 * line per request on stdout, which the process group helper drains.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { freePort } from "../../test/node/support/node-server";
import { sleep, spawnProcessGroup } from "../../test/node/support/process-group";

const READY_TIMEOUT_MS = 30_000;

export interface AnchorServer {
  /** The Streamable HTTP endpoint, `http://127.0.0.1:<port>/mcp`. */
  mcpUrl: string;
  pid: number;
  version: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startEverythingServer(): Promise<AnchorServer> {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve("@modelcontextprotocol/server-everything/package.json");
  const { version, bin } = require(packageJson) as { version: string; bin: Record<string, string> };
  const root = dirname(packageJson);
  const port = await freePort();
  const child = spawnProcessGroup([join(root, bin["mcp-server-everything"]!), "streamableHttp"], {
    cwd: root,
    env: { ...process.env, PORT: String(port) }
  });
  const mcpUrl = `http://127.0.0.1:${port}/mcp`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exited()) throw new Error(`server-everything exited early:\n${child.output()}`);
    try {
      // Without a session it answers 400: it is listening.
      const response = await fetch(mcpUrl);
      await response.arrayBuffer();
      break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await child.stop();
      throw new Error(`server-everything did not listen within ${READY_TIMEOUT_MS} ms:\n${child.output()}`);
    }
    await sleep(100);
  }
  return { mcpUrl, pid: child.pid, version, output: child.output, stop: () => child.stop() };
}
