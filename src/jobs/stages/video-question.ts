/**
 * What generate sends, and what the token count counts: a job's input
 * (its answer format, clip, sampling and limits) as Gemini's request.
 * @module
 */
import { responseJsonSchema } from "../../analysis/formats";
import type { VideoQuestion } from "../../gemini/analyze";
import { toGeminiOffset } from "../../video/offset";
import type { Job } from "../job";
import { labelledVideos } from "../video-set";
import { YOUTUBE_MIME_TYPE } from "./resolve-source";

export function videoQuestion(job: Job): VideoQuestion {
  const { input } = job;
  const schema = responseJsonSchema(input.format);
  return {
    model: input.model,
    // SAFETY: asked for only by `count` and `generate`, which run once the source resolved to what Gemini reads.
    fileUri: job.fileUri!,
    mimeType: job.mimeType ?? YOUTUBE_MIME_TYPE,
    prompt: input.prompt,
    videoMetadata: {
      ...(input.startSeconds !== undefined ? { startOffset: toGeminiOffset(input.startSeconds) } : {}),
      ...(input.endSeconds !== undefined ? { endOffset: toGeminiOffset(input.endSeconds) } : {}),
      ...(input.fps !== undefined ? { fps: input.fps } : {})
    },
    ...(input.mediaResolution ? { mediaResolution: input.mediaResolution } : {}),
    ...(input.maxOutputTokens ? { maxOutputTokens: input.maxOutputTokens } : {}),
    ...(schema ? { responseJsonSchema: schema } : {}),
    ...(job.details.cacheName ? { cachedContent: job.details.cacheName } : {}),
    ...(job.details.videos ? { videos: labelledVideos(input, job.details.videos) } : {})
  };
}
