/**
 * The driver's list of stages (`STAGES` in src/jobs/run-job.ts): the step
 * names each stage journals, which Tasks persists (a run interrupted by a
 * restart replays the steps it finished by name, so a renamed step would
 * run again, or strand the run), and which stage a job in each state starts
 * from. A new stage is added here too.
 */
import { describe, expect, it } from "vitest";
import { JOB_STATES, type JobState } from "../../src/jobs/job";
import { STAGES } from "../../src/jobs/run-job";
import { parseVideoSource } from "../../src/jobs/source-check";
import { jobRecord } from "./support/job-record";

const input = (videoUrl: string) => ({ videoUrl, source: parseVideoSource(videoUrl), prompt: "p", model: "m" });

const job = (state: JobState, fields: Record<string, unknown> = {}) =>
  jobRecord({ id: "s.j", input: input("https://example.com/v.mp4"), state, ...fields });

const stepsOf = (fields: Parameters<typeof job>) =>
  STAGES.filter((stage) => stage.applies(job(...fields))).map((stage) => stage.steps);

describe("the stages of an analysis run", () => {
  it("journal the step names runs in flight were stored with, in order", () => {
    expect(STAGES.map((stage) => stage.steps)).toEqual([
      ["resolve"],
      ["wait-upload"],
      ["upload"],
      ["processing-since", "poll:N", "wait:N"],
      ["plan"],
      ["count"],
      ["cache"],
      ["generate"],
      ["segment:N", "merge"],
      ["batch-submit", "batch-poll:N", "batch-wait:N"]
    ]);
  });

  it("apply from the stage the job's row says it is in", () => {
    expect(stepsOf(["queued"])).toEqual([["resolve"], ["plan"], ["count"]]);
    expect(stepsOf(["uploading"])).toEqual([["upload"], ["plan"], ["count"]]);
    // The user's own upload: waited for, not fetched.
    const onUpload = jobRecord({ id: "s.j", input: input(`upload:${"a".repeat(32)}`), state: "uploading" });
    expect(STAGES.filter((stage) => stage.applies(onUpload)).map((stage) => stage.steps)).toEqual([
      ["wait-upload"],
      ["plan"],
      ["count"]
    ]);
    // A YouTube link, or a file read as is: nothing to upload.
    expect(stepsOf(["uploading", { fileUri: "https://www.youtube.com/watch?v=x" }])).toEqual([["plan"], ["count"]]);
    expect(stepsOf(["processing", { fileName: "files/f", fileUri: "u" }])).toEqual([
      ["processing-since", "poll:N", "wait:N"],
      ["plan"],
      ["count"]
    ]);
    expect(stepsOf(["generating", { fileUri: "u" }])).toEqual([["generate"]]);
    // A question that more will follow goes through the context cache, unless it already names one.
    const followUp = { videoUrl: "https://example.com/v.mp4", prompt: "p", model: "m", keepForFollowUps: true };
    expect(stepsOf(["generating", { fileUri: "u", input: followUp }])).toEqual([["cache"], ["generate"]]);
    expect(stepsOf(["generating", { fileUri: "u", input: followUp, details: { cacheName: "cachedContents/c" } }])).toEqual([
      ["generate"]
    ]);
    // A batch-priority question goes through Gemini's Batch API instead of the streamed answer, with no cache.
    const batch = { ...followUp, priority: "batch" };
    expect(stepsOf(["generating", { fileUri: "u", input: batch }])).toEqual([["batch-submit", "batch-poll:N", "batch-wait:N"]]);
    // A long video cut into segments: planned once, then asked segment by segment.
    const plan = {
      segments: [
        { start: 0, boundary: 0, end: 60 },
        { start: 50, boundary: 60, end: 120 }
      ],
      estimatedInputTokens: 1,
      estimatedOutputTokens: 1
    };
    expect(stepsOf(["processing", { fileName: "files/f", fileUri: "u", details: { plan } }])).toEqual([
      ["processing-since", "poll:N", "wait:N"],
      ["count"]
    ]);
    expect(stepsOf(["generating", { fileUri: "u", details: { plan } }])).toEqual([["segment:N", "merge"]]);
    for (const state of JOB_STATES.filter((state) => ["done", "failed", "cancelled"].includes(state))) {
      expect(stepsOf([state])).toEqual([]);
    }
  });
});
