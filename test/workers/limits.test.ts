import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../src/http/body";
import { countingWorker } from "./support/counting-worker";
import { AUTH, BASE_URL, call, initializeMcpSession, openSession } from "./support/http";
import { expectJsonRpcRefusal } from "./support/refusals";

/** A JSON-RPC ping padded to `bytes`. */
function paddedPing(bytes: number): string {
  const head = '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":{"pad":"';
  const tail = '"}}}';
  return head + "x".repeat(bytes - head.length - tail.length) + tail;
}

/** A body with no Content-Length: the size shows only while reading. */
function streamed(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + 64 * 1024));
      offset += 64 * 1024;
    }
  });
}

describe("request body limit", () => {
  it("accepts a body of exactly 1 MiB", async () => {
    const response = await call("/rpc", { method: "POST", headers: AUTH, body: paddedPing(MAX_BODY_BYTES) });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: 1, result: {} });
  });

  it.each(["/rpc", "/mcp"])("refuses a larger declared body on %s with a JSON-RPC 413", async (path) => {
    const response = await call(path, {
      method: "POST",
      headers: { ...AUTH, "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
      body: paddedPing(MAX_BODY_BYTES + 1)
    });
    await expectJsonRpcRefusal(response, 413, "body_too_large");
  });

  it("refuses a larger body without Content-Length once it has read past the limit, and the session still works", async () => {
    const session = await openSession();
    const refused = await call(session.endpoint, {
      method: "POST",
      headers: AUTH,
      body: streamed(paddedPing(MAX_BODY_BYTES + 10)),
      // @ts-expect-error -- workerd needs duplex for a streamed request body
      duplex: "half"
    });
    await expectJsonRpcRefusal(refused, 413, "body_too_large");
    const ok = await call(session.endpoint, { method: "POST", headers: AUTH, body: '{"jsonrpc":"2.0","id":2,"method":"ping"}' });
    expect(ok.status).toBe(202);
    expect(await session.sse.nextMessage()).toEqual({ jsonrpc: "2.0", id: 2, result: {} });
    await session.sse.cancel();
  });
});

/** A body that sends a few bytes, then nothing more, and never ends. */
function stalled(): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"jsonrpc":'));
    }
  });
}

describe("request body deadline", () => {
  it("answers a body that stalls with a JSON-RPC 408 within BODY_TIMEOUT_SECONDS, before any Durable Object is asked", async () => {
    const legacy = await openSession();
    const streamable = await initializeMcpSession();
    const counting = countingWorker({ BODY_TIMEOUT_SECONDS: "0.2" });
    const json = { ...AUTH, "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
    const bound = new Promise<"no answer">((resolve) => setTimeout(() => resolve("no answer"), 3000));
    for (const [path, headers] of [
      [legacy.endpoint, json],
      ["/rpc", { ...json, "Mcp-Session-Id": legacy.sessionId }],
      ["/mcp", { ...json, "Mcp-Session-Id": streamable, "Mcp-Protocol-Version": "2025-06-18" }]
    ] as const) {
      const startedAt = Date.now();
      const answer = await Promise.race([
        // @ts-expect-error -- workerd needs duplex for a streamed request body
        counting.fetch(new URL(path, BASE_URL), { method: "POST", headers, body: stalled(), duplex: "half" }),
        bound
      ]);
      if (answer === "no answer") throw new Error(`POST ${path}: no answer to a stalled body`);
      await expectJsonRpcRefusal(answer, 408, "body_timeout");
      expect(Date.now() - startedAt).toBeLessThan(2000);
    }
    expect(counting.objects()).toBe(0);
    await legacy.sse.cancel();
  });

  it("answers an upload's creation whose body stalls with a 408 within BODY_TIMEOUT_SECONDS, and creates no upload", async () => {
    const counting = countingWorker({ BODY_TIMEOUT_SECONDS: "0.2" });
    const bound = new Promise<"no answer">((resolve) => setTimeout(() => resolve("no answer"), 3000));
    const startedAt = Date.now();
    const answer = await Promise.race([
      counting.fetch(new URL("/uploads", BASE_URL), {
        method: "POST",
        headers: { ...AUTH, "Tus-Resumable": "1.0.0", "Upload-Length": "1000" },
        body: stalled(),
        // @ts-expect-error -- workerd needs duplex for a streamed request body
        duplex: "half"
      }),
      bound
    ]);
    if (answer === "no answer") throw new Error("POST /uploads: no answer to a stalled body");
    expect(answer.status).toBe(408);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("body_timeout");
    expect(Date.now() - startedAt).toBeLessThan(2000);
    expect(answer.headers.get("Location")).toBeNull();
  });
});
