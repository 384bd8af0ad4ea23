/**
 * Where each stage of a job sits on the progress bar, in the
 * `notifications/progress` a client receives: each message names its stage,
 * and the stage says the range its `progress` must fall in. The reporter
 * nudges each value up so that it strictly rises, so a stage that starts
 * too early would otherwise only show as values crowded at the previous
 * stage's end.
 */
import { describe, expect, it } from "vitest";
import { bytesPercent } from "../../src/jobs/job-progress";
import { useFakes } from "./support/fetch-spy";
import { openSession, type OpenSession } from "./support/http";
import { callTool, snapshotOf, withAlarms } from "./support/session-calls";

const fakes = useFakes();
const MiB = 1024 * 1024;

type Stage = "starting" | "downloading" | "uploading" | "processing" | "reusing" | "counting" | "generating" | "done";

/** The stage each message names. */
const STAGE_OF_MESSAGE: readonly [RegExp, Stage][] = [
  [/^starting the analysis$/, "starting"],
  [/^downloading the video$/, "downloading"],
  [/^uploading [\d.]+ \/ [\d.]+ MB$/, "uploading"],
  [/^Gemini is processing the video( \(\d+ s\))?$/, "processing"],
  [/^reusing the video uploaded earlier$/, "reusing"],
  [/^counting the video's input tokens$/, "counting"],
  [/^Gemini is watching the video \(.+\)$/, "generating"],
  [/^generating: [\d,]+ characters$/, "generating"],
  [/^done$/, "done"]
];

/** A heartbeat repeats the message with this added. */
const HEARTBEAT_SUFFIX = / \(still working, \d+ s so far\)$/;

/** Each value is nudged 0.001 above the one before when its stage's would not rise: a few hundred at most. */
const NUDGES = 0.5;

interface Update {
  progress: number;
  total: number;
  message: string;
}

function stageOf(message: string): Stage {
  const plain = message.replace(HEARTBEAT_SUFFIX, "");
  const found = STAGE_OF_MESSAGE.find(([pattern]) => pattern.test(plain));
  if (!found) throw new Error(`No stage for the progress message "${message}"`);
  return found[1];
}

/** The upload's share of the bar is its bytes' share of the video: "uploading 8.4 / 21.0 MB" is 60 × 8.4 / 21.0. */
function uploadedShare(message: string): [number, number] {
  const [, done, of] = /^uploading ([\d.]+) \/ ([\d.]+) MB$/.exec(message)!;
  const percent = (60 * Number(done)) / Number(of);
  // Both numbers are rounded to 0.1 MB.
  return [percent - 0.3, percent + 0.3];
}

/** The percent range of each stage, for a video uploaded by this job and for one uploaded earlier. */
const RANGES: Record<"uploaded" | "kept", Partial<Record<Stage, [number, number] | ((message: string) => [number, number])>>> = {
  uploaded: {
    starting: [0, 0],
    downloading: [0, 0],
    uploading: uploadedShare,
    processing: [60, 60],
    counting: [60, 60],
    generating: [70, 99],
    done: [100, 100]
  },
  kept: {
    starting: [0, 0],
    reusing: [0, 0],
    counting: [0, 0],
    generating: [70, 99],
    done: [100, 100]
  }
};

/** Reads the session's stream until the call's last notification ("done"). */
async function progressUntilDone(opened: OpenSession): Promise<Update[]> {
  const updates: Update[] = [];
  for (;;) {
    const message = (await opened.sse.nextMessage(10_000)) as { method: string; params: Update };
    expect(message.method).toBe("notifications/progress");
    updates.push(message.params);
    if (message.params.message === "done") return updates;
  }
}

/** Every update within its stage's range, rising strictly, and the stages in this order (each at least once). */
function expectStages(updates: Update[], source: keyof typeof RANGES, order: Stage[]): void {
  const values = updates.map((update) => update.progress);
  for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]!);
  const seen: Stage[] = [];
  for (const { progress, total, message } of updates) {
    const stage = stageOf(message);
    if (seen.at(-1) !== stage) seen.push(stage);
    const range = RANGES[source][stage];
    if (!range) throw new Error(`The stage ${stage} ("${message}") has no range for a ${source} video`);
    const [from, to] = typeof range === "function" ? range(message) : range;
    expect(total).toBe(100);
    expect({ message, progress, inRange: progress >= from && progress <= to + NUDGES }).toEqual({
      message,
      progress,
      inRange: true
    });
  }
  expect(seen).toEqual(order);
}

describe("progress by stage", () => {
  it("a video URL: download and upload 0-60 by bytes, processing and counting at 60, generating 70-99, done 100", {
    timeout: 30_000
  }, async () => {
    const videoUrl = fakes.videos.add("/stages.mp4", { size: 20 * MiB, delayMsPerBlock: 3 });
    fakes.gemini.enqueueFiles({ pollsBeforeDone: 1 });
    const opened = await openSession();
    const call = withAlarms(
      opened.sessionId,
      callTool(opened.sessionId, "analyzeRemoteVideo", { videoUrl }, { progressToken: "url" })
    );
    const updates = await progressUntilDone(opened);
    expect(snapshotOf(await call).status).toBe("done");
    const messages = updates.map((update) => update.message);
    expect(messages).toContain("uploading 8.4 / 21.0 MB");
    expect(messages).toContainEqual(
      expect.stringMatching(/^Gemini is watching the video \([\d,]+ input tokens, counted by Gemini\)$/)
    );
    expectStages(updates, "uploaded", ["starting", "downloading", "uploading", "processing", "counting", "generating", "done"]);
    await opened.sse.cancel();
  });

  it("a follow-up on the kept file: reusing and counting at 0, generating 70-99, done 100", { timeout: 30_000 }, async () => {
    const videoUrl = fakes.videos.add("/stages-kept.mp4", { size: 2 * MiB });
    const opened = await openSession();
    const first = snapshotOf(await withAlarms(opened.sessionId, callTool(opened.sessionId, "analyzeRemoteVideo", { videoUrl })));
    fakes.gemini.enqueue({ kind: "answer", chunks: ["It is ", "about cats."], chunkDelayMs: 150 });
    const call = callTool(
      opened.sessionId,
      "askAboutVideo",
      { jobId: first.jobId, question: "What is it about?" },
      { progressToken: "kept" }
    );
    const updates = await progressUntilDone(opened);
    expect((await call).structuredContent).toMatchObject({ status: "done", reusedUpload: true });
    expectStages(updates, "kept", ["starting", "reusing", "counting", "generating", "done"]);
    expect(updates.some((update) => update.message.startsWith("generating: "))).toBe(true);
    await opened.sse.cancel();
  });
});

describe("an upload's own percent (bytesPercent)", () => {
  it("rounds down, so it reads 100 only at the last byte, and counts 29 of 100 bytes as 29 in whole and tenths", () => {
    expect(bytesPercent(999, 1000, "text")).toBe(99);
    expect(bytesPercent(9_999, 10_000, "snapshot")).toBe(99.9);
    expect(bytesPercent(1000, 1000, "text")).toBe(100);
    expect(bytesPercent(29, 100, "text")).toBe(29);
    expect(bytesPercent(29, 100, "snapshot")).toBe(29);
    expect(bytesPercent(1, 3, "snapshot")).toBe(33.3);
  });
});
