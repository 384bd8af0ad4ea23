/**
 * The input fields shared by the tools that start an analysis, and how they
 * become an `AnalysisInput`.
 * @module
 */
import { retiredModelMessage } from "../cost/prices";
import { UserFacingError } from "../errors";
import { z } from "zod";
import { MEDIA_RESOLUTIONS, type AnalysisInput, type AnswerFormat } from "../jobs/job";
import { parseVideoSource } from "../jobs/source-check";
import { OFFSET_FORMATS, parseOffset } from "../video/offset";

export const DEFAULT_PROMPT =
  "Watch this video and give a thorough summary of what happens, in order, with MM:SS timestamps for the key moments. Mention who appears, what is said, and any on-screen text that matters.";

export const MAX_PROMPT_CHARACTERS = 20_000;
export const MAX_FPS = 24;
export const MAX_OUTPUT_TOKENS = 65_536;
/** The highest `maxCostUsd` a caller may set: a cap, not a budget. */
export const MAX_COST_USD = 10_000;
/** The latest offset into a video anyone can mean: 24 hours. */
export const MAX_OFFSET_SECONDS = 24 * 60 * 60;
const MODEL_NAME = /^(models\/)?[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** A tool argument that each field accepted but the combination did not. */
export class ToolInputError extends UserFacingError {
  constructor(message: string) {
    super(message);
    this.name = "ToolInputError";
  }
}

export const videoUrlShape = {
  videoUrl: z
    .string()
    .trim()
    .url("videoUrl must be an absolute http(s) URL")
    .refine((value) => /^(https?:\/\/|upload:)/i.test(value), "videoUrl must use http or https (or be upload:<uploadId>)")
    .describe(
      "A YouTube link (watch, youtu.be, shorts, embed, live), a public video file URL (mp4, mov, webm...), or upload:<uploadId> for a file uploaded with createVideoUpload."
    )
};

export const promptField = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `${what} must not be empty`)
    .max(MAX_PROMPT_CHARACTERS, `${what} must be at most ${MAX_PROMPT_CHARACTERS} characters`);

/** Why `value` is no usable offset for the field `name`; undefined when it is one. */
function offsetProblem(name: string, value: number | string): string | undefined {
  if (typeof value === "number" && value < 0) return `${name} must not be negative`;
  const seconds = parseOffset(value);
  if (seconds === undefined) return `${name} must be a time of at most 24 h, such as ${OFFSET_FORMATS}`;
  if (seconds > MAX_OFFSET_SECONDS) return `${name} must be at most 24 h (${MAX_OFFSET_SECONDS} s)`;
  return undefined;
}

/** The offset in seconds; a `ToolInputError` naming the field when it is none. */
function offsetSeconds(name: string, value: number | string | undefined): number | undefined {
  // A job stored before offsets were checked may hold null for an offset that overflowed.
  if (value === undefined || value === null) return undefined;
  const problem = offsetProblem(name, value);
  if (problem) throw new ToolInputError(`${problem}.`);
  return parseOffset(value);
}

const offsetField = (name: string, what: string) =>
  z
    .union([z.number(), z.string()], { error: `${name} must be a finite number of seconds or a time such as ${OFFSET_FORMATS}` })
    .superRefine((value, context) => {
      const problem = offsetProblem(name, value);
      if (problem) context.addIssue({ code: "custom", message: problem });
    })
    .optional()
    .describe(`${what}: seconds, or a time such as ${OFFSET_FORMATS} (at most 24 h).`);

