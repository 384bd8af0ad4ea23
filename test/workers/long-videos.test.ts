/**
 * Long videos (issue 24): a video longer than one call can answer is cut
 * into `videoMetadata` windows on its one upload, asked side by side and
 * merged, with progress per segment; a restart asks again only for the
 * unfinished segments; a failing segment is retried alone; one that stops
 * at the output limit is cut in two; a short video is one call as before.
 */
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { geminiErrors, type RecordedRequest, type ScriptLine, type VideoScript } from "../support/fake-gemini";
import { useFakes } from "./support/fetch-spy";
import { openIdleSession, sessionStub } from "./support/http";
import { callTool, pollJob, snapshotOf, withAlarms } from "./support/session-calls";

const fakes = useFakes();
const HOUR = 3600;
const LINE_EVERY_SECONDS = 8;

/** Two people talking for `seconds`, a unique line every 8 s, alternating. */
function conversation(seconds: number, times: VideoScript["times"] = "video"): VideoScript {
  const lines: ScriptLine[] = [];
  for (let at = 3; at < seconds; at += LINE_EVERY_SECONDS) {
    const speaker = lines.length % 2 === 0 ? "Alice" : "Bob";
    lines.push({
      speaker,
      startSeconds: at,
      text: `Line ${lines.length + 1}: ${speaker} says something about minute ${Math.floor(at / 60)}.`
    });
  }
  return { lines, times, title: "A long conversation" };
}

const seconds = (clock: string) => clock.split(":").reduce((total, part) => total * 60 + Number(part), 0);

/** The [start, end) window each video generate request asked for, in seconds. */
function windowsAsked(): { start: number; end: number }[] {
  return fakes.gemini
    .generateRequests()
    .map(
      (request: RecordedRequest) =>
        (request.body as { contents: { parts: { videoMetadata?: Record<string, string> }[] }[] }).contents[0]!.parts[0]!
    )
    .filter((part) => part.videoMetadata?.endOffset !== undefined)
    .map((part) => ({
      start: Number.parseFloat(part.videoMetadata!.startOffset ?? "0"),
      end: Number.parseFloat(part.videoMetadata!.endOffset!)
    }));
}

async function startLong(
  kind: "transcribeVideo" | "summarizeVideo" | "startVideoAnalysis",
  script: VideoScript,
  durationSeconds: number,
  args = {}
) {
  fakes.gemini.enqueueFiles({ pollsBeforeDone: 0, durationSeconds, script });
  const videoUrl = fakes.videos.add(`/long-${Math.random().toString(36).slice(2)}.mp4`, { size: 1024 * 1024 });
  const sessionId = await openIdleSession();
  return { sessionId, videoUrl, call: () => withAlarms(sessionId, callTool(sessionId, kind, { videoUrl, ...args }), 60_000) };
}

describe("long videos", () => {
  it("transcribes a six-hour video completely: every line once, in order, times inside the video, names kept", {
    timeout: 90_000
  }, async () => {
    const script = conversation(6 * HOUR, "clip");
    const { call } = await startLong("transcribeVideo", script, 6 * HOUR);
    const result = await call();
    expect(result.isError).toBeUndefined();
    const transcript = result.structuredContent as {
      segments: { start: string; speaker: string; text: string }[];
      plan?: { segmentCount: number };
    };
    expect(transcript.plan?.segmentCount).toBeGreaterThan(1);
    expect(transcript.segments.map((line) => line.text)).toEqual(script.lines.map((line) => line.text));
    expect(transcript.segments.map((line) => line.speaker)).toEqual(script.lines.map((line) => line.speaker));
    const times = transcript.segments.map((line) => seconds(line.start));
    expect(times).toEqual(script.lines.map((line) => line.startSeconds));
    expect(times.every((time, index) => time <= 6 * HOUR && (index === 0 || time > times[index - 1]!))).toBe(true);
    // One upload; one request per segment, each a window of it, and they cover the video.
    expect(fakes.gemini.uploads.size).toBe(1);
    const windows = windowsAsked();
    expect(windows).toHaveLength(transcript.plan!.segmentCount);
    expect(Math.min(...windows.map((window) => window.start))).toBe(0);
    expect(Math.max(...windows.map((window) => window.end))).toBe(6 * HOUR);
  });
});
