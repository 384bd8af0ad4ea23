/** What the viewer makes of a tool's result: the kind of answer, its parts, and where the job stands. */
import { FINAL_STATES, secondsOf } from "../console/format.js";

/**
 * The analysis in a tool result's structured content: a transcript
 * (`transcribeVideo`), chapters (`summarizeVideo`), or a job snapshot
 * (`getVideoAnalysis`, `analyzeRemoteVideo`, `askAboutVideo`) whose text is
 * one of those as JSON or a Markdown answer.
 */
export function analysisOf(structured) {
  const data = structured && typeof structured === "object" ? structured : {};
  const base = {
    jobId: typeof data.jobId === "string" ? data.jobId : undefined,
    videoUrl: typeof data.videoUrl === "string" ? data.videoUrl : undefined,
    mediaUrl: typeof data.mediaUrl === "string" ? data.mediaUrl : undefined,
    status: typeof data.status === "string" ? data.status : undefined,
    message: typeof data.message === "string" ? data.message : "",
    progress: typeof data.progress === "number" ? data.progress : 0,
    model: typeof data.model === "string" ? data.model : undefined,
    usage: data.usage ?? data.result?.usage,
    cost: costOf(data),
    error: typeof data.error === "string" ? data.error : undefined,
    restFrom: restFrom(data)
  };
  if (Array.isArray(data.segments)) return { ...base, transcript: transcriptOf(data) };
  if (Array.isArray(data.chapters)) return { ...base, chapters: chaptersOf(data) };
  const text = data.result?.text;
  if (typeof text !== "string") return base;
  const parsed = parseJson(text);
  if (Array.isArray(parsed?.segments)) return { ...base, transcript: transcriptOf(parsed) };
  if (Array.isArray(parsed?.chapters)) return { ...base, chapters: chaptersOf(parsed) };
  return { ...base, answer: text, note: data.result?.note };
}

export function isRunning(analysis) {
  return analysis.status !== undefined && !FINAL_STATES.has(analysis.status);
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Where the rest of a transcript cut to fit the client starts (a page's `nextFrom`, or past a shortened result's segments). */
function restFrom(data) {
  if (typeof data.page?.nextFrom === "number") return data.page.nextFrom;
  if (data.shortened?.unit === "segments" && typeof data.shortened.shown === "number") return data.shortened.shown;
  return undefined;
}

export function transcriptOf(data) {
  const lines = data.segments
    .filter((segment) => segment && typeof segment.text === "string")
    .map((segment) => ({
      start: secondsOf(segment.start),
      startText: typeof segment.start === "string" ? segment.start : undefined,
      speaker: typeof segment.speaker === "string" ? segment.speaker : "",
      text: segment.text
    }));
  return { language: typeof data.language === "string" ? data.language : undefined, lines };
}

function chaptersOf(data) {
  const chapters = data.chapters
    .filter((chapter) => chapter && typeof chapter.title === "string")
    .map((chapter) => ({
      start: secondsOf(chapter.start),
      end: secondsOf(chapter.end),
      startText: chapter.start,
      title: chapter.title,
      summary: typeof chapter.summary === "string" ? chapter.summary : ""
    }));
  return { title: data.title, summary: data.summary, chapters };
}

/** The cost in US dollars, when a result carries one (`costUsd`, or `cost` as a number or `{ usd }`/`{ totalUsd }`). */
function costOf(data) {
  const cost = data.costUsd ?? data.cost ?? data.result?.costUsd;
  if (typeof cost === "number") return cost;
  if (cost && typeof cost === "object") {
    const usd = cost.usd ?? cost.totalUsd ?? cost.amountUsd;
    if (typeof usd === "number") return usd;
  }
  return undefined;
}

/** The clip asked about for a moment: a chapter's span, or a transcript line to the next (10 to 60 seconds). */
export function clipAround(start, end) {
  const from = Math.max(0, Math.floor(start));
  const until = end !== undefined && end > from ? Math.min(Math.ceil(end), from + 60) : from + 30;
  return { startOffset: from, endOffset: Math.max(until, from + 10) };
}

/** "MM:SS" or "H:MM:SS". */
export function clock(seconds) {
  const whole = Math.max(0, Math.floor(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${String(m).padStart(2, "0")}:${s}`;
}

/** A transcript as SubRip text, each line until the next one starts (the last for 5 s). */
export function transcriptSrt(lines) {
  const timed = lines.filter((line) => line.start !== undefined);
  const two = (value) => String(value).padStart(2, "0");
  const stamp = (seconds) => {
    const whole = Math.floor(seconds);
    return `${two(Math.floor(whole / 3600))}:${two(Math.floor((whole % 3600) / 60))}:${two(whole % 60)},000`;
  };
  return timed
    .map((line, index) => {
      const end = timed[index + 1]?.start ?? line.start + 5;
      return `${index + 1}\n${stamp(line.start)} --> ${stamp(Math.max(end, line.start + 1))}\n${line.speaker ? `${line.speaker}: ` : ""}${line.text}\n`;
    })
    .join("\n");
}

export function isYouTube(videoUrl) {
  try {
    return /(^|\.)youtube\.com$|(^|\.)youtu\.be$/i.test(new URL(videoUrl).hostname);
  } catch {
    return false;
  }
}
