/**
 * The tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663) on an SDK
 * `Server`: a `tools/call` that becomes a task, and `tasks/get`,
 * `tasks/update`, `tasks/cancel`.
 *
 * A task follows one analysis job of the Durable Object it lives in; its id
 * names that object the way a job id does (`<sessionId>.<64 random bits>`),
 * so the front Worker sends every request about it there. The object stores
 * the task before the `tools/call` is answered. `tasks/cancel` cancels the
 * job, which deletes its uploaded Gemini file (`JobService.cancel`).
 * @module
 */
import { hasTaskClientCapabilityV2, TASKS_EXTENSION_ID_V2 } from "@modelcontextprotocol/ext-tasks/core/v2";
import {
  type CallToolResult,
  CLIENT_CAPABILITIES_META_KEY,
  MissingRequiredClientCapabilityError,
  ProtocolError,
  ProtocolErrorCode,
  type Server,
  type ServerContext
} from "@modelcontextprotocol/server";
import { z } from "zod";
import { UserFacingError } from "../errors";
import type { Job } from "../jobs/job";
import { jobOwnerSession, newJobId } from "../jobs/job-id";
import { taskableTool, type ToolDeps } from "../tools";
import type { TaskStore } from "./task-store";
import { detailedTaskOf, taskOf } from "./task-view";

export { TASKS_EXTENSION_ID_V2 as TASKS_EXTENSION };

/** Where tasks are kept: the object's `TaskStore`. */
export type TaskRecords = Pick<TaskStore, "get" | "create">;

/** What the task methods need from the object that holds the tasks. */
export interface TaskHost {
  tools: ToolDeps;
  store: TaskRecords;
  /** How long a task and its result are kept, from its creation. */
  ttlMs: number;
}

/** True when the request's `_meta` declares the tasks extension (the 2026 envelope's client capabilities). */
export function declaresTasks(meta: unknown): boolean {
  return hasTaskClientCapabilityV2({ _meta: meta });
}

function requireTasksCapability(ctx: ServerContext): void {
  if (declaresTasks(ctx.mcpReq.envelope)) return;
  throw new MissingRequiredClientCapabilityError(
    { requiredCapabilities: { extensions: { [TASKS_EXTENSION_ID_V2]: {} } } },
    `Declare the ${TASKS_EXTENSION_ID_V2} extension in _meta["${CLIENT_CAPABILITIES_META_KEY}"].extensions to use tasks.`
  );
}

function unknownTask(taskId: string): ProtocolError {
  return new ProtocolError(
    ProtocolErrorCode.InvalidParams,
    `No task ${taskId}: it never existed here or has expired (a task lives for its ttlMs).`
  );
}

/** How long `tasks/cancel` waits for the job to stop, as `cancelVideoAnalysis` does. */
const CANCEL_WAIT_MS = 10_000;

const taskIdParams = z.object({ taskId: z.string() });

/**
 * Registers the task methods. Without a `host` (the front Worker's tool
 * directory, for ids that name no object) every task is unknown.
 */
export function registerTaskMethods(server: Server, host: TaskHost | undefined): void {
  const lookup = (taskId: string) => {
    const record = host?.store.get(taskId);
    if (!host || !record) throw unknownTask(taskId);
    return { host, record, job: host.tools.jobs.get(record.jobId) };
  };
  server.setRequestHandler("tasks/get", { params: taskIdParams }, ({ taskId }, ctx) => {
    requireTasksCapability(ctx);
    const { host, record, job } = lookup(taskId);
    const tool = taskableTool(record.tool);
    if (!tool) throw new Error(`Task ${taskId} runs as ${record.tool}, which is no task tool`);
    return detailedTaskOf(record, job, tool, host.tools.maxResultChars);
  });
  // The SDK takes `inputResponses` off the params before a handler sees them. No
  // analysis asks its client for input, so there is never a pending request to answer.
  server.setRequestHandler("tasks/update", { params: taskIdParams }, ({ taskId }, ctx) => {
    requireTasksCapability(ctx);
    lookup(taskId);
    return {};
  });
  server.setRequestHandler("tasks/cancel", { params: taskIdParams }, async ({ taskId }, ctx) => {
    requireTasksCapability(ctx);
    const { host, record } = lookup(taskId);
    // As cancelVideoAnalysis: the job ends (and its file is gone) before the answer, so the next tasks/get says so.
    if (await host.tools.jobs.cancel(record.jobId, "cancelled by tasks/cancel")) {
      await host.tools.jobs.wait(record.jobId, CANCEL_WAIT_MS);
    }
    return {};
  });
  if (host) server.setRequestHandler("tools/call", (request) => createTask(host, request.params.name, request.params.arguments));
}

/**
 * Starts the tool's analysis in the background and stores a task for it.
 * Arguments that do not fit together, and a job refused at once (a limit),
 * are answered as the blocking tool would: a tool error, no task.
 */
async function createTask(host: TaskHost, toolName: string, args: unknown): Promise<CallToolResult> {
  const tool = taskableTool(toolName);
  if (!tool) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Tool ${toolName} does not run as a task`);
  let job: Job;
  try {
    job = await host.tools.jobs.start(tool.analysisFor(args, host.tools), { background: true });
  } catch (error) {
    if (error instanceof UserFacingError) return { content: [{ type: "text", text: error.message }], isError: true };
    throw error;
  }
  const sessionId = jobOwnerSession(job.id);
  if (!sessionId) throw new Error(`Job ${job.id} names no session`);
  const record = { id: newJobId(sessionId), jobId: job.id, tool: toolName, createdAt: Date.now(), ttlMs: host.ttlMs };
  host.store.create(record);
  // SAFETY: the SDK types a `tools/call` handler's result as CallToolResult, but sends whatever it returns; a task's is a CreateTaskResult (SEP-2663).
  return { resultType: "task", ...taskOf(record, job) } as unknown as CallToolResult;
}
