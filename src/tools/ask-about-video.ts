/**
 * `askAboutVideo`: a follow-up question about a video already analysed,
 * named by its URL or by the job that analysed it. The uploaded Gemini file
 * is reused while it lives, so a follow-up costs no second upload, and the
 * video is held in a context cache for the questions after it (see
 * `stages/use-cache.ts`).
 * @module
 */
import { z } from "zod";
import { isFinal, type AnalysisInput, type Job, type SetVideo } from "../jobs/job";
import { shownPercent } from "../jobs/job-progress";
import type { ToolDeps } from "./deps";
import { answerWhenDone } from "./follow-job";
import { answerContent, jobSnapshotShape, toSnapshot } from "./job-snapshot";
import { VIEWER_TOOL_META } from "../viewer/viewer-meta";
import { defineTool } from "./tool";
import { toolError } from "./tool-error";
import { promptField, toAnalysisInput, ToolInputError, videoUrlShape, watchOptionsShape } from "./video-input";
import { fileOf, setOf, setVideoOf, toVideoSetInput, videosField } from "./video-list";

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
  // A job about several videos: the same set again, each video's file read as is.
  if (earlier.input.videos) return toVideoSetInput(setOf(earlier), question, given, { model: defaultModel });
  const input = toAnalysisInput(earlier.input.videoUrl, question, inheritedOptions(earlier.input, given), {
    model: defaultModel
  });
  // A failed or cancelled job has no file to reuse: the video is fetched again.
  const file = fileOf(earlier);
  return file ? { ...input, followUp: file } : input;
}

/** An earlier job's video, its file read again as is; a `ToolInputError` for a job about several videos. */
function videoOfJob(earlier: Job): SetVideo | ToolInputError {
  if (earlier.input.videos) {
    return new ToolInputError(`Job ${earlier.id} asked about several videos: name them one by one (videoUrl, videos).`);
  }
  const file = fileOf(earlier);
  return { videoUrl: earlier.input.videoUrl, source: earlier.input.source, ...(file ? { followUp: file } : {}) };
}

/** The further videos of a set: an entry's URL, or the video of its earlier job; a `ToolInputError` for an entry that names neither. */
async function furtherVideosOf(
  entries: { videoUrl?: string | undefined; jobId?: string | undefined }[],
  deps: Pick<ToolDeps, "jobs">
): Promise<SetVideo[] | ToolInputError> {
  const set: SetVideo[] = [];
  for (const [index, { videoUrl, jobId }] of entries.entries()) {
    if ((videoUrl === undefined) === (jobId === undefined)) {
      return new ToolInputError(`videos[${index}]: give either videoUrl or jobId (not both).`);
    }
    if (videoUrl !== undefined) {
      set.push(setVideoOf(videoUrl));
      continue;
    }
    // SAFETY: checked above: jobId is given when videoUrl is not.
    const earlier = await deps.jobs.wait(jobId!, 0);
    if (!earlier) return new ToolInputError(`videos[${index}]: no job ${jobId}. listVideoAnalyses shows this session's jobs.`);
    if (!isFinal(earlier)) return new ToolInputError(`videos[${index}]: job ${jobId} is still running; wait for it first.`);
    const video = videoOfJob(earlier);
    if (video instanceof ToolInputError) return video;
    set.push(video);
  }
  return set;
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
    videos: videosField(
      z.object({ videoUrl: videoUrlShape.videoUrl.optional(), jobId: z.string().min(1).optional() }),
      "each { videoUrl } or { jobId } of an earlier analysis, whose upload is reused"
    ),
    ...watchOptionsShape
  }),
  outputSchema: z.object(jobSnapshotShape),
  annotations: { readOnlyHint: true, openWorldHint: true },
  ui: VIEWER_TOOL_META,
  instructions: "askAboutVideo asks a follow-up about a video already analysed without uploading it again.",
  async call({ videoUrl, jobId, videos, question, ...given }, ctx, deps) {
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
    if (videos) {
      // SAFETY: checked above: videoUrl is given when jobId is not.
      const first = found ? videoOfJob(found) : setVideoOf(videoUrl!);
      const further = await furtherVideosOf(videos, deps);
      if (first instanceof ToolInputError) return toolError(first);
      if (further instanceof ToolInputError) return toolError(further);
      return answerWhenDone(
        deps,
        ctx,
        () => toVideoSetInput([first, ...further], question, given, { model: deps.defaultModel }),
        {
          done: (job) => ({ content: answerContent(job), structuredContent: toSnapshot(job) }),
          running: toSnapshot
        }
      );
    }
    return answerWhenDone(
      deps,
      ctx,
      () =>
        found
          ? followUpOf(found, question, given, deps.defaultModel)
          : // SAFETY: checked above: videoUrl is given when jobId is not.
            toAnalysisInput(videoUrl!, question, { ...given, keepForFollowUps: true }, { model: deps.defaultModel }),
      { done: (job) => ({ content: answerContent(job), structuredContent: toSnapshot(job) }), running: toSnapshot }
    );
  }
});
