/**
 * A search hit as people and clients see it: the video, the analysis, the
 * time as a clock and a link that opens the video there (YouTube's `t=`, or
 * the console's page of the analysis for other videos), and the snippet
 * with its matches in Markdown bold.
 * @module
 */
import { formatClock } from "../video/offset";
import type { PassageKind } from "./library-document";
import { type LibraryHit, MATCH_END, MATCH_START } from "./library-search";

export interface FoundPassage {
  analysisId: string;
  videoUrl: string;
  /** An uploaded file's name, for a video that came as an upload. */
  uploadName: string | null;
  /** The chapters' title, when the analysis has one. */
  title: string | null;
  /** Where in the analysis: the prompt, the answer, the summary, a chapter or a transcript segment. */
  kind: PassageKind;
  /** `"12:30"` or `"1:02:03"`, for a passage that has a time. */
  time: string | null;
  seconds: number | null;
  speaker: string | null;
  /** Text around the match, each match in `**bold**`. */
  snippet: string;
  /** Opens the video at `time` (or the analysis, for a passage without one). */
  link: string;
  /** When the analysis finished, ISO 8601. */
  finishedAt: string;
}

/** A snippet's matches in Markdown bold (stray asterisks in the text escaped). */
export function markdownSnippet(snippet: string): string {
  return snippet.replaceAll("*", "\\*").replaceAll(MATCH_START, "**").replaceAll(MATCH_END, "**");
}

/** The link that opens `hit`'s video at its time. */
export function linkOf(hit: Pick<LibraryHit, "analysis" | "startSeconds">, consoleOrigin: string): string {
  const seconds = hit.startSeconds === undefined ? undefined : Math.floor(hit.startSeconds);
  const { youTubeId, analysisId } = hit.analysis;
  if (youTubeId !== null) {
    return `https://www.youtube.com/watch?v=${youTubeId}${seconds !== undefined ? `&t=${seconds}s` : ""}`;
  }
  return `${consoleOrigin}/#/library/${analysisId}${seconds !== undefined ? `?t=${seconds}` : ""}`;
}

export function foundPassage(hit: LibraryHit, consoleOrigin: string): FoundPassage {
  return {
    analysisId: hit.analysis.analysisId,
    videoUrl: hit.analysis.videoUrl,
    uploadName: hit.analysis.uploadName,
    title: hit.analysis.title,
    kind: hit.kind,
    time: hit.startSeconds === undefined ? null : formatClock(hit.startSeconds),
    seconds: hit.startSeconds ?? null,
    speaker: hit.speaker ?? null,
    snippet: markdownSnippet(hit.snippet),
    link: linkOf(hit, consoleOrigin),
    finishedAt: new Date(hit.analysis.finishedAt).toISOString()
  };
}
