/**
 * What went wrong with the video's host, as opposed to Gemini.
 * @module
 */
import { UserFacingError } from "../errors";

/**
 * A failure of the video source, written for the user. `retryable` marks an
 * interrupted transfer (a dropped connection) that is worth starting again
 * from the last confirmed byte; refusals and timeouts are final.
 */
export class VideoSourceError extends UserFacingError {
  readonly retryable: boolean;

  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "VideoSourceError";
    this.retryable = options.retryable ?? false;
  }
}

export function isRetryableSourceError(error: unknown): boolean {
  return error instanceof VideoSourceError && error.retryable;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
