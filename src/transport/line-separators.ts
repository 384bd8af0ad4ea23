/**
 * U+0085, U+2028 and U+2029 in Server-Sent Events data. SSE itself breaks
 * lines only at CR and LF, but other line splitters also break at these
 * (Python's `str.splitlines`, editors, log shippers), and `JSON.stringify`
 * writes them raw: a progress token holding one would show such a reader an
 * injected line. Written as JSON escapes (`\u2028`), they are the same string
 * to a JSON parser and no line break to anyone.
 * @module
 */

const LINE_SEPARATORS = /[\u0085\u2028\u2029]/g;

/** `text` (JSON) with U+0085, U+2028 and U+2029 written as `\u0085`, `\u2028`, `\u2029`. */
export function escapeLineSeparators(text: string): string {
  return text.replace(LINE_SEPARATORS, (separator) => `\\u${separator.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * The same over a stream of UTF-8 bytes, for SSE frames written by the SDK:
 * a character split across two chunks is held until its last byte arrives.
 */
export function escapeLineSeparatorsStream(): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  return new TransformStream({
    transform(chunk, controller) {
      const text = decoder.decode(chunk, { stream: true });
      if (text) controller.enqueue(encoder.encode(escapeLineSeparators(text)));
    },
    flush(controller) {
      const rest = decoder.decode();
      if (rest) controller.enqueue(encoder.encode(escapeLineSeparators(rest)));
    }
  });
}

/** An SSE response with its line separators escaped; any other response as it is. */
export function withEscapedLineSeparators(response: Response): Response {
  if (!response.body || !response.headers.get("Content-Type")?.startsWith("text/event-stream")) return response;
  return new Response(response.body.pipeThrough(escapeLineSeparatorsStream()), response);
}
