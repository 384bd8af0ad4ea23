import { exports } from "cloudflare:workers";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { describe, expect, it } from "vitest";
import { TOOLS } from "../../src/tools";
import { VIEWER_HTML } from "../../src/viewer/viewer-html";
import { VIEWER_URI } from "../../src/viewer/viewer-meta";
import { useFakes } from "./support/fetch-spy";
import { AUTH, BASE_URL } from "./support/http";
import { connectSdkClient } from "./support/sdk-client";

const fakes = useFakes();

const VIEWED = [
  "analyzeRemoteVideo",
  "askAboutVideo",
  "summarizeVideo",
  "transcribeVideo",
  "startVideoAnalysis",
  "getVideoAnalysis"
];

describe("the in-chat viewer (MCP Apps)", () => {
  it("tools/list names the viewer on the analysis tools, and every tool has a title and a read-only or destructive hint", async () => {
    const { client } = await connectSdkClient("viewer");
    const { tools } = await client.listTools();
    for (const tool of tools) {
      const ui = (tool._meta as { ui?: { resourceUri?: string } } | undefined)?.ui;
      expect(ui?.resourceUri, tool.name).toBe(VIEWED.includes(tool.name) ? VIEWER_URI : undefined);
      if (ui) expect(tool._meta?.["ui/resourceUri"], tool.name).toBe(VIEWER_URI);
      expect(tool.title, tool.name).toBeTruthy();
      expect(tool.annotations?.readOnlyHint ?? tool.annotations?.destructiveHint, tool.name).toBeTypeOf("boolean");
    }
    expect(tools.map((tool) => tool.name)).toEqual(TOOLS.map((tool) => tool.name));
  });

  it("resources/read serves one self-contained mcp-app page with a CSP that names no site but the server's own", async () => {
    const { client } = await connectSdkClient("viewer");
    const { resources } = await client.listResources();
    expect(resources).toContainEqual(expect.objectContaining({ uri: VIEWER_URI, mimeType: "text/html;profile=mcp-app" }));
    const { contents } = await client.readResource({ uri: VIEWER_URI });
    expect(contents).toHaveLength(1);
    const [page] = contents as [{ uri: string; mimeType: string; text: string; _meta: Record<string, unknown> }];
    expect(page).toMatchObject({ uri: VIEWER_URI, mimeType: "text/html;profile=mcp-app" });
    expect(page.text).toBe(VIEWER_HTML);
    // Its one resource domain is the server's own origin, where its <video> plays a file URL (GET /media).
    expect(page._meta).toEqual({
      ui: { csp: { connectDomains: [], resourceDomains: [BASE_URL], frameDomains: [] }, prefersBorder: true }
    });
    // Everything is inline: no script, style sheet or frame is fetched from anywhere.
    expect(page.text).not.toMatch(/<script[^>]*\ssrc=|<link[^>]*stylesheet|<iframe/i);
    expect(page.text).toMatch(/<script>[\s\S]+<\/script>/);
    expect(fakes.requested).toEqual([]);
  });

  it("a 2026-era client (SDK v2, no session) reads the same page, through the call probe", async () => {
    const client = new Client({ name: "viewer-2026", version: "1.0.0" }, { versionNegotiation: { mode: "auto" } });
    await client.connect(
      new StreamableHTTPClientTransport(new URL("/mcp", BASE_URL), {
        fetch: (input, init) => exports.default.fetch(new Request(input, init)),
        requestInit: { headers: AUTH }
      })
    );
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28");
      const { contents } = await client.readResource({ uri: VIEWER_URI });
      expect(contents).toEqual([
        expect.objectContaining({
          uri: VIEWER_URI,
          text: VIEWER_HTML,
          _meta: expect.objectContaining({
            ui: expect.objectContaining({ csp: expect.objectContaining({ resourceDomains: [BASE_URL] }) })
          })
        })
      ]);
    } finally {
      await client.close();
    }
  });
});
