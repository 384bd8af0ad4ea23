/**
 * The job state machine as `JobStore.update` enforces it (the one place a
 * state changes): every state against every event, then random event
 * sequences. An event is a move to a state (with what that state needs) or
 * a change of fields alone. The expected moves are written out here, not
 * read from `JOB_TRANSITIONS`, so that changing the machine fails a test.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IllegalTransitionError, JOB_STATES, type JobState } from "../../src/jobs/job";
import { JobStore, type JobUpdate } from "../../src/jobs/job-store";
import { FUZZ_TEST_TIMEOUT_MS, fuzz } from "./support/fuzz";

const FINAL: readonly JobState[] = ["done", "failed", "cancelled"];

/** Where each state may move (staying included: the store then rewrites the state's fields). */
const ALLOWED: Record<JobState, readonly JobState[]> = {
  queued: ["queued", "uploading", "processing", "generating", "failed", "cancelled"],
  uploading: ["uploading", "processing", "generating", "failed", "cancelled"],
  processing: ["processing", "generating", "failed", "cancelled"],
  generating: ["generating", "done", "failed", "cancelled"],
  done: ["done"],
  failed: ["failed"],
  cancelled: ["cancelled"]
};

type JobEvent = JobState | "fields";
const EVENTS: readonly JobEvent[] = [...JOB_STATES, "fields"];

/** The update an event makes, with what its state needs (`Arrival` in job-store.ts). */
function updateFor(event: JobEvent, step: number): JobUpdate {
  const message = `event ${step}: ${event}`;
  switch (event) {
    case "fields":
      return { message, bytesUploaded: step };
    case "processing":
      return { state: event, message, fileName: "files/f", fileUri: "https://gemini.test/files/f" };
    case "done":
      return { state: event, message, text: "answer", usage: null };
    case "failed":
    case "cancelled":
      return { state: event, message, error: message };
    default:
      return { state: event, message };
  }
}

const INPUT = {
  videoUrl: "https://example.com/v.mp4",
  source: { kind: "url" as const, url: "https://example.com/v.mp4" },
  prompt: "p",
  model: "m"
};

/** Runs `work` on a JobStore over a fresh session object's SQLite. */
function withStore<T>(name: string, work: (store: JobStore, sql: SqlStorage) => T): Promise<T> {
  const stub = env.SESSIONS.get(env.SESSIONS.idFromName(`job-machine-${name}`));
  return runInDurableObject(stub, (_instance, state) => work(new JobStore(state.storage.sql), state.storage.sql));
}

describe("the job state machine", () => {
  const cases = JOB_STATES.flatMap((from) => EVENTS.map((event) => [from, event] as const));

  it.each(cases)("from %s, event %s", async (from, event) => {
    await withStore(`${from}-${event}`, (store, sql) => {
      const { id } = store.create(`s.${from}-${event}`, INPUT);
      // Straight into `from`, whatever the moves leading there.
      sql.exec("UPDATE jobs SET state = ?, message = 'before' WHERE id = ?", from, id);
      const update = updateFor(event, 1);
      if (event === "fields" || ALLOWED[from].includes(event)) {
        const moved = store.update(id, update);
        expect(moved.state).toBe(event === "fields" ? from : event);
        expect(store.get(id)).toMatchObject({ state: moved.state, message: update.message });
      } else {
        expect(() => store.update(id, update)).toThrow(IllegalTransitionError);
        expect(() => store.update(id, update)).toThrow(`cannot go from ${from} to ${event}`);
        // A refused move writes nothing, not even the fields that came with it.
        expect(store.get(id)).toMatchObject({ state: from, message: "before" });
      }
    });
  });

  it("over random event sequences, a job moves only as the table says, enters at most one final state, and never leaves it", {
    timeout: FUZZ_TEST_TIMEOUT_MS
  }, async () => {
    let run = 0;
    await withStore("sequences", async (store) => {
      await fuzz(
        fc.asyncProperty(fc.array(fc.constantFrom(...EVENTS), { maxLength: 24 }), async (events) => {
          const { id } = store.create(`s.sequence-${run++}`, INPUT);
          let state: JobState = "queued";
          const stored: JobState[] = [];
          events.forEach((event, step) => {
            const update = updateFor(event, step);
            if (event === "fields" || ALLOWED[state].includes(event)) {
              state = store.update(id, update).state;
              expect(state).toBe(event === "fields" ? (stored.at(-1) ?? "queued") : event);
            } else {
              expect(() => store.update(id, update)).toThrow(IllegalTransitionError);
            }
            stored.push(store.get(id)!.state);
          });
          const firstFinal = stored.findIndex((reached) => FINAL.includes(reached));
          if (firstFinal >= 0) expect(new Set(stored.slice(firstFinal))).toEqual(new Set([stored[firstFinal]]));
        })
      );
    });
  });
});