/** How Gemini watches: which model, which clip, how many frames, at what resolution, how long an answer. */
export const watchOptionsShape = {
  model: z
    .string()
    .regex(MODEL_NAME, "model must be a Gemini model name such as gemini-flash-latest")
    .optional()
    .describe("The Gemini model. Default: the server's GEMINI_MODEL."),
  startOffset: offsetField("startOffset", "Where to start watching"),
  endOffset: offsetField("endOffset", "Where to stop watching"),
  fps: z
    .number({ error: "fps must be a finite number" })
    .gt(0, "fps must be greater than 0")
    .max(MAX_FPS, `fps must be at most ${MAX_FPS}`)
    .optional()
    .describe(
      "Frames per second Gemini samples (default 1; above 0, at most 24). Lower it for long videos, raise it for fast action."
    ),
  mediaResolution: z
    .enum(MEDIA_RESOLUTIONS)
    .optional()
    .describe(
      "Detail per frame, and its cost. Gemini 3 models (such as gemini-flash-latest): 70 tokens a frame at low, medium and by default, 280 at high. Gemini 2.5: 66 at low (fits about 3x more video), 258 at medium, high and by default. Audio adds 32 tokens a second."
    ),
  maxOutputTokens: z
    .number({ error: "maxOutputTokens must be a finite number" })
    .int("maxOutputTokens must be a whole number")
    .min(1, "maxOutputTokens must be at least 1")
    .max(MAX_OUTPUT_TOKENS, `maxOutputTokens must be at most ${MAX_OUTPUT_TOKENS}`)
    .optional()
    .describe("The longest answer Gemini may give, in tokens."),
  keepForFollowUps: z
    .boolean({ error: "keepForFollowUps must be true or false" })
    .optional()
    .describe(
      "More questions about this video will follow (askAboutVideo): hold it in a Gemini context cache (CACHE_TTL_SECONDS, default 1 h, extended on each use), so each later question pays the cached price for the video."
    ),
  priority: z
    .enum(["standard", "batch"], { error: 'priority must be "standard" or "batch"' })
    .optional()
    .describe(
      'Default "standard": answered now. "batch": through Gemini\'s Batch API at half price, answered within 24 hours (the call answers "still running" with a jobId; collect it with getVideoAnalysis).'
    ),
  maxCostUsd: z
    .number({ error: "maxCostUsd must be a finite number of US dollars" })
    .gt(0, "maxCostUsd must be greater than 0")
    .max(MAX_COST_USD, `maxCostUsd must be at most ${MAX_COST_USD}`)
    .optional()
    .describe(
      "The most this analysis may cost, in US dollars, by its estimate before it runs (Gemini's token count at the model's prices, and the answer up to maxOutputTokens). Over it, the analysis is refused before anything is generated, saying what would fit. The server may have caps of its own."
    )
};

export const videoInputShape = {
  ...videoUrlShape,
  prompt: promptField("prompt").optional().describe("What to ask about the video. Default: a timestamped summary."),
  ...watchOptionsShape
};

type WatchOptions = { [K in keyof typeof watchOptionsShape]?: z.infer<(typeof watchOptionsShape)[K]> };

/**
 * The options of an analysis, checked together (a clip must end after it
 * starts; the model is no retired one), and the video parsed into its source (`VideoUrlError` for a URL
 * no analysis could use).
 */
export function toAnalysisInput(
  videoUrl: string,
  prompt: string,
  options: WatchOptions,
  defaults: { model: string; format?: AnswerFormat }
): AnalysisInput {
  const startSeconds = offsetSeconds("startOffset", options.startOffset);
  const endSeconds = offsetSeconds("endOffset", options.endOffset);
  if (endSeconds !== undefined && endSeconds <= (startSeconds ?? 0)) {
    throw new ToolInputError(`endOffset (${endSeconds} s) must come after startOffset (${startSeconds ?? 0} s).`);
  }
  const model = options.model?.replace(/^models\//, "") ?? defaults.model;
  const retired = retiredModelMessage(model);
  if (retired) throw new ToolInputError(retired);
  return {
    videoUrl,
    source: parseVideoSource(videoUrl),
    prompt,
    model,
    ...(startSeconds !== undefined ? { startSeconds } : {}),
    ...(endSeconds !== undefined ? { endSeconds } : {}),
    ...(options.fps !== undefined ? { fps: options.fps } : {}),
    ...(options.mediaResolution ? { mediaResolution: options.mediaResolution } : {}),
    ...(options.maxOutputTokens !== undefined ? { maxOutputTokens: options.maxOutputTokens } : {}),
    ...(options.keepForFollowUps ? { keepForFollowUps: true } : {}),
    ...(options.priority === "batch" ? { priority: "batch" as const } : {}),
    ...(options.maxCostUsd !== undefined ? { maxCostUsd: options.maxCostUsd } : {}),
    ...(defaults.format && defaults.format !== "text" ? { format: defaults.format } : {})
  };
}
