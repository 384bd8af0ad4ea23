/**
 * Which 2026-era `/mcp` requests concern tasks, read from the parsed body:
 * a `tools/call` that becomes a task, and the `tasks/*` requests, with the
 * session object a task id names.
 * @module
 */
import { jobOwnerSession } from "../jobs/job-id";
import { taskableTool } from "../tools";
import { declaresTasks } from "./task-methods";

const TASK_METHODS = new Set(["tasks/get", "tasks/update", "tasks/cancel"]);

interface Body {
  method?: unknown;
  params?: { name?: unknown; taskId?: unknown; _meta?: unknown };
}

function bodyOf(parsedBody: unknown): Body | undefined {
  // SAFETY: a plain object; Body's fields are optional and unknown, read through `?.` (a non-object `params` reads as undefined).
  return typeof parsedBody === "object" && parsedBody !== null && !Array.isArray(parsedBody) ? (parsedBody as Body) : undefined;
}

/** A `tools/call` of a tool that may run as a task, from a client that declares the extension. */
export function runsAsTask(parsedBody: unknown): boolean {
  const body = bodyOf(parsedBody);
  if (body?.method !== "tools/call" || typeof body.params?.name !== "string") return false;
  return taskableTool(body.params.name) !== undefined && declaresTasks(body.params._meta);
}

/** True for `tasks/get`, `tasks/update` and `tasks/cancel`. */
export function isTaskMethod(parsedBody: unknown): boolean {
  const method = bodyOf(parsedBody)?.method;
  return typeof method === "string" && TASK_METHODS.has(method);
}

/** The session object the request's `params.taskId` names; undefined when it names none. */
export function taskOwnerOf(parsedBody: unknown): string | undefined {
  const taskId = bodyOf(parsedBody)?.params?.taskId;
  return typeof taskId === "string" ? jobOwnerSession(taskId) : undefined;
}
