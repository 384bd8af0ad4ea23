/**
 * Times in a segment's answer made absolute. Gemini may give times inside a
 * clip from the clip's start or from the whole video's; which one a
 * segment's answer used is decided once for the whole answer (from its
 * earliest time), so no time is ever shifted twice.
 * @module
 */
import { formatClock, parseOffset } from "../video/offset";
import type { SegmentWindow } from "./segment-plan";

/** Slack for times Gemini rounds or places a little early. */
const TOLERANCE_SECONDS = 5;

/**
 * The seconds to add to each of an answer's times: the window's start when
 * they run from the clip's start (the earliest lies before the window, where
 * no time from the video's start could), else 0.
 */
export function timeShift(window: SegmentWindow, times: readonly number[]): number {
  if (window.start <= TOLERANCE_SECONDS || times.length === 0) return 0;
  return Math.min(...times) < window.start - TOLERANCE_SECONDS ? window.start : 0;
}

/** A time as our formats write it, in seconds; undefined when it is none. */
export function secondsOf(time: string | undefined): number | undefined {
  return time === undefined ? undefined : parseOffset(time);
}

/** A time written back, kept inside [0, videoEnd]. */
export function clockOf(seconds: number, videoEnd: number): string {
  return formatClock(Math.min(Math.max(seconds, 0), videoEnd));
}

/** Times in free text: `[1:02:03]`, `12:34`, `(01:02)`. */
const CLOCK_IN_TEXT = /\b(?:\d{1,2}:)?\d{1,2}:\d{2}\b/g;

/** A free-text answer about `window` with its times made absolute (see `timeShift`). */
export function absoluteTextTimes(text: string, window: SegmentWindow, videoEnd: number): string {
  const times = [...text.matchAll(CLOCK_IN_TEXT)].map((match) => parseOffset(match[0])).filter((t) => t !== undefined);
  const shift = timeShift(window, times);
  if (shift === 0) return text;
  return text.replace(CLOCK_IN_TEXT, (clock) => {
    const seconds = parseOffset(clock);
    return seconds === undefined ? clock : clockOf(seconds + shift, videoEnd);
  });
}
