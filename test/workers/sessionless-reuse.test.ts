import { exports } from "cloudflare:workers";
import { Client, type Progress, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterEach, describe, expect, it } from "vitest";
import { useFakes } from "./support/fetch-spy";
import { sessionIds } from "../../src/ids/signed-session-id";
import { sourceSessionId } from "../../src/session/source-affinity";
import { TEST_SHARED_SECRET } from "../constants";
import { AUTH, BASE_URL, postJson } from "./support/http";
import { expectValidToolResult } from "./support/output-schemas";
import { withAlarms } from "./support/session-calls";

const fakes = useFakes();
const MiB = 1024 * 1024;

interface ToolResult {
  content?: { text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** A session-less `/rpc` call of `tool`, its result checked against the tool's outputSchema. */
async function rpcCall(tool: string, args: Record<string, unknown>): Promise<ToolResult> {
  const response = await postJson("/rpc", {
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name: tool, arguments: args }
  });
  const body = (await response.json()) as { result: ToolResult };
  await expectValidToolResult(tool, body.result);
  return body.result;
}

const clients: Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});

/** An SDK v2 client in the 2026-07-28 era: every request stateless. */
async function modernClient(): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", BASE_URL), {
    fetch: (input, init) => exports.default.fetch(new Request(input, init)),
    requestInit: { headers: AUTH }
  });
  const client = new Client({ name: "reuse-test", version: "1.0.0" }, { versionNegotiation: { mode: "auto" } });
  await client.connect(transport);
  clients.push(client);
  return client;
}

