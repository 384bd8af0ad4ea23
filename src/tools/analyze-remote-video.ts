/**
 * `analyzeRemoteVideo`: ask Gemini to watch a video and wait for the answer,
 * with live progress. The work runs as a durable job, so a dropped call can
 * still be collected with `getVideoAnalysis`.
 * @module
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { isFinal, type Job } from "../jobs/job";
import type { ToolDeps } from "./deps";
import { jobSnapshotShape, toSnapshot } from "./job-snapshot";
import { createJobProgressReporter, PROGRESS_HEARTBEAT_MS } from "./progress";
import { toolError } from "./tool-error";
import { DEFAULT_PROMPT, videoInputShape } from "./video-input";

export function registerAnalyzeRemoteVideo(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    "analyzeRemoteVideo",
    {
      title: "Analyze a video with Gemini",
      description:
        "Has Google Gemini watch a video (a YouTube link or a public video file URL) and answer a prompt about it: a summary with timestamps by default. Waits for the answer and sends progress notifications (upload, processing, generation) meanwhile. For very long videos you may prefer startVideoAnalysis + getVideoAnalysis.",
      inputSchema: videoInputShape,
      outputSchema: jobSnapshotShape,
      annotations: { readOnlyHint: true, openWorldHint: true }
    },
    async ({ videoUrl, prompt }, extra): Promise<CallToolResult> => {
      let job: Job;
      try {
        job = deps.jobs.start({ videoUrl, prompt: prompt ?? DEFAULT_PROMPT, model: deps.defaultModel });
      } catch (error) {
        return toolError(error);
      }
      const progress = createJobProgressReporter(extra);
      const unwatch = deps.jobs.watch(job.id, (changed) => void progress.update(changed));
      await progress.update(job);
      try {
        while (!isFinal(job)) {
          job = (await deps.jobs.wait(job.id, PROGRESS_HEARTBEAT_MS, extra.signal)) ?? job;
          if (!isFinal(job)) await progress.heartbeat(job);
        }
      } catch (error) {
        if (extra.signal.aborted) await deps.jobs.cancel(job.id, "the client cancelled the request");
        throw error;
      } finally {
        unwatch();
      }
      await progress.flush();
      const snapshot = toSnapshot(job);
      if (job.state !== "done") return toolError(new Error(job.error ?? job.message));
      return { content: [{ type: "text", text: job.text }], structuredContent: snapshot };
    }
  );
}
