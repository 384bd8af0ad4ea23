/**
 * The MCP server a session runs: identity, capabilities and tools; the
 * tool directory, the same identity answering only `tools/list`, `ping`,
 * `server/discover` (and refusing unknown tasks); and the task server.
 * @module
 */
import { type CacheHint, type ListToolsResult, McpServer, Server, type ServerOptions } from "@modelcontextprotocol/server";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/server/validators/cf-worker";
import { registerAnalysisResources } from "./resources/register-resources";
import { registerTaskMethods, TASKS_EXTENSION, type TaskHost } from "./tasks/task-methods";
import { registerTools, TOOLS, type JobService, type ToolDeps } from "./tools";
import type { UploadService } from "./tools/deps";
import { SessionTransport } from "./transport/session-transport";
import { registerViewer } from "./viewer/viewer-resource";

export const SERVER_NAME = "gemini-video-mcp";
export const SERVER_VERSION = "0.1.0";

/** What each tool says about itself, in the order `tools/list` shows them. */
const INSTRUCTIONS = TOOLS.map((tool) => tool.instructions).join(" ");

/**
 * The tool list and the server's description change only with a deploy, and
 * hold nothing about the caller, so shared caches may keep them a while.
 */
const LIST_CACHE_HINT: CacheHint = { ttlMs: 5 * 60 * 1000, cacheScope: "public" };

/** A finished analysis's file never changes, but only its caller may read it. */
const ANALYSIS_FILE_CACHE_HINT: CacheHint = { ttlMs: 60 * 60 * 1000, cacheScope: "private" };

const IDENTITY = { name: SERVER_NAME, version: SERVER_VERSION };

/** The 2026 era offers the tasks extension; a 2025 session has no task methods. */
function serverOptions(era: "2025" | "2026" = "2025"): ServerOptions {
  return {
    // The list of resources grows as analyses finish; no notification says so.
    capabilities:
      era === "2026"
        ? { tools: {}, resources: { listChanged: false }, extensions: { [TASKS_EXTENSION]: {} } }
        : { tools: {}, resources: { listChanged: false } },
    instructions: INSTRUCTIONS,
    // ajv compiles validators with `new Function`, which workerd forbids.
    jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
    // resources/list shows the caller's own analyses: the SDK's default (private, ttl 0) fits it.
    cacheHints: {
      "tools/list": LIST_CACHE_HINT,
      "server/discover": LIST_CACHE_HINT,
      "resources/templates/list": LIST_CACHE_HINT,
      "resources/read": ANALYSIS_FILE_CACHE_HINT
    }
  };
}

function buildMcpServer(deps: ToolDeps): McpServer {
  const server = new McpServer(IDENTITY, serverOptions());
  registerTools(server, deps);
  registerAnalysisResources(server, deps.jobs);
  registerViewer(server, deps.media?.origin);
  return server;
}

function noJobs(): never {
  throw new Error("Listing tools runs no job");
}

const NO_JOBS: JobService = {
  start: noJobs,
  get: noJobs,
  list: noJobs,
  watch: noJobs,
  wait: noJobs,
  follow: noJobs,
  cancel: noJobs
};

const NO_LIBRARY: ToolDeps["library"] = { search: noJobs, ask: noJobs };
/** Listing tools makes no upload. */
const NO_UPLOADS: UploadService = {
  create: () => Promise.reject(new Error("no uploads here")),
  list: () => Promise.resolve([])
};

let toolList: Promise<ListToolsResult> | undefined;

/**
 * The `tools/list` result, built once per isolate by a server of its own:
 * the SDK's `McpServer` rebuilds every tool's JSON Schema from zod on each
 * call (about 3 ms for ours), and the list cannot change while the code runs.
 */
export function listTools(): Promise<ListToolsResult> {
  toolList ??= (async () => {
    const transport = new SessionTransport(() => {});
    await buildMcpServer({
      jobs: NO_JOBS,
      defaultModel: "",
      callBudgetMs: 0,
      maxResultChars: 0,
      library: NO_LIBRARY,
      uploads: NO_UPLOADS
    }).connect(transport);
    const reply = await transport.request({ jsonrpc: "2.0", id: 0, method: "tools/list" });
    if (!("result" in reply)) throw new Error(`Listing the tools failed: ${JSON.stringify(reply.error)}`);
    // SAFETY: a result to `tools/list` from the SDK's own handler is a ListToolsResult.
    return reply.result as ListToolsResult;
  })();
  toolList.catch(() => {
    toolList = undefined;
  });
  return toolList;
}

/**
 * A server that lists the tools without registering them: what a 2026-era
 * `tools/list`, `ping` or `server/discover` needs, cheap enough to build for
 * each request in the front Worker. Any other method is -32601 here.
 */
export function createToolDirectory(): Server {
  const server = new Server(IDENTITY, serverOptions("2026"));
  server.setRequestHandler("tools/list", () => listTools());
  registerTaskMethods(server, undefined);
  return server;
}

/** The server for 2026-era requests about tasks in a session object: a `tools/call` that becomes a task, and `tasks/*`. */
export function createTaskServer(host: TaskHost): Server {
  const server = new Server(IDENTITY, serverOptions("2026"));
  registerTaskMethods(server, host);
  return server;
}

export function createMcpServer(deps: ToolDeps): McpServer {
  const server = buildMcpServer(deps);
  server.server.setRequestHandler("tools/list", () => listTools());
  return server;
}