describe("session-less calls reuse the upload of the same video", () => {
  it("two /rpc calls about one 12 MB URL upload it once; the second reads the kept file", async () => {
    const videoUrl = fakes.videos.add("/twelve.mp4", { size: 12 * MiB, etag: '"v1"' });
    const first = await rpcCall("analyzeRemoteVideo", { videoUrl });
    expect(first.structuredContent).toMatchObject({ status: "done" });
    expect(first.structuredContent).not.toHaveProperty("reusedUpload");
    const second = await rpcCall("askAboutVideo", { videoUrl, question: "Who speaks?" });
    expect(second.structuredContent).toMatchObject({ status: "done", reusedUpload: true });
    expect(fakes.gemini.uploads.size).toBe(1);
    const [file] = [...fakes.gemini.files.values()];
    expect(file?.sizeBytes).toBe(String(12 * MiB));
    // Both ran in the video's own object (a job id starts with its object's session id).
    const objectOf = (result: ToolResult) => String(result.structuredContent?.jobId).split(".")[0];
    const videoObject = await sourceSessionId(sessionIds(TEST_SHARED_SECRET), videoUrl);
    expect([objectOf(first), objectOf(second)]).toEqual([videoObject, videoObject]);
  });

  it("reuses across eras: a 2026-era tools/call after a /rpc call, and another 2026-era call after that", async () => {
    const videoUrl = fakes.videos.add("/eras.mp4", { size: 3 * MiB, etag: '"v1"' });
    await rpcCall("analyzeRemoteVideo", { videoUrl });
    const client = await modernClient();
    const modern = await client.callTool({ name: "analyzeRemoteVideo", arguments: { videoUrl } });
    expect(modern.structuredContent).toMatchObject({ status: "done", reusedUpload: true });
    const again = await client.callTool({ name: "askAboutVideo", arguments: { videoUrl, question: "Who speaks?" } });
    expect(again.structuredContent).toMatchObject({ status: "done", reusedUpload: true });
    expect(fakes.gemini.uploads.size).toBe(1);
  });

  it("uploads each of two different URLs, and again when the source changed", async () => {
    const one = fakes.videos.add("/one.mp4", { size: 2 * MiB, etag: '"v1"' });
    const two = fakes.videos.add("/two.mp4", { size: 2 * MiB, etag: '"v1"' });
    await rpcCall("analyzeRemoteVideo", { videoUrl: one });
    await rpcCall("analyzeRemoteVideo", { videoUrl: two });
    expect(fakes.gemini.uploads.size).toBe(2);
    fakes.videos.add("/one.mp4", { size: 2 * MiB, etag: '"v2"' });
    const changed = await rpcCall("analyzeRemoteVideo", { videoUrl: one });
    expect(changed.structuredContent).not.toHaveProperty("reusedUpload");
    expect(fakes.gemini.uploads.size).toBe(3);
  });

  it("without an ETag, recognises the source by Last-Modified and size: reused while both hold, uploaded again when the date moves", async () => {
    const path = "/dated.mp4";
    const videoUrl = fakes.videos.add(path, { size: 2 * MiB, lastModified: "Sun, 01 Nov 2026 10:00:00 GMT" });
    await rpcCall("analyzeRemoteVideo", { videoUrl });
    const same = await rpcCall("analyzeRemoteVideo", { videoUrl, prompt: "Again?" });
    expect(same.structuredContent).toMatchObject({ status: "done", reusedUpload: true });
    fakes.videos.add(path, { size: 2 * MiB, lastModified: "Sun, 29 Nov 2026 09:00:00 GMT" });
    const moved = await rpcCall("analyzeRemoteVideo", { videoUrl, prompt: "And now?" });
    expect(moved.structuredContent).not.toHaveProperty("reusedUpload");
    expect(fakes.gemini.uploads.size).toBe(2);
  });

  it("two concurrent calls about one URL, with the same request id, upload it once and each get their own answer", async () => {
    const videoUrl = fakes.videos.add("/together.mp4", { size: 12 * MiB, delayMsPerBlock: 1 });
    fakes.gemini.enqueue({ kind: "answer", chunks: ["first answer"] }, { kind: "answer", chunks: ["second answer"] });
    const objectOfUrl = await sourceSessionId(sessionIds(TEST_SHARED_SECRET), new URL(videoUrl).href);
    const [first, second] = await withAlarms(
      objectOfUrl,
      Promise.all([
        rpcCall("analyzeRemoteVideo", { videoUrl, prompt: "What happens?" }),
        new Promise((resolve) => setTimeout(resolve, 50)).then(() =>
          rpcCall("analyzeRemoteVideo", { videoUrl, prompt: "Who is in it?" })
        )
      ])
    );
    expect([first.content?.[0]?.text, second.content?.[0]?.text].sort()).toEqual(["first answer", "second answer"]);
    expect(fakes.gemini.uploads.size).toBe(1);
  });

  it("a second caller sharing the upload is never told the first caller's job id", async () => {
    const videoUrl = fakes.videos.add("/private.mp4", { size: 12 * MiB, delayMsPerBlock: 1 });
    fakes.gemini.enqueue({ kind: "answer", chunks: ["first answer"] }, { kind: "answer", chunks: ["second answer"] });
    const objectOfUrl = await sourceSessionId(sessionIds(TEST_SHARED_SECRET), new URL(videoUrl).href);
    const [callerA, callerB] = [await modernClient(), await modernClient()];
    const progressB: Progress[] = [];
    const [first, second] = await withAlarms(
      objectOfUrl,
      Promise.all([
        callerA.callTool({ name: "analyzeRemoteVideo", arguments: { videoUrl, prompt: "A's private question" } }),
        new Promise((resolve) => setTimeout(resolve, 50)).then(() =>
          callerB.callTool(
            { name: "analyzeRemoteVideo", arguments: { videoUrl, prompt: "B's question" } },
            { onprogress: (update) => progressB.push(update) }
          )
        )
      ])
    );
    expect(fakes.gemini.uploads.size).toBe(1);
    const jobOf = (result: { structuredContent?: unknown }) => (result.structuredContent as { jobId: string }).jobId;
    const [jobA, jobB] = [jobOf(first), jobOf(second)];
    expect(jobA).not.toBe(jobB);
    const seenByB = JSON.stringify({ progressB, second });
    expect(seenByB).not.toContain(jobA);
    expect(seenByB).not.toContain("A's private question");
    // B did wait for A's upload, and was told so.
    expect(progressB.map((update) => update.message)).toContainEqual(expect.stringMatching(/another analysis/));
  });
});
