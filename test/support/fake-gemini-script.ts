/**
 * What the fake Gemini needs for long videos (issue 24): videos with a script
 * of what is said, answered for the window a request asks about
 * (`videoMetadata.startOffset`/`endOffset`), in either time convention;
 * answers cut at the output limit with `finishReason: "MAX_TOKENS"`; and the
 * time generation takes at a given rate of output tokens.
 */
import { CHARACTERS_PER_TOKEN, durationSeconds, textTokens } from "./fake-gemini-tokens";

/** One line of speech: who speaks, when (seconds from the video's start), and what they say. */
export interface ScriptLine {
  speaker: string;
  startSeconds: number;
  text: string;
}

/**
 * Times in an answer about a clip: from the clip's start, or from the whole
 * video's. Gemini has been seen doing both, so the fake can do either.
 */
export type TimeConvention = "video" | "clip";

/** What is said in a video, for the fake to transcribe. */
export interface VideoScript {
  lines: ScriptLine[];
  /** Default "video". */
  times?: TimeConvention;
  /** The transcript's `language` (default "en"). */
  language?: string;
  /**
   * How speakers are named (default "names"): by their names throughout, or
   * by name only in a window from the video's start (where they introduce
   * themselves) and as "Speaker 1", "Speaker 2"... in order of first words
   * in any later window, as Gemini does with voices it cannot name.
   */
  speakers?: "names" | "per-window";
  /** The chapters answer's `title` (default "A scripted video"). */
  title?: string;
}

/** The part of a video a request asks about, in seconds from its start. */
export interface VideoWindow {
  startSeconds: number;
  endSeconds: number;
}

/** Characters of answer text in each streamed chunk of a scripted answer. */
const SCRIPTED_CHUNK_CHARACTERS = 512;
/** The longest chapter of a scripted chapters answer. */
export const SCRIPTED_CHAPTER_SECONDS = 600;

/** The window `videoMetadata` asks for (offsets already checked by the count), clamped to the video. */
export function requestedWindow(
  videoMetadata: { startOffset?: unknown; endOffset?: unknown } | undefined,
  videoSeconds: number
): VideoWindow {
  const start = videoMetadata?.startOffset === undefined ? 0 : (durationSeconds(videoMetadata.startOffset) ?? 0);
  const end = videoMetadata?.endOffset === undefined ? videoSeconds : (durationSeconds(videoMetadata.endOffset) ?? videoSeconds);
  return { startSeconds: Math.min(start, videoSeconds), endSeconds: Math.min(end, videoSeconds) };
}

/** The lines that start inside the window, in order. */
export function linesIn(script: VideoScript, window: VideoWindow): ScriptLine[] {
  return script.lines
    .filter((line) => line.startSeconds >= window.startSeconds && line.startSeconds < window.endSeconds)
    .sort((a, b) => a.startSeconds - b.startSeconds);
}

/** MM:SS, or H:MM:SS from an hour on: what our transcript schema asks Gemini for. */
export function formatTimestamp(seconds: number): string {
  const whole = Math.floor(seconds);
  const [hours, minutes, rest] = [Math.floor(whole / 3600), Math.floor((whole % 3600) / 60), whole % 60];
  const pad = (value: number) => String(value).padStart(2, "0");
  return hours > 0 ? `${hours}:${pad(minutes)}:${pad(rest)}` : `${pad(minutes)}:${pad(rest)}`;
}

/**
 * The answer to a request about `window` of a scripted video, split into
 * streamed chunks: the JSON of our formats when the request's
 * `responseJsonSchema` asks for `segments` (a transcript) or `chapters`, else
 * the lines as text ("[MM:SS] Speaker: text").
 */
export function scriptedAnswer(script: VideoScript, window: VideoWindow, responseJsonSchema: unknown): string[] {
  const text = scriptedText(script, window, (responseJsonSchema as { properties?: object } | undefined)?.properties ?? {});
  const chunks: string[] = [];
  for (let at = 0; at < text.length; at += SCRIPTED_CHUNK_CHARACTERS) chunks.push(text.slice(at, at + SCRIPTED_CHUNK_CHARACTERS));
  return chunks.length > 0 ? chunks : [""];
}

function scriptedText(script: VideoScript, window: VideoWindow, schemaProperties: object): string {
  if ("segments" in schemaProperties) return JSON.stringify(scriptedTranscript(script, window));
  if ("chapters" in schemaProperties) return JSON.stringify(scriptedChapters(script, window));
  return scriptedTranscript(script, window)
    .segments.map((line) => `[${line.start}] ${line.speaker}: ${line.text}`)
    .join("\n");
}

