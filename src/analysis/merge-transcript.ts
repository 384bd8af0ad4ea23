/**
 * One transcript from the transcripts of a video's segments, in order:
 * every time made absolute (`segment-times.ts`), each segment keeping only
 * the lines from its boundary on (the overlap before it belongs to the
 * segment before, which heard it in full), a line the segment before
 * already has dropped, and speakers named alike throughout.
 *
 * Speakers are reconciled afterwards rather than passed forward: segments
 * run side by side, so none knows the roster of the one before when it
 * starts. The overlap is what ties them: a line heard by both segments
 * names its speaker in each, and the later segment's label is renamed to
 * the earlier one's everywhere in the later segment.
 * @module
 */
import type { Transcript } from "./formats";
import { SEGMENT_OVERLAP_SECONDS, type SegmentWindow } from "./segment-plan";
import { clockOf, secondsOf, timeShift } from "./segment-times";

/** One segment's checked answer and the window it was asked about. */
export interface TranscriptPiece {
  window: SegmentWindow;
  transcript: Transcript;
}

interface Line {
  seconds: number | undefined;
  speaker: string;
  text: string;
}

const normalized = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();

/** The piece's lines with absolute times, in order. */
function absoluteLines({ window, transcript }: TranscriptPiece): Line[] {
  const times = transcript.segments.map((line) => secondsOf(line.start)).filter((t) => t !== undefined);
  const shift = timeShift(window, times);
  return transcript.segments.map((line) => {
    const seconds = secondsOf(line.start);
    return { seconds: seconds === undefined ? undefined : seconds + shift, speaker: line.speaker, text: line.text };
  });
}

/** Labels Gemini gives voices it cannot name. */
const UNNAMED = /^Speaker \d+$/;

/**
 * Renames from this piece's labels to the names the lines before gave the
 * same voices: from the lines both heard, and then, when exactly one unnamed
 * label is left and exactly one earlier speaker is not yet matched, that one
 * (the only voice left).
 */
function speakerNames(before: Line[], overlap: Line[], labels: string[]): Map<string, string> {
  const earlier = new Map(before.map((line) => [normalized(line.text), line.speaker]));
  const names = new Map<string, string>();
  for (const line of overlap) {
    const name = earlier.get(normalized(line.text));
    if (name !== undefined && !names.has(line.speaker)) names.set(line.speaker, name);
  }
  const unnamed = [...new Set(labels)].filter((label) => UNNAMED.test(label) && !names.has(label));
  const matched = new Set(names.values());
  const unmatched = [...new Set(before.map((line) => line.speaker))].filter(
    (name) => !matched.has(name) && !labels.includes(name)
  );
  // SAFETY: both lists hold exactly one item here.
  if (unnamed.length === 1 && unmatched.length === 1) names.set(unnamed[0]!, unmatched[0]!);
  return names;
}

/** The stitched transcript (see the module comment); times are kept inside [0, `videoEnd`]. */
export function mergeTranscripts(pieces: readonly TranscriptPiece[], videoEnd: number): Transcript {
  const merged: Line[] = [];
  for (const piece of pieces) {
    const lines = absoluteLines(piece);
    const overlap = lines.filter((line) => line.seconds !== undefined && line.seconds < piece.window.boundary);
    const names = speakerNames(
      merged.slice(-Math.max(overlap.length * 2, 20)),
      overlap,
      lines.map((line) => line.speaker)
    );
    const recent = new Set(merged.slice(-Math.max(overlap.length * 2, 5)).map((line) => normalized(line.text)));
    let last = merged.at(-1)?.seconds ?? 0;
    for (const line of lines) {
      if (line.seconds !== undefined && line.seconds < piece.window.boundary && merged.length > 0) continue;
      const nearBoundary = line.seconds === undefined || line.seconds < piece.window.boundary + SEGMENT_OVERLAP_SECONDS;
      if (nearBoundary && recent.has(normalized(line.text))) continue;
      // Never back in time: a late-placed line keeps the time of the one before.
      const seconds = line.seconds === undefined ? undefined : Math.max(line.seconds, last);
      if (seconds !== undefined) last = seconds;
      merged.push({ seconds, speaker: names.get(line.speaker) ?? line.speaker, text: line.text });
    }
  }
  return {
    language: pieces[0]?.transcript.language ?? "en",
    segments: merged.map((line) => ({
      ...(line.seconds !== undefined ? { start: clockOf(line.seconds, videoEnd) } : {}),
      speaker: line.speaker,
      text: line.text
    }))
  };
}
