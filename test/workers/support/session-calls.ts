/**
 * Tool calls bound to a session over `/rpc`, and a clock for the session's
 * timers so that waits (polling, retries) pass at once, like fake timers.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { postJson, sessionStub } from "./http";
import { expectValidToolResult } from "./output-schemas";

export interface ToolResult {
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

let nextId = 1;

/**
 * Calls a tool on the session; resolves with the JSON-RPC result, once it is
 * checked against the tool's `outputSchema` as an SDK client checks it.
 */
export async function callTool(
  sessionId: string,
  name: string,
  args: Record<string, unknown>,
  meta?: Record<string, unknown>
): Promise<ToolResult> {
  const response = await postJson(
    "/rpc",
    { jsonrpc: "2.0", id: nextId++, method: "tools/call", params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) } },
    { "Mcp-Session-Id": sessionId }
  );
  const body = (await response.json()) as { result?: ToolResult; error?: unknown };
  if (!body.result) throw new Error(`tools/call ${name} failed: ${JSON.stringify(body)}`);
  await expectValidToolResult(name, body.result);
  return body.result;
}

/** The job snapshot a job tool returned. */
export function snapshotOf(result: ToolResult): { jobId: string; status: string; bytesUploaded: number; [key: string]: unknown } {
  return result.structuredContent as { jobId: string; status: string; bytesUploaded: number };
}

/** agents' tables that hold due times (ms): the Lifecycle queue, and Tasks' runs and steps, which it mirrors. */
const DUE_TIMES = [
  ["cf_agents_jobs", "time"],
  ["cf_agents_task_runs", "next_at"],
  ["cf_agents_task_steps", "next_at"]
] as const;

/**
 * Time passes for the session's timers up to the next one, which then fires:
 * agents' Lifecycle runs only the queued jobs due at `Date.now()`, so every
 * due time it keeps moves earlier by the time left to the first queued job,
 * keeping their order and gaps, and the alarm runs. Resolves with whether
 * an alarm was set.
 */
export async function runNextTimer(stub: DurableObjectStub): Promise<boolean> {
  await runInDurableObject(stub, (_instance, state) => {
    const sql = state.storage.sql;
    const tables = new Set(
      sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .toArray()
        .map((row) => row.name)
    );
    if (!tables.has("cf_agents_jobs")) return;
    const [first] = sql.exec<{ at: number | null }>("SELECT min(time) AS at FROM cf_agents_jobs").toArray();
    const ahead = (first?.at ?? 0) - Date.now();
    if (ahead <= 0) return;
    for (const [table, column] of DUE_TIMES) {
      if (tables.has(table)) sql.exec(`UPDATE ${table} SET ${column} = ${column} - ? WHERE ${column} IS NOT NULL`, ahead);
    }
  });
  return runDurableObjectAlarm(stub);
}

/**
 * Lets the session's timers come due one after another, every few
 * milliseconds, until `work` settles, so sleeps on them end at once.
 * Bounded in count and time.
 */
export async function withAlarms<T>(sessionId: string, work: Promise<T>, maxMs = 20_000): Promise<T> {
  const stub = sessionStub(sessionId);
  let settled = false;
  const result = work.finally(() => {
    settled = true;
  });
  const deadline = Date.now() + maxMs;
  while (!settled && Date.now() < deadline) {
    await runNextTimer(stub);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return result;
}

/** Polls getVideoAnalysis until `predicate` holds; bounded. */
export async function pollJob(
  sessionId: string,
  jobId: string,
  predicate: (snapshot: ReturnType<typeof snapshotOf>) => boolean,
  maxMs = 20_000
): Promise<ReturnType<typeof snapshotOf>> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const snapshot = snapshotOf(await callTool(sessionId, "getVideoAnalysis", { jobId }));
    if (predicate(snapshot)) return snapshot;
    if (Date.now() > deadline) throw new Error(`Job never reached the expected state: ${JSON.stringify(snapshot)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
