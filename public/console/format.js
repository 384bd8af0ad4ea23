/** Small formatting helpers for the console's views. */

/** Seconds from "MM:SS", "H:MM:SS" or a number of seconds; undefined for anything else. */
export function secondsOf(timestamp) {
  if (typeof timestamp !== "string") return undefined;
  const parts = timestamp.trim().split(":");
  if (parts.length < 1 || parts.length > 3 || parts.some((part) => !/^\d+(\.\d+)?$/.test(part))) return undefined;
  return parts.reduce((total, part) => total * 60 + Number(part), 0);
}

/** A link to `seconds` into the video: YouTube's `t=`, or a media fragment for a file; only ever http(s) (`safeHref`). */
export function videoAt(videoUrl, seconds) {
  try {
    const url = new URL(videoUrl);
    const whole = Math.floor(seconds);
    if (/(^|\.)youtube\.com$|(^|\.)youtu\.be$/i.test(url.hostname)) {
      url.searchParams.set("t", `${whole}s`);
    } else {
      url.hash = `t=${whole}`;
    }
    return safeHref(url.href);
  } catch {
    return undefined;
  }
}

export function number(value) {
  return typeof value === "number" ? value.toLocaleString("en-US") : "–";
}

export function when(epochMs) {
  return new Date(epochMs).toLocaleString();
}

/** Only http(s) links are ever made from a video URL: the heading's link and every time link (`videoAt`). */
export function safeHref(url) {
  return /^https?:\/\//i.test(url) ? url : undefined;
}

export const TOOL_LABELS = {
  analyzeRemoteVideo: "Answer",
  summarizeVideo: "Chapters",
  transcribeVideo: "Transcript",
  askAboutVideo: "Follow-up"
};

export const FINAL_STATES = new Set(["done", "failed", "cancelled"]);
