import { describe, expect, it } from "vitest";
import { sniffVideoType, videoMimeType } from "../../src/video/mime";

const bytes = (...values: (number | string)[]) =>
  new Uint8Array(values.flatMap((value) => (typeof value === "string" ? [...value].map((c) => c.charCodeAt(0)) : [value])));

describe("sniffVideoType", () => {
  it.each([
    ["MP4", bytes(0, 0, 0, 0x20, "ftypisom", 0, 0), "video/mp4"],
    ["QuickTime", bytes(0, 0, 0, 0x14, "ftypqt  ", 0, 0), "video/mov"],
    ["WebM/Matroska", bytes(0x1a, 0x45, 0xdf, 0xa3, 0, 0), "video/webm"],
    ["AVI", bytes("RIFF", 0, 0, 0, 0, "AVI ", 0), "video/avi"],
    ["MPEG-PS", bytes(0, 0, 1, 0xba, 0), "video/mpeg"],
    ["FLV", bytes("FLV", 1, 5), "video/x-flv"],
    ["HTML", bytes("<!doctype html>"), undefined]
  ])("recognises %s", (_name, head, expected) => {
    expect(sniffVideoType(head)).toBe(expected);
  });
});

describe("videoMimeType", () => {
  const url = new URL("https://example.com/clip.mov");
  it("prefers a video Content-Type, mapped to Gemini's names", () => {
    expect(videoMimeType("video/quicktime; charset=binary", url, new Uint8Array())).toBe("video/mov");
    expect(videoMimeType("video/webm", url, new Uint8Array())).toBe("video/webm");
  });

  it("falls back to the bytes, then to the extension, never to octet-stream", () => {
    expect(videoMimeType("application/octet-stream", new URL("https://x/y"), bytes(0, 0, 0, 0, "ftypmp42"))).toBe("video/mp4");
    expect(videoMimeType("application/octet-stream", url, new Uint8Array(8))).toBe("video/mov");
    expect(videoMimeType("text/html", new URL("https://x/page"), bytes("<html>"))).toBeUndefined();
  });
});
