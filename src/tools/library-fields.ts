/**
 * What the library's tools share: the video filter, and a found passage as
 * a tool's structured output shows it.
 * @module
 */
import { z } from "zod";
import { PASSAGE_KINDS } from "../library/library-document";

export const videoFilterShape = {
  video: z
    .string()
    .min(1, "video must not be empty")
    .max(2048, "video must be at most 2048 characters")
    .optional()
    .describe("Only analyses of this video: its URL as analysed (a YouTube link in any form).")
};

export const foundPassageShape = {
  analysisId: z.string().describe("The analysis the passage is from (a jobId)."),
  videoUrl: z.string(),
  uploadName: z.string().nullable().describe("An uploaded file's name, for a video that came as an upload."),
  title: z.string().nullable().describe("The video's title, when the analysis gave one."),
  kind: z
    .enum(PASSAGE_KINDS)
    .describe("Where the passage is: the prompt, the answer, the summary, a chapter or a transcript segment."),
  time: z.string().nullable().describe("Where in the video, as MM:SS or H:MM:SS, when the passage has a time."),
  seconds: z.number().nullable(),
  speaker: z.string().nullable(),
  snippet: z.string().describe("Text around the match, matches in **bold**."),
  link: z.string().describe("Opens the video at that time (YouTube), or the analysis in the server's console."),
  finishedAt: z.string().describe("When the analysis finished (ISO 8601).")
};

/** One line per passage: video, time, speaker, snippet and link. */
export function passageLine(passage: z.infer<z.ZodObject<typeof foundPassageShape>>, label?: string): string {
  const where = [label ?? passage.uploadName ?? passage.videoUrl, passage.time].filter(Boolean).join(" at ");
  const who = passage.speaker ? `${passage.speaker}: ` : "";
  return `- ${where} (${passage.kind}): ${who}${passage.snippet}\n  ${passage.link}`;
}
