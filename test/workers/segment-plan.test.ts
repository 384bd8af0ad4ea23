/**
 * The plan that cuts a long video into segments (`src/analysis/segment-plan.ts`)
 * and the reading of a segment's times (`segment-times.ts`), as pure functions.
 */
import { describe, expect, it } from "vitest";
import { halves, planSegments, type PlanRequest } from "../../src/analysis/segment-plan";
import { absoluteTextTimes, timeShift } from "../../src/analysis/segment-times";

const request = (overrides: Partial<PlanRequest>): PlanRequest => ({
  durationSeconds: 3600,
  format: "transcript",
  promptTokens: 50,
  family: "gemini-3",
  inputTokenLimit: 1_048_576,
  outputTokenLimit: 65_536,
  concurrency: 3,
  ...overrides
});

describe("planSegments", () => {
  it("cuts a six-hour transcript into a multiple of the concurrency, each window overlapping the one before by 10 s", () => {
    const plan = planSegments(request({ durationSeconds: 6 * 3600 }));
    expect(plan.segments).toHaveLength(6);
    expect(plan.segments[0]).toEqual({ start: 0, boundary: 0, end: 3600 });
    expect(plan.segments[1]).toEqual({ start: 3590, boundary: 3600, end: 7200 });
    expect(plan.segments.at(-1)!.end).toBe(6 * 3600);
    expect(plan.estimatedOutputTokens).toBe(6 * 3600 * 5);
  });

  it("keeps a short video, and a short answer about a long video that fits, in one call", () => {
    expect(planSegments(request({ durationSeconds: 20 * 60 })).segments).toHaveLength(1);
    expect(planSegments(request({ durationSeconds: 2 * 3600, format: "chapters" })).segments).toHaveLength(1);
  });

  it("cuts only the clip asked for, and by the input limit when the answer is short", () => {
    const clip = planSegments(request({ durationSeconds: 6 * 3600, startSeconds: 600, endSeconds: 4200 }));
    expect(clip.segments[0]!.start).toBe(600);
    expect(clip.segments.at(-1)!.end).toBe(4200);
    expect(clip.segments.length % 3).toBe(0);
    // 5 hours at 102 tokens a second is 1.8 M tokens: over half the context four times over.
    const summary = planSegments(request({ durationSeconds: 5 * 3600, format: "chapters" }));
    expect(summary.segments).toHaveLength(6);
  });

  it("halves a window at the middle of its own part, the second half overlapping the first by 10 s", () => {
    expect(halves({ start: 3590, boundary: 3600, end: 7200 })).toEqual([
      { start: 3590, boundary: 3600, end: 5400 },
      { start: 5390, boundary: 5400, end: 7200 }
    ]);
  });
});

describe("segment times", () => {
  const window = { start: 3590, boundary: 3600, end: 7200 };

  it("timeShift reads times from the clip's start as such, and times from the video's start as they are", () => {
    expect(timeShift(window, [0, 8, 3590])).toBe(3590);
    expect(timeShift(window, [3592, 3600, 7100])).toBe(0);
    expect(timeShift({ start: 0, boundary: 0, end: 3600 }, [0, 10])).toBe(0);
  });

  it("absoluteTextTimes shifts every time of a clip-relative answer once", () => {
    expect(absoluteTextTimes("At 00:10 Alice speaks; at 01:00:00 Bob.", window, 6 * 3600)).toBe(
      "At 1:00:00 Alice speaks; at 1:59:50 Bob."
    );
    expect(absoluteTextTimes("At 1:00:05 Alice speaks.", window, 6 * 3600)).toBe("At 1:00:05 Alice speaks.");
  });
});
