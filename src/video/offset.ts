/**
 * Time offsets into a video, as people write them: `90`, `"90s"`, `"1m30s"`,
 * `"1h2m3s"`, `"01:30"`, `"1:02:03"`; Gemini wants seconds as `"90s"`.
 * @module
 */

const UNITS = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/;
const CLOCK = /^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/;

export const OFFSET_FORMATS = '90, "90s", "1m30s", "01:30" or "1:02:03"';

/** Seconds from the start, or undefined when `value` is not an offset (or too large to be a finite number). */
export function parseOffset(value: number | string): number | undefined {
  const seconds = typeof value === "number" ? value : parseOffsetText(value.trim().toLowerCase());
  return seconds !== undefined && Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

function parseOffsetText(text: string): number | undefined {
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text);
  const clock = CLOCK.exec(text);
  if (clock) {
    const [, hours, minutes, seconds] = clock;
    if (Number(seconds) >= 60 || (hours !== undefined && Number(minutes) >= 60)) return undefined;
    return Number(hours ?? 0) * 3600 + Number(minutes) * 60 + Number(seconds);
  }
  const units = UNITS.exec(text);
  if (units && text !== "" && units.slice(1).some((part) => part !== undefined)) {
    const [, hours, minutes, seconds] = units;
    return Number(hours ?? 0) * 3600 + Number(minutes ?? 0) * 60 + Number(seconds ?? 0);
  }
  return undefined;
}

/** `"90s"`: the protobuf Duration form Gemini's `videoMetadata` takes. */
export function toGeminiOffset(seconds: number): string {
  return `${Number(seconds.toFixed(3))}s`;
}

/** `"1:02:03"` or `"01:30"`, for people. */
export function formatClock(totalSeconds: number): string {
  const whole = Math.floor(totalSeconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const seconds = whole % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return hours > 0 ? `${hours}:${two(minutes)}:${two(seconds)}` : `${two(minutes)}:${two(seconds)}`;
}
