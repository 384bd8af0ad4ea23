/**
 * `startVideoAnalysis`: the analysis `analyzeRemoteVideo` runs, started in
 * the background; its jobId comes back at once.
 * @module
 */
import { z } from "zod";
import { jobSnapshotShape } from "./job-snapshot";
import { snapshotResult } from "./job-tools";
import { VIEWER_TOOL_META } from "../viewer/viewer-meta";
import { defineTool } from "./tool";
import { toolError } from "./tool-error";
import { DEFAULT_PROMPT, toAnalysisInput, videoInputShape } from "./video-input";

export const startVideoAnalysis = defineTool({
  name: "startVideoAnalysis",
  title: "Start a video analysis",
  description:
    "Starts the same analysis as analyzeRemoteVideo (same options) in the background and returns a jobId at once. Collect the answer with getVideoAnalysis (it can wait for it).",
  inputSchema: z.object(videoInputShape),
  outputSchema: z.object(jobSnapshotShape),
  annotations: { readOnlyHint: false, openWorldHint: true },
  ui: VIEWER_TOOL_META,
  instructions: "Analyses can take minutes: for long videos, startVideoAnalysis returns a jobId at once.",
  async call({ videoUrl, prompt, ...options }, _ctx, deps) {
    try {
      const input = toAnalysisInput(videoUrl, prompt ?? DEFAULT_PROMPT, options, { model: deps.defaultModel });
      return snapshotResult(await deps.jobs.start(input, { background: true }));
    } catch (error) {
      return toolError(error);
    }
  }
});
