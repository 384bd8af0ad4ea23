/**
 * A transcript as files people download: SubRip (`.srt`), WebVTT (`.vtt`),
 * plain text and JSON. A segment runs until the next one starts; the last
 * one, and any without a start time, get `LAST_CUE_SECONDS` (or until the
 * video's end, when known and sooner).
 * @module
 */
import { parseOffset } from "../video/offset";
import { renderTranscript, type Transcript } from "./formats";

export const TRANSCRIPT_FILE_TYPES = ["srt", "vtt", "txt", "json"] as const;
export type TranscriptFileType = (typeof TRANSCRIPT_FILE_TYPES)[number];

export const LAST_CUE_SECONDS = 5;

const CONTENT_TYPES: Record<TranscriptFileType, string> = {
  srt: "application/x-subrip; charset=utf-8",
  vtt: "text/vtt; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  json: "application/json; charset=utf-8"
};

interface Cue {
  start: number;
  end: number;
  text: string;
}

function cues(transcript: Transcript, durationSeconds?: number): Cue[] {
  const starts = transcript.segments.map((segment) => (segment.start ? parseOffset(segment.start) : undefined));
  let previousEnd = 0;
  return transcript.segments.map((segment, index) => {
    const start = Math.max(starts[index] ?? previousEnd, previousEnd);
    const next = starts.slice(index + 1).find((value) => value !== undefined);
    const fallback =
      durationSeconds !== undefined && durationSeconds > start
        ? Math.min(start + LAST_CUE_SECONDS, durationSeconds)
        : start + LAST_CUE_SECONDS;
    const end = next !== undefined && next > start ? next : fallback;
    previousEnd = end;
    return { start, end, text: `${segment.speaker}: ${segment.text}` };
  });
}

/** `HH:MM:SS,mmm` (SubRip) or `HH:MM:SS.mmm` (WebVTT). */
function timestamp(seconds: number, separator: "," | "."): string {
  const millis = Math.round(seconds * 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  const hours = Math.floor(millis / 3_600_000);
  const minutes = Math.floor((millis % 3_600_000) / 60_000);
  const secs = Math.floor((millis % 60_000) / 1000);
  return `${two(hours)}:${two(minutes)}:${two(secs)}${separator}${String(millis % 1000).padStart(3, "0")}`;
}

/** Cue text may not hold a blank line (it would end the cue), nor `-->` in WebVTT. */
function cueText(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/\n{2,}/g, "\n")
    .replace(/-->/g, "->");
}

export function toSrt(transcript: Transcript, durationSeconds?: number): string {
  return cues(transcript, durationSeconds)
    .map((cue, index) => `${index + 1}\n${timestamp(cue.start, ",")} --> ${timestamp(cue.end, ",")}\n${cueText(cue.text)}\n`)
    .join("\n");
}

export function toVtt(transcript: Transcript, durationSeconds?: number): string {
  const body = cues(transcript, durationSeconds)
    .map((cue) => `${timestamp(cue.start, ".")} --> ${timestamp(cue.end, ".")}\n${cueText(cue.text)}\n`)
    .join("\n");
  return `WEBVTT\n\n${body}`;
}

/** The file of `type` and its Content-Type. */
export function transcriptFile(
  transcript: Transcript,
  type: TranscriptFileType,
  durationSeconds?: number
): { body: string; contentType: string } {
  const body =
    type === "srt"
      ? toSrt(transcript, durationSeconds)
      : type === "vtt"
        ? toVtt(transcript, durationSeconds)
        : type === "txt"
          ? `${renderTranscript(transcript)}\n`
          : `${JSON.stringify(transcript, null, 2)}\n`;
  return { body, contentType: CONTENT_TYPES[type] };
}
