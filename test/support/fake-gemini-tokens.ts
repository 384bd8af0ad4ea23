/**
 * How the fake Gemini counts a request's input tokens, by Google's published
 * rates (ai.google.dev, "Media resolution" and "Understand and count
 * tokens"): a sampled video frame costs 70 tokens on Gemini 3 models at low,
 * medium or unspecified resolution and 280 at high; 258 on Gemini 2.5 and
 * older (66 at low); audio 32 tokens a second on both; text about four
 * characters a token. Frames are sampled at the part's `videoMetadata.fps`
 * (default 1) over its clip (`startOffset`/`endOffset`). Both `countTokens`
 * and the `usageMetadata` of answers count with this, so they agree as
 * Gemini's do. Independent of the server's own table on purpose: it reads
 * the request as Gemini would, field by field, and refuses what Gemini
 * refuses (a bad Duration, fps out of range, an unknown resolution).
 */
import type { ErrorBehavior } from "./fake-gemini-wire";

export type FakeModelFamily = "gemini-3" | "gemini-2.5";

export type Modality = "TEXT" | "VIDEO" | "AUDIO";

export interface ModalityTokenCount {
  modality: Modality;
  tokenCount: number;
}

export interface PromptCount {
  totalTokens: number;
  /** By modality, in Gemini's order, zeros left out. */
  promptTokensDetails: ModalityTokenCount[];
  /** Tokens of each video part (frames and audio), keyed by what makes it cacheable: the part as sent. */
  videoParts: { key: string; video: number; audio: number }[];
}

/** A request field Gemini would refuse, as a `google.rpc.BadRequest` field violation. */
export interface FieldViolation {
  field: string;
  description: string;
}

/** What the fake knows of the video a `fileData` part names. */
export type VideoLookup =
  | { kind: "video"; durationSeconds: number }
  /** Gemini refuses the part: a file gone, not ACTIVE, or a URI it cannot read. */
  | { kind: "refused"; error: ErrorBehavior };

interface Part {
  text?: unknown;
  fileData?: { fileUri?: unknown; mimeType?: unknown };
  videoMetadata?: { startOffset?: unknown; endOffset?: unknown; fps?: unknown };
}

export interface GenerateContentRequestBody {
  contents?: { role?: string; parts?: Part[] }[];
  generationConfig?: { mediaResolution?: unknown; maxOutputTokens?: unknown; responseJsonSchema?: unknown };
}

const FRAME_TOKENS: Record<FakeModelFamily, Record<string, number>> = {
  "gemini-3": {
    MEDIA_RESOLUTION_UNSPECIFIED: 70,
    MEDIA_RESOLUTION_LOW: 70,
    MEDIA_RESOLUTION_MEDIUM: 70,
    MEDIA_RESOLUTION_HIGH: 280
  },
  "gemini-2.5": {
    MEDIA_RESOLUTION_UNSPECIFIED: 258,
    MEDIA_RESOLUTION_LOW: 66,
    MEDIA_RESOLUTION_MEDIUM: 258,
    MEDIA_RESOLUTION_HIGH: 258
  }
};
const AUDIO_TOKENS_PER_SECOND = 32;
export const CHARACTERS_PER_TOKEN = 4;
const MAX_FPS = 24;
const DURATION = /^(\d+(?:\.\d{1,9})?)s$/;

/** Gemini 3 and newer by their names; the `-latest` aliases point at Gemini 3 models. */
export function familyOf(model: string): FakeModelFamily {
  return /^gemini-([3-9]|\d{2,})/.test(model) || /-latest$/.test(model) ? "gemini-3" : "gemini-2.5";
}

export function textTokens(text: string): number {
  return Math.ceil(text.length / CHARACTERS_PER_TOKEN);
}

/** A `google.protobuf.Duration` in JSON ("90s", "12.5s"), or undefined when Gemini would refuse it. */
export function durationSeconds(value: unknown): number | undefined {
  const match = typeof value === "string" ? DURATION.exec(value) : null;
  return match ? Number(match[1]) : undefined;
}

