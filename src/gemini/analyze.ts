/**
 * Asks Gemini about one video and streams the answer back.
 * @module
 */
import { UserFacingError } from "../errors";
import {
  MediaResolution,
  type Content,
  type GenerateContentConfig,
  type GenerateContentParameters,
  type GenerateContentResponseUsageMetadata,
  type GoogleGenAI,
  type Part,
  type VideoMetadata
} from "@google/genai";
import { StallWatchdog, type StallLimit, type StallLimits } from "../http/stall-watchdog";
import { seconds } from "../ids/units";
import type { MediaResolution as Resolution } from "../analysis/video-options";
import { describeBlockReason, describeFinishReason, isNormalFinish } from "./finish-reasons";
import { toTokenUsage, type TokenUsage } from "./usage";

export interface VideoQuestion {
  model: string;
  /** A YouTube link or a Gemini Files API URI. */
  fileUri: string;
  mimeType: string;
  prompt: string;
  /** The clip and sampling rate (`startOffset`/`endOffset` as "90s"). */
  videoMetadata?: VideoMetadata;
  mediaResolution?: Resolution;
  maxOutputTokens?: number;
  /** When set, Gemini answers JSON that follows this schema. */
  responseJsonSchema?: Record<string, unknown>;
  /** A context cache holding the video part (`cachedContents/...`): the request then sends the prompt alone. */
  cachedContent?: string;
  /**
   * Several videos asked about together (`fileUri` is the first's): each
   * sent as its label ("Video 1: <url>") then its part, all before the prompt.
   */
  videos?: LabelledVideo[];
}

/** One video of a question about several, as the request names and carries it. */
export interface LabelledVideo {
  label: string;
  fileUri: string;
  mimeType: string;
}

export interface VideoAnswer {
  text: string;
  model: string;
  finishReason?: string;
  usage?: TokenUsage;
}

const GEMINI_RESOLUTION: Record<Resolution, MediaResolution> = {
  low: MediaResolution.MEDIA_RESOLUTION_LOW,
  medium: MediaResolution.MEDIA_RESOLUTION_MEDIUM,
  high: MediaResolution.MEDIA_RESOLUTION_HIGH
};

/** How long Gemini may go without sending a piece of its answer, and take in all. */
export const ANSWER_STALL_LIMITS: StallLimits = { idleMs: 10 * 60_000, totalMs: 30 * 60_000 };

/** Raised when Gemini's streamed answer stalls or runs past its time; not retried. */
export class AnswerStalledError extends UserFacingError {
  constructor(limit: StallLimit, limits: StallLimits) {
    super(
      limit === "idleMs"
        ? `Gemini sent nothing for ${seconds(limits.idleMs)} while answering, so the request was stopped. Try again, or ask about a shorter clip (startOffset/endOffset).`
        : `Gemini's answer took longer than ${seconds(limits.totalMs)}, so the request was stopped. Ask for a shorter answer, or about a shorter clip (startOffset/endOffset).`
    );
    this.name = "AnswerStalledError";
  }
}

/** Raised when Gemini answered but gave no usable text (blocked, safety, recitation). */
export class NoAnswerError extends UserFacingError {
  constructor(message: string) {
    super(message);
    this.name = "NoAnswerError";
  }
}

/** Generation settings, named alike in the SDK's config and in the REST `generationConfig`. */
type GenerationSettings = Pick<
  GenerateContentConfig,
  "mediaResolution" | "maxOutputTokens" | "responseMimeType" | "responseJsonSchema"
>;

function generationSettings(question: VideoQuestion): GenerationSettings {
  return {
    ...(question.mediaResolution ? { mediaResolution: GEMINI_RESOLUTION[question.mediaResolution] } : {}),
    ...(question.maxOutputTokens ? { maxOutputTokens: question.maxOutputTokens } : {}),
    ...(question.responseJsonSchema
      ? { responseMimeType: "application/json", responseJsonSchema: question.responseJsonSchema }
      : {})
  };
}

/** The video part, with its clip and sampling: what opens every request about the video, and what a cache holds. */
function videoPart(question: VideoQuestion): Part {
  const hasVideoMetadata = question.videoMetadata && Object.keys(question.videoMetadata).length > 0;
  return {
    fileData: { fileUri: question.fileUri, mimeType: question.mimeType },
    ...(hasVideoMetadata ? { videoMetadata: question.videoMetadata } : {})
  };
}

