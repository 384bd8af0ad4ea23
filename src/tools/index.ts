/**
 * Registers every tool on an `McpServer`, whatever transport it is connected to.
 * @module
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { registerAnalyzeRemoteVideo } from "./analyze-remote-video";
import type { ToolDeps } from "./deps";
import { registerJobTools } from "./job-tools";

export type { JobService, ToolDeps } from "./deps";

export function registerTools(server: McpServer, deps: ToolDeps): void {
  registerAnalyzeRemoteVideo(server, deps);
  registerJobTools(server, deps);
}
