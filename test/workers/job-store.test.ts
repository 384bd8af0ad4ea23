import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { IllegalTransitionError, JOB_STATES, JOB_TRANSITIONS } from "../../src/jobs/job";
import { JobStore, type JobUpdate } from "../../src/jobs/job-store";

describe("JobStore", () => {
  it("adds the details column to a jobs table made before it existed, keeping its rows", async () => {
    const stub = env.SESSIONS.get(env.SESSIONS.idFromName("job-store-migration"));
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec(`CREATE TABLE jobs (id TEXT PRIMARY KEY, input TEXT NOT NULL, state TEXT NOT NULL, message TEXT NOT NULL,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, bytes_uploaded INTEGER NOT NULL DEFAULT 0, total_bytes INTEGER,
        mime_type TEXT, upload_url TEXT, file_name TEXT, file_uri TEXT, text TEXT NOT NULL DEFAULT '', error TEXT, usage TEXT)`);
      sql.exec(
        "INSERT INTO jobs (id, input, state, message, created_at, updated_at, text) VALUES ('old', ?, 'done', 'done', 1, 1, 'answer')",
        JSON.stringify({ videoUrl: "https://youtu.be/dQw4w9WgXcQ", prompt: "p", model: "m" })
      );
      const store = new JobStore(sql);
      expect(store.get("old")).toMatchObject({ state: "done", text: "answer", details: {} });
      expect(store.update("old", { details: { finishReason: "STOP" } }).details).toEqual({ finishReason: "STOP" });
    });
  });

  it("gives rows stored before inputs held their source the source their videoUrl names", async () => {
    const stub = env.SESSIONS.get(env.SESSIONS.idFromName("job-store-sources"));
    await runInDurableObject(stub, (_instance, state) => {
      const store = new JobStore(state.storage.sql);
      const stored = store.create("s.new", {
        videoUrl: "https://example.com/v.mp4",
        source: { kind: "url", url: "https://example.com/v.mp4" },
        prompt: "p",
        model: "m"
      });
      const earlier = (id: string, videoUrl: string) =>
        state.storage.sql.exec(
          "INSERT INTO jobs (id, input, state, message, created_at, updated_at) VALUES (?, ?, 'uploading', 'uploading', 1, 1)",
          id,
          JSON.stringify({ videoUrl, prompt: "p", model: "m" })
        );
      earlier("s.file", "HTTPS://Example.COM:443/a%7Eb.mp4");
      earlier("s.youtube", "https://youtu.be/dQw4w9WgXcQ?t=3");
      expect(store.get("s.file")?.input).toEqual({
        videoUrl: "HTTPS://Example.COM:443/a%7Eb.mp4",
        source: { kind: "url", url: "https://example.com/a%7Eb.mp4" },
        prompt: "p",
        model: "m"
      });
      expect(store.get("s.youtube")?.input.source).toEqual({
        kind: "youtube",
        url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        videoId: "dQw4w9WgXcQ"
      });
      // Active rows of either kind are read (and so resumed) the same way.
      expect(store.active().map((job) => job.input.source.kind)).toEqual(["url", "youtube", "url"]);
      expect(store.get(stored.id)?.input.source).toEqual({ kind: "url", url: "https://example.com/v.mp4" });
    });
  });

  it("update moves a job only along JOB_TRANSITIONS: a final job never moves again, and a refused move writes nothing", async () => {
    const stub = env.SESSIONS.get(env.SESSIONS.idFromName("job-store-transitions"));
    await runInDurableObject(stub, (_instance, state) => {
      const store = new JobStore(state.storage.sql);
      const input = {
        videoUrl: "https://example.com/v.mp4",
        source: { kind: "url" as const, url: "https://example.com/v.mp4" },
        prompt: "p",
        model: "m"
      };
      const job = store.create("s.transitions", input);
      expect(store.update(job.id, { state: "uploading", message: "uploading" }).state).toBe("uploading");
      expect(store.update(job.id, { state: "uploading", bytesUploaded: 8 }).bytesUploaded).toBe(8);
      expect(() => store.update(job.id, { state: "done", message: "done", text: "", usage: null })).toThrow(
        IllegalTransitionError
      );
      expect(store.get(job.id)).toMatchObject({ state: "uploading", message: "uploading" });
      expect(store.update(job.id, { state: "cancelled", message: "cancelled", error: "Cancelled" }).state).toBe("cancelled");
      for (const to of JOB_STATES.filter((next) => next !== "cancelled")) {
        expect(() => store.update(job.id, { state: to } as JobUpdate)).toThrow(/cannot go from cancelled/);
      }
      expect(store.update(job.id, { details: { resumable: true } }).details).toEqual({ resumable: true });
    });
  });

  it("JOB_TRANSITIONS leaves no final state and reaches every state from queued", () => {
    for (const final of ["done", "failed", "cancelled"] as const) expect(JOB_TRANSITIONS[final]).toEqual([]);
    const reached = new Set<string>(["queued"]);
    for (const from of JOB_STATES) for (const to of JOB_TRANSITIONS[from]) reached.add(to);
    expect([...reached].sort()).toEqual([...JOB_STATES].sort());
  });
});
