/**
 * Fuzzing `/mcp` (Streamable HTTP): whatever the body and headers, every
 * answer is a JSON-RPC reply stream, a 202, or a 4xx JSON-RPC refusal (id null), never
 * a 5xx; every request in an accepted body gets its reply; and the session
 * still works afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFakes } from "./support/fetch-spy";
import { AUTH, call } from "./support/http";
import { expectValidToolResult } from "./support/output-schemas";
import {
  acceptHeader,
  asSent,
  badAuthorization,
  contentTypeHeader,
  echoableId,
  echoableIds,
  sentIds,
  expectRefusalOnJsonRpcRoute,
  expectJsonRpcServerMessage,
  fc,
  fuzz,
  FUZZ_TEST_TIMEOUT_MS,
  headersOf,
  jsonBody,
  lastEventIdHeader,
  protocolVersionHeader,
  rawBody,
  readAnswer,
  sessionIdHeader,
  replyMessages,
  sseMessages,
  watchUnhandledRejections
} from "./support/fuzz";

const fakes = useFakes();
const PROTOCOL_VERSION = "2025-11-25";

function mcpHeaders(sessionId?: string): Record<string, string> {
  return {
    ...AUTH,
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
    "MCP-Protocol-Version": PROTOCOL_VERSION,
    ...(sessionId ? { "Mcp-Session-Id": sessionId } : {})
  };
}

async function initialize(): Promise<string> {
  const response = await call("/mcp", {
    method: "POST",
    headers: mcpHeaders(),
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "fuzz", version: "1" } }
    })
  });
  await response.text();
  expect(response.status).toBe(200);
  const sessionId = response.headers.get("Mcp-Session-Id")!;
  const initialized = await call("/mcp", {
    method: "POST",
    headers: mcpHeaders(sessionId),
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })
  });
  expect(initialized.status).toBe(202);
  return sessionId;
}

/** Fails a test that would otherwise hang on a reply that never comes. */
function within<T>(ms: number, work: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    })
  ]).finally(() => clearTimeout(timer));
}

/**
 * Checks the answer to a POST of `value` (undefined when the body was not
 * JSON): a 4xx JSON-RPC refusal, a 202 for notifications and responses only,
 * or a JSON body or an SSE stream that carries a reply to every request in the body.
 */
async function expectMcpAnswer(response: Response, value: unknown, parsed: boolean): Promise<void> {
  const text = await within(10_000, response.text(), `POST /mcp ${JSON.stringify(value)?.slice(0, 200)}`);
  expect(response.status, text).toBeLessThan(500);
  if (response.status >= 400) {
    expectRefusalOnJsonRpcRoute(response.status, text, parsed ? sentIds(value) : []);
    // The SDK answers an exception in its POST handler with "Parse error" and the exception, as a string, in data.
    expect(typeof (JSON.parse(text) as { error: { data?: unknown } }).error.data, text).not.toBe("string");
    return;
  }
  expect(parsed).toBe(true);
  const items = Array.isArray(value) ? value : [value];
  const requests = items.filter((item) => typeof item === "object" && item !== null && "method" in item && "id" in item);
  if (response.status === 202) {
    expect(requests, `202 for ${JSON.stringify(value)}`).toEqual([]);
    return;
  }
  expect(response.status).toBe(200);
  const messages = replyMessages(response, text);
  for (const message of messages) expectJsonRpcServerMessage(message, echoableIds(value));
  // MCP forbids reusing an id within a session, so one reply per distinct id is what a client can count on.
  const repliedTo = messages.filter((message) => !("method" in message)).map((message) => JSON.stringify(message.id));
  for (const request of requests) expect(repliedTo, text).toContain(JSON.stringify(echoableId(request)));
}

