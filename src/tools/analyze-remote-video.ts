/**
 * `analyzeRemoteVideo`: ask Gemini to watch a video and wait for the answer,
 * with live progress. The work runs as a durable job, so a dropped call can
 * still be collected with `getVideoAnalysis`.
 * @module
 */
import { z } from "zod";
import type { ToolDeps } from "./deps";
import { answerWhenDone, type JobResults } from "./follow-job";
import { answerContent, jobSnapshotShape, toSnapshot } from "./job-snapshot";
import { VIEWER_TOOL_META } from "../viewer/viewer-meta";
import { defineTool } from "./tool";
import { DEFAULT_PROMPT, toAnalysisInput, videoInputShape } from "./video-input";
import { setVideoOf, toVideoSetInput, videosField, videoUrlEntry } from "./video-list";

const inputSchema = z.object({
  ...videoInputShape,
  videos: videosField(videoUrlEntry, "each { videoUrl }; for earlier jobs' videos, use askAboutVideo")
});

function analysis({ videoUrl, videos, prompt, ...options }: z.infer<typeof inputSchema>, deps: Pick<ToolDeps, "defaultModel">) {
  const question = prompt ?? DEFAULT_PROMPT;
  if (videos) {
    const set = [videoUrl, ...videos.map((video) => video.videoUrl)].map((url) => setVideoOf(url));
    return toVideoSetInput(set, question, options, { model: deps.defaultModel });
  }
  return toAnalysisInput(videoUrl, question, options, { model: deps.defaultModel });
}

const results: JobResults = {
  done: (job) => ({ content: answerContent(job), structuredContent: toSnapshot(job) }),
  running: toSnapshot
};

export const analyzeRemoteVideo = defineTool({
  name: "analyzeRemoteVideo",
  title: "Analyze a video with Gemini",
  description:
    "Has Google Gemini watch a video (a YouTube link or a public video file URL) and answer a prompt about it: a summary with timestamps by default. Options pick the model, a clip (startOffset/endOffset), the frame rate, the resolution and the answer's length. Waits for the answer and sends progress notifications (upload, processing, generation) meanwhile; if the analysis outlives the call's time budget, it answers that it is still running, with a jobId whose answer getVideoAnalysis returns later. For very long videos you may prefer startVideoAnalysis + getVideoAnalysis. To compare or ask about several videos at once, list the others in videos.",
  inputSchema,
  outputSchema: z.object(jobSnapshotShape),
  annotations: { readOnlyHint: true, openWorldHint: true },
  ui: VIEWER_TOOL_META,
  instructions:
    "Use analyzeRemoteVideo to have Google Gemini watch a video (YouTube link or public video file URL) and answer a prompt about it; it waits and reports progress. Options pick a clip (startOffset/endOffset), fps, mediaResolution and model.",
  call: (args, ctx, deps) => answerWhenDone(deps, ctx, () => analysis(args, deps), results),
  task: { analysisFor: analysis, results },
  console: { kind: "answer", analysisFor: analysis }
});
