/**
 * Byte counts and durations for people, written once.
 * @module
 */

/** `12345678` → `"12.3"`: decimal megabytes with one decimal, as the messages print them with " MB". */
export function megabytes(bytes: number): string {
  return (bytes / 1_000_000).toFixed(1);
}

/** `90_400` → `"90 s"`: a duration in whole seconds, for messages about limits. */
export function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}
