/**
 * Long results on the real server (`wrangler dev`) with `MAX_RESULT_CHARS`
 * set: in each era an SDK v2 client's transcript comes cut under the setting,
 * and its SubRip file, read with `readResource`, holds every scripted line;
 * the v1 SDK client reads it too.
 */
import { Client as ClientV2, StreamableHTTPClientTransport as HttpTransportV2 } from "@modelcontextprotocol/client";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as HttpTransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import SrtParser from "srt-parser-2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScriptLine } from "../support/fake-gemini";
import { startStack, type Stack } from "./support/stack";

const VIDEO_ID = "dQw4w9WgXcQ";
const VIDEO = `https://www.youtube.com/watch?v=${VIDEO_ID}`;
const MAX_RESULT_CHARS = 8000;

/** Half an hour of speech, a line every 10 seconds. */
const LINES: ScriptLine[] = Array.from({ length: 180 }, (_, index) => ({
  speaker: index % 3 === 0 ? "Host" : "Guest",
  startSeconds: index * 10,
  text: `Sentence number ${index}, said at ${index * 10} seconds into the conversation.`
}));

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ MAX_RESULT_CHARS: String(MAX_RESULT_CHARS) });
  stack.gemini.scripts.set(VIDEO_ID, { lines: LINES });
  stack.gemini.youTubeVideos.set(VIDEO_ID, 1800);
});

afterAll(async () => {
  await stack?.stop();
});

const mcpUrl = () => new URL(`${stack.server.baseUrl}/mcp`);
const requestInit = () => ({ headers: { Authorization: `Bearer ${stack.server.secret}` } });

interface Block {
  type: string;
  text?: string;
  uri?: string;
}

function charactersOf(result: { content: Block[]; structuredContent?: unknown }): number {
  const content = result.content.map((block) =>
    block.type === "text" ? (block.text ?? "").length : JSON.stringify(block).length
  );
  return content.reduce((a, b) => a + b, 0) + JSON.stringify(result.structuredContent ?? {}).length;
}

function expectEveryLine(srt: string): void {
  const cues = new SrtParser().fromSrt(srt);
  expect(cues.map((cue) => [cue.startSeconds, cue.text])).toEqual(
    LINES.map((line) => [line.startSeconds, `${line.speaker}: ${line.text}`])
  );
}

describe.each(["auto", "legacy"] as const)("a long transcript on the real server (SDK v2, %s)", (mode) => {
  it("comes cut under MAX_RESULT_CHARS and reads back whole as a resource", async () => {
    const client = new ClientV2({ name: `long-${mode}`, version: "1.0.0" }, { versionNegotiation: { mode } });
    await client.connect(new HttpTransportV2(mcpUrl(), { requestInit: requestInit() }));
    try {
      const result = (await client.callTool({ name: "transcribeVideo", arguments: { videoUrl: VIDEO } })) as {
        content: Block[];
        structuredContent?: { segments?: unknown[] };
      };
      expect(charactersOf(result)).toBeLessThanOrEqual(MAX_RESULT_CHARS);
      expect(result.structuredContent?.segments?.length).toBeLessThan(LINES.length);
      const srt = result.content.find((block) => block.type === "resource_link" && block.uri?.endsWith("/transcript.srt"))?.uri;
      expect(srt).toBeDefined();
      const { contents } = await client.readResource({ uri: srt! });
      expectEveryLine((contents[0] as { text: string }).text);

      const v1 = new ClientV1({ name: "long-v1", version: "1.0.0" });
      await v1.connect(new HttpTransportV1(mcpUrl(), { requestInit: requestInit() }));
      try {
        expectEveryLine(((await v1.readResource({ uri: srt! })).contents[0] as { text: string }).text);
      } finally {
        await v1.close();
      }
    } finally {
      await client.close();
    }
  });
});
