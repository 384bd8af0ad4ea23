/**
 * Long videos (issue 24): a video longer than one call can answer is cut
 * into `videoMetadata` windows on its one upload, asked side by side and
 * merged, with progress per segment; a restart asks again only for the
 * unfinished segments; a failing segment is retried alone; one that stops
 * at the output limit is cut in two; a short video is one call as before.
 */
import { describe, expect, it } from "vitest";
import { geminiErrors, type RecordedRequest, type ScriptLine, type VideoScript } from "../support/fake-gemini";
import { videoCrc, type FakeVideo } from "../support/fake-video";
import { seededRandom } from "../support/seeded-random";
import { useFakes } from "./support/fetch-spy";
import { openIdleSession, openSession, postJson, restartObject, sessionStub } from "./support/http";
import { callTool, pollJob, runNextTimer, snapshotOf, type ToolResult, withAlarms } from "./support/session-calls";

const fakes = useFakes();
const HOUR = 3600;
const LINE_EVERY_SECONDS = 8;
const MiB = 1024 * 1024;
const CHUNK = 8 * MiB;

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

/** A file of a finished analysis, read as a client reads it (`resources/read` on the session). */
async function readAnalysisFile(sessionId: string, jobId: string, name: string): Promise<string> {
  const uri = `gemini-video://analyses/${jobId}/${name}`;
  const response = await postJson(
    "/rpc",
    { jsonrpc: "2.0", id: 1, method: "resources/read", params: { uri } },
    { "Mcp-Session-Id": sessionId }
  );
  const body = (await response.json()) as { result?: { contents: { text: string }[] } };
  if (!body.result) throw new Error(`resources/read ${uri} failed: ${JSON.stringify(body)}`);
  return body.result.contents[0]!.text;
}

interface TranscriptLine {
  start: string;
  speaker: string;
  text: string;
}

/** A transcript result's lines, all of them: one cut to fit the client (`MAX_RESULT_CHARS`) is read whole from its JSON file. */
async function wholeTranscript(sessionId: string, result: ToolResult): Promise<TranscriptLine[]> {
  const structured = result.structuredContent as { jobId: string; segments: TranscriptLine[]; shortened?: unknown };
  if (!structured.shortened) return structured.segments;
  const file = JSON.parse(await readAnalysisFile(sessionId, structured.jobId, "transcript.json")) as {
    segments: TranscriptLine[];
  };
  return file.segments;
}