/** Times in the answer: from the clip's start or the video's, as the script says. */
function answerTime(script: VideoScript, window: VideoWindow, seconds: number): string {
  return formatTimestamp(seconds - (script.times === "clip" ? window.startSeconds : 0));
}

/** Our transcript format: every line that starts in the window. */
function scriptedTranscript(script: VideoScript, window: VideoWindow) {
  return {
    language: script.language ?? "en",
    segments: linesIn(script, window).map((line, _index, lines) => ({
      start: answerTime(script, window, line.startSeconds),
      speaker: speakerLabel(script, window, lines, line.speaker),
      text: line.text
    }))
  };
}

/** A speaker's name, or "Speaker N" by first words in a later window (see `VideoScript.speakers`). */
function speakerLabel(script: VideoScript, window: VideoWindow, lines: ScriptLine[], speaker: string): string {
  if (script.speakers !== "per-window" || window.startSeconds === 0) return speaker;
  const order = [...new Set(lines.map((line) => line.speaker))];
  return `Speaker ${order.indexOf(speaker) + 1}`;
}

/** Our chapters format: the window cut every `SCRIPTED_CHAPTER_SECONDS`, each summed up by the lines said in it. */
function scriptedChapters(script: VideoScript, window: VideoWindow) {
  const chapters = [];
  for (let start = window.startSeconds; start < window.endSeconds; start += SCRIPTED_CHAPTER_SECONDS) {
    const end = Math.min(start + SCRIPTED_CHAPTER_SECONDS, window.endSeconds);
    const lines = linesIn(script, { startSeconds: start, endSeconds: end });
    chapters.push({
      start: answerTime(script, window, start),
      end: answerTime(script, window, end),
      title: lines[0]?.text ?? "Silence",
      summary: lines.map((line) => `${line.speaker}: ${line.text}`).join(" ") || "Nobody speaks."
    });
  }
  const speakers = [...new Set(linesIn(script, window).map((line) => line.speaker))];
  return {
    title: script.title ?? "A scripted video",
    summary: speakers.length > 0 ? `${speakers.join(", ")} speak.` : "Nobody speaks.",
    chapters
  };
}

/**
 * The chunks Gemini would send before reaching `limit` output tokens: the
 * text cut where the answer passes the limit, and whether it was cut (the
 * answer then ends with `finishReason: "MAX_TOKENS"`).
 */
export function cutAtOutputLimit(chunks: string[], limit: number): { chunks: string[]; cut: boolean } {
  const allowed = limit * CHARACTERS_PER_TOKEN;
  const whole = chunks.join("");
  if (textTokens(whole) <= limit) return { chunks, cut: false };
  const kept: string[] = [];
  let length = 0;
  for (const chunk of chunks) {
    if (length + chunk.length >= allowed) {
      kept.push(chunk.slice(0, allowed - length));
      break;
    }
    kept.push(chunk);
    length += chunk.length;
  }
  return { chunks: kept, cut: true };
}

/** How long generating each chunk takes at `tokensPerSecond` output tokens a second (none when unset). */
export function generationDelaysMs(chunks: string[], tokensPerSecond: number | undefined): number[] {
  return chunks.map((chunk) => (tokensPerSecond ? (textTokens(chunk) / tokensPerSecond) * 1000 : 0));
}

/**
 * What the fake answers a question with no video while it knows a scripted
 * video: the merging call a long video's segments end with. Asked for
 * chapters, it joins the chapters lists it is given as JSON (a chapter that
 * goes on under the same title across parts becomes one); asked for text,
 * it keeps the lines of what it is given that start with a time.
 */
export function textOnlyAnswer(prompt: string, responseJsonSchema: unknown): string {
  const properties = (responseJsonSchema as { properties?: object } | undefined)?.properties ?? {};
  if ("chapters" in properties) {
    const given = prompt
      .split("\n\n")
      .map((paragraph) => {
        try {
          return JSON.parse(paragraph) as { title?: string; summary?: string; chapters?: { title: string; end: string }[] };
        } catch {
          return undefined;
        }
      })
      .filter((json) => Array.isArray(json?.chapters));
    const chapters: { title: string; end: string }[] = [];
    for (const chapter of given.flatMap((json) => json!.chapters!)) {
      const last = chapters.at(-1);
      if (last && last.title === chapter.title) last.end = chapter.end;
      else chapters.push({ ...chapter });
    }
    return JSON.stringify({
      title: given[0]?.title ?? "A merged video",
      summary: `Over ${given.length} parts: ${given.map((json) => json!.summary).join(" ")}`,
      chapters
    });
  }
  return prompt
    .split("\n")
    .filter((line) => /^\[?\d{1,2}:\d{2}/.test(line))
    .join("\n");
}
