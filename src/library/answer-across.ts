/**
 * `askAcrossVideos`' prompt: the passages a search found, labelled by video
 * ("Video 1", "Video 2", …, in the order they first rank) and time, and the
 * question; Gemini answers from them alone and cites a video and a time for
 * each claim, as `[Video 2, 12:30]`.
 * @module
 */
import { formatClock } from "../video/offset";
import type { LibraryHit } from "./library-search";

/** The most characters of one passage the prompt carries. */
export const MAX_PASSAGE_CHARS = 1_500;

export const ANSWER_INSTRUCTION = [
  "You answer questions about the user's own videos, which were analysed earlier.",
  "Use only the passages given: transcripts, chapters and answers, each labelled with its video and time.",
  "Cite every claim with its video and time in square brackets, exactly as the passage's label gives them, like [Video 2, 12:30];",
  "for a passage without a time, cite the video alone, like [Video 1].",
  "When the passages do not answer the question, say so plainly."
].join(" ");

export interface LabelledVideo {
  /** "Video 1", "Video 2", …: what the answer cites. */
  label: string;
  videoUrl: string;
  uploadName: string | null;
  title: string | null;
}

/** The videos of `hits`, labelled in the order they first appear. */
export function labelVideos(hits: readonly LibraryHit[]): Map<string, LabelledVideo> {
  const videos = new Map<string, LabelledVideo>();
  for (const { analysis } of hits) {
    if (videos.has(analysis.videoKey)) continue;
    videos.set(analysis.videoKey, {
      label: `Video ${videos.size + 1}`,
      videoUrl: analysis.videoUrl,
      uploadName: analysis.uploadName,
      title: analysis.title
    });
  }
  return videos;
}

/** A passage's label: its video, and its time when it has one. */
export function passageLabel(hit: LibraryHit, video: LabelledVideo): string {
  return hit.startSeconds === undefined ? video.label : `${video.label}, ${formatClock(hit.startSeconds)}`;
}

function clip(text: string): string {
  const chars = Array.from(text);
  return chars.length <= MAX_PASSAGE_CHARS ? text : `${chars.slice(0, MAX_PASSAGE_CHARS).join("")}…`;
}

/** The prompt: the videos, the passages under their labels, then the question. */
export function answerPrompt(question: string, hits: readonly LibraryHit[], videos: Map<string, LabelledVideo>): string {
  const videoLines = [...videos.values()].map(
    (video) => `${video.label}: ${[video.uploadName ?? video.videoUrl, video.title].filter(Boolean).join(" — ")}`
  );
  const passageLines = hits.map((hit) => {
    // SAFETY: `videos` was labelled from these hits.
    const video = videos.get(hit.analysis.videoKey)!;
    const source = [hit.kind, hit.speaker].filter(Boolean).join(", ");
    return `[${passageLabel(hit, video)}] (${source}) ${clip(hit.text)}`;
  });
  return ["Videos:", ...videoLines, "", "Passages:", ...passageLines, "", `Question: ${question}`].join("\n");
}
