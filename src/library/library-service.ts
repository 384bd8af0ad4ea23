/**
 * The library as the tools see it (`ToolDeps.library`): search it, and ask
 * Gemini across it. `libraryService` serves both from the deployment's
 * `LibraryDO`; its links to the console's pages start with the origin the
 * call came to.
 * @module
 */
import type { GeminiSettings } from "../config";
import type { Env } from "../env";
import { createGeminiClient } from "../gemini/client";
import { askGeminiText } from "../gemini/text-question";
import type { TokenUsage } from "../gemini/usage";
import type { FetchLike } from "../http/fetch-like";
import { parseVideoSource } from "../jobs/source-check";
import { ANSWER_INSTRUCTION, answerPrompt, type LabelledVideo, labelVideos, passageLabel } from "./answer-across";
import { type FoundPassage, foundPassage } from "./found-passage";
import { libraryObject } from "./library-reporter";

/** How many passages a question's answer is drawn from. */
export const ASK_PASSAGES = 24;
/** How long Gemini may take to answer a question across videos. */
export const ASK_TIMEOUT_MS = 120_000;

export interface LibraryFilter {
  /** Only analyses of this video: its URL (any spelling of it) or a YouTube link. */
  video?: string;
}

export type LibrarySearchResult = { hits: FoundPassage[] } | { refused: string };

export type AcrossVideosAnswer =
  | { found: false }
  | {
      found: true;
      answer: string;
      model: string;
      usage?: TokenUsage;
      videos: LabelledVideo[];
      /** The passages the answer was drawn from, each with the label it cites. */
      passages: (FoundPassage & { label: string })[];
    };

export interface LibraryService {
  search(query: string, options: LibraryFilter & { limit: number }): Promise<LibrarySearchResult>;
  /** Finds passages for `question`; with none, `{ found: false }` and Gemini is not asked. */
  ask(question: string, options: LibraryFilter & { model: string }): Promise<AcrossVideosAnswer>;
}

export interface LibraryServiceSettings {
  /** The origin the call came to, for links to the console's pages. */
  consoleOrigin: string;
  gemini: GeminiSettings;
  fetch?: FetchLike;
}

/** The video a filter names, spelled as the library keys it (the canonical URL) when it parses. */
function videoKeyOf(video: string | undefined): string | undefined {
  if (video === undefined) return undefined;
  try {
    return parseVideoSource(video).url;
  } catch {
    return video;
  }
}

export function libraryService(env: Env, settings: LibraryServiceSettings): LibraryService {
  const library = () => libraryObject(env);
  return {
    async search(query, { limit, video }) {
      const videoKey = videoKeyOf(video);
      const answer = await library().search(query, { limit, ...(videoKey !== undefined ? { video: videoKey } : {}) });
      if ("refused" in answer) return answer;
      return { hits: answer.hits.map((hit) => foundPassage(hit, settings.consoleOrigin)) };
    },

    async ask(question, { video, model }) {
      const videoKey = videoKeyOf(video);
      const hits = await library().searchQuestion(question, {
        limit: ASK_PASSAGES,
        ...(videoKey !== undefined ? { video: videoKey } : {})
      });
      if (hits.length === 0) return { found: false };
      const videos = labelVideos(hits);
      const client = createGeminiClient(settings.gemini, settings.fetch);
      const reply = await askGeminiText(
        client,
        { model, instruction: ANSWER_INSTRUCTION, prompt: answerPrompt(question, hits, videos) },
        AbortSignal.timeout(ASK_TIMEOUT_MS)
      );
      return {
        found: true,
        answer: reply.text,
        model: reply.model,
        ...(reply.usage ? { usage: reply.usage } : {}),
        videos: [...videos.values()],
        passages: hits.map((hit) => ({
          // SAFETY: `videos` was labelled from these hits.
          label: passageLabel(hit, videos.get(hit.analysis.videoKey)!),
          ...foundPassage(hit, settings.consoleOrigin)
        }))
      };
    }
  };
}
