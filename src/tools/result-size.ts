/**
 * Tool results that fit the client: a finished job's result longer than
 * MAX_RESULT_CHARS (its text and structured content counted together) is
 * shortened to the most that fits (whole transcript segments or chapters,
 * else the answer's first characters), says so in a sentence, and links the
 * whole answer as resources (`resource_link`, see `resources/`). A result
 * that fits is returned as it was.
 * @module
 */
import type { CallToolResult, ContentBlock } from "@modelcontextprotocol/server";
import { z } from "zod";
import { type Chapters, renderChapters, renderTranscript, type Transcript } from "../analysis/formats";
import type { DoneJob } from "../jobs/job";
import { analysisLinks } from "../resources/analysis-files";

/** Told in a shortened result's structured content. */
export const shortenedShape = {
  shortened: z
    .object({
      notice: z.string().describe("What was left out and how to read it."),
      shown: z.number().int().min(0).describe("How many of the answer's units (see unit) the result holds."),
      total: z.number().int().min(0).describe("How many units the whole answer has."),
      unit: z.enum(["segments", "chapters", "characters"]),
      resources: z.array(z.string()).describe("URIs of the whole answer, for resources/read.")
    })
    .optional()
    .describe("Present when the result was cut to fit MAX_RESULT_CHARS; the whole answer is in the linked resources.")
};
export type Shortened = NonNullable<z.infer<z.ZodObject<typeof shortenedShape>>["shortened"]>;

/** Characters of a result as a client holds it: text as is, every other part (links, structured content) as JSON. */
export function resultSize(result: CallToolResult): number {
  const content = result.content.reduce(
    (sum, block) => sum + (block.type === "text" ? block.text.length : JSON.stringify(block).length),
    0
  );
  return content + (result.structuredContent ? JSON.stringify(result.structuredContent).length : 0);
}

/** The largest `n` in 0..max whose result fits `maxChars` (0 when none does), and that result. */
export function largestFitting(
  max: number,
  maxChars: number,
  build: (n: number) => CallToolResult
): { n: number; result: CallToolResult } {
  let [low, high] = [0, max];
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (resultSize(build(middle)) <= maxChars) low = middle;
    else high = middle - 1;
  }
  return { n: low, result: build(low) };
}

/** The sentence a shortened result carries. */
export function shortenedNotice(job: DoneJob, maxChars: number, shown: string, nextFrom?: number): string {
  const files = job.input.format === "transcript" ? "SubRip, WebVTT, text, JSON and Markdown" : "Markdown";
  const paging =
    nextFrom !== undefined
      ? `, or page through the segments with getVideoAnalysis (jobId "${job.id}", from ${nextFrom}, and a limit)`
      : "";
  return `This result was shortened to fit the client (MAX_RESULT_CHARS, ${maxChars} characters of text and structured content together): it shows ${shown}. The whole answer is in the resources linked below (${files}): read them with resources/read${paging}.`;
}

type Structured = Record<string, unknown>;

/** `full` when it fits in `maxChars`, else the most of it that does, with the notice and the links. */
export function fitResult(full: CallToolResult, job: DoneJob, maxChars: number): CallToolResult {
  if (resultSize(full) <= maxChars) return full;
  const structured: Structured = full.structuredContent ? { ...full.structuredContent } : {};
  const [, ...notes] = full.content;
  const links = analysisLinks(job);
  const shortened = (
    body: string,
    notice: string,
    shortenedInfo: Omit<Shortened, "notice" | "resources">,
    fields: Structured
  ) => ({
    content: [{ type: "text", text: body }, ...notes, { type: "text", text: notice }, ...links] satisfies ContentBlock[],
    structuredContent: {
      ...structured,
      ...fields,
      shortened: { notice, ...shortenedInfo, resources: links.map((link) => link.uri) }
    }
  });
  if (Array.isArray(structured.segments)) {
    // SAFETY: a result with segments is transcribeVideo's, checked against transcriptSchema.
    const transcript = structured as unknown as Transcript;
    const total = transcript.segments.length;
    return largestFitting(total, maxChars, (n) => {
      const segments = transcript.segments.slice(0, n);
      const notice = shortenedNotice(job, maxChars, `the first ${n} of ${total} transcript segments`, n);
      return shortened(
        renderTranscript({ ...transcript, segments }),
        notice,
        { shown: n, total, unit: "segments" },
        { segments }
      );
    }).result;
  }
  if (Array.isArray(structured.chapters)) {
    // SAFETY: a result with chapters is summarizeVideo's, checked against chaptersSchema.
    const summary = structured as unknown as Chapters;
    const total = summary.chapters.length;
    return largestFitting(total, maxChars, (n) => {
      const chapters = summary.chapters.slice(0, n);
      const notice = shortenedNotice(job, maxChars, `the first ${n} of ${total} chapters`);
      return shortened(renderChapters({ ...summary, chapters }), notice, { shown: n, total, unit: "chapters" }, { chapters });
    }).result;
  }
  const first = full.content[0];
  const text = first?.type === "text" ? first.text : job.text;
  const result = structured.result;
  return largestFitting(text.length, maxChars, (n) => {
    const cut = text.slice(0, n);
    const notice = shortenedNotice(job, maxChars, `the first ${n} of ${text.length} characters of the answer`);
    const fields = result && typeof result === "object" ? { result: { ...result, text: job.text.slice(0, n) } } : {};
    return shortened(cut, notice, { shown: n, total: text.length, unit: "characters" }, fields);
  }).result;
}
