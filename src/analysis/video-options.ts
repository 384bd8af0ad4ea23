/**
 * The options a question about a video takes that shape Gemini's request:
 * the media resolution and the answer's format.
 * @module
 */

export const MEDIA_RESOLUTIONS = ["low", "medium", "high"] as const;
export type MediaResolution = (typeof MEDIA_RESOLUTIONS)[number];

/** What shape the answer takes: free text, or JSON checked against a schema. */
export const ANSWER_FORMATS = ["text", "chapters", "transcript"] as const;
export type AnswerFormat = (typeof ANSWER_FORMATS)[number];
