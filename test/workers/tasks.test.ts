import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { connectTaskClient, MODERN, type TaskClient } from "../support/task-client";
import { useFakes } from "./support/fetch-spy";
import { countingWorker } from "./support/counting-worker";
import { AUTH, BASE_URL, restartObject, sessionStub } from "./support/http";

const fakes = useFakes();
const VIDEO = "https://youtu.be/dQw4w9WgXcQ";
const TASKS = "io.modelcontextprotocol/tasks";
const DAY_MS = 24 * 60 * 60 * 1000;

const open: TaskClient[] = [];
afterEach(async () => {
  for (const client of open.splice(0)) await client.close();
});

async function connect(fetcher = countingWorker().fetch): Promise<TaskClient> {
  const client = await connectTaskClient(new URL("/mcp", BASE_URL), fetcher, AUTH);
  open.push(client);
  return client;
}

let nextId = 1;

/** A raw 2026-era request; `extension` declares the tasks extension in the envelope. */
function request(method: string, params: Record<string, unknown>, extension = true): Record<string, unknown> {
  const capabilities = extension ? { extensions: { [TASKS]: {} } } : {};
  return {
    jsonrpc: "2.0",
    id: nextId++,
    method,
    params: {
      ...params,
      _meta: {
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": capabilities,
        "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" }
      }
    }
  };
}

interface Reply {
  result?: Record<string, unknown> & { taskId?: string; status?: string; resultType?: string };
  error?: { code: number; message: string; data?: unknown };
}

async function send(client: TaskClient, body: Record<string, unknown>): Promise<Reply> {
  return (await (await client.post(body)).json()) as Reply;
}

const sessionOf = (taskId: string) => taskId.split(".")[0]!;

