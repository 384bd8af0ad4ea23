/**
 * `askAboutVideo`: a follow-up question about a video already analysed,
 * named by its URL or by the job that analysed it. The uploaded Gemini file
 * is reused while it lives, so a follow-up costs no second upload, and the
 * video is held in a context cache for the questions after it (see
 * `stages/use-cache.ts`).
 * @module
 */
import { z } from "zod";
import { isFinal, type AnalysisInput, type Job } from "../jobs/job";
import { shownPercent } from "../jobs/job-progress";
import { answerWhenDone } from "./follow-job";
import { answerContent, jobSnapshotShape, toSnapshot } from "./job-snapshot";
import { VIEWER_TOOL_META } from "../viewer/viewer-meta";
import { defineTool } from "./tool";
import { toolError } from "./tool-error";
import { promptField, toAnalysisInput, ToolInputError, videoUrlShape, watchOptionsShape } from "./video-input";

type WatchArgs = Parameters<typeof toAnalysisInput>[2];

/** The earlier job's clip, sampling and model, unless the follow-up sets its own (its answer's length and cost cap are its own). */
function inheritedOptions(earlier: AnalysisInput, given: WatchArgs): WatchArgs {
  return {
    model: given.model ?? earlier.model,
    startOffset: given.startOffset ?? earlier.startSeconds,
    endOffset: given.endOffset ?? earlier.endSeconds,
    fps: given.fps ?? earlier.fps,
    mediaResolution: given.mediaResolution ?? earlier.mediaResolution,
    maxOutputTokens: given.maxOutputTokens,
    keepForFollowUps: true,
    priority: given.priority,
    maxCostUsd: given.maxCostUsd
  };
}

function followUpOf(earlier: Job, question: string, given: WatchArgs, defaultModel: string): AnalysisInput {
  const input = toAnalysisInput(earlier.input.videoUrl, question, inheritedOptions(earlier.input, given), {
    model: defaultModel
  });
  // A failed or cancelled job has no file to reuse: the video is fetched again.
  if (earlier.state !== "done" || !earlier.fileUri || !earlier.mimeType) return input;
  return {
    ...input,
    followUp: {
      jobId: earlier.id,
      fileName: earlier.fileName,
      fileUri: earlier.fileUri,
      mimeType: earlier.mimeType,
      ...(earlier.details.durationSeconds !== undefined ? { durationSeconds: earlier.details.durationSeconds } : {})
    }
  };
}

export const askAboutVideo = defineTool({
  name: "askAboutVideo",
  title: "Ask a follow-up question about a video",
  description:
    "Asks Gemini another question about a video, named by videoUrl or by the jobId of an earlier analysis. A video uploaded earlier in the session is reused, not uploaded again; with jobId the earlier clip, fps, resolution and model carry over unless given here.",
  inputSchema: z.object({
    videoUrl: videoUrlShape.videoUrl.optional(),
    // Sent as Mcp-Param-JobId by 2026-era HTTP clients, like getVideoAnalysis's jobId.
    jobId: z
      .string()
      .min(1)
      .optional()
      .describe("An earlier job (from analyzeRemoteVideo, startVideoAnalysis...).")
      .meta({ "x-mcp-header": "JobId" }),
    question: promptField("question").describe("What to ask about the video."),
    ...watchOptionsShape
  }),
  outputSchema: z.object(jobSnapshotShape),
  annotations: { readOnlyHint: true, openWorldHint: true },
  ui: VIEWER_TOOL_META,
  instructions: "askAboutVideo asks a follow-up about a video already analysed without uploading it again.",
  async call({ videoUrl, jobId, question, ...given }, ctx, deps) {
    if ((videoUrl === undefined) === (jobId === undefined)) {
      return toolError(new ToolInputError("Give either videoUrl or jobId (not both)."));
    }
    let earlier: Job | undefined;
    if (jobId !== undefined) {
      earlier = await deps.jobs.wait(jobId, 0);
      if (!earlier) {
        return toolError(new ToolInputError(`No job ${jobId}. listVideoAnalyses shows this session's jobs; or pass videoUrl.`));
      }
      if (!isFinal(earlier)) {
        return toolError(
          new ToolInputError(
            `Job ${jobId} is still running (${earlier.message}, ${shownPercent(earlier, "text")}%). Wait for it with getVideoAnalysis (waitSeconds), then ask again.`
          )
        );
      }
    }
    const found = earlier;
    return answerWhenDone(
      deps,
      ctx,
      () =>
        found
          ? followUpOf(found, question, given, deps.defaultModel)
          : toAnalysisInput(videoUrl!, question, { ...given, keepForFollowUps: true }, { model: deps.defaultModel }),
      { done: (job) => ({ content: answerContent(job), structuredContent: toSnapshot(job) }), running: toSnapshot }
    );
  }
});