/** A summary result's chapters, all of them: one cut to fit the client is read whole from its Markdown ("start-end title: summary"). */
async function wholeChapters(sessionId: string, result: ToolResult): Promise<{ start: string; end: string }[]> {
  const structured = result.structuredContent as {
    jobId: string;
    chapters: { start: string; end: string }[];
    shortened?: unknown;
  };
  if (!structured.shortened) return structured.chapters;
  const markdown = await readAnalysisFile(sessionId, structured.jobId, "answer.md");
  return [...markdown.matchAll(/^(\d[\d:]*)-(\d[\d:]*) /gm)].map(([, start, end]) => ({ start: start!, end: end! }));
}

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
    // Times from each clip's start, and speakers named only in the first hour's window: the merge must shift and rename.
    const script = { ...conversation(6 * HOUR, "clip"), speakers: "per-window" as const };
    const { sessionId, call } = await startLong("transcribeVideo", script, 6 * HOUR);
    const result = await call();
    expect(result.isError).toBeUndefined();
    const transcript = result.structuredContent as { plan?: { segmentCount: number } };
    expect(transcript.plan?.segmentCount).toBeGreaterThan(1);
    const lines = await wholeTranscript(sessionId, result);
    expect(lines.map((line) => line.text)).toEqual(script.lines.map((line) => line.text));
    expect(lines.map((line) => line.speaker)).toEqual(script.lines.map((line) => line.speaker));
    const times = lines.map((line) => seconds(line.start));
    expect(times).toEqual(script.lines.map((line) => line.startSeconds));
    expect(times.every((time, index) => time <= 6 * HOUR && (index === 0 || time > times[index - 1]!))).toBe(true);
    // One upload; one request per segment, each a window of it, and they cover the video.
    expect(fakes.gemini.uploads.size).toBe(1);
    const windows = windowsAsked();
    expect(windows).toHaveLength(transcript.plan!.segmentCount);
    expect(Math.min(...windows.map((window) => window.start))).toBe(0);
    expect(Math.max(...windows.map((window) => window.end))).toBe(6 * HOUR);
  });

  it("cuts a six-hour YouTube link by the length Gemini's count implies, the last segment asked to the video's end", {
    timeout: 90_000
  }, async () => {
    const script = conversation(6 * HOUR);
    fakes.gemini.youTubeVideos.set("dQw4w9WgXcQ", 6 * HOUR);
    fakes.gemini.scripts.set("dQw4w9WgXcQ", script);
    const sessionId = await openIdleSession();
    const result = await withAlarms(
      sessionId,
      callTool(sessionId, "transcribeVideo", { videoUrl: "https://youtu.be/dQw4w9WgXcQ" }),
      60_000
    );
    expect(result.isError).toBeUndefined();
    const transcript = result.structuredContent as { plan?: { segmentCount: number } };
    expect(transcript.plan?.segmentCount).toBeGreaterThan(1);
    const lines = await wholeTranscript(sessionId, result);
    expect(lines.map((line) => line.text)).toEqual(script.lines.map((line) => line.text));
    expect(lines.map((line) => seconds(line.start))).toEqual(script.lines.map((line) => line.startSeconds));
    const parts = fakes.gemini
      .generateRequests()
      .map(
        (request) =>
          (request.body as { contents: { parts: { fileData?: unknown; videoMetadata?: Record<string, string> }[] }[] })
            .contents[0]!.parts[0]!
      );
    expect(parts).toHaveLength(transcript.plan!.segmentCount);
    expect(parts.filter((part) => part.videoMetadata?.endOffset === undefined)).toHaveLength(1);
    expect(fakes.gemini.uploads.size).toBe(0);
  });

  it("summarises a five-hour video: segment chapters merged by one text-only call, in order and inside the video", {
    timeout: 90_000
  }, async () => {
    const { sessionId, call } = await startLong("summarizeVideo", conversation(5 * HOUR), 5 * HOUR);
    const result = await call();
    expect(result.isError).toBeUndefined();
    const summary = result.structuredContent as { title: string; summary: string; plan?: { segmentCount: number } };
    expect(summary.plan?.segmentCount).toBeGreaterThan(1);
    const chapters = await wholeChapters(sessionId, result);
    const starts = chapters.map((chapter) => seconds(chapter.start));
    expect(starts[0]).toBe(0);
    expect(starts.every((start, index) => index === 0 || start > starts[index - 1]!)).toBe(true);
    expect(Math.max(...chapters.map((chapter) => seconds(chapter.end)))).toBe(5 * HOUR);
    // The merging call's answer (the fake's summary of summaries), not the stitched list.
    expect(summary.summary).toMatch(/^Over 1 parts: Alice, Bob speak\./);
    // Every segment asked about its window, then one call with no video merged them.
    const requests = fakes.gemini.generateRequests();
    const textOnly = requests.filter((request) => !JSON.stringify(request.body).includes("fileData"));
    expect(textOnly).toHaveLength(1);
    expect(requests).toHaveLength(summary.plan!.segmentCount + 1);
  });

  it("reports progress per segment in the notifications on the session's stream, its percent rising", {
    timeout: 90_000
  }, async () => {
    fakes.gemini.tokensPerSecond = 20_000;
    fakes.gemini.enqueueFiles({ pollsBeforeDone: 0, durationSeconds: 3 * HOUR, script: conversation(3 * HOUR) });
    const videoUrl = fakes.videos.add("/progress.mp4", { size: MiB });
    const opened = await openSession();
    const result = withAlarms(
      opened.sessionId,
      callTool(opened.sessionId, "transcribeVideo", { videoUrl }, { progressToken: "p" }),
      60_000
    );
    const notes: { message: string; progress: number }[] = [];
    for (let count = 0; count < 2_000; count++) {
      const { params } = (await opened.sse.nextMessage(30_000)) as { params: { message: string; progress: number } };
      notes.push(params);
      if (params.message === "done" || params.message === "failed") break;
    }
    await opened.sse.cancel();
    expect((await result).isError).toBeUndefined();
    const segmentNotes = notes.filter((note) => /^segments? [\d, ]+ of 6 generating, \d done$/.test(note.message));
    expect(segmentNotes.some((note) => note.message.startsWith("segments 1, 2, 3 of 6 generating"))).toBe(true);
    expect(segmentNotes.some((note) => /generating, [1-5] done$/.test(note.message))).toBe(true);
    expect(notes.map((note) => note.message)).toContain("6 of 6 segments done");
    const percents = notes.map((note) => note.progress);
    expect(percents.every((value, index) => index === 0 || value > percents[index - 1]!)).toBe(true);
    // Weighted by length: half the segments done is about half of generation's share of the bar (70 to 99).
    const halfway = segmentNotes.find((note) => / 3 done$/.test(note.message));
    if (halfway) expect(halfway.progress).toBeGreaterThanOrEqual(84);
  });

  it("after a restart mid-way asks again only for the segments that had not finished, with progress per segment", {
    timeout: 120_000
  }, async () => {
    fakes.gemini.tokensPerSecond = 2_000;
    const script = conversation(6 * HOUR);
    const { sessionId, videoUrl } = await startLong("startVideoAnalysis", script, 6 * HOUR);
    const { jobId } = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl, prompt: "Who says what, when?" }));
    const seen: { message: string; progress: number }[] = [];
    const midway = await pollJob(
      sessionId,
      jobId,
      (job) => {
        seen.push({ message: String(job.message), progress: Number(job.progress) });
        return /generating, [3-5] done/.test(String(job.message));
      },
      60_000
    );
    const segmentCount = (midway.plan as { segmentCount: number }).segmentCount;
    expect(segmentCount).toBeGreaterThan(6);
    expect(
      seen.some((snapshot) => new RegExp(`^segments? [\\d, ]+ of ${segmentCount} generating, \\d done$`).test(snapshot.message))
    ).toBe(true);
    const progress = seen.map((snapshot) => snapshot.progress);
    expect(progress.every((value, index) => index === 0 || value >= progress[index - 1]!)).toBe(true);
    expect(progress.at(-1)).toBeGreaterThan(70);
    const finishedBefore = windowsAsked().slice(0, 3);
    // Slow answers were needed only to catch the job mid-way; the rest (the merge's long answer too) can come at once.
    fakes.gemini.tokensPerSecond = undefined;
    fakes.sever();
    await restartObject(sessionId, "test restart mid-way");
    const done = await withAlarms(
      sessionId,
      pollJob(sessionId, jobId, (job) => job.status === "done", 60_000),
      60_000
    );
    expect(done.progress).toBe(100);
    const asked = windowsAsked();
    // Each of the first three windows (done before the restart) asked once; none more than twice.
    for (const window of finishedBefore) {
      expect(asked.filter((other) => other.start === window.start && other.end === window.end)).toHaveLength(1);
    }
    const counts = new Map<string, number>();
    for (const window of asked)
      counts.set(`${window.start}-${window.end}`, (counts.get(`${window.start}-${window.end}`) ?? 0) + 1);
    expect(counts.size).toBe(segmentCount);
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(2);
    expect(asked.length).toBeLessThan(2 * segmentCount - 2);
  });

  it("retries a segment that fails twice on its own, and the answer is complete", { timeout: 90_000 }, async () => {
    const script = conversation(6 * HOUR);
    const { sessionId, call } = await startLong("transcribeVideo", script, 6 * HOUR);
    fakes.gemini.failWindow(2 * HOUR - 10, geminiErrors.overloaded(), geminiErrors.overloaded());
    const result = await call();
    expect(result.isError).toBeUndefined();
    const lines = await wholeTranscript(sessionId, result);
    expect(lines.map((line) => line.text)).toEqual(script.lines.map((line) => line.text));
    const asked = windowsAsked();
    expect(asked.filter((window) => window.start === 2 * HOUR - 10)).toHaveLength(3);
    expect(
      asked
        .filter((window) => window.start !== 2 * HOUR - 10)
        .every((window, _i, all) => all.filter((other) => other.start === window.start).length === 1)
    ).toBe(true);
  });

  it("fails a job whose segment keeps failing, saying which part of the video could not be done", {
    timeout: 90_000
  }, async () => {
    const { call } = await startLong("transcribeVideo", conversation(6 * HOUR), 6 * HOUR);
    fakes.gemini.failWindow(2 * HOUR - 10, ...Array.from({ length: 5 }, () => geminiErrors.overloaded()));
    const result = await call();
    expect(result.isError).toBe(true);
    // Twelve half-hour segments on this model (Gemini 2.5 rates); the fifth starts at 2:00:00.
    expect(result.content[0]?.text).toMatch(/^Segment 5 of 12 \(2:00:00–2:30:00\) could not be done: /);
  });

  it("cuts a segment whose answer stops at the output limit in two, and keeps every line", { timeout: 90_000 }, async () => {
    // The second hour is talked through far faster than the plan expects: its answer passes 65,536 tokens.
    const script = conversation(6 * HOUR);
    for (let at = HOUR + 1; at < 2 * HOUR; at += 0.5) {
      script.lines.push({
        speaker: "Carol",
        startSeconds: at,
        text: `Fast line at ${at.toFixed(1)} seconds, said quickly by Carol.`
      });
    }
    script.lines.sort((a, b) => a.startSeconds - b.startSeconds);
    const { sessionId, call } = await startLong("transcribeVideo", script, 6 * HOUR);
    const result = await call();
    expect(result.isError).toBeUndefined();
    const lines = await wholeTranscript(sessionId, result);
    expect(lines.map((line) => line.text)).toEqual(script.lines.map((line) => line.text));
    const asked = windowsAsked();
    const segmentCount = (result.structuredContent as { plan: { segmentCount: number } }).plan.segmentCount;
    // The dense segments asked whole, then each as two halves that overlap by the usual 10 s.
    const cut = asked.filter((window) => asked.some((half) => half.start === window.start && half.end < window.end));
    expect(cut.length).toBeGreaterThan(0);
    expect(asked).toHaveLength(segmentCount + 2 * cut.length);
    for (const whole of cut) {
      const first = asked.find((half) => half.start === whole.start && half.end < whole.end)!;
      const second = asked.find((half) => half.end === whole.end && half.start > whole.start)!;
      expect(first.end - second.start).toBe(10);
    }
  });

  it("asks about a short video in one call, as before: no window, no plan", async () => {
    const { call } = await startLong("transcribeVideo", conversation(10 * 60), 10 * 60);
    const result = await call();
    expect(result.isError).toBeUndefined();
    expect(result.structuredContent?.plan).toBeUndefined();
    const requests = fakes.gemini.generateRequests();
    expect(requests).toHaveLength(1);
    expect(JSON.stringify(requests[0]!.body)).not.toContain("videoMetadata");
  });

  it("completes a multi-segment analysis through aborts of its object at random moments: no chunk accepted twice, no segment asked more than twice", {
    timeout: 180_000
  }, async () => {
    const seed = Date.now() % 100_000;
    const random = seededRandom(seed);
    fakes.gemini.tokensPerSecond = 3_000;
    const script = conversation(3 * HOUR);
    fakes.gemini.enqueueFiles({ pollsBeforeDone: 1, durationSeconds: 3 * HOUR, script });
    const video: FakeVideo = { size: 26 * MiB, delayMsPerBlock: 1 };
    const videoUrl = fakes.videos.add("/abort-me.mp4", video);
    const sessionId = await openIdleSession();
    const { jobId } = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl, prompt: "Who says what, when?" }));
    const doneSegments = (job: { [key: string]: unknown }) =>
      Number(/generating, (\d+) done/.exec(String(job.message))?.[1] ?? -1);
    const abortAt = async (moment: string, until: (job: ReturnType<typeof snapshotOf>) => boolean) => {
      const { job, alarm } = await pollWithAlarmsRunning(
        sessionId,
        jobId,
        (snapshot) => until(snapshot) || snapshot.status === "done",
        60_000
      );
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 300)));
      fakes.sever();
      await restartObject(sessionId, `test abort ${moment} (seed ${seed})`);
      // The alarm the abort cut short ends with the abort's error.
      await alarm.catch(() => {});
      return job;
    };
    await abortAt("while uploading", (job) => job.bytesUploaded >= CHUNK);
    const first = await abortAt("in the first round of segments", (job) => doneSegments(job) >= 0);
    await abortAt("in a later round", (job) => doneSegments(job) >= Math.max(3, doneSegments(first) + 1));
    // Slow answers were needed only to abort between segments; the rest (the merge's long answer too) can come at once.
    fakes.gemini.tokensPerSecond = undefined;
    const done = await withAlarms(
      sessionId,
      pollJob(sessionId, jobId, (job) => job.status === "done", 90_000),
      90_000
    );
    expect(done.status, `seed ${seed}`).toBe("done");
    const [upload, ...others] = [...fakes.gemini.uploads.values()];
    expect(others).toHaveLength(0);
    expect(upload!.received).toBe(video.size);
    expect(upload!.chunkSizes.reduce((sum, size) => sum + size, 0)).toBe(video.size);
    expect(upload!.crc.digest()).toBe(videoCrc(video));
    const counts = new Map<string, number>();
    for (const window of windowsAsked())
      counts.set(`${window.start}-${window.end}`, (counts.get(`${window.start}-${window.end}`) ?? 0) + 1);
    expect(counts.size).toBe((done.plan as { segmentCount: number }).segmentCount);
    expect(Math.max(...counts.values()), `seed ${seed}`).toBeLessThanOrEqual(2);
    const text = await readAnalysisFile(sessionId, jobId, "answer.md");
    for (const line of script.lines) expect(text).toContain(line.text);
  });
});