/** Polls tasks/get until `done` holds, firing the task object's alarm so its waits pass at once. */
async function pollTask(client: TaskClient, taskId: string, done: (reply: Reply) => boolean, maxMs = 20_000): Promise<Reply> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const reply = await send(client, request("tasks/get", { taskId }));
    if (done(reply)) return reply;
    if (Date.now() > deadline) throw new Error(`Task never got there: ${JSON.stringify(reply)}`);
    await runDurableObjectAlarm(sessionStub(sessionOf(taskId)));
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("the tasks extension (io.modelcontextprotocol/tasks)", () => {
  it("server/discover offers the extension", async () => {
    const client = await connect();
    const reply = await send(client, request("server/discover", {}));
    expect(reply.result).toMatchObject({ capabilities: { tools: {}, extensions: { [TASKS]: {} } } });
  });

  it("an SDK v2 client runs an analysis as a task and polls it to its result, with progress", async () => {
    const client = await connect();
    fakes.gemini.enqueue({ kind: "answer", chunks: ["alpha ", "beta ", "gamma"], chunkDelayMs: 300 });
    const execution = await client.session.callTool("analyzeRemoteVideo", { videoUrl: VIDEO });
    expect(execution.kind).toBe("task");
    const messages: string[] = [];
    const { outcome } = await execution.settle({
      onEvent: (event) => {
        if (event.type === "task" && event.task.statusMessage) messages.push(event.task.statusMessage);
      }
    });
    expect(outcome).toMatchObject({ status: "completed", result: { content: [{ type: "text", text: "alpha beta gamma" }] } });
    expect(messages.length).toBeGreaterThan(0);
    expect(messages[0]).toMatch(/^\w+, \d+%: /);
  });

  it("tools/call answers a flat CreateTaskResult, stored before it leaves: tasks/get finds it at once", async () => {
    const client = await connect();
    fakes.gemini.enqueue({ kind: "answer", chunks: ["slow ", "answer"], chunkDelayMs: 300 });
    const created = await send(client, request("tools/call", { name: "summarizeVideo", arguments: { videoUrl: VIDEO } }));
    expect(created.result).toMatchObject({
      resultType: "task",
      taskId: expect.stringMatching(/^[0-9a-f]{32}\.[0-9a-f]{16}$/),
      status: "working",
      ttlMs: DAY_MS,
      pollIntervalMs: expect.any(Number),
      createdAt: expect.any(String),
      lastUpdatedAt: expect.any(String)
    });
    expect(created.result).not.toHaveProperty("task");
    const taskId = created.result!.taskId!;
    const got = await send(client, request("tasks/get", { taskId }));
    expect(got.result).toMatchObject({ resultType: "complete", taskId, status: "working" });
    expect(got.result).not.toHaveProperty("result");
    const done = await pollTask(client, taskId, (reply) => reply.result?.status !== "working");
    // Gemini answered no chapters: the tool ran and reported an error, so the task is completed with isError.
    expect(done.result).toMatchObject({ status: "completed", result: { isError: true, resultType: "complete" } });
  });

  it("a client that does not declare the extension gets a plain result, and -32021 from tasks/*", async () => {
    const client = await connect();
    fakes.gemini.enqueue({ kind: "answer", chunks: ["plain"] });
    const plain = await send(
      client,
      request("tools/call", { name: "analyzeRemoteVideo", arguments: { videoUrl: VIDEO } }, false)
    );
    expect(plain.result).toMatchObject({ resultType: "complete", content: [{ type: "text", text: "plain" }] });
    const refused = await send(client, request("tasks/get", { taskId: `${"a".repeat(32)}.${"b".repeat(16)}` }, false));
    expect(refused.error).toMatchObject({
      code: -32021,
      data: { requiredCapabilities: { extensions: { [TASKS]: {} } } }
    });
  });

  it("a tool that never runs as a task answers at once, even to a client that declares the extension", async () => {
    const client = await connect();
    const listed = await send(client, request("tools/call", { name: "listVideoAnalyses", arguments: {} }));
    expect(listed.result).toMatchObject({ resultType: "complete" });
    expect(listed.result).not.toHaveProperty("taskId");
  });

  it("tasks/get of an unknown task is -32602; a malformed id is refused without any Durable Object", async () => {
    const counting = countingWorker();
    const client = await connect(counting.fetch);
    const unknown = await send(client, request("tasks/get", { taskId: `${"c".repeat(32)}.${"d".repeat(16)}` }));
    expect(unknown.error).toMatchObject({ code: -32602, message: expect.stringContaining("No task") });
    const before = counting.objects();
    const malformed = await send(client, request("tasks/get", { taskId: "not-a-task" }));
    expect(malformed.error).toMatchObject({ code: -32602 });
    expect(counting.objects()).toBe(before);
  });

  it("tasks/result and tasks/list are gone in this era: -32601", async () => {
    const client = await connect();
    for (const method of ["tasks/result", "tasks/list"]) {
      const reply = await send(client, request(method, { taskId: "x" }));
      expect(reply.error).toMatchObject({ code: -32601 });
    }
  });

  it("tasks/cancel stops the analysis and deletes its uploaded file; a second cancel is acknowledged too", async () => {
    const client = await connect();
    fakes.gemini.enqueue({ kind: "answer", chunks: Array.from({ length: 50 }, (_, i) => `part ${i} `), chunkDelayMs: 100 });
    const videoUrl = fakes.videos.add("/task.mp4", { size: 1024 * 1024 });
    const created = await send(client, request("tools/call", { name: "analyzeRemoteVideo", arguments: { videoUrl } }));
    const taskId = created.result!.taskId!;
    await pollTask(client, taskId, (reply) => String(reply.result?.statusMessage).startsWith("generating"));
    const cancelled = await send(client, request("tasks/cancel", { taskId }));
    expect(cancelled.result).toEqual(expect.objectContaining({ resultType: "complete" }));
    expect(cancelled.result).not.toHaveProperty("status");
    const got = await send(client, request("tasks/get", { taskId }));
    expect(got.result).toMatchObject({ status: "cancelled" });
    const [upload] = [...fakes.gemini.uploads.values()];
    expect(upload?.file?.deleted).toBe(true);
    expect((await send(client, request("tasks/cancel", { taskId }))).result).toMatchObject({ resultType: "complete" });
  });

  it("tasks/update is acknowledged for a known task (no analysis asks for input)", async () => {
    const client = await connect();
    fakes.gemini.enqueue({ kind: "answer", chunks: ["x"] });
    const created = await send(client, request("tools/call", { name: "analyzeRemoteVideo", arguments: { videoUrl: VIDEO } }));
    const reply = await send(client, request("tasks/update", { taskId: created.result!.taskId, inputResponses: {} }));
    expect(reply.result).toMatchObject({ resultType: "complete" });
  });

  it("a task survives its object's restart, and the finished job's result is still there", async () => {
    const client = await connect();
    // Every answer takes about a second, whichever it is (another test's job may take a queued one).
    fakes.gemini.tokensPerSecond = 15;
    // A video of its own, so its Gemini calls are told apart from other tests' jobs still running.
    const videoId = "restart0001";
    const asked = () => fakes.gemini.generateRequests().filter((call) => JSON.stringify(call.body).includes(videoId)).length;
    const created = await send(
      client,
      request("tools/call", { name: "analyzeRemoteVideo", arguments: { videoUrl: `https://youtu.be/${videoId}` } })
    );
    const taskId = created.result!.taskId!;
    // Restarted mid-answer, as a crash would: the job carries on, asks again, and the task ends with its result.
    await expect.poll(asked).toBe(1);
    fakes.sever();
    await restartObject(sessionOf(taskId));
    const done = await pollTask(client, taskId, (reply) => reply.result?.status === "completed");
    expect(done.result).toMatchObject({ result: { content: [{ type: "text", text: expect.any(String) }] } });
    expect(asked()).toBe(2);
    await evictDurableObject(sessionStub(sessionOf(taskId)));
    expect((await send(client, request("tasks/get", { taskId }))).result).toMatchObject({ status: "completed" });
  });

  it("a task expires after its ttlMs; the idle object then deletes its storage", async () => {
    const client = await connect();
    fakes.gemini.enqueue({ kind: "answer", chunks: ["short-lived"] });
    const created = await send(client, request("tools/call", { name: "analyzeRemoteVideo", arguments: { videoUrl: VIDEO } }));
    const taskId = created.result!.taskId!;
    await pollTask(client, taskId, (reply) => reply.result?.status === "completed");
    const stub = sessionStub(sessionOf(taskId));
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE tasks SET created_at = ?", Date.now() - DAY_MS - 1000);
      state.storage.sql.exec("UPDATE jobs SET updated_at = ?", Date.now() - DAY_MS - 1000);
    });
    const expired = await send(client, request("tasks/get", { taskId }));
    expect(expired.error).toMatchObject({ code: -32602 });
    await runDurableObjectAlarm(stub);
    const tables = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql
        .exec(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name != 'sqlite_sequence'"
        )
        .toArray()
    );
    expect(tables).toEqual([]);
  });
});
