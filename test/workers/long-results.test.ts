/**
 * Results that fit the client (issue 24, item 6): a long transcript's result
 * cut under MAX_RESULT_CHARS with resource links, read back whole as
 * resources in both eras and over `/rpc`, paged by getVideoAnalysis; a short
 * result unchanged.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { Client, ProtocolError, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import SrtParser from "srt-parser-2";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_MAX_RESULT_CHARS } from "../../src/config";
import type { ScriptLine, VideoScript } from "../support/fake-gemini";
import { connectTaskClient, MODERN } from "../support/task-client";
import { countingWorker } from "./support/counting-worker";
import { useFakeGemini } from "./support/fetch-spy";
import { AUTH, BASE_URL, postJson, sessionStub } from "./support/http";
import { expectValidToolResult } from "./support/output-schemas";
import { VIEWER_URI } from "../../src/viewer/viewer-meta";

const fake = useFakeGemini();

const VIDEO_ID = "dQw4w9WgXcQ";
const VIDEO = `https://youtu.be/${VIDEO_ID}`;
const HOUR = 3600;
/** Resource not found: -32602 in every era since 2026-07-28 (the SDK v2 maps -32002 to it). */
const RESOURCE_NOT_FOUND = -32602;

/** An hour of two people talking, a line every 15 seconds: far more than one result holds. */
function longScript(): VideoScript {
  const lines: ScriptLine[] = [];
  for (let at = 0; at < HOUR; at += 15) {
    lines.push({
      speaker: lines.length % 2 === 0 ? "Alice" : "Bob",
      startSeconds: at,
      text: `Line ${lines.length}: a sentence long enough to look like real speech in a podcast.`
    });
  }
  return { lines };
}

function scripted(script: VideoScript, seconds = HOUR): VideoScript {
  fake.scripts.set(VIDEO_ID, script);
  fake.youTubeVideos.set(VIDEO_ID, seconds);
  return script;
}

const open: Client[] = [];
afterEach(async () => {
  for (const client of open.splice(0)) await client.close();
});

async function connect(mode: "auto" | "legacy", fetcher?: typeof fetch): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", BASE_URL), {
    fetch: fetcher ?? ((input, init) => exports.default.fetch(new Request(input, init))),
    requestInit: { headers: AUTH }
  });
  const client = new Client({ name: "long-results", version: "1.0.0" }, { versionNegotiation: { mode } });
  await client.connect(transport);
  open.push(client);
  return client;
}

interface Block {
  type: string;
  text?: string;
  uri?: string;
  mimeType?: string;
}

