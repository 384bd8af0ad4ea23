/**
 * The tasks extension on the real server: a 2026-era SDK v2 client (with the
 * extension's own client on top) runs one analysis as a task it polls to
 * completion with progress, cancels another (its upload deleted in the fake
 * Gemini), and finds both, as they ended, after a server restart.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { taskId } from "@modelcontextprotocol/ext-tasks/core";
import { connectTaskClient, type TaskClient } from "../support/task-client";
import { startStack, type Stack } from "./support/stack";

const VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ";
const MiB = 1024 * 1024;

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

function connect(): Promise<TaskClient> {
  return connectTaskClient(new URL(`${stack.server.baseUrl}/mcp`), fetch, {
    Authorization: `Bearer ${stack.server.secret}`
  });
}

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, maxMs = 30_000): Promise<T> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("a 2026-era client running analyses as tasks", () => {
  it("polls one to completion with progress, cancels another, and finds both after a restart", async () => {
    const first = await connect();
    let completedId: string;
    let cancelledId: string;
    try {
      stack.gemini.enqueue({ kind: "answer", chunks: ["watched ", "as ", "a ", "task"], chunkDelayMs: 400 });
      const execution = await first.session.callTool("analyzeRemoteVideo", { videoUrl: VIDEO });
      if (execution.kind !== "task") throw new Error("analyzeRemoteVideo did not become a task");
      completedId = execution.handle.taskId;
      const messages: string[] = [];
      const { outcome } = await execution.settle({
        onEvent: (event) => {
          if (event.type === "task" && event.task.status === "working") messages.push(event.task.statusMessage ?? "");
        }
      });
      expect(outcome).toMatchObject({ status: "completed", result: { content: [{ type: "text", text: "watched as a task" }] } });
      expect(messages.length).toBeGreaterThan(0);
      expect(messages.every((message) => /^\w+, \d+%: /.test(message))).toBe(true);

      stack.gemini.enqueue({ kind: "answer", chunks: Array.from({ length: 100 }, (_, i) => `part ${i} `), chunkDelayMs: 100 });
      const videoUrl = stack.videos.add("/task-cancel.mp4", { size: MiB });
      const second = await first.session.callTool("analyzeRemoteVideo", { videoUrl });
      if (second.kind !== "task") throw new Error("the second analysis did not become a task");
      cancelledId = second.handle.taskId;
      const controller = first.session.task(second.handle.taskId);
      await until(
        "the second analysis to generate",
        () => controller.snapshot(),
        (task) => task.statusMessage?.startsWith("generating") ?? false
      );
      await second.cancel();
      expect(await controller.snapshot()).toMatchObject({ status: "cancelled" });
      const [upload] = [...stack.gemini.uploads.values()];
      expect(upload?.file?.deleted).toBe(true);
      await second.close();
    } finally {
      await first.close();
    }

    await stack.server.restart();

    const again = await connect();
    try {
      const completed = await again.session.task(taskId(completedId)).snapshot();
      expect(completed).toMatchObject({ status: "completed" });
      expect(completed.raw).toMatchObject({ result: { content: [{ type: "text", text: "watched as a task" }] } });
      expect(await again.session.task(taskId(cancelledId)).snapshot()).toMatchObject({ status: "cancelled" });
    } finally {
      await again.close();
    }
  });
});
