import { describe, expect, it } from "vitest";
import { createToolDirectory } from "../../src/mcp-server";
import { memoizeReplies } from "../../src/transport/reply-memo";
import { createStatelessHttp } from "../../src/transport/stateless-http";

const MODERN = "2026-07-28";
const ENVELOPE = {
  "io.modelcontextprotocol/protocolVersion": MODERN,
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "memo", version: "1" }
};
const HEADERS = {
  Accept: "application/json, text/event-stream",
  "Content-Type": "application/json",
  "MCP-Protocol-Version": MODERN,
  "Mcp-Method": "tools/list"
};

interface Variant {
  name: string;
  headers: Record<string, string | undefined>;
  body: Record<string, unknown>;
}

const LIST = { jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: ENVELOPE } };

/** Requests that differ from the one remembered in one thing the SDK checks, and a few it answers alike. */
const VARIANTS: Variant[] = [
  { name: "another integer id", headers: {}, body: { ...LIST, id: 77 } },
  { name: "a string id", headers: {}, body: { ...LIST, id: 'a\u2028b"c' } },
  { name: "an id that is not an integer", headers: {}, body: { ...LIST, id: 1.5 } },
  { name: "a null id", headers: {}, body: { ...LIST, id: null } },
  { name: "an empty string id", headers: {}, body: { ...LIST, id: "" } },
  { name: "Mcp-Method that disagrees", headers: { "Mcp-Method": "ping" }, body: LIST },
  { name: "no Mcp-Method", headers: { "Mcp-Method": undefined }, body: LIST },
  { name: "no MCP-Protocol-Version", headers: { "MCP-Protocol-Version": undefined }, body: LIST },
  { name: "an unsupported version", headers: { "MCP-Protocol-Version": "2099-01-01" }, body: LIST },
  { name: "a text/plain body", headers: { "Content-Type": "text/plain" }, body: LIST },
  { name: "no _meta envelope", headers: {}, body: { ...LIST, params: {} } },
  {
    name: "an envelope with another version",
    headers: {},
    body: { ...LIST, params: { _meta: { ...ENVELOPE, "io.modelcontextprotocol/protocolVersion": "2025-11-25" } } }
  },
  { name: "a cursor", headers: {}, body: { ...LIST, params: { _meta: ENVELOPE, cursor: "x" } } },
  { name: "server/discover", headers: { "Mcp-Method": "server/discover" }, body: { ...LIST, method: "server/discover" } },
  { name: "ping", headers: { "Mcp-Method": "ping" }, body: { ...LIST, method: "ping" } },
  { name: "a notification", headers: {}, body: { jsonrpc: "2.0", method: "tools/list", params: { _meta: ENVELOPE } } },
  { name: "no jsonrpc member", headers: {}, body: { id: 5, method: "tools/list", params: { _meta: ENVELOPE } } }
];

function request(variant: Pick<Variant, "headers" | "body">): { request: Request; parsedBody: unknown } {
  const headers = new Headers();
  for (const [name, value] of Object.entries({ ...HEADERS, ...variant.headers })) {
    if (value !== undefined) headers.set(name, value);
  }
  const text = JSON.stringify(variant.body);
  return { request: new Request("http://127.0.0.1/mcp", { method: "POST", headers, body: text }), parsedBody: JSON.parse(text) };
}

async function described(response: Response): Promise<{ status: number; type: string | null; body: string }> {
  return { status: response.status, type: response.headers.get("content-type"), body: await response.text() };
}

describe("remembered 2026-era directory replies", () => {
  it("answer every request exactly as the SDK does, after the SDK's answer to the usual request was remembered", async () => {
    const plain = createStatelessHttp(() => createToolDirectory(), 0);
    const memo = memoizeReplies(createStatelessHttp(() => createToolDirectory(), 0));
    const usual = request({ headers: {}, body: LIST });
    expect((await memo.handle(usual.request, usual.parsedBody)).status).toBe(200);
    for (const variant of VARIANTS) {
      for (const round of [1, 2]) {
        const fromSdk = request(variant);
        const fromMemo = request(variant);
        expect(
          await described(await memo.handle(fromMemo.request, fromMemo.parsedBody)),
          `${variant.name}, round ${round}`
        ).toEqual(await described(await plain.handle(fromSdk.request, fromSdk.parsedBody)));
      }
    }
  });

  it("build the SDK's server once for requests that differ only in their id", async () => {
    let built = 0;
    const memo = memoizeReplies(
      createStatelessHttp(() => {
        built += 1;
        return createToolDirectory();
      }, 0)
    );
    for (const id of [1, 2, "three", 4]) {
      const { request: sent, parsedBody } = request({ headers: {}, body: { ...LIST, id } });
      const reply = (await (await memo.handle(sent, parsedBody)).json()) as { id: unknown; result: { tools: unknown[] } };
      expect(reply.id).toBe(id);
      expect(reply.result.tools.length).toBeGreaterThan(0);
    }
    expect(built).toBe(2);
  });
});
