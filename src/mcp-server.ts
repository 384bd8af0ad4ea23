/**
 * The MCP server a session runs: identity, capabilities and tools.
 * @module
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker-provider.js";
import { registerTools, type ToolDeps } from "./tools";

export const SERVER_NAME = "gemini-video-mcp";
export const SERVER_VERSION = "0.1.0";

const INSTRUCTIONS =
  "Use analyzeRemoteVideo to have Google Gemini watch a video (YouTube link or public video file URL) and answer a prompt about it; it waits and reports progress. Analyses can take minutes: for long videos, startVideoAnalysis returns a jobId at once and getVideoAnalysis (with waitSeconds) collects the answer; cancelVideoAnalysis stops a job.";

export function createMcpServer(deps: ToolDeps): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      capabilities: { tools: {} },
      instructions: INSTRUCTIONS,
      // ajv compiles validators with `new Function`, which workerd forbids.
      jsonSchemaValidator: new CfWorkerJsonSchemaValidator()
    }
  );
  registerTools(server, deps);
  return server;
}
