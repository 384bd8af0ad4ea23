/**
 * Pages of a finished transcript for `getVideoAnalysis` (`from`, `limit`):
 * the segments asked for, as many as fit MAX_RESULT_CHARS, with where the
 * next page starts and links to the whole transcript as resources.
 * @module
 */
import type { CallToolResult } from "@modelcontextprotocol/server";
import { z } from "zod";
import { parseStructuredAnswer, renderTranscript, transcriptSchema } from "../analysis/formats";
import type { DoneJob } from "../jobs/job";
import { analysisLinks } from "../resources/analysis-files";
import { describeSnapshot, toSnapshot } from "./job-snapshot";
import { largestFitting, shortenedNotice } from "./result-size";
import { toolError } from "./tool-error";

export const MAX_PAGE_SEGMENTS = 1000;

export const pageInputShape = {
  from: z
    .number({ error: "from must be a whole number" })
    .int("from must be a whole number")
    .min(0, "from must not be negative")
    .optional()
    .describe("For a finished transcript: the first segment to return, counting from 0. Default 0."),
  limit: z
    .number({ error: "limit must be a whole number" })
    .int("limit must be a whole number")
    .min(1, "limit must be at least 1")
    .max(MAX_PAGE_SEGMENTS, `limit must be at most ${MAX_PAGE_SEGMENTS}`)
    .optional()
    .describe(
      "For a finished transcript: at most this many segments (fewer when they would not fit the result). Default: as many as fit."
    )
};

export const pageOutputShape = {
  segments: transcriptSchema.shape.segments.optional().describe("The transcript's segments on this page (from, limit)."),
  page: z
    .object({
      from: z.number().int().min(0),
      count: z.number().int().min(0).describe("Segments on this page."),
      total: z.number().int().min(0).describe("Segments in the whole transcript."),
      nextFrom: z.number().int().min(0).optional().describe("Pass as from for the next page; absent on the last.")
    })
    .optional()
    .describe("Present when the result holds a page of a transcript.")
};

function pageNotice(range: string, nextFrom: number | undefined): string {
  const next = nextFrom !== undefined ? `; the next page starts at from ${nextFrom}` : "";
  return `This page shows ${range}${next}. The whole transcript is in the resources linked below: read them with resources/read.`;
}

/** The page of `job`'s transcript from `from`, at most `limit` segments and what fits in `maxChars`. */
export function transcriptPage(job: DoneJob, from: number, limit: number | undefined, maxChars: number): CallToolResult {
  const transcript = parseStructuredAnswer("transcript", job.text);
  const total = transcript.segments.length;
  if (from > 0 && from >= total) {
    return toolError(new Error(`from ${from} is past the transcript's last segment: it has ${total} (from 0 to ${total - 1}).`));
  }
  const links = analysisLinks(job);
  const most = Math.min(limit ?? total, total - from);
  return largestFitting(most, maxChars, (count) => {
    const segments = transcript.segments.slice(from, from + count);
    const end = from + count;
    const nextFrom = end < total ? end : undefined;
    const snapshot = toSnapshot(job);
    const text = renderTranscript({ ...transcript, segments });
    const range = count > 0 ? `segments ${from} to ${end - 1} of ${total} (counting from 0)` : `no segments of ${total}`;
    const notice =
      count < most
        ? shortenedNotice(job, maxChars, range, nextFrom)
        : end < total || from > 0
          ? pageNotice(range, nextFrom)
          : undefined;
    return {
      content: [
        { type: "text", text: describeSnapshot({ ...snapshot, result: { ...snapshot.result, text } }) },
        ...(notice ? [{ type: "text" as const, text: notice }] : []),
        ...links
      ],
      structuredContent: {
        ...snapshot,
        result: { ...snapshot.result, text },
        segments,
        page: { from, count, total, ...(nextFrom !== undefined ? { nextFrom } : {}) }
      }
    };
  }).result;
}
