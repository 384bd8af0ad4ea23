/**
 * Chapters of a video's segments as one list, in order, with times from
 * the video's start (`segment-times.ts`): what the final text-only call is
 * given to write one title, summary and list from, and what is kept when
 * its answer does not hold together (times outside the video or going back).
 * @module
 */
import type { Chapters } from "./formats";
import type { SegmentWindow } from "./segment-plan";
import { clockOf, secondsOf, timeShift } from "./segment-times";

export interface ChaptersPiece {
  window: SegmentWindow;
  chapters: Chapters;
}

/** Every piece's chapters from its boundary on, with absolute times; titles and summaries as given. */
export function stitchChapters(pieces: readonly ChaptersPiece[], videoEnd: number): Chapters {
  const chapters: Chapters["chapters"] = [];
  let last = 0;
  for (const { window, chapters: piece } of pieces) {
    const times = piece.chapters.map((chapter) => secondsOf(chapter.start)).filter((t) => t !== undefined);
    const shift = timeShift(window, times);
    for (const chapter of piece.chapters) {
      const start = (secondsOf(chapter.start) ?? window.boundary) + shift;
      const end = (secondsOf(chapter.end) ?? window.end) + shift;
      if (chapters.length > 0 && start < window.boundary) continue;
      const from = Math.max(start, last);
      last = Math.max(from, Math.min(end, videoEnd));
      chapters.push({ ...chapter, start: clockOf(from, videoEnd), end: clockOf(last, videoEnd) });
    }
  }
  return {
    title: pieces[0]?.chapters.title ?? "",
    summary: pieces.map((piece) => piece.chapters.summary).join(" "),
    chapters
  };
}

/** True when every chapter lies inside the video and they follow one another without going back. */
export function chaptersHoldTogether(chapters: Chapters, videoEnd: number): boolean {
  let last = 0;
  for (const chapter of chapters.chapters) {
    const start = secondsOf(chapter.start);
    const end = secondsOf(chapter.end);
    if (start === undefined || end === undefined || start < last || end < start || end > videoEnd) return false;
    last = start;
  }
  return chapters.chapters.length > 0;
}
