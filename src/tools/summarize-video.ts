/**
 * `summarizeVideo`: a title, a summary and chapters with timestamps, as
 * structured output checked against its schema.
 * @module
 */
import { z } from "zod";
import { chaptersSchema, parseStructuredAnswer, renderChapters } from "../analysis/formats";
import type { ToolDeps } from "./deps";
import { answerWhenDone, type JobResults } from "./follow-job";
import { answerContent, jobMetadataShape, jobStatusShape, toMetadata, toStatus } from "./job-snapshot";
import { VIEWER_TOOL_META } from "../viewer/viewer-meta";
import { defineTool } from "./tool";
import { promptField, toAnalysisInput, videoUrlShape, watchOptionsShape } from "./video-input";

export const MAX_CHAPTERS = 100;

export function summaryPrompt(maxChapters: number | undefined, focus: string | undefined): string {
  return [
    "Watch this video and summarize it.",
    `Split it into chapters that cover it from start to end${maxChapters ? `, at most ${maxChapters}` : ""}, each with its start and end time (MM:SS, or H:MM:SS past an hour), a short title and what happens in it.`,
    "Give the whole video a short title and a summary of a few sentences.",
    ...(focus ? [`Pay particular attention to: ${focus}`] : [])
  ].join(" ");
}

const inputSchema = z.object({
  ...videoUrlShape,
  maxChapters: z
    .number()
    .int("maxChapters must be a whole number")
    .min(1, "maxChapters must be at least 1")
    .max(MAX_CHAPTERS, `maxChapters must be at most ${MAX_CHAPTERS}`)
    .optional()
    .describe("The most chapters to make."),
  focus: promptField("focus").optional().describe("What the summary should pay attention to."),
  ...watchOptionsShape
});

function analysis(
  { videoUrl, maxChapters, focus, ...options }: z.infer<typeof inputSchema>,
  deps: Pick<ToolDeps, "defaultModel">
) {
  return toAnalysisInput(videoUrl, summaryPrompt(maxChapters, focus), options, {
    model: deps.defaultModel,
    format: "chapters"
  });
}

const results: JobResults = {
  running: (job) => ({ ...toStatus(job), ...toMetadata(job) }),
  done: (job) => {
    const chapters = parseStructuredAnswer("chapters", job.text);
    return {
      content: answerContent(job, renderChapters(chapters)),
      structuredContent: { ...chapters, ...toStatus(job), ...toMetadata(job) }
    };
  }
};

export const summarizeVideo = defineTool({
  name: "summarizeVideo",
  title: "Summarize a video in chapters",
  description:
    "Has Gemini watch a video and return a title, a summary and timestamped chapters, as structured output (checked against its schema) and as text. Same video options as analyzeRemoteVideo.",
  inputSchema,
  outputSchema: z.object({ ...chaptersSchema.partial().shape, ...jobStatusShape, ...jobMetadataShape }),
  annotations: { readOnlyHint: true, openWorldHint: true },
  ui: VIEWER_TOOL_META,
  instructions: "summarizeVideo returns timestamped chapters as structured output.",
  call: (args, ctx, deps) => answerWhenDone(deps, ctx, () => analysis(args, deps), results),
  task: { analysisFor: analysis, results },
  console: { kind: "chapters", analysisFor: ({ prompt, ...form }, deps) => analysis({ ...form, focus: prompt }, deps) }
});
