import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatClock, parseOffset, toGeminiOffset } from "../../src/video/offset";

describe("video offsets", () => {
  it("reads back every clock time it writes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 * 3600 }), (seconds) => parseOffset(formatClock(seconds)) === seconds),
      { numRuns: 500 }
    );
  });

  it("reads h/m/s spellings as their sum", () => {
    fc.assert(
      fc.property(fc.nat(99), fc.nat(59), fc.nat(59), (h, m, s) => parseOffset(`${h}h${m}m${s}s`) === h * 3600 + m * 60 + s),
      { numRuns: 300 }
    );
  });

  it.each(["", "s", "1:2:3:4", "-5", "1m-2s", "01:60", "1:60:00", "5 minutes", "NaN", "Infinity", "0x10"])(
    "refuses %j",
    (text) => {
      expect(parseOffset(text)).toBeUndefined();
    }
  );

  it.each([
    ["seconds", "9".repeat(400)],
    ["hours", `${"9".repeat(400)}h`],
    ["a clock", `${"9".repeat(400)}:00:00`]
  ])("refuses four hundred 9s as %s, too large for a finite number", (_form, text) => {
    expect(parseOffset(text)).toBeUndefined();
  });

  it("refuses numbers that are not a time", () => {
    expect(parseOffset(-1)).toBeUndefined();
    expect(parseOffset(Number.NaN)).toBeUndefined();
    expect(parseOffset(Number.POSITIVE_INFINITY)).toBeUndefined();
  });

  it("writes Gemini's Duration form with at most millisecond precision", () => {
    expect(toGeminiOffset(90)).toBe("90s");
    expect(toGeminiOffset(1 / 3)).toBe("0.333s");
  });
});