/**
 * Counts `request` for `model` the way Gemini would, or names the field it
 * would refuse. `lookUp` says what a `fileData` URI holds.
 */
export function countPrompt(
  request: GenerateContentRequestBody,
  model: string,
  lookUp: (fileUri: string) => VideoLookup,
  fieldPrefix = ""
): PromptCount | { violation: FieldViolation } | { refused: ErrorBehavior } {
  const resolution = request.generationConfig?.mediaResolution ?? "MEDIA_RESOLUTION_UNSPECIFIED";
  const perFrame = FRAME_TOKENS[familyOf(model)][String(resolution)];
  if (perFrame === undefined) {
    return {
      violation: invalidValue(
        `${fieldPrefix}generation_config.media_resolution`,
        "enum google.ai.generativelanguage.v1beta.MediaResolution",
        resolution
      )
    };
  }
  const counts: Record<Modality, number> = { TEXT: 0, VIDEO: 0, AUDIO: 0 };
  const videoParts: PromptCount["videoParts"] = [];
  for (const [contentIndex, content] of (request.contents ?? []).entries()) {
    for (const [partIndex, part] of (content.parts ?? []).entries()) {
      const field = `${fieldPrefix}contents[${contentIndex}].parts[${partIndex}]`;
      if (typeof part.text === "string") counts.TEXT += textTokens(part.text);
      if (!part.fileData) continue;
      const video = lookUp(String(part.fileData.fileUri ?? ""));
      if (video.kind === "refused") return { refused: video.error };
      const clip = watchedClip(part.videoMetadata ?? {}, video.durationSeconds, `${field}.video_metadata`);
      if ("violation" in clip) return clip;
      const frames = Math.ceil(clip.seconds * clip.fps);
      const tokens = { video: frames * perFrame, audio: Math.ceil(clip.seconds) * AUDIO_TOKENS_PER_SECOND };
      counts.VIDEO += tokens.video;
      counts.AUDIO += tokens.audio;
      videoParts.push({ key: JSON.stringify([part.fileData, part.videoMetadata ?? {}, resolution]), ...tokens });
    }
  }
  return {
    totalTokens: counts.TEXT + counts.VIDEO + counts.AUDIO,
    promptTokensDetails: (["TEXT", "VIDEO", "AUDIO"] as const)
      .filter((modality) => counts[modality] > 0)
      .map((modality) => ({ modality, tokenCount: counts[modality] })),
    videoParts
  };
}

function watchedClip(
  metadata: NonNullable<Part["videoMetadata"]>,
  videoSeconds: number,
  field: string
): { seconds: number; fps: number } | { violation: FieldViolation } {
  const start = metadata.startOffset === undefined ? 0 : durationSeconds(metadata.startOffset);
  if (start === undefined)
    return {
      violation: invalidValue(`${field}.start_offset`, "type.googleapis.com/google.protobuf.Duration", metadata.startOffset)
    };
  const end = metadata.endOffset === undefined ? videoSeconds : durationSeconds(metadata.endOffset);
  if (end === undefined)
    return { violation: invalidValue(`${field}.end_offset`, "type.googleapis.com/google.protobuf.Duration", metadata.endOffset) };
  const fps = metadata.fps ?? 1;
  if (typeof fps !== "number" || !(fps > 0 && fps <= MAX_FPS)) {
    return {
      violation: {
        field: `${field}.fps`,
        description: `fps must be in the range (0.0, ${MAX_FPS}.0], got ${JSON.stringify(fps)}.`
      }
    };
  }
  const seconds = Math.max(Math.min(end, videoSeconds) - Math.min(start, videoSeconds), 0);
  return { seconds, fps };
}

function invalidValue(field: string, type: string, value: unknown): FieldViolation {
  return { field, description: `Invalid value at '${field}' (${type}), ${JSON.stringify(value)}` };
}
