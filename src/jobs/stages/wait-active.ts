/**
 * `poll:N` / `wait:N`: polls the uploaded file until Gemini says it is
 * ACTIVE, a durable sleep between polls, then keeps it (`keep-file.ts`).
 * @module
 */
import { UserFacingError } from "../../errors";
import type { Stage, StageRun } from "./stage";
import { keepFile } from "./keep-file";

export const FILE_POLL_INTERVAL_MS = 2_000;
export const MAX_PROCESSING_MS = 15 * 60_000;
/** Tasks' limit for one poll; see `run-job.ts`. */
const POLL_TIMEOUT_MS = 5 * 60_000;

export class GeminiFileError extends UserFacingError {
  constructor(message: string) {
    super(message);
    this.name = "GeminiFileError";
  }
}

export const waitActive: Stage = {
  steps: ["processing-since", "poll:N", "wait:N"],
  applies: (job) => job.state === "processing",
  async run(run) {
    const startedAt = await run.task.do("processing-since", () => Date.now());
    for (let poll = 0; ; poll++) {
      if ((await run.step(`poll:${poll}`, POLL_TIMEOUT_MS, () => pollFile(run, startedAt))) !== false) return;
      await run.task.sleep(`wait:${poll}`, FILE_POLL_INTERVAL_MS);
    }
  }
};

/** `"123.4s"` (a protobuf Duration, as in the file's `videoMetadata`) in seconds. */
export function durationSeconds(value: unknown): number | undefined {
  const seconds = typeof value === "string" ? Number(/^([\d.]+)s$/.exec(value)?.[1]) : Number.NaN;
  return Number.isFinite(seconds) ? seconds : undefined;
}

/** True once the file is ACTIVE (and kept), false while Gemini still processes it. */
async function pollFile(run: StageRun, startedAt: number): Promise<boolean> {
  // SAFETY: a processing job has its file (`EarlyJob`), and this stage runs only for one.
  const file = await run.retrying("Checking the uploaded file", () =>
    run.ai.files.get({ name: run.job.fileName!, config: { abortSignal: run.signal } })
  );
  if (file.state === "ACTIVE") {
    const seconds = durationSeconds(file.videoMetadata?.videoDuration);
    if (seconds !== undefined) run.update({}, { durationSeconds: seconds });
    await keepFile(run, file.expirationTime);
    return true;
  }
  if (file.state === "FAILED") {
    throw new GeminiFileError(
      `Gemini could not process the video${file.error?.message ? `: ${file.error.message}` : ""}. Check that it is a playable video file.`
    );
  }
  const elapsedMs = Date.now() - startedAt;
  if (elapsedMs > MAX_PROCESSING_MS) {
    throw new GeminiFileError(
      `Gemini was still processing the video after ${MAX_PROCESSING_MS / 60_000} minutes. Try a shorter or smaller video.`
    );
  }
  run.update({ message: `Gemini is processing the video (${Math.round(elapsedMs / 1000)} s)` });
  return false;
}
