/**
 * The one Server-Sent Events encoder: every frame on every stream is built here.
 * @module
 */
import { escapeLineSeparators } from "./line-separators";

export interface SseEvent {
  event?: string;
  /**
   * JSON, or plain text without U+0085, U+2028 and U+2029 (those are written
   * as JSON escapes). Split on line breaks into several `data:` lines, so it
   * can never end a frame early.
   */
  data: string;
  id?: string;
  retry?: number;
}

const encoder = new TextEncoder();

function assertSingleLine(field: string, value: string): void {
  if (/[\r\n\u0085\u2028\u2029]/.test(value)) {
    throw new Error(`SSE ${field} must not contain "\\r", "\\n" or another line separator`);
  }
}

/** Encodes one event as a complete frame ending in a blank line. */
export function encodeSseEvent({ event, data, id, retry }: SseEvent): Uint8Array {
  const lines: string[] = [];
  if (event !== undefined) {
    assertSingleLine("event", event);
    lines.push(`event: ${event}`);
  }
  if (id !== undefined) {
    assertSingleLine("id", id);
    lines.push(`id: ${id}`);
  }
  if (retry !== undefined) lines.push(`retry: ${Math.max(0, Math.trunc(retry))}`);
  for (const line of escapeLineSeparators(data).split(/\r\n|\r|\n/)) lines.push(`data: ${line}`);
  return encoder.encode(`${lines.join("\n")}\n\n`);
}

/** Encodes a comment frame (`: text`), which clients ignore but proxies see as traffic. */
export function encodeSseComment(text: string): Uint8Array {
  assertSingleLine("comment", text);
  return encoder.encode(`: ${text}\n\n`);
}
