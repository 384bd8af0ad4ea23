/**
 * What the library keeps of a finished analysis: the analysis itself (video,
 * prompt, model, answer, usage) and the passages it is searched by, each
 * with its time in the video when it has one: the prompt, the answer's
 * paragraphs (a paragraph's first timestamp, like "[12:30]", is its time),
 * the chapters' title and summary and each chapter, and each transcript
 * segment. Made from the job as the jobs layer stores it, once it is done.
 * @module
 */
import { type Chapters, parseStructuredAnswer, type Transcript } from "../analysis/formats";
import type { TokenUsage } from "../gemini/usage";
import type { DoneJob } from "../jobs/job";
import { parseOffset } from "../video/offset";

export const PASSAGE_KINDS = ["prompt", "answer", "summary", "chapter", "segment"] as const;
/** Where in the analysis a passage comes from. */
export type PassageKind = (typeof PASSAGE_KINDS)[number];

export interface Passage {
  kind: PassageKind;
  text: string;
  /** Seconds from the video's start, when the passage has a time. */
  startSeconds?: number;
  endSeconds?: number;
  speaker?: string;
}

export interface LibraryDocument {
  analysisId: string;
  /** The video as the user gave it. */
  videoUrl: string;
  /** What groups analyses of one video: its canonical URL. */
  videoKey: string;
  /** The YouTube video id, for links that open the video at a time (`t=`). */
  youTubeId: string | null;
  /** An uploaded file's name; null for a video named by URL. */
  uploadName: string | null;
  /** The tool's kind of answer: text, chapters or transcript. */
  format: "text" | "chapters" | "transcript";
  /** True for a follow-up question (askAboutVideo). */
  followUp: boolean;
  prompt: string;
  model: string;
  /** The answer as Gemini gave it (Markdown text, or the chapters' or transcript's JSON). */
  answer: string;
  /** The chapters' title, when the answer has one. */
  title: string | null;
  durationSeconds: number | null;
  usage: TokenUsage | null;
  /** What the analysis cost in US dollars; null when no price was known. */
  costUsd: number | null;
  createdAt: number;
  finishedAt: number;
  passages: Passage[];
}

const TIMESTAMP = /(?<![\d:])(\d{1,2}:)?\d{1,2}:\d{2}(?![\d:])/;

/** Seconds of a "MM:SS" or "H:MM:SS" time; undefined for none or a malformed one. */
export function secondsOf(time: string | undefined): number | undefined {
  return time === undefined ? undefined : parseOffset(time);
}

function withTime(passage: Passage, start: number | undefined, end?: number): Passage {
  return {
    ...passage,
    ...(start !== undefined ? { startSeconds: start } : {}),
    ...(end !== undefined ? { endSeconds: end } : {})
  };
}

/** A free answer's paragraphs, each timed by the first timestamp it holds. */
function textPassages(text: string): Passage[] {
  return text
    .split(/\n\s*\n|\n(?=\s*(?:[-*+]|\d+\.)\s)/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean)
    .map((paragraph) => withTime({ kind: "answer", text: paragraph }, secondsOf(TIMESTAMP.exec(paragraph)?.[0])));
}

function chapterPassages(chapters: Chapters): Passage[] {
  return [
    { kind: "summary", text: [chapters.title, chapters.summary].filter(Boolean).join("\n") },
    ...chapters.chapters.map((chapter) =>
      withTime(
        { kind: "chapter", text: `${chapter.title}\n${chapter.summary}` },
        secondsOf(chapter.start),
        secondsOf(chapter.end)
      )
    )
  ];
}

function segmentPassages(transcript: Transcript): Passage[] {
  return transcript.segments
    .filter((segment) => segment.text.trim() !== "")
    .map((segment) => {
      // A merged transcript of a long video may carry each segment's end too.
      // SAFETY: a field the type does not declare, read as unknown and checked by `withTime`.
      const end = (segment as { end?: unknown }).end;
      return withTime(
        { kind: "segment", text: segment.text, speaker: segment.speaker },
        secondsOf(segment.start),
        typeof end === "string" ? secondsOf(end) : undefined
      );
    });
}

/** The answer's passages; a structured answer that does not parse is kept as text. */
function answerPassages(format: LibraryDocument["format"], text: string): { passages: Passage[]; title: string | null } {
  try {
    if (format === "chapters") {
      const chapters = parseStructuredAnswer("chapters", text);
      return { passages: chapterPassages(chapters), title: chapters.title };
    }
    if (format === "transcript") return { passages: segmentPassages(parseStructuredAnswer("transcript", text)), title: null };
  } catch {
    // Kept as it came: still searchable as text.
  }
  return { passages: textPassages(text), title: null };
}

/** The library's document of a finished analysis. */
export function documentOf(job: DoneJob): LibraryDocument {
  const { input } = job;
  const format = input.format ?? "text";
  const { passages, title } = answerPassages(format, job.text);
  return {
    analysisId: job.id,
    videoUrl: input.videoUrl,
    videoKey: input.source?.url ?? input.videoUrl,
    youTubeId: input.source?.kind === "youtube" ? input.source.videoId : null,
    uploadName: job.details.uploadName ?? null,
    format,
    followUp: input.followUp !== undefined,
    prompt: input.prompt,
    model: input.model,
    answer: job.text,
    title,
    durationSeconds: job.details.durationSeconds ?? null,
    usage: job.usage,
    costUsd: job.details.costUsd ?? null,
    createdAt: job.createdAt,
    finishedAt: job.updatedAt,
    passages: [{ kind: "prompt", text: input.prompt }, ...passages]
  };
}
