/**
 * `videos`: one question about several videos. The list holds the further
 * videos, beside the one `videoUrl` (or askAboutVideo's `jobId`) names, which
 * is video 1: the schema only gains an optional field, and a one-video call
 * is the same call as before. Each entry is an object (`{ videoUrl }`, or in
 * askAboutVideo `{ jobId }`) rather than a bare string, so an entry names its
 * kind the way the one-video arguments do and can grow (a clip of its own)
 * without a new field beside `videos`.
 * @module
 */
import { z } from "zod";
import type { AnalysisInput, FollowUp, Job, SetVideo } from "../jobs/job";
import { parseVideoSource } from "../jobs/source-check";
import { MAX_VIDEOS_PER_QUESTION } from "../jobs/video-set";
import { toAnalysisInput, ToolInputError, videoUrlShape } from "./video-input";

/** The schema of `videos` whose entries are `entry`. */
export function videosField<Entry extends z.ZodType>(entry: Entry, what: string) {
  return z
    .array(entry)
    .min(1, "videos must list at least 1 video (the others asked about with videoUrl), or be left out")
    .max(
      MAX_VIDEOS_PER_QUESTION - 1,
      `one question may name at most ${MAX_VIDEOS_PER_QUESTION} videos (videoUrl or jobId, and at most ${MAX_VIDEOS_PER_QUESTION - 1} in videos): ask about the others in another question, or about each video alone`
    )
    .optional()
    .describe(
      `More videos asked about together with the one named above, which is video 1 (${what}); at most ${MAX_VIDEOS_PER_QUESTION} in all. They are uploaded side by side, labelled "Video 1", "Video 2"... in the request so the answer can name them, and must fit the model's context together. No startOffset/endOffset.`
    );
}

export const videoUrlEntry = z.object({ videoUrl: videoUrlShape.videoUrl });

type WatchArgs = Parameters<typeof toAnalysisInput>[2];

/** One video of a set, named by its URL. */
export function setVideoOf(videoUrl: string, followUp?: FollowUp): SetVideo {
  return { videoUrl, source: parseVideoSource(videoUrl), ...(followUp ? { followUp } : {}) };
}

/** What an earlier job read, to read again as is; undefined when it ended without a file. */
export function fileOf(earlier: Job): FollowUp | undefined {
  if (earlier.state !== "done" || !earlier.fileUri || !earlier.mimeType) return undefined;
  return {
    jobId: earlier.id,
    fileName: earlier.fileName,
    fileUri: earlier.fileUri,
    mimeType: earlier.mimeType,
    ...(earlier.details.durationSeconds !== undefined ? { durationSeconds: earlier.details.durationSeconds } : {})
  };
}

/** The same set an earlier job asked about, each video's file read again as is while it lives. */
export function setOf(earlier: Job): SetVideo[] {
  // SAFETY: asked only of a job with a set.
  return earlier.input.videos!.map((video, index) => {
    const prepared = earlier.state === "done" ? earlier.details.videos?.[index] : undefined;
    const followUp: FollowUp | undefined = prepared && {
      jobId: earlier.id,
      fileName: prepared.fileName,
      fileUri: prepared.fileUri,
      mimeType: prepared.mimeType,
      ...(prepared.durationSeconds !== undefined ? { durationSeconds: prepared.durationSeconds } : {})
    };
    return { videoUrl: video.videoUrl, source: video.source, ...(followUp ? { followUp } : {}) };
  });
}

/** The analysis of one question about `videos` (the first named as the input's `videoUrl`). */
export function toVideoSetInput(
  videos: SetVideo[],
  prompt: string,
  options: WatchArgs,
  defaults: Parameters<typeof toAnalysisInput>[3]
): AnalysisInput {
  if (options.startOffset !== undefined || options.endOffset !== undefined) {
    throw new ToolInputError("startOffset and endOffset apply to one video: ask about each video alone to watch a clip of it.");
  }
  const urls = videos.map((video) => video.source.url);
  const repeated = urls.findIndex((url, index) => urls.indexOf(url) !== index);
  if (repeated >= 0) {
    // SAFETY: `repeated` is an index `findIndex` found.
    throw new ToolInputError(`Video ${repeated + 1} is video ${urls.indexOf(urls[repeated]!) + 1} again: name each video once.`);
  }
  // SAFETY: the schema asks for at least 2 videos.
  const input = toAnalysisInput(videos[0]!.videoUrl, prompt, options, defaults);
  const { keepForFollowUps: _, ...rest } = input;
  return { ...rest, videos };
}