/**
 * Polls the job until `predicate` holds while the session's timers come due,
 * as `withAlarms(pollJob(...))` does, but returns the moment it holds: an
 * alarm that runs a step of the job (Tasks keeps it up to 5 s) may still be
 * running, and is returned to be awaited once the object is aborted.
 */
async function pollWithAlarmsRunning(
  sessionId: string,
  jobId: string,
  predicate: (snapshot: ReturnType<typeof snapshotOf>) => boolean,
  maxMs: number
): Promise<{ job: ReturnType<typeof snapshotOf>; alarm: Promise<unknown> }> {
  const stub = sessionStub(sessionId);
  const deadline = Date.now() + maxMs;
  let alarm: Promise<unknown> = Promise.resolve();
  let alarmRunning = false;
  let alarmError: unknown;
  for (;;) {
    if (alarmError !== undefined) throw alarmError;
    if (!alarmRunning) {
      alarmRunning = true;
      alarm = runNextTimer(stub).finally(() => {
        alarmRunning = false;
      });
      alarm.catch((error: unknown) => {
        alarmError = error;
      });
    }
    const job = snapshotOf(await callTool(sessionId, "getVideoAnalysis", { jobId }));
    if (predicate(job)) return { job, alarm };
    if (Date.now() > deadline) throw new Error(`Job never reached the expected state: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
