/**
 * The input fields shared by the tools that start an analysis.
 * @module
 */
import { z } from "zod";

export const DEFAULT_PROMPT =
  "Watch this video and give a thorough summary of what happens, in order, with MM:SS timestamps for the key moments. Mention who appears, what is said, and any on-screen text that matters.";

export const MAX_PROMPT_CHARACTERS = 20_000;

export const videoInputShape = {
  videoUrl: z
    .string()
    .trim()
    .url("videoUrl must be an absolute http(s) URL")
    .refine((value) => /^https?:\/\//i.test(value), "videoUrl must use http or https")
    .describe("A YouTube link (watch, youtu.be, shorts, embed, live) or a public video file URL (mp4, mov, webm...)."),
  prompt: z
    .string()
    .trim()
    .min(1, "prompt must not be empty")
    .max(MAX_PROMPT_CHARACTERS, `prompt must be at most ${MAX_PROMPT_CHARACTERS} characters`)
    .optional()
    .describe("What to ask about the video. Default: a timestamped summary.")
};
