/**
 * An analysis as the console shows it: what was asked, where it stands, and
 * what it cost; the full record adds the answer, parsed when it has a
 * format. Made from a job as the console's index keeps it (a `JobReport`).
 * @module
 */
import { parseStructuredAnswer, type Chapters, type Transcript } from "../analysis/formats";
import type { TokenUsage } from "../gemini/usage";
import type { AnalysisInput, Job, JobState } from "../jobs/job";
import { jobOwnerSession } from "../jobs/job-id";
import type { JobReport } from "../session/console-reporter";

/** The tool whose kind of request this is (every tool but askAboutVideo takes the same options). */
export type AnalysisTool = "analyzeRemoteVideo" | "summarizeVideo" | "transcribeVideo" | "askAboutVideo";

export interface AnalysisEntry {
  id: string;
  /** The session object that runs it. */
  sessionId: string | null;
  tool: AnalysisTool;
  videoUrl: string;
  state: JobState;
  /** The stage's message ("uploading 312 / 840 MB", "Gemini is processing the video"). */
  message: string;
  /** 0 to 100, as `notifications/progress` reports it. */
  percent: number;
  createdAt: number;
  updatedAt: number;
  error: string | null;
}

/** The options the analysis was asked with, and its costs. */
export interface AnalysisRecord extends AnalysisEntry {
  input: Omit<AnalysisInput, "followUp"> & { followUpOf?: string };
  usage: TokenUsage | null;
  durationSeconds?: number;
  estimatedTokens?: number;
  countedTokens?: number;
  tokenCountSource?: string;
  inputTokenLimit?: number;
  finishReason?: string;
  /** What it was expected to cost before it ran, and what it cost, in US dollars; or why no cost is known. */
  estimatedCostUsd?: number;
  costUsd?: number;
  costNote?: string;
  /** The answer once done: Markdown text, or the parsed chapters or transcript. */
  answer?:
    | { kind: "text"; text: string }
    | { kind: "chapters"; chapters: Chapters }
    | { kind: "transcript"; transcript: Transcript };
  /** Why a structured answer could not be read, when it could not. */
  answerError?: string;
}

export function toolOf(input: AnalysisInput): AnalysisTool {
  if (input.followUp) return "askAboutVideo";
  if (input.format === "chapters") return "summarizeVideo";
  if (input.format === "transcript") return "transcribeVideo";
  return "analyzeRemoteVideo";
}

export function toEntry({ job, percent }: JobReport): AnalysisEntry {
  return {
    id: job.id,
    sessionId: jobOwnerSession(job.id) ?? null,
    tool: toolOf(job.input),
    videoUrl: job.input.videoUrl,
    state: job.state,
    message: job.message,
    percent,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    error: job.state === "failed" || job.state === "cancelled" ? job.error : null
  };
}

function answerOf(job: Job): Pick<AnalysisRecord, "answer" | "answerError"> {
  if (job.state !== "done") return {};
  const format = job.input.format ?? "text";
  if (format === "text") return { answer: { kind: "text", text: job.text } };
  try {
    return format === "chapters"
      ? { answer: { kind: "chapters", chapters: parseStructuredAnswer("chapters", job.text) } }
      : { answer: { kind: "transcript", transcript: parseStructuredAnswer("transcript", job.text) } };
  } catch (error) {
    return { answerError: error instanceof Error ? error.message : String(error) };
  }
}

export function toRecord(report: JobReport): AnalysisRecord {
  const { job } = report;
  const { followUp, ...input } = job.input;
  const { details } = job;
  return {
    ...toEntry(report),
    input: { ...input, ...(followUp ? { followUpOf: followUp.jobId } : {}) },
    usage: job.state === "done" ? job.usage : null,
    ...(details.durationSeconds !== undefined ? { durationSeconds: details.durationSeconds } : {}),
    ...(details.estimatedTokens !== undefined ? { estimatedTokens: details.estimatedTokens } : {}),
    ...(details.countedTokens !== undefined ? { countedTokens: details.countedTokens } : {}),
    ...(details.tokenCountSource !== undefined ? { tokenCountSource: details.tokenCountSource } : {}),
    ...(details.inputTokenLimit !== undefined ? { inputTokenLimit: details.inputTokenLimit } : {}),
    ...(details.finishReason !== undefined ? { finishReason: details.finishReason } : {}),
    ...(details.estimatedCostUsd !== undefined ? { estimatedCostUsd: details.estimatedCostUsd } : {}),
    ...(details.costUsd !== undefined ? { costUsd: details.costUsd } : {}),
    ...(details.costNote !== undefined ? { costNote: details.costNote } : {}),
    ...answerOf(job)
  };
}
