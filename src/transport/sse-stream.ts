/**
 * One open `text/event-stream` response body, written to by the session.
 * @module
 */

/**
 * Bytes written but not yet taken by the client. A client that stops reading
 * (a half-dead connection) is dropped once this much is waiting.
 */
export const MAX_UNREAD_BYTES = 4 * 1024 * 1024;

/**
 * A writable handle on an SSE response body. Writes never throw: a write to
 * a stream the client has left returns `false`, and the stream stays closed.
 *
 * ## Lifecycle
 * Open from construction until a write fails (the client left), too much is
 * left unread, or `close()` is called; `onclose` runs once then. A write that
 * fails does so asynchronously, so the stream closes a moment after it.
 */
export class SseStream {
  readonly body: ReadableStream<Uint8Array>;
  onclose?: () => void;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private unreadBytes = 0;
  private open = true;

  constructor() {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    this.body = readable;
    this.writer = writable.getWriter();
    this.writer.closed.catch(() => this.markClosed());
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Queues one encoded frame; `false` when the stream is already closed. */
  write(frame: Uint8Array): boolean {
    if (!this.open) return false;
    if (this.unreadBytes + frame.byteLength > MAX_UNREAD_BYTES) {
      this.close();
      return false;
    }
    this.unreadBytes += frame.byteLength;
    this.writer.write(frame).then(
      () => {
        this.unreadBytes -= frame.byteLength;
      },
      () => this.markClosed()
    );
    return true;
  }

  close(): void {
    if (!this.open) return;
    this.markClosed();
    this.writer.close().catch(() => {
      // The client already left: nothing left to close.
    });
  }

  private markClosed(): void {
    if (!this.open) return;
    this.open = false;
    this.onclose?.();
  }
}
