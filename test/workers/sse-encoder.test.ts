import { describe, expect, it } from "vitest";
import { encodeSseComment, encodeSseEvent } from "../../src/transport/sse";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("encodeSseEvent", () => {
  it("writes event, id and data lines and ends with a blank line", () => {
    expect(text(encodeSseEvent({ event: "message", id: "s-1", data: '{"a":1}' }))).toBe(
      'event: message\nid: s-1\ndata: {"a":1}\n\n'
    );
  });

  it.each([
    ["\n", "a\nb"],
    ["\r\n", "a\r\nb"],
    ["\r", "a\rb"]
  ])("splits data on %j so it cannot end the frame early", (_sep, data) => {
    expect(text(encodeSseEvent({ data }))).toBe("data: a\ndata: b\n\n");
  });

  it("keeps an injected field inside the data", () => {
    const frame = text(encodeSseEvent({ event: "message", data: "x\n\nevent: evil\nid: 9" }));
    expect(frame).toBe("event: message\ndata: x\ndata: \ndata: event: evil\ndata: id: 9\n\n");
  });

  it.each(["event", "id"] as const)("rejects a line break in %s", (field) => {
    for (const separator of ["\n", "\r", "\u0085", "\u2028", "\u2029"]) {
      expect(() => encodeSseEvent({ data: "", [field]: `a${separator}b` })).toThrow(/must not contain/);
    }
  });

  it("writes U+0085, U+2028 and U+2029 in JSON data as escapes, the same string once parsed", () => {
    const data = JSON.stringify({ progressToken: "a\u2028event: evil\u2029b\u0085c" });
    const frame = text(encodeSseEvent({ event: "message", data }));
    expect(frame).toBe('event: message\ndata: {"progressToken":"a\\u2028event: evil\\u2029b\\u0085c"}\n\n');
    expect(JSON.parse(frame.slice("event: message\ndata: ".length))).toEqual(JSON.parse(data));
  });

  it("writes retry as an integer", () => {
    expect(text(encodeSseEvent({ data: "x", retry: 1500.7 }))).toBe("retry: 1500\ndata: x\n\n");
  });
});

describe("encodeSseComment", () => {
  it("writes a comment frame", () => {
    expect(text(encodeSseComment("keep-alive"))).toBe(": keep-alive\n\n");
  });
});
