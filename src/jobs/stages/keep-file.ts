/**
 * What becomes of a job's Gemini file: kept for follow-up questions (and
 * offered to other objects asking about the same video) once Gemini has
 * processed it, released when the job ends otherwise.
 * @module
 */
import type { Job } from "../job";
import type { JobContext } from "../job-context";
import { DEFAULT_FILE_LIFETIME_MS, type VideoFile } from "../video-files";
import type { StageRun } from "./stage";

/**
 * Keeps the processed file for follow-ups, and offers it to other objects
 * asking about the same video; the one it replaces is deleted.
 */
export async function keepFile(run: StageRun, expirationTime: string | undefined): Promise<void> {
  // The user's upload keeps its own file (src/uploads/), for as long as the upload lives.
  if (run.job.input.source.kind === "upload") return;
  // SAFETY: called once Gemini says the file is ACTIVE: the job uploaded it (or read a sibling's), so it has its name, URI and type.
  const { fileName, fileUri, mimeType, details, input } = run.job;
  const expiresAt = expirationTime ? Date.parse(expirationTime) : Number.NaN;
  const file = {
    videoUrl: input.source.url,
    sourceTag: details.sourceTag ?? null,
    fileName: fileName!,
    fileUri: fileUri!,
    mimeType: mimeType!,
    durationSeconds: details.durationSeconds ?? null,
    expiresAt: Number.isFinite(expiresAt) ? expiresAt : Date.now() + DEFAULT_FILE_LIFETIME_MS
  };
  await rememberFile(run.context, run.job.id, file);
  await run.context.shared.offer(file).catch(() => {});
}

/** Keeps `file` for its URL; the file it replaces goes, unless another object read it. */
export async function rememberFile(context: JobContext, jobId: string, file: VideoFile): Promise<void> {
  const replaced = context.files.remember(file);
  if (!replaced) return;
  if (await context.shared.handOver(replaced).catch(() => false)) return;
  void context.releaseFile(replaced.fileName, { exceptJobId: jobId });
}

/**
 * A finished job's upload: kept when a later job carries on from it, or
 * when it is kept for follow-ups (unless the job was cancelled); deleted
 * otherwise, unless another job reads it.
 */
export async function releaseFileOf(context: JobContext, job: Job): Promise<void> {
  const { fileName, details, state } = job;
  if (!fileName || details.resumable || details.reusedFile) return;
  await context.releaseFile(fileName, { exceptJobId: job.id, evenIfKept: state === "cancelled" });
}
