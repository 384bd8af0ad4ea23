import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { JobStore } from "../../src/jobs/job-store";

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
});
