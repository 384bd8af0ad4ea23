/**
 * What generate sends, and what the token count counts: a job's input
 * (its answer format, clip, sampling and limits) as Gemini's request.
 * @module
 */
import { responseJsonSchema } from "../../analysis/formats";
import type { VideoQuestion } from "../../gemini/analyze";
import { toGeminiOffset } from "../../video/offset";
import type { SegmentWindow } from "../../analysis/segment-plan";
import { formatClock } from "../../video/offset";
import type { Job } from "../job";
import { YOUTUBE_MIME_TYPE } from "./resolve-source";

/** The job's request; about `window` alone (and saying so in the prompt) for one segment of a long video. */
export function videoQuestion(job: Job, window?: SegmentWindow): VideoQuestion {
  const { input } = job;
  const schema = responseJsonSchema(input.format);
  const startSeconds = window ? window.start : input.startSeconds;
  const plan = job.details.plan;
  // A last segment of a video whose length is estimated runs to the video's end, wherever that is.
  const toTheEnd =
    window && plan?.lengthEstimated && input.endSeconds === undefined && window.end >= (plan.segments.at(-1)?.end ?? 0);
  const endSeconds = window ? (toTheEnd ? undefined : window.end) : input.endSeconds;
  return {
    model: input.model,
    // SAFETY: asked for only by `count` and `generate`, which run once the source resolved to what Gemini reads.
    fileUri: job.fileUri!,
    mimeType: job.mimeType ?? YOUTUBE_MIME_TYPE,
    prompt: window ? segmentPrompt(job, window) : input.prompt,
    videoMetadata: {
      ...(startSeconds !== undefined ? { startOffset: toGeminiOffset(startSeconds) } : {}),
      ...(endSeconds !== undefined ? { endOffset: toGeminiOffset(endSeconds) } : {}),
      ...(input.fps !== undefined ? { fps: input.fps } : {})
    },
    ...(input.mediaResolution ? { mediaResolution: input.mediaResolution } : {}),
    ...(input.maxOutputTokens ? { maxOutputTokens: input.maxOutputTokens } : {}),
    ...(schema ? { responseJsonSchema: schema } : {}),
    ...(job.details.cacheName ? { cachedContent: job.details.cacheName } : {})
  };
}

/** The prompt with what a segment's request must know: which part it sees, and how to give times. */
function segmentPrompt(job: Job, window: SegmentWindow): string {
  const part = `${formatClock(window.start)} to ${formatClock(window.end)}`;
  const whole = job.details.durationSeconds === undefined ? "" : ` of ${formatClock(job.details.durationSeconds)}`;
  const scope =
    (job.input.format ?? "text") === "text"
      ? "Answer for this part only, citing the times (H:MM:SS) of what you mention; if nothing in it bears on the question, say so in one sentence."
      : "Cover this part only.";
  return `${job.input.prompt}\n\nYou see ${part} of a longer video${whole}. ${scope} Give every time from the start of the whole video.`;
}
