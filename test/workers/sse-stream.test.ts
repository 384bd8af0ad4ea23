import { describe, expect, it } from "vitest";
import { encodeSseComment } from "../../src/transport/sse";
import { MAX_UNREAD_BYTES, SseStream } from "../../src/transport/sse-stream";

describe("SseStream", () => {
  it("write delivers frames to the body in order", async () => {
    const stream = new SseStream();
    const reader = stream.body.getReader();
    expect(stream.write(encodeSseComment("one"))).toBe(true);
    expect(stream.write(encodeSseComment("two"))).toBe(true);
    const decoder = new TextDecoder();
    expect(decoder.decode((await reader.read()).value)).toBe(": one\n\n");
    expect(decoder.decode((await reader.read()).value)).toBe(": two\n\n");
  });

  it("closes itself when a write fails because the client cancelled the body", async () => {
    const stream = new SseStream();
    let closed = 0;
    stream.onclose = () => closed++;
    await stream.body.cancel();
    stream.write(encodeSseComment("ping"));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(stream.isOpen).toBe(false);
    expect(closed).toBe(1);
    expect(stream.write(encodeSseComment("ping"))).toBe(false);
    expect(closed).toBe(1);
  });

  it("drops a client that stops reading once too much is unread", () => {
    const stream = new SseStream();
    let closed = false;
    stream.onclose = () => (closed = true);
    const frame = new Uint8Array(MAX_UNREAD_BYTES / 4);
    for (let i = 0; i < 4; i++) expect(stream.write(frame)).toBe(true);
    expect(stream.write(new Uint8Array(1))).toBe(false);
    expect(closed).toBe(true);
  });

  it("close ends the body and runs onclose once", async () => {
    const stream = new SseStream();
    let closed = 0;
    stream.onclose = () => closed++;
    const reader = stream.body.getReader();
    stream.close();
    stream.close();
    expect((await reader.read()).done).toBe(true);
    expect(closed).toBe(1);
  });
});
