/**
 * Fuzzing `POST /rpc`: whatever the body and headers, the answer is JSON-RPC
 * (a reply, or a 4xx JSON-RPC refusal), never a 5xx, and the session it was bound to
 * still lists tools and completes an analysis afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFakes } from "./support/fetch-spy";
import { AUTH, call, closeStreams, openSession, postJson, type OpenSession } from "./support/http";
import { callTool } from "./support/session-calls";
import {
  acceptHeader,
  asSent,
  badAuthorization,
  contentTypeHeader,
  echoableId,
  echoableIds,
  expectRefusalOnJsonRpcRoute,
  expectJsonRpcReply,
  expectJsonRpcServerMessage,
  fc,
  fuzz,
  FUZZ_TEST_TIMEOUT_MS,
  goodAuthorization,
  headersOf,
  jsonBody,
  rawBody,
  sessionIdHeader,
  watchUnhandledRejections,
  type JsonRpcId
} from "./support/fuzz";

useFakes();

/** `JSON.stringify` keys, so ids compare by value and type. */
function countIds(ids: readonly JsonRpcId[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(JSON.stringify(id), (counts.get(JSON.stringify(id)) ?? 0) + 1);
  return counts;
}

/** True for an element that must get a reply: it names a method and carries a usable id. */
function wantsReply(message: unknown): boolean {
  return (
    typeof message === "object" &&
    message !== null &&
    !Array.isArray(message) &&
    "method" in message &&
    echoableId(message) !== null
  );
}

/**
 * Checks the answer `/rpc` gave to `sent` (the body as the server parsed it,
 * or undefined when it was not JSON).
 */
async function expectRpcAnswer(response: Response, sent: { parsed: boolean; value?: unknown }): Promise<void> {
  const text = await response.text();
  expect(response.status, text).toBeLessThan(500);
  if (response.status === 202) {
    expect(text).toBe("");
    const items = Array.isArray(sent.value) ? sent.value : [sent.value];
    expect(items.some(wantsReply), `202 for a body that needs a reply: ${JSON.stringify(sent.value)}`).toBe(false);
    return;
  }
  expect([200, 400]).toContain(response.status);
  expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
  const body = JSON.parse(text) as unknown;
  if (!sent.parsed) {
    expect(response.status).toBe(400);
    expect(body).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } });
    return;
  }
  const ids = echoableIds(sent.value);
  const replies = Array.isArray(body) ? body : [body];
  if (Array.isArray(body)) expect(Array.isArray(sent.value)).toBe(true);
  for (const reply of replies) expectJsonRpcReply(reply, ids);
  // Every request with a usable id is answered under that id.
  const expected = countIds((Array.isArray(sent.value) ? sent.value : [sent.value]).filter(wantsReply).map(echoableId));
  const answered = countIds(replies.map((reply) => (reply as { id: JsonRpcId }).id));
  for (const [id, count] of expected) expect(answered.get(id) ?? 0, `replies with id ${id}`).toBeGreaterThanOrEqual(count);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe("fuzzing POST /rpc", () => {
  let session: OpenSession;
  const rejections = watchUnhandledRejections();

  beforeAll(async () => {
    session = await openSession();
  });

  afterAll(async () => {
    rejections.stop();
    await session.sse.cancel();
    await closeStreams(session.sessionId);
  });

  it("answers any bytes without a session with JSON-RPC, never a 5xx", { timeout: FUZZ_TEST_TIMEOUT_MS }, async () => {
    await fuzz(
      fc.asyncProperty(rawBody, async (body) => {
        // As the server reads it: UTF-8, with anything unpaired replaced.
        const text = new TextDecoder().decode(typeof body === "string" ? new TextEncoder().encode(body) : body);
        const response = await call("/rpc", { method: "POST", headers: AUTH, body });
        await expectRpcAnswer(response, isJson(text) ? { parsed: true, value: JSON.parse(text) } : { parsed: false });
      })
    );
    rejections.check();
  });

  it("answers JSON-RPC-shaped garbage on a session, each request under its own id", {
    timeout: FUZZ_TEST_TIMEOUT_MS
  }, async () => {
    await fuzz(
      fc.asyncProperty(jsonBody, fc.boolean(), async (body, inQuery) => {
        const { text, value } = asSent(body);
        const response = inQuery
          ? await postJson(`/rpc?sessionId=${session.sessionId}`, text)
          : await postJson("/rpc", text, { "Mcp-Session-Id": session.sessionId });
        await expectRpcAnswer(response, { parsed: true, value });
      })
    );
    rejections.check();
  });

  it("refuses or answers any headers with JSON-RPC, never a 5xx", { timeout: FUZZ_TEST_TIMEOUT_MS }, async () => {
    await fuzz(
      fc.asyncProperty(
        fc.record({
          authorization: fc.oneof(
            fc.constant({ value: undefined, valid: false }),
            badAuthorization.map((value) => ({ value, valid: false })),
            goodAuthorization.map((value) => ({ value, valid: true }))
          ),
          contentType: contentTypeHeader,
          accept: acceptHeader,
          sessionId: sessionIdHeader(session.sessionId),
          origin: fc.oneof(fc.constant(undefined), fc.constantFrom("https://inspector.example", "null", "http://localhost:6274"))
        }),
        fc.constantFrom('{"jsonrpc":"2.0","id":1,"method":"ping"}', '{"jsonrpc":"2.0","id":"t","method":"tools/list"}'),
        async (h, body) => {
          const headers = headersOf({
            Authorization: h.authorization.value,
            "Content-Type": h.contentType,
            Accept: h.accept,
            "Mcp-Session-Id": h.sessionId,
            Origin: h.origin
          });
          const response = await call("/rpc", { method: "POST", headers, body });
          const text = await response.text();
          // The default origin policy: loopback origins (and the server's own) only.
          const originAllowed = h.origin === undefined || h.origin === "http://localhost:6274";
          expect(response.headers.get("Access-Control-Allow-Credentials")).toBeNull();
          expect(response.headers.get("Access-Control-Allow-Origin")).toBe(originAllowed ? (h.origin ?? null) : null);
          if (!originAllowed) {
            expect(response.status).toBe(403);
            expectRefusalOnJsonRpcRoute(response.status, text);
            return;
          }
          if (!h.authorization.valid) {
            expect(response.status).toBe(401);
            expectRefusalOnJsonRpcRoute(response.status, text);
            return;
          }
          if (h.sessionId !== undefined && h.sessionId !== session.sessionId) {
            expect(response.status).toBe(404);
            expectRefusalOnJsonRpcRoute(response.status, text);
            return;
          }
          expect(response.status, text).toBe(200);
          expectJsonRpcReply(JSON.parse(text), [1, "t"]);
        }
      )
    );
    rejections.check();
  });

  it("leaves the session working: tools/list answers and an analysis completes", async () => {
    const listed = (await (
      await postJson("/rpc", { jsonrpc: "2.0", id: "after", method: "tools/list" }, { "Mcp-Session-Id": session.sessionId })
    ).json()) as {
      result: { tools: { name: string }[] };
    };
    expect(listed.result.tools.map((tool) => tool.name)).toContain("analyzeRemoteVideo");
    const result = await callTool(
      session.sessionId,
      "analyzeRemoteVideo",
      { videoUrl: "https://youtu.be/dQw4w9WgXcQ" },
      { progressToken: "after" }
    );
    expect(result.isError).toBeUndefined();
    expect(result.content[0]?.text).toBe("The video shows a cat at 00:05 and a dog at 01:10.");
    // Everything the fuzzing sent to the session's stream was well-formed JSON-RPC, up to this call's last progress.
    for (;;) {
      const message = await session.sse.nextMessage(5_000);
      expectJsonRpcServerMessage(message, []);
      if (
        (message.params as { progressToken?: unknown; message?: unknown } | undefined)?.progressToken === "after" &&
        (message.params as { message?: unknown }).message === "done"
      )
        break;
    }
    rejections.check();
  });
});
