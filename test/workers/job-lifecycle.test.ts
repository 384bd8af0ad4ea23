/**
 * Random job lifecycles through the real session (tools over `/rpc`, its
 * `JobManager`, agents Tasks, the fake Gemini): whatever Gemini does and
 * whatever the client does in between, every job ends in one final state
 * and stays there, and every file Gemini holds is deleted exactly once by
 * the time the session ends (counted at the fake Gemini).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { geminiErrors } from "../support/fake-gemini";
import { useFakes } from "./support/fetch-spy";
import { FUZZ_TEST_TIMEOUT_MS, fuzz } from "./support/fuzz";
import { authed, initializeMcpSession } from "./support/http";
import { callTool, pollJob, snapshotOf, withAlarms } from "./support/session-calls";

const fakes = useFakes();
const MiB = 1024 * 1024;

/** A run is a full session, a few hundred milliseconds: fewer runs than the wire fuzzers, the examples below first. */
const RUNS = 8;

const STAGES = ["queued", "uploading", "processing", "generating"] as const;
type Stage = (typeof STAGES)[number];
const FINAL = new Set(["done", "failed", "cancelled"]);

/** What Gemini does with the first job's video. */
const OUTCOMES = {
  answers: () => {},
  "refuses the upload": () => fakes.gemini.failNextUploadChunks(geminiErrors.invalidArgument("file", "Unsupported video.")),
  "fails processing": () => fakes.gemini.enqueueFiles({ pollsBeforeDone: 1, failWith: "The video is corrupt." }),
  "counts it over the limit": () => fakes.gemini.enqueueCountTokens({ kind: "count", totalTokens: 10 ** 9 }),
  "refuses the question": () =>
    fakes.gemini.enqueue(geminiErrors.invalidArgument("contents", "Request contains an invalid argument."))
};

/** What the client does, in order, once the first job has started. */
type ClientEvent =
  | { kind: "wait until"; stage: Stage }
  | { kind: "cancel"; job: "first" | "latest" }
  | { kind: "ask a follow-up" }
  | { kind: "start another on the same video" };

const clientEvent: fc.Arbitrary<ClientEvent> = fc.oneof(
  fc.record({ kind: fc.constant("wait until" as const), stage: fc.constantFrom(...STAGES.slice(1)) }),
  fc.record({ kind: fc.constant("cancel" as const), job: fc.constantFrom("first" as const, "latest" as const) }),
  fc.record({ kind: fc.constant("ask a follow-up" as const) }),
  fc.record({ kind: fc.constant("start another on the same video" as const) })
);

type Outcome = keyof typeof OUTCOMES;

interface Scenario {
  outcome: Outcome;
  /** Polls Gemini answers PROCESSING before ACTIVE. */
  pollsBeforeActive: number;
  events: ClientEvent[];
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  outcome: fc.constantFrom(...(Object.keys(OUTCOMES) as Outcome[])),
  pollsBeforeActive: fc.integer({ min: 0, max: 2 }),
  events: fc.array(clientEvent, { maxLength: 4 })
});

const isFinal = (snapshot: { status: string }) => FINAL.has(snapshot.status);
/** At `stage` or past it (a job reading an earlier upload skips stages). */
const reached = (stage: Stage) => (snapshot: { status: string }) =>
  isFinal(snapshot) || STAGES.indexOf(snapshot.status as Stage) >= STAGES.indexOf(stage);

const deletesOf = (fileName: string) =>
  fakes.gemini.requests.filter((request) => request.method === "DELETE" && request.path === `/v1beta/${fileName}`).length;

let run = 0;

async function lifecycle({ outcome, pollsBeforeActive, events }: Scenario): Promise<void> {
  fakes.gemini.reset();
  fakes.videos.reset();
  const videoUrl = fakes.videos.add(`/lifecycle-${run++}.mp4`, { size: MiB, delayMsPerBlock: 8 });
  fakes.gemini.enqueueFiles({ pollsBeforeDone: pollsBeforeActive });
  OUTCOMES[outcome]();
  fakes.gemini.enqueue({ kind: "answer", chunks: ["A cat ", "and ", "a dog."], chunkDelayMs: 30 });
  const sessionId = await initializeMcpSession();
  const status = async (jobId: string) => snapshotOf(await callTool(sessionId, "getVideoAnalysis", { jobId })).status;
  const started = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl }));
  const jobs = [started.jobId];

  const clientActs = async () => {
    for (const event of events) {
      const latest = jobs.at(-1)!;
      if (event.kind === "wait until") await pollJob(sessionId, latest, reached(event.stage), 10_000);
      else if (event.kind === "cancel") {
        await callTool(sessionId, "cancelVideoAnalysis", { jobId: event.job === "first" ? jobs[0] : latest });
      } else {
        const result =
          event.kind === "ask a follow-up"
            ? await callTool(sessionId, "askAboutVideo", { jobId: jobs[0], question: `Question ${jobs.length}?` })
            : await callTool(sessionId, "startVideoAnalysis", { videoUrl, prompt: `Prompt ${jobs.length}` });
        // Some start nothing: a follow-up on a job still running, a job past the session's limit.
        const jobId = result.structuredContent?.jobId;
        if (typeof jobId === "string" && !jobs.includes(jobId)) jobs.push(jobId);
      }
    }
    for (const jobId of jobs) await pollJob(sessionId, jobId, isFinal, 10_000);
  };
  await withAlarms(sessionId, clientActs(), 20_000);

  const ended = new Map<string, string>();
  for (const jobId of jobs) ended.set(jobId, await status(jobId));
  for (const jobId of jobs) await callTool(sessionId, "cancelVideoAnalysis", { jobId });
  for (const jobId of jobs) expect({ jobId, status: await status(jobId) }).toEqual({ jobId, status: ended.get(jobId) });

  expect((await authed("/mcp", { method: "DELETE", headers: { "Mcp-Session-Id": sessionId } })).status).toBe(200);
  const files = [...fakes.gemini.files.keys()];
  expect(files.map((fileName) => ({ fileName, deletes: deletesOf(fileName) }))).toEqual(
    files.map((fileName) => ({ fileName, deletes: 1 }))
  );
}

/** Tried every time: a cancel in each stage that holds a file, and two jobs reading one upload. */
const EXAMPLES: [Scenario][] = [
  [
    {
      outcome: "answers",
      pollsBeforeActive: 1,
      events: [
        { kind: "wait until", stage: "processing" },
        { kind: "cancel", job: "first" }
      ]
    }
  ],
  [
    {
      outcome: "answers",
      pollsBeforeActive: 0,
      events: [
        { kind: "wait until", stage: "generating" },
        { kind: "cancel", job: "first" }
      ]
    }
  ],
  [
    {
      outcome: "answers",
      pollsBeforeActive: 0,
      events: [
        { kind: "start another on the same video" },
        { kind: "wait until", stage: "generating" },
        { kind: "cancel", job: "first" }
      ]
    }
  ],
  [{ outcome: "refuses the question", pollsBeforeActive: 0, events: [{ kind: "ask a follow-up" }] }]
];

describe("job lifecycles", () => {
  it("whatever Gemini and the client do, every job ends in one final state and stays there, and every file is deleted exactly once", {
    timeout: FUZZ_TEST_TIMEOUT_MS
  }, async () => {
    await fuzz(fc.asyncProperty(scenario, lifecycle), RUNS, { examples: EXAMPLES, wholeScenarios: true });
  });
});
