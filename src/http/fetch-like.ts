/**
 * The outbound HTTP port: everything that fetches (the video source, Gemini's
 * upload protocol, `@google/genai`) takes one of these, `fetch` by default,
 * so tests and the jobs can wrap it.
 * @module
 */

/** The shape of the global `fetch`. */
export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
