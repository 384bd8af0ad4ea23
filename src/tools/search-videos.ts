/**
 * `searchVideos`: full-text search over the library of finished analyses
 * (every prompt, answer, chapter and transcript segment), ranked, with the
 * time of each hit and a link that opens the video there.
 * @module
 */
import { z } from "zod";
import { foundPassageShape, passageLine, videoFilterShape } from "./library-fields";
import { defineTool } from "./tool";

export const MAX_SEARCH_LIMIT = 50;

export const searchVideos = defineTool({
  name: "searchVideos",
  title: "Search analysed videos",
  description:
    'Searches everything already analysed (prompts, answers, chapters and transcripts, kept for LIBRARY_RETENTION_DAYS) for words or a phrase, in any language; Japanese and Chinese too (words of two characters or more). Every term must appear; "quote a phrase". Returns the best passages with the video, the time, a snippet and a link that opens the video at that time.',
  inputSchema: z.object({
    query: z
      .string()
      .min(1, "query must not be empty")
      .max(500, "query must be at most 500 characters")
      .describe('Words or a "quoted phrase" to find; each term needs two characters or more.'),
    limit: z
      .number({ error: "limit must be a finite number" })
      .int("limit must be a whole number")
      .min(1, "limit must be at least 1")
      .max(MAX_SEARCH_LIMIT, `limit must be at most ${MAX_SEARCH_LIMIT}`)
      .optional()
      .describe("How many passages to return (default 10)."),
    ...videoFilterShape
  }),
  outputSchema: z.object({ query: z.string(), hits: z.array(z.object(foundPassageShape)) }),
  annotations: { readOnlyHint: true, openWorldHint: false },
  instructions:
    "searchVideos finds words said or written in any video analysed before (transcripts, chapters, answers), with the time to jump to.",
  async call({ query, limit, video }, _ctx, deps) {
    const result = await deps.library.search(query, { limit: limit ?? 10, ...(video !== undefined ? { video } : {}) });
    if ("refused" in result) return { content: [{ type: "text", text: result.refused }], isError: true };
    const { hits } = result;
    const text = hits.length
      ? [`${hits.length} passage${hits.length === 1 ? "" : "s"} for "${query}":`, ...hits.map((hit) => passageLine(hit))].join(
          "\n"
        )
      : `Nothing in the library matches "${query}".`;
    return { content: [{ type: "text", text }], structuredContent: { query, hits } };
  }
});
