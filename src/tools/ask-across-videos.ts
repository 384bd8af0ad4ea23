/**
 * `askAcrossVideos`: a question answered from the library: the passages a
 * search finds go to Gemini in one text-only call, which answers citing a
 * video and a time for each claim. When nothing is found, it says so and
 * Gemini is not asked.
 * @module
 */
import { z } from "zod";
import { describeGeminiError } from "../gemini/errors";
import { foundPassageShape, videoFilterShape } from "./library-fields";
import { defineTool } from "./tool";
import { watchOptionsShape } from "./video-input";

export const askAcrossVideos = defineTool({
  name: "askAcrossVideos",
  title: "Ask across analysed videos",
  description:
    "Answers a question from everything already analysed: finds the relevant passages (transcripts, chapters, answers) by search and has Gemini answer from them alone, citing the video and time of each claim as [Video 2, 12:30]. No video is watched again. Says so when nothing relevant was found.",
  inputSchema: z.object({
    question: z
      .string()
      .min(1, "question must not be empty")
      .max(2000, "question must be at most 2000 characters")
      .describe("The question, in any language."),
    ...videoFilterShape,
    model: watchOptionsShape.model
  }),
  outputSchema: z.object({
    question: z.string(),
    found: z.boolean().describe("False when no passage matched; Gemini was not asked then."),
    answer: z.string(),
    model: z.string().optional(),
    videos: z.array(
      z.object({ label: z.string(), videoUrl: z.string(), uploadName: z.string().nullable(), title: z.string().nullable() })
    ),
    passages: z.array(z.object({ label: z.string(), ...foundPassageShape }))
  }),
  annotations: { readOnlyHint: true, openWorldHint: true },
  instructions: "askAcrossVideos answers a question across every video analysed before, citing the video and time of each claim.",
  async call({ question, video, model }, _ctx, deps) {
    let reply: Awaited<ReturnType<typeof deps.library.ask>>;
    try {
      reply = await deps.library.ask(question, {
        model: model?.replace(/^models\//, "") ?? deps.defaultModel,
        ...(video !== undefined ? { video } : {})
      });
    } catch (error) {
      return { content: [{ type: "text", text: describeGeminiError(error) }], isError: true };
    }
    if (!reply.found) {
      const answer = `Nothing relevant was found in the library${video ? ` for ${video}` : ""}: no analysed transcript, chapter or answer matches the question. Analyse the video first, or ask with other words.`;
      return {
        content: [{ type: "text", text: answer }],
        structuredContent: { question, found: false, answer, videos: [], passages: [] }
      };
    }
    const { answer, videos, passages } = reply;
    const sources = videos.map((entry) => `- ${entry.label}: ${entry.uploadName ?? entry.videoUrl}`);
    const text = [
      answer,
      "",
      "Videos:",
      ...sources,
      "",
      "Passages:",
      ...passages.map((p) => `- [${p.label}] (${p.kind}) ${p.snippet}\n  ${p.link}`)
    ].join("\n");
    return {
      content: [{ type: "text", text }],
      structuredContent: { question, found: true, answer, model: reply.model, videos, passages }
    };
  }
});
