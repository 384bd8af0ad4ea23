/**
 * A finished analysis as files an MCP client reads as resources: the whole
 * transcript as SubRip, WebVTT, text and JSON (the console's downloads,
 * `analysis/transcript-files.ts`), and the whole answer as Markdown. Their
 * URIs name the job, so whoever may read the job (`getVideoAnalysis`'s
 * rule: the job id) may read its files.
 * @module
 */
import type { ResourceLink } from "@modelcontextprotocol/server";
import { parseStructuredAnswer, renderChapters } from "../analysis/formats";
import { transcriptFile } from "../analysis/transcript-files";
import type { DoneJob } from "../jobs/job";

export const ANALYSIS_URI_PREFIX = "gemini-video://analyses/";

/** A file a finished analysis offers. */
export interface AnalysisFile {
  /** The last part of its URI, and the name of its resource template. */
  name: string;
  title: string;
  description: string;
  mimeType: string;
  /** Whether a finished job has this file. */
  offeredFor(job: DoneJob): boolean;
  body(job: DoneJob): string;
}

const isTranscript = (job: DoneJob) => job.input.format === "transcript";

function transcriptAs(type: "srt" | "vtt" | "txt" | "json", title: string, mimeType: string): AnalysisFile {
  return {
    name: `transcript.${type}`,
    title,
    description: `The whole transcript of a transcribeVideo analysis, as ${title}.`,
    mimeType,
    offeredFor: isTranscript,
    body: (job) => transcriptFile(parseStructuredAnswer("transcript", job.text), type, job.details.durationSeconds).body
  };
}

/** The answer as Markdown: chapters under the video's title, a transcript a paragraph a segment, free text as Gemini wrote it. */
function markdownOf(job: DoneJob): string {
  if (job.input.format === "chapters") return renderChapters(parseStructuredAnswer("chapters", job.text));
  if (job.input.format === "transcript") {
    return transcriptFile(parseStructuredAnswer("transcript", job.text), "txt").body.trimEnd().split("\n").join("\n\n");
  }
  return job.text;
}

/** Every file, in the order a shortened result links them. */
export const ANALYSIS_FILES: readonly AnalysisFile[] = [
  transcriptAs("srt", "SubRip subtitles (.srt)", "application/x-subrip"),
  transcriptAs("vtt", "WebVTT subtitles (.vtt)", "text/vtt"),
  transcriptAs("txt", "plain text (.txt)", "text/plain"),
  transcriptAs("json", "JSON (language and segments)", "application/json"),
  {
    name: "answer.md",
    title: "The whole answer (Markdown)",
    description: "The whole answer of a finished analysis, as Markdown.",
    mimeType: "text/markdown",
    offeredFor: () => true,
    body: markdownOf
  }
];

export function analysisFileUri(jobId: string, file: AnalysisFile): string {
  return `${ANALYSIS_URI_PREFIX}${jobId}/${file.name}`;
}

/** The URI template of a file's resources. */
export function analysisFileTemplate(file: AnalysisFile): string {
  return `${ANALYSIS_URI_PREFIX}{jobId}/${file.name}`;
}

/** The files of a finished job as `resource_link` content. */
export function analysisLinks(job: DoneJob): ResourceLink[] {
  return ANALYSIS_FILES.filter((file) => file.offeredFor(job)).map((file) => ({
    type: "resource_link",
    uri: analysisFileUri(job.id, file),
    name: file.name,
    title: file.title,
    mimeType: file.mimeType
  }));
}