interface ToolResult {
  content: Block[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** What a client holds of a result: its text, every other content block as JSON, and the structured content as JSON. */
function charactersOf(result: ToolResult): number {
  const content = result.content.map((block) =>
    block.type === "text" ? (block.text ?? "").length : JSON.stringify(block).length
  );
  return content.reduce((a, b) => a + b, 0) + JSON.stringify(result.structuredContent ?? {}).length;
}

const clock = (seconds: number) => {
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)},000`;
};

async function transcribe(client: Client): Promise<ToolResult> {
  const result = (await client.callTool({ name: "transcribeVideo", arguments: { videoUrl: VIDEO } })) as ToolResult;
  await expectValidToolResult("transcribeVideo", result);
  return result;
}

function linkTo(result: ToolResult, name: string): string {
  const link = result.content.find((block) => block.type === "resource_link" && block.uri?.endsWith(`/${name}`));
  if (!link?.uri) throw new Error(`No link to ${name} in ${JSON.stringify(result.content.map((block) => block.type))}`);
  return link.uri;
}

async function readText(client: Client, uri: string): Promise<string> {
  const { contents } = await client.readResource({ uri });
  const [first] = contents;
  if (!first || !("text" in first)) throw new Error(`No text in ${uri}`);
  return first.text;
}

async function refusal(read: Promise<unknown>): Promise<number | undefined> {
  try {
    await read;
  } catch (error) {
    return error instanceof ProtocolError ? error.code : undefined;
  }
  throw new Error("read succeeded");
}

describe("results that fit the client", () => {
  it("a long transcript's result is cut under MAX_RESULT_CHARS, links its files, and reads back whole (2026-07-28)", async () => {
    const script = scripted(longScript());
    const client = await connect("auto");
    const result = await transcribe(client);
    expect(result.isError).toBeFalsy();
    expect(charactersOf(result)).toBeLessThanOrEqual(DEFAULT_MAX_RESULT_CHARS);
    // Most of the room is used: the cut is not needlessly short.
    expect(charactersOf(result)).toBeGreaterThan(DEFAULT_MAX_RESULT_CHARS * 0.8);
    const structured = result.structuredContent as {
      jobId: string;
      segments: { speaker: string; text: string }[];
      shortened: Record<string, unknown>;
    };
    const shown = structured.segments.length;
    expect(shown).toBeGreaterThan(10);
    expect(shown).toBeLessThan(script.lines.length);
    expect(structured.segments).toEqual(
      script.lines.slice(0, shown).map(({ speaker, text }) => expect.objectContaining({ speaker, text }))
    );
    expect(structured.shortened).toMatchObject({ shown, total: script.lines.length, unit: "segments" });
    const notice = result.content.find((block) => block.text?.startsWith("This result was shortened"))?.text;
    expect(notice).toContain(`the first ${shown} of ${script.lines.length} transcript segments`);
    expect(notice).toContain(`from ${shown}`);
    expect(result.content.filter((block) => block.type === "resource_link").map((block) => block.uri?.split("/").pop())).toEqual([
      "transcript.srt",
      "transcript.vtt",
      "transcript.txt",
      "transcript.json",
      "answer.md"
    ]);

    const cues = new SrtParser().fromSrt(await readText(client, linkTo(result, "transcript.srt")));
    expect(cues).toHaveLength(script.lines.length);
    script.lines.forEach((line, index) => {
      expect(cues[index]?.startTime).toBe(clock(line.startSeconds));
      expect(cues[index]?.text).toBe(`${line.speaker}: ${line.text}`);
    });
    const json = JSON.parse(await readText(client, linkTo(result, "transcript.json"))) as { segments: unknown[] };
    expect(json.segments).toHaveLength(script.lines.length);
    expect(await readText(client, linkTo(result, "transcript.vtt"))).toMatch(
      /^WEBVTT\n\n00:00:00\.000 --> 00:00:15\.000\nAlice: Line 0:/
    );
    const markdown = await readText(client, linkTo(result, "answer.md"));
    expect(markdown.split("\n\n")).toHaveLength(script.lines.length);
  });

  it("another caller cannot read what its job id does not name; a session lists only its own analyses (2025)", async () => {
    scripted(longScript());
    const owner = await connect("legacy");
    const result = await transcribe(owner);
    const srt = linkTo(result, "transcript.srt");
    const jobId = String(result.structuredContent?.jobId);
    const listed = (await owner.listResources()).resources.map((resource) => resource.uri);
    expect(listed).toEqual(expect.arrayContaining([srt, linkTo(result, "answer.md")]));

    const other = await connect("legacy");
    // Nothing of another session's analyses: only the viewer's page, which every session lists.
    expect((await other.listResources()).resources.map((resource) => resource.uri)).toEqual([VIEWER_URI]);
    // Another random part in the same session's id: no such job.
    const guessed = srt.replace(jobId, `${jobId.split(".")[0]}.0123456789abcdef`);
    expect(await refusal(other.readResource({ uri: guessed }))).toBe(RESOURCE_NOT_FOUND);
    // A session id this server never issued: refused without any Durable Object.
    const counting = countingWorker();
    const stranger = await connect("auto", counting.fetch);
    const forged = srt.replace(jobId, `${"0".repeat(32)}.0123456789abcdef`);
    expect(await refusal(stranger.readResource({ uri: forged }))).toBe(RESOURCE_NOT_FOUND);
    expect(counting.objects()).toBe(0);
    // A file a text answer does not have.
    expect(await refusal(owner.readResource({ uri: srt.replace("transcript.srt", "transcript.pdf") }))).toBe(RESOURCE_NOT_FOUND);
    const templates = (await stranger.listResourceTemplates()).resourceTemplates.map((template) => template.uriTemplate);
    expect(templates).toContain("gemini-video://analyses/{jobId}/transcript.srt");
  });

  it("getVideoAnalysis pages a long transcript's segments with from and limit", async () => {
    const script = scripted(longScript());
    const client = await connect("auto");
    const jobId = String((await transcribe(client)).structuredContent?.jobId);
    const page = (await client.callTool({ name: "getVideoAnalysis", arguments: { jobId, from: 100, limit: 50 } })) as ToolResult;
    await expectValidToolResult("getVideoAnalysis", page);
    const structured = page.structuredContent as { segments: { speaker: string; text: string }[]; page: unknown };
    expect(structured.segments.map(({ speaker, text }) => ({ speaker, text }))).toEqual(
      script.lines.slice(100, 150).map(({ speaker, text }) => ({ speaker, text }))
    );
    expect(structured.page).toEqual({ from: 100, count: 50, total: script.lines.length, nextFrom: 150 });
    expect(page.content[0]?.text).toContain("[25:00] Alice: Line 100:");

    const last = (await client.callTool({ name: "getVideoAnalysis", arguments: { jobId, from: 230 } })) as ToolResult;
    expect(last.structuredContent?.page).toEqual({ from: 230, count: 10, total: 240 });
    const past = (await client.callTool({ name: "getVideoAnalysis", arguments: { jobId, from: 240 } })) as ToolResult;
    expect(past.isError).toBe(true);
    // Without from and limit, a transcript too long for one result comes as its first page.
    const whole = (await client.callTool({ name: "getVideoAnalysis", arguments: { jobId } })) as ToolResult;
    expect(charactersOf(whole)).toBeLessThanOrEqual(DEFAULT_MAX_RESULT_CHARS);
    expect(whole.structuredContent?.page).toMatchObject({ from: 0, total: 240 });
  });

  it("a short result is unchanged: no links, no notice, every segment", async () => {
    const lines: ScriptLine[] = [
      { speaker: "Ada", startSeconds: 0, text: "Welcome to the workshop." },
      { speaker: "Grace", startSeconds: 7, text: "Today we build a compiler." }
    ];
    scripted({ lines }, 20);
    const client = await connect("auto");
    const result = await transcribe(client);
    expect(result.content).toEqual([
      { type: "text", text: "[00:00] Ada: Welcome to the workshop.\n[00:07] Grace: Today we build a compiler." }
    ]);
    expect(result.structuredContent).toMatchObject({
      language: "en",
      segments: [
        { start: "00:00", speaker: "Ada", text: "Welcome to the workshop." },
        { start: "00:07", speaker: "Grace", text: "Today we build a compiler." }
      ]
    });
    expect(result.structuredContent).not.toHaveProperty("shortened");
  });

  it("/rpc reads an analysis's file, session-less, and lists the templates", async () => {
    const script = scripted(longScript());
    const client = await connect("auto");
    const result = await transcribe(client);
    const rpc = async (method: string, params: Record<string, unknown>) =>
      (await (await postJson("/rpc", { jsonrpc: "2.0", id: 1, method, params })).json()) as {
        result?: { contents?: { text: string }[]; resourceTemplates?: { uriTemplate: string }[] };
        error?: { code: number };
      };
    const read = await rpc("resources/read", { uri: linkTo(result, "transcript.txt") });
    expect(read.result?.contents?.[0]?.text.trimEnd().split("\n")).toHaveLength(script.lines.length);
    const templates = await rpc("resources/templates/list", {});
    expect(templates.result?.resourceTemplates?.map((template) => template.uriTemplate.split("/").pop())).toEqual([
      "transcript.srt",
      "transcript.vtt",
      "transcript.txt",
      "transcript.json",
      "answer.md"
    ]);
    const missing = await rpc("resources/read", { uri: "gemini-video://analyses/nothing/answer.md" });
    expect(missing.error?.code).toBe(RESOURCE_NOT_FOUND);
  });

  it("a task's result is cut the same way (tasks extension, tasks/get)", async () => {
    scripted(longScript());
    const tasks = await connectTaskClient(
      new URL("/mcp", BASE_URL),
      (input, init) => exports.default.fetch(new Request(input, init)),
      AUTH
    );
    try {
      const meta = {
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": {} } },
        "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" }
      };
      const send = async (id: number, method: string, params: Record<string, unknown>) =>
        (await (await tasks.post({ jsonrpc: "2.0", id, method, params: { ...params, _meta: meta } })).json()) as {
          result: { taskId: string; status: string; result?: ToolResult };
        };
      const created = await send(1, "tools/call", { name: "transcribeVideo", arguments: { videoUrl: VIDEO } });
      const taskId = created.result.taskId;
      let task = created.result;
      for (let poll = 2; task.status !== "completed" && poll < 200; poll += 1) {
        await runDurableObjectAlarm(sessionStub(taskId.split(".")[0]!));
        await new Promise((resolve) => setTimeout(resolve, 25));
        task = (await send(poll, "tasks/get", { taskId })).result;
      }
      expect(task.status).toBe("completed");
      const result = task.result!;
      expect(charactersOf(result)).toBeLessThanOrEqual(DEFAULT_MAX_RESULT_CHARS);
      expect(linkTo(result, "transcript.srt")).toMatch(
        /^gemini-video:\/\/analyses\/[0-9a-f]{32}\.[0-9a-f]{16}\/transcript\.srt$/
      );
    } finally {
      await tasks.close();
    }
  });

  it("a long free-text answer is cut to its first characters and read whole as answer.md", async () => {
    const answer = Array.from(
      { length: 600 },
      (_, index) => `Paragraph ${index}: what the video shows at this point, in some detail.`
    ).join("\n");
    fake.enqueue({ kind: "answer", chunks: [answer.slice(0, 20_000), answer.slice(20_000)] });
    const client = await connect("auto");
    const result = (await client.callTool({ name: "analyzeRemoteVideo", arguments: { videoUrl: VIDEO } })) as ToolResult;
    await expectValidToolResult("analyzeRemoteVideo", result);
    expect(charactersOf(result)).toBeLessThanOrEqual(DEFAULT_MAX_RESULT_CHARS);
    const shown = result.content[0]?.text ?? "";
    expect(answer.startsWith(shown)).toBe(true);
    expect(result.structuredContent?.shortened).toMatchObject({ unit: "characters", shown: shown.length, total: answer.length });
    expect(result.content.filter((block) => block.type === "resource_link").map((block) => block.uri?.split("/").pop())).toEqual([
      "answer.md"
    ]);
    expect(await readText(client, linkTo(result, "answer.md"))).toBe(answer);
  });

  it("a six-hour summary is cut to whole chapters, the rest in answer.md", async () => {
    const script = scripted(longScript(), 6 * HOUR);
    script.lines = Array.from({ length: (6 * HOUR) / 15 }, (_, index) => ({
      speaker: index % 2 === 0 ? "Alice" : "Bob",
      startSeconds: index * 15,
      text: `Line ${index}: a sentence long enough to look like real speech in a podcast.`
    }));
    const client = await connect("auto");
    const result = (await client.callTool({ name: "summarizeVideo", arguments: { videoUrl: VIDEO, fps: 0.05 } })) as ToolResult;
    if (result.isError) throw new Error(result.content[0]?.text);
    await expectValidToolResult("summarizeVideo", result);
    expect(charactersOf(result)).toBeLessThanOrEqual(DEFAULT_MAX_RESULT_CHARS);
    const structured = result.structuredContent as { chapters: { start: string }[]; shortened: { shown: number; total: number } };
    expect(structured.shortened).toMatchObject({ unit: "chapters", shown: structured.chapters.length, total: 36 });
    expect(structured.chapters.length).toBeGreaterThan(0);
    expect(structured.chapters.length).toBeLessThan(36);
    const markdown = await readText(client, linkTo(result, "answer.md"));
    expect(markdown.split("\n").filter((line) => /^\d+:\d\d(:\d\d)?-/.test(line))).toHaveLength(36);
  });
});
