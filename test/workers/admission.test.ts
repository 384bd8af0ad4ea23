import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { RESERVATION_MS } from "../../src/admission/admission-do";
import { DEFAULT_MAX_CONCURRENT_ANALYSES } from "../../src/config";
import { useFakes } from "./support/fetch-spy";
import { postJson } from "./support/http";
import { withAlarms } from "./support/session-calls";

const fakes = useFakes();
const VIDEO = "https://youtu.be/dQw4w9WgXcQ";
const LIMIT = DEFAULT_MAX_CONCURRENT_ANALYSES;

interface CallResult {
  isError?: boolean;
  content: { text: string }[];
  structuredContent?: { jobId: string; status: string };
}

/** A session-less `/rpc` tool call: each runs in a Durable Object of its own. */
async function rpc(name: string, args: Record<string, unknown>): Promise<CallResult> {
  const response = await postJson("/rpc", { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } });
  return ((await response.json()) as { result: CallResult }).result;
}

const slowAnswer = () => ({ kind: "answer" as const, chunks: Array.from({ length: 300 }, () => "slow "), chunkDelayMs: 100 });

const admission = () => env.ADMISSION.get(env.ADMISSION.idFromName("owner"));

const leases = () =>
  runInDurableObject(
    admission(),
    (_instance, state) => state.storage.sql.exec("SELECT COUNT(*) AS n FROM leases").one().n as number
  );

const started: string[] = [];
afterEach(async () => {
  for (const jobId of started.splice(0)) await rpc("cancelVideoAnalysis", { jobId });
});

async function start(): Promise<CallResult> {
  const result = await rpc("startVideoAnalysis", { videoUrl: VIDEO });
  if (result.structuredContent) started.push(result.structuredContent.jobId);
  return result;
}

describe("the owner's cap on analyses running at once", () => {
  it("refuses the next analysis once MAX_CONCURRENT_ANALYSES run across session-less calls, tasks included; a cancel frees a slot", async () => {
    fakes.gemini.enqueue(...Array.from({ length: LIMIT + 1 }, slowAnswer));
    for (let index = 0; index < LIMIT; index += 1) {
      expect((await start()).structuredContent).toMatchObject({ status: expect.not.stringMatching(/failed|cancelled/) });
    }
    const refused = await start();
    expect(refused.isError).toBe(true);
    expect(refused.content[0]?.text).toMatch(new RegExp(`already have ${LIMIT} analyses running.*MAX_CONCURRENT_ANALYSES`));

    const task = await postJson(
      "/mcp",
      {
        jsonrpc: "2.0",
        id: 9,
        method: "tools/call",
        params: {
          name: "analyzeRemoteVideo",
          arguments: { videoUrl: VIDEO },
          _meta: {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": {} } },
            "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" }
          }
        }
      },
      {
        Accept: "application/json, text/event-stream",
        "MCP-Protocol-Version": "2026-07-28",
        "Mcp-Method": "tools/call",
        "Mcp-Name": "analyzeRemoteVideo"
      }
    );
    expect(await task.json()).toMatchObject({
      result: { resultType: "complete", isError: true, content: [{ text: expect.stringContaining("MAX_CONCURRENT_ANALYSES") }] }
    });

    await rpc("cancelVideoAnalysis", { jobId: started.shift() });
    expect((await start()).isError).toBeFalsy();
  });

  it("slots whose release never came (a restart between a job's end and its release) are taken back when the cap is reached", async () => {
    fakes.gemini.enqueue({ kind: "answer", chunks: ["short"] }, ...Array.from({ length: LIMIT }, slowAnswer));
    const first = (await start()).structuredContent!;
    const sessionId = first.jobId.split(".")[0]!;
    const waited = withAlarms(sessionId, rpc("getVideoAnalysis", { jobId: first.jobId, waitSeconds: 20 }));
    expect((await waited).structuredContent).toMatchObject({ status: "done" });
    // As if the release had been lost: a lease still bound to the ended job, and a reservation never bound.
    await runInDurableObject(admission(), (_instance, state) => {
      state.storage.sql.exec(
        "INSERT INTO leases (id, session_id, job_id, granted_at) VALUES ('lost', ?, ?, ?)",
        sessionId,
        first.jobId,
        Date.now()
      );
      state.storage.sql.exec("INSERT INTO leases (id, granted_at) VALUES ('abandoned', ?)", Date.now() - 2 * RESERVATION_MS);
    });
    for (let index = 0; index < LIMIT - 2; index += 1) expect((await start()).isError).toBeFalsy();
    expect(await leases()).toBe(LIMIT);
    expect((await start()).isError).toBeFalsy();
    expect((await start()).isError).toBeFalsy();
    expect(await leases()).toBe(LIMIT);
    expect((await start()).isError).toBe(true);
  });
});
