/**
 * Fuzzing `POST /messages` (the legacy SSE transport): whatever the body and
 * headers, the POST is answered with 202, a JSON-RPC parse error or a 4xx
 * JSON-RPC refusal, never a 5xx; everything the session's stream carries is
 * well-formed JSON-RPC; and the session still works afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFakes } from "./support/fetch-spy";
import { parseEventId } from "../../src/ids/session-id";
import { AUTH, authed, call, closeStreams, openSession, postJson, SseReader, type OpenSession } from "./support/http";
import { callTool } from "./support/session-calls";
import {
  acceptHeader,
  asSent,
  badAuthorization,
  contentTypeHeader,
  echoableIds,
  expectRefusalOnJsonRpcRoute,
  expectRefusalOnOtherRoute,
  expectJsonRpcReply,
  expectJsonRpcServerMessage,
  fc,
  fuzz,
  FUZZ_TEST_TIMEOUT_MS,
  headersOf,
  jsonBody,
  lastEventIdHeader,
  rawBody,
  sessionIdHeader,
  watchUnhandledRejections,
  type JsonRpcId
} from "./support/fuzz";

useFakes();

describe("fuzzing POST /messages", () => {
  let session: OpenSession;
  const rejections = watchUnhandledRejections();
  /** Every id a reply on the stream may carry: those sent so far, and the sentinels. */
  const sentIds: JsonRpcId[] = [];
  let sentinel = 0;

  /**
   * Sends a ping with a fresh id and reads the stream up to its reply,
   * checking every message on the way: replies to the fuzzed bodies come
   * before it, since the session answers in order of arrival (tool calls
   * that take longer may come later, and are checked then).
   */
  async function drainStream(): Promise<void> {
    const id = `sentinel-${++sentinel}`;
    sentIds.push(id);
    expect((await postJson(session.endpoint, { jsonrpc: "2.0", id, method: "ping" })).status).toBe(202);
    for (;;) {
      const message = await session.sse.nextMessage(5_000);
      expectJsonRpcServerMessage(message, sentIds);
      if (message.id === id) return;
    }
  }

  beforeAll(async () => {
    session = await openSession();
  });

  afterAll(async () => {
    rejections.stop();
    await session.sse.cancel();
    await closeStreams(session.sessionId);
  });

  it("accepts JSON-RPC-shaped garbage with 202 and replies on the stream in JSON-RPC", {
    timeout: FUZZ_TEST_TIMEOUT_MS
  }, async () => {
    await fuzz(
      fc.asyncProperty(jsonBody, async (body) => {
        const { text, value } = asSent(body);
        sentIds.push(...echoableIds(value));
        const response = await postJson(session.endpoint, text);
        const answer = await response.text();
        if (Array.isArray(value) && value.length === 0) {
          expect(response.status).toBe(400);
          expectJsonRpcReply(JSON.parse(answer), []);
        } else {
          expect(response.status, answer).toBe(202);
          expect(answer).toBe("");
        }
        await drainStream();
      })
    );
    rejections.check();
  });

  it("answers bytes that are not JSON with 400 and -32700, never a 5xx", { timeout: FUZZ_TEST_TIMEOUT_MS }, async () => {
    await fuzz(
      fc.asyncProperty(rawBody, async (body) => {
        const response = await call(session.endpoint, { method: "POST", headers: AUTH, body });
        const answer = await response.text();
        expect(response.status, answer).toBeLessThan(500);
        if (response.status === 400) {
          expect(JSON.parse(answer)).toMatchObject({
            jsonrpc: "2.0",
            id: null,
            error: { code: expect.any(Number), message: expect.any(String) }
          });
          expectJsonRpcReply(JSON.parse(answer), []);
        } else {
          expect(response.status).toBe(202);
          // As the server reads it: UTF-8, with anything unpaired replaced.
          const text = new TextDecoder().decode(typeof body === "string" ? new TextEncoder().encode(body) : body);
          sentIds.push(...echoableIds(JSON.parse(text)));
        }
      })
    );
    await drainStream();
    rejections.check();
  });

  it("refuses bad headers and unknown sessions with 4xx JSON-RPC errors, never a 5xx", {
    timeout: FUZZ_TEST_TIMEOUT_MS
  }, async () => {
    await fuzz(
      fc.asyncProperty(
        fc.record({
          authorization: fc.oneof(fc.constant(undefined), badAuthorization),
          contentType: contentTypeHeader,
          accept: acceptHeader
        }),
        sessionIdHeader(session.sessionId),
        async (h, sessionId) => {
          const authorized = h.authorization === undefined;
          const headers = headersOf({
            Authorization: authorized ? AUTH.Authorization : h.authorization,
            "Content-Type": h.contentType,
            Accept: h.accept
          });
          const path = sessionId === undefined ? "/messages" : `/messages?sessionId=${encodeURIComponent(sessionId)}`;
          const response = await call(path, { method: "POST", headers, body: '{"jsonrpc":"2.0","id":"h","method":"ping"}' });
          const text = await response.text();
          if (authorized && sessionId === session.sessionId) {
            expect(response.status, text).toBe(202);
            sentIds.push("h");
            return;
          }
          expectRefusalOnJsonRpcRoute(response.status, text);
          expect(response.status).toBe(!authorized ? 401 : sessionId === undefined ? 400 : 404);
        }
      )
    );
    await drainStream();
    rejections.check();
  });

  it("opens, attaches to or refuses GET /sse whatever its sessionId and Last-Event-ID (400 for one that is no event id)", {
    timeout: FUZZ_TEST_TIMEOUT_MS
  }, async () => {
    await fuzz(
      fc.asyncProperty(
        sessionIdHeader(session.sessionId),
        lastEventIdHeader(session.sessionId),
        async (sessionId, lastEventId) => {
          const path = sessionId === undefined ? "/sse" : `/sse?sessionId=${encodeURIComponent(sessionId)}`;
          const response = await authed(path, { headers: headersOf({ "Last-Event-ID": lastEventId }) });
          const resumeAfter = lastEventId?.trim() ? parseEventId(lastEventId) : null;
          if (resumeAfter === undefined) {
            expectRefusalOnOtherRoute(response.status, await response.text());
            expect(response.status).toBe(400);
            return;
          }
          const named = sessionId ?? resumeAfter?.sessionId;
          if (named !== undefined && named !== session.sessionId) {
            expectRefusalOnOtherRoute(response.status, await response.text());
            expect(response.status).toBe(404);
            return;
          }
          expect(response.status).toBe(200);
          expect(response.headers.get("Content-Type")).toMatch(/^text\/event-stream/);
          const opened = response.headers.get("Mcp-Session-Id")!;
          expect(opened === session.sessionId).toBe(named !== undefined);
          const stream = new SseReader(response.body!);
          expect(await stream.next()).toMatchObject({ type: "event", event: "ready" });
          await stream.cancel();
          // A stream the test opened on a new session holds that object; close it from inside.
          if (opened !== session.sessionId) await closeStreams(opened);
        }
      ),
      50
    );
    rejections.check();
  });

  it("leaves the session working: tools/list answers and an analysis completes", async () => {
    await postJson(session.endpoint, { jsonrpc: "2.0", id: "list-after", method: "tools/list" });
    for (;;) {
      const message = await session.sse.nextMessage(5_000);
      expectJsonRpcServerMessage(message, [...sentIds, "list-after"]);
      if (message.id === "list-after") {
        expect((message.result as { tools: { name: string }[] }).tools.map((tool) => tool.name)).toContain("analyzeRemoteVideo");
        break;
      }
    }
    const result = await callTool(session.sessionId, "analyzeRemoteVideo", { videoUrl: "https://youtu.be/dQw4w9WgXcQ" });
    expect(result.isError).toBeUndefined();
    expect(result.content[0]?.text).toBe("The video shows a cat at 00:05 and a dog at 01:10.");
    rejections.check();
  });
});
