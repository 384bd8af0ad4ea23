/**
 * Byte counts for people, written once.
 * @module
 */

/** `12345678` → `"12.3"`: decimal megabytes with one decimal, as the messages print them with " MB". */
export function megabytes(bytes: number): string {
  return (bytes / 1_000_000).toFixed(1);
}
