/**
 * Structured answers: the chapters of `summarizeVideo` and the transcript of
 * `transcribeVideo`. One zod schema per format is the single source of truth:
 * it becomes the `responseJsonSchema` Gemini must follow, checks the answer
 * that comes back, and is the tool's `outputSchema`.
 * @module
 */
import { UserFacingError } from "../errors";
import { z } from "zod";
import type { AnswerFormat } from "./video-options";

const timestamp = (what: string) => z.string().describe(`${what}, as MM:SS or H:MM:SS from the start of the video.`);

export const chaptersSchema = z.object({
  title: z.string().describe("A short title for the whole video."),
  summary: z.string().describe("What the video is about and what happens, in a few sentences."),
  chapters: z
    .array(
      z.object({
        start: timestamp("Where the chapter starts"),
        end: timestamp("Where the chapter ends"),
        title: z.string().describe("The chapter's title."),
        summary: z.string().describe("What happens in the chapter.")
      })
    )
    .describe("The video's chapters in order, covering it from start to end.")
});
export type Chapters = z.infer<typeof chaptersSchema>;

export const transcriptSchema = z.object({
  language: z.string().describe("The language of the transcript, as a BCP 47 tag such as en or ja."),
  segments: z
    .array(
      z.object({
        start: timestamp("When the segment starts").optional(),
        speaker: z.string().describe("Who speaks: a name if the video gives one, else Speaker 1, Speaker 2..."),
        text: z.string().describe("What is said, verbatim.")
      })
    )
    .describe("The speech in order; a new segment at every change of speaker and at least every 30 seconds.")
});
export type Transcript = z.infer<typeof transcriptSchema>;

const SCHEMAS = { chapters: chaptersSchema, transcript: transcriptSchema } as const;
export type StructuredFormat = keyof typeof SCHEMAS;

/** Raised when Gemini's JSON does not follow the format's schema. */
export class AnswerFormatError extends UserFacingError {
  constructor(message: string) {
    super(message);
    this.name = "AnswerFormatError";
  }
}

/** The JSON Schema sent to Gemini, or undefined for free text. */
export function responseJsonSchema(format: AnswerFormat | undefined): Record<string, unknown> | undefined {
  if (!format || format === "text") return undefined;
  const { $schema: _dialect, ...schema } = z.toJSONSchema(SCHEMAS[format], { target: "draft-7" });
  return schema;
}

/** Gemini's answer parsed and checked against the format's schema. */
export function parseStructuredAnswer(format: "chapters", text: string): Chapters;
export function parseStructuredAnswer(format: "transcript", text: string): Transcript;
export function parseStructuredAnswer(format: StructuredFormat, text: string): Chapters | Transcript;
export function parseStructuredAnswer(format: StructuredFormat, text: string): Chapters | Transcript {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AnswerFormatError(
      `Gemini's ${format} answer was not complete JSON (${text.length} characters). Try again, or raise maxOutputTokens if the video is long.`
    );
  }
  const parsed = SCHEMAS[format].safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join(".")}` : "";
    throw new AnswerFormatError(`Gemini's ${format} answer did not follow the schema${where}: ${issue?.message}. Try again.`);
  }
  return parsed.data;
}

/** Checks a finished answer; free text passes as is. */
export function checkAnswer(format: AnswerFormat | undefined, text: string): void {
  if (format && format !== "text") parseStructuredAnswer(format, text);
}

export function renderChapters(chapters: Chapters): string {
  const lines = chapters.chapters.map((chapter) => `${chapter.start}-${chapter.end} ${chapter.title}: ${chapter.summary}`);
  return [`# ${chapters.title}`, "", chapters.summary, "", ...lines].join("\n");
}

export function renderTranscript(transcript: Transcript): string {
  return transcript.segments
    .map((segment) => `${segment.start ? `[${segment.start}] ` : ""}${segment.speaker}: ${segment.text}`)
    .join("\n");
}