describe("fuzzing /mcp", () => {
  let sessionId: string;
  const rejections = watchUnhandledRejections();

  beforeAll(async () => {
    sessionId = await initialize();
  });

  afterAll(() => {
    rejections.stop();
  });

  it("answers JSON-RPC-shaped garbage in a session with replies or JSON-RPC refusals", {
    timeout: FUZZ_TEST_TIMEOUT_MS
  }, async () => {
    await fuzz(
      fc.asyncProperty(jsonBody, async (body) => {
        const { text, value } = asSent(body);
        const response = await call("/mcp", { method: "POST", headers: mcpHeaders(sessionId), body: text });
        await expectMcpAnswer(response, value, true);
      })
    );
    rejections.check();
  });

  it("answers any bytes, in a session or before one, never with a 5xx", { timeout: FUZZ_TEST_TIMEOUT_MS }, async () => {
    await fuzz(
      fc.asyncProperty(rawBody, fc.boolean(), async (body, inSession) => {
        const response = await call("/mcp", { method: "POST", headers: mcpHeaders(inSession ? sessionId : undefined), body });
        const text = new TextDecoder().decode(typeof body === "string" ? new TextEncoder().encode(body) : body);
        let value: unknown;
        let parsed = true;
        try {
          value = JSON.parse(text);
        } catch {
          parsed = false;
        }
        await expectMcpAnswer(response, value, parsed);
      })
    );
    rejections.check();
  });

  it("refuses bad headers with 4xx JSON-RPC errors, never a 5xx", { timeout: FUZZ_TEST_TIMEOUT_MS }, async () => {
    await fuzz(
      fc.asyncProperty(
        fc.record({
          method: fc.constantFrom("POST", "GET", "DELETE"),
          authorization: fc.oneof(
            { weight: 4, arbitrary: fc.constant(AUTH.Authorization) },
            { weight: 1, arbitrary: badAuthorization }
          ),
          contentType: contentTypeHeader,
          accept: acceptHeader,
          protocolVersion: protocolVersionHeader,
          // DELETE gets unknown sessions only: ending the fuzzed session is not garbage.
          sessionId: sessionIdHeader(sessionId),
          lastEventId: lastEventIdHeader(sessionId)
        }),
        fc.constantFrom(
          '{"jsonrpc":"2.0","id":1,"method":"ping"}',
          '{"jsonrpc":"2.0","method":"notifications/initialized"}',
          "[]"
        ),
        async (h, body) => {
          const mcpSessionId = h.method === "DELETE" && h.sessionId === sessionId ? undefined : h.sessionId;
          const headers = headersOf({
            Authorization: h.authorization,
            "Content-Type": h.contentType,
            Accept: h.accept,
            "MCP-Protocol-Version": h.protocolVersion,
            "Mcp-Session-Id": mcpSessionId,
            "Last-Event-ID": h.lastEventId
          });
          const response = await call("/mcp", { method: h.method, headers, ...(h.method === "POST" ? { body } : {}) });
          // A GET that succeeds is a standing stream: drop it.
          const text = await within(10_000, readAnswer(response, { standing: h.method === "GET" }), `${h.method} /mcp`);
          expect(response.status, text).toBeLessThan(500);
          if (h.authorization !== AUTH.Authorization) expect(response.status).toBe(401);
          if (response.status >= 400) expectRefusalOnJsonRpcRoute(response.status, text, sentIds(JSON.parse(body)));
        }
      )
    );
    rejections.check();
  });

  it("leaves the session working: tools/list answers and an analysis completes", async () => {
    const listed = await call("/mcp", {
      method: "POST",
      headers: mcpHeaders(sessionId),
      body: JSON.stringify({ jsonrpc: "2.0", id: "list", method: "tools/list" })
    });
    expect(listed.status).toBe(200);
    const [list] = replyMessages(listed, await listed.text()) as { result: { tools: { name: string }[] } }[];
    expect(list?.result.tools.map((tool) => tool.name)).toContain("analyzeRemoteVideo");

    fakes.gemini.reset();
    const analysed = await call("/mcp", {
      method: "POST",
      headers: mcpHeaders(sessionId),
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: "analyse",
        method: "tools/call",
        params: {
          name: "analyzeRemoteVideo",
          arguments: { videoUrl: "https://youtu.be/dQw4w9WgXcQ" },
          _meta: { progressToken: 1 }
        }
      })
    });
    const messages = sseMessages(await analysed.text());
    expect(messages.at(-1)).toMatchObject({
      id: "analyse",
      result: { content: [{ type: "text", text: "The video shows a cat at 00:05 and a dog at 01:10." }] }
    });
    await expectValidToolResult("analyzeRemoteVideo", messages.at(-1)!.result);
    expect(messages.slice(0, -1).every((message) => message.method === "notifications/progress")).toBe(true);
    rejections.check();
  });
});
