/**
 * `analyzeRemoteVideo`: ask Gemini to watch a video and answer a prompt.
 * @module
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { askGeminiAboutVideo } from "../gemini/analyze";
import { createGeminiClient } from "../gemini/client";
import { describeGeminiError } from "../gemini/errors";
import { matchYouTube } from "../gemini/youtube";
import { createProgressReporter } from "./progress";
import type { ToolDeps } from "./deps";

export const DEFAULT_PROMPT =
  "Watch this video and give a thorough summary of what happens, in order, with MM:SS timestamps for the key moments. Mention who appears, what is said, and any on-screen text that matters.";

export const MAX_PROMPT_CHARACTERS = 20_000;

/** Gemini accepts YouTube links as `fileData` with a video MIME type. */
const YOUTUBE_MIME_TYPE = "video/mp4";

const inputSchema = {
  videoUrl: z
    .string()
    .trim()
    .url("videoUrl must be an absolute http(s) URL")
    .refine((value) => /^https?:\/\//i.test(value), "videoUrl must use http or https")
    .describe("A YouTube link (watch, youtu.be, shorts, embed, live) or a public video URL."),
  prompt: z
    .string()
    .trim()
    .min(1, "prompt must not be empty")
    .max(MAX_PROMPT_CHARACTERS, `prompt must be at most ${MAX_PROMPT_CHARACTERS} characters`)
    .optional()
    .describe("What to ask about the video. Default: a timestamped summary.")
};

function toolError(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}

export function registerAnalyzeRemoteVideo(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    "analyzeRemoteVideo",
    {
      title: "Analyze a video with Gemini",
      description:
        "Has Google Gemini watch a video (a YouTube link or a public video URL) and answer a prompt about it: a summary with timestamps by default. Sends progress notifications while Gemini works.",
      inputSchema,
      annotations: { readOnlyHint: true, openWorldHint: true }
    },
    async ({ videoUrl, prompt }, extra): Promise<CallToolResult> => {
      const youTube = matchYouTube(new URL(videoUrl));
      if (youTube.kind === "not-a-video") return toolError(youTube.reason);
      if (youTube.kind === "not-youtube") {
        return toolError(
          "Only YouTube links can be analysed by this server version; direct video URLs (uploads to the Gemini Files API) are not supported yet."
        );
      }
      const progress = createProgressReporter(extra);
      try {
        const ai = createGeminiClient(deps.gemini, deps.fetch);
        await progress.stage({ message: "Gemini is watching the video" });
        const answer = await askGeminiAboutVideo(
          ai,
          {
            model: deps.gemini.model,
            fileUri: youTube.url,
            mimeType: YOUTUBE_MIME_TYPE,
            prompt: prompt ?? DEFAULT_PROMPT
          },
          {
            signal: extra.signal,
            onText: (characters) =>
              progress.tick({ message: `generating: ${characters.toLocaleString("en-US")} characters` })
          }
        );
        await progress.stage({ message: "done" });
        return { content: [{ type: "text", text: answer.text }] };
      } catch (error) {
        return toolError(describeGeminiError(error));
      }
    }
  );
}
