/**
 * `notifications/progress` for a tool call, when the caller asked for it.
 * @module
 */
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Minimum gap between two progress notifications that are not stage changes. */
export const MIN_PROGRESS_INTERVAL_MS = 250;

export interface ProgressUpdate {
  message: string;
  total?: number;
}

export interface ProgressReporter {
  /** Reports a new stage: always sent. */
  stage(update: ProgressUpdate): Promise<void>;
  /** Reports movement within a stage: sent at most every 250 ms. */
  tick(update: ProgressUpdate): Promise<void>;
}

/**
 * Builds a reporter for one call. `progress` is a counter that rises by one
 * with every notification sent, so it is strictly monotonic whatever the
 * stage; the human `message` says where the work is.
 */
export function createProgressReporter(extra: ToolExtra, now: () => number = Date.now): ProgressReporter {
  const progressToken = extra._meta?.progressToken;
  let progress = 0;
  let lastSentAt = Number.NEGATIVE_INFINITY;

  async function send({ message, total }: ProgressUpdate): Promise<void> {
    if (progressToken === undefined) return;
    progress += 1;
    lastSentAt = now();
    await extra.sendNotification({
      method: "notifications/progress",
      params: { progressToken, progress, message, ...(total !== undefined ? { total } : {}) }
    });
  }

  return {
    stage: send,
    async tick(update) {
      if (now() - lastSentAt >= MIN_PROGRESS_INTERVAL_MS) await send(update);
    }
  };
}
