/**
 * `transcribeVideo`: the speech of a video, by speaker, with timestamps, as
 * structured output checked against its schema.
 * @module
 */
import { z } from "zod";
import { parseStructuredAnswer, renderTranscript, transcriptSchema } from "../analysis/formats";
import type { ToolDeps } from "./deps";
import { answerWhenDone, type JobResults } from "./follow-job";
import { answerContent, jobMetadataShape, jobStatusShape, toMetadata, toStatus } from "./job-snapshot";
import { VIEWER_TOOL_META } from "../viewer/viewer-meta";
import { transcriptPrompt } from "../analysis/transcript-prompt";
import { defineTool } from "./tool";
import { toAnalysisInput, videoUrlShape, watchOptionsShape } from "./video-input";

const inputSchema = z.object({
  ...videoUrlShape,
  language: z
    .string()
    .trim()
    .min(1, "language must not be empty")
    .max(64, "language must be at most 64 characters")
    .optional()
    .describe(
      "The language to write the transcript in, e.g. English or ja (translating if needed). Default: the language spoken."
    ),
  timestamps: z.boolean().optional().describe("Start times for each segment (default true)."),
  ...watchOptionsShape
});

function analysis(
  { videoUrl, language, timestamps, ...options }: z.infer<typeof inputSchema>,
  deps: Pick<ToolDeps, "defaultModel">
) {
  return toAnalysisInput(videoUrl, transcriptPrompt(language, timestamps ?? true), options, {
    model: deps.defaultModel,
    format: "transcript"
  });
}

const results: JobResults = {
  running: (job) => ({ ...toStatus(job), ...toMetadata(job) }),
  done: (job) => {
    const transcript = parseStructuredAnswer("transcript", job.text);
    const text = transcript.segments.length > 0 ? renderTranscript(transcript) : "No speech found in the video.";
    return {
      content: answerContent(job, text),
      structuredContent: { ...transcript, ...toStatus(job), ...toMetadata(job) }
    };
  }
};

export const transcribeVideo = defineTool({
  name: "transcribeVideo",
  title: "Transcribe a video",
  description:
    "Has Gemini transcribe a video's speech verbatim, segment by segment with speakers and (by default) start times, as structured output and as text. Same video options as analyzeRemoteVideo.",
  inputSchema,
  outputSchema: z.object({ ...transcriptSchema.partial().shape, ...jobStatusShape, ...jobMetadataShape }),
  annotations: { readOnlyHint: true, openWorldHint: true },
  ui: VIEWER_TOOL_META,
  instructions: "transcribeVideo returns the speech by speaker as structured output.",
  call: (args, ctx, deps) => answerWhenDone(deps, ctx, () => analysis(args, deps), results),
  task: { analysisFor: analysis, results },
  console: { kind: "transcript", analysisFor: ({ prompt: _prompt, ...form }, deps) => analysis(form, deps) }
});
