import { describe, expect, it } from "vitest";
import { toolOf } from "../../src/console/analysis-entry";
import { ANALYSIS_KINDS } from "../../src/console/start-analysis";
import { runsAsTask } from "../../src/tasks/task-routing";
import { TOOLS } from "../../src/tools";
import readme from "../../README.md?raw";
import { call } from "./support/http";
import { connectSdkClient } from "./support/sdk-client";

const NAMES = TOOLS.map((tool) => tool.name);

async function connect() {
  return (await connectSdkClient("descriptors")).client;
}

/** A 2026-era tools/call from a client that declares the tasks extension. */
function taskCall(name: string): unknown {
  return {
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: {
      name,
      arguments: {},
      _meta: {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": {} } },
        "io.modelcontextprotocol/clientInfo": { name: "descriptors", version: "1" }
      }
    }
  };
}

describe("TOOLS (src/tools/index.ts) is the one list of tools every other place reads", () => {
  it("tools/list shows each descriptor once, in the list's order", async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(NAMES);
    expect(NAMES).toEqual([
      "analyzeRemoteVideo",
      "askAboutVideo",
      "summarizeVideo",
      "transcribeVideo",
      "startVideoAnalysis",
      "getVideoAnalysis",
      "cancelVideoAnalysis",
      "listVideoAnalyses",
      "searchVideos",
      "askAcrossVideos",
      "createVideoUpload"
    ]);
  });

  it("the server's instructions carry every tool's sentence, and each sentence names its tool", async () => {
    const instructions = (await connect()).getInstructions() ?? "";
    for (const tool of TOOLS) {
      expect(tool.instructions).toContain(tool.name);
      expect(instructions).toContain(tool.instructions);
    }
  });

  it("a tools/call becomes a task for exactly the tools that declare one", () => {
    for (const tool of TOOLS) expect(runsAsTask(taskCall(tool.name)), tool.name).toBe(tool.task !== undefined);
    expect(TOOLS.filter((tool) => tool.task).map((tool) => tool.name)).toEqual([
      "analyzeRemoteVideo",
      "summarizeVideo",
      "transcribeVideo"
    ]);
    expect(runsAsTask(taskCall("noSuchTool"))).toBe(false);
  });

  it("each console kind is a taskable tool's, and the console's index shows that tool for what the kind starts", () => {
    expect(ANALYSIS_KINDS).toEqual(["answer", "chapters", "transcript"]);
    const withKind = TOOLS.filter((tool) => tool.console);
    expect(withKind.map((tool) => tool.console?.kind)).toEqual(ANALYSIS_KINDS);
    for (const tool of withKind) {
      expect(tool.task, tool.name).toBeDefined();
      const input = tool.console?.analysisFor({ videoUrl: "https://youtu.be/dQw4w9WgXcQ" }, { defaultModel: "gemini-test" });
      expect(input && toolOf(input), tool.name).toBe(tool.name);
    }
  });

  it("the console's start form offers exactly those kinds", async () => {
    const views = await (await call("/console/views.js")).text();
    const form = views.slice(views.indexOf('<select id="kind"'), views.indexOf("</select>", views.indexOf('<select id="kind"')));
    expect([...form.matchAll(/<option value="([^"]+)"/g)].map((match) => match[1])).toEqual(ANALYSIS_KINDS);
  });

  it("README's table of tools has a row for each, in the list's order", () => {
    const section = readme.slice(readme.indexOf("\n## Tools\n"), readme.indexOf("\n### Video options\n"));
    expect([...section.matchAll(/^\| `(\w+)` \|/gm)].map((match) => match[1])).toEqual(NAMES);
  });
});