/** What a context cache for the question's video holds: the video part alone. */
export function videoCacheContents(question: VideoQuestion): Content[] {
  return [{ role: "user", parts: [videoPart(question)] }];
}

/**
 * The video part first, then the prompt: requests about one video share
 * their opening, which Gemini's implicit caching bills at the cached price.
 * With a cache, the prompt alone (the cache's contents come first).
 */
function videoContents(question: VideoQuestion): Content[] {
  const prompt: Part = { text: question.prompt };
  if (question.videos) {
    const videoParts = question.videos.flatMap((video): Part[] => [
      { text: video.label },
      videoPart({ ...question, fileUri: video.fileUri, mimeType: video.mimeType })
    ]);
    return [{ role: "user", parts: [...videoParts, prompt] }];
  }
  return [{ role: "user", parts: question.cachedContent ? [prompt] : [videoPart(question), prompt] }];
}

/** The `generateContent` request for a question, as the SDK takes it. */
export function videoRequest(question: VideoQuestion, signal?: AbortSignal): GenerateContentParameters {
  return {
    model: question.model,
    contents: videoContents(question),
    config: {
      ...(signal ? { abortSignal: signal } : {}),
      ...generationSettings(question),
      ...(question.cachedContent ? { cachedContent: question.cachedContent } : {})
    }
  };
}

/**
 * The same request as the REST `GenerateContentRequest` (what `countTokens`
 * takes as `generateContentRequest`): the contents and `generationConfig`
 * the SDK sends for `videoRequest`, and the model it names in the path.
 */
export function generateContentRequestBody(question: VideoQuestion): {
  model: string;
  contents: Content[];
  generationConfig: GenerationSettings;
} {
  return { model: `models/${question.model}`, contents: videoContents(question), generationConfig: generationSettings(question) };
}

/**
 * Streams Gemini's answer, calling `onText` with the text so far after each
 * chunk. Throws `NoAnswerError` when the answer was blocked or empty.
 */
export async function askGeminiAboutVideo(
  ai: GoogleGenAI,
  question: VideoQuestion,
  options: {
    signal?: AbortSignal;
    onText?: (textSoFar: string) => Promise<void> | void;
    /** Default ANSWER_STALL_LIMITS. */
    stallLimits?: StallLimits;
  } = {}
): Promise<VideoAnswer> {
  const limits = options.stallLimits ?? ANSWER_STALL_LIMITS;
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const watchdog = new StallWatchdog(limits, (limit) => new AnswerStalledError(limit, limits), Date.now());
  let text = "";
  let finishReason: string | undefined;
  let usage: GenerateContentResponseUsageMetadata | undefined;
  let blockReason: string | undefined;
  try {
    const stream = await watchdog.read(ai.models.generateContentStream(videoRequest(question, signal)));
    const chunks = stream[Symbol.asyncIterator]();
    for (;;) {
      const { done, value: chunk } = await watchdog.read(chunks.next());
      if (done) break;
      text += chunk.text ?? "";
      const reason: unknown = chunk.candidates?.[0]?.finishReason;
      if (typeof reason === "string") finishReason = reason;
      usage = chunk.usageMetadata ?? usage;
      blockReason = chunk.promptFeedback?.blockReason ?? blockReason;
      await options.onText?.(text);
    }
  } catch (error) {
    if (error instanceof AnswerStalledError) stop.abort(error);
    throw error;
  } finally {
    watchdog.stop();
  }
  if (blockReason) throw new NoAnswerError(describeBlockReason(blockReason));
  if (text.length === 0) {
    throw new NoAnswerError(
      isNormalFinish(finishReason)
        ? "Gemini returned an empty answer. Try again."
        : describeFinishReason(finishReason, question.maxOutputTokens)
    );
  }
  const tokenUsage = usage ? toTokenUsage(usage) : undefined;
  return {
    text,
    model: question.model,
    ...(finishReason ? { finishReason } : {}),
    ...(tokenUsage ? { usage: tokenUsage } : {})
  };
}
