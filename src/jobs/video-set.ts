/**
 * One question about several videos: how many it may name, how each is
 * labelled in the request, and what the set adds up to.
 * @module
 */
import type { LabelledVideo } from "../gemini/analyze";
import type { AnalysisInput, PreparedVideo } from "./job";

/** The most videos one question may name: each is uploaded and watched in full, and all must fit the model's context together. */
export const MAX_VIDEOS_PER_QUESTION = 5;

/** "video 2 of 3", as progress names a video of the set. */
export function videoOrdinal(index: number, count: number): string {
  return `video ${index + 1} of ${count}`;
}

/** The request's videos, each after its label ("Video 1: <url>"), so the answer can name them. */
export function labelledVideos(input: AnalysisInput, prepared: readonly PreparedVideo[]): LabelledVideo[] {
  return prepared.map((video, index) => ({
    label: `Video ${index + 1}: ${input.videos?.[index]?.videoUrl ?? input.videoUrl}`,
    fileUri: video.fileUri,
    mimeType: video.mimeType
  }));
}

/** The videos' total length, when Gemini said each one's (YouTube links' are not known before the count). */
export function totalSecondsOf(prepared: readonly PreparedVideo[]): number | undefined {
  let total = 0;
  for (const video of prepared) {
    if (video.durationSeconds === undefined) return undefined;
    total += video.durationSeconds;
  }
  return total;
}

/** Why a set too long for one request is refused: segments cut one video, never several. */
export function tooLongForASet(count: number, model: string, segments: number): string {
  return `These ${count} videos together are too long for one request to ${model} (it would take ${segments} segments, and only one video is cut into segments). Ask about each video alone.`;
}
